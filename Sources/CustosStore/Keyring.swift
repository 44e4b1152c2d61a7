package import Foundation
package import CustosCrypto
package import CustosPolicy

/// The keyring: the master key versions (as check values only), every subject's data key
/// and the blind-index and signing keys, each wrapped under a master key version. Kept apart
/// from the vault (a file of its own, or another PostgreSQL database) and backed up apart, so
/// an erased subject's key is gone from every later keyring backup. The rules live here; the
/// rows live in a `KeyringStorage`.
package final class Keyring: Sendable {
    let storage: any KeyringStorage
    /// The unlocked master keys by version; the highest is current.
    let masters: [Int: SecretKey]
    package let currentVersion: Int
    /// Long-lived service keys, unwrapped once at open.
    let blindIndexKey: SecretKey
    let signingKey: SecretKey
    package let signingPublicKey: [UInt8]
    /// Salts the subject ids in the erasure ledger, so the ledger alone does not show who
    /// was erased.
    let ledgerSalt: [UInt8]

    static let checkPlaintext = Array("custos master key check".utf8)

    static func checkContext(_ version: Int) -> [UInt8] { Array("custos/master-check/v\(version)".utf8) }
    /// `custos/subject-key/SUBJECT/KEY-VERSION/MASTER-VERSION`, written byte by byte: every
    /// gated read of a subject unwraps its key under it, and the interpolated string took
    /// about 3,700 instructions of a read.
    static func subjectContext(_ subject: String, keyVersion: Int, masterVersion: Int) -> [UInt8] {
        var context: [UInt8] = []
        context.reserveCapacity(subjectContextPrefix.count + subject.utf8.count + 24)
        context.append(contentsOf: subjectContextPrefix)
        context.append(contentsOf: subject.utf8)
        context.append(UInt8(ascii: "/"))
        context.append(contentsOf: String(keyVersion).utf8)
        context.append(UInt8(ascii: "/"))
        context.append(contentsOf: String(masterVersion).utf8)
        return context
    }
    private static let subjectContextPrefix = Array("custos/subject-key/".utf8)
    static func serviceContext(_ name: String, masterVersion: Int) -> [UInt8] { Array("custos/service-key/\(name)/\(masterVersion)".utf8) }

    static func masterRecord(_ master: SecretKey, version: Int, source: String, salt: [UInt8]?, now: Instant) throws -> MasterKeyRecord {
        MasterKeyRecord(version: version, source: source, salt: salt,
                        checkValue: try XChaCha20Poly1305.seal(checkPlaintext, key: master, associatedData: checkContext(version)), createdAt: now)
    }

    /// Fills an empty keyring with master version 1, fresh service keys and a ledger salt.
    package static func create(in storage: any KeyringStorage, master: SecretKey, source: String, salt: [UInt8]?, now: Instant) throws -> Keyring {
        let blind = try SecretKey.random(), signing = try SecretKey.random()
        var serviceKeys: [ServiceKeyRecord] = []
        for (name, key) in [("blind-index", blind), ("signing", signing)] {
            serviceKeys.append(ServiceKeyRecord(name: name, masterVersion: 1, wrapped: try KeyWrap.wrap(key, under: master, context: serviceContext(name, masterVersion: 1)),
                                                publicKey: name == "signing" ? Ed25519.publicKey(seed: key) : nil))
        }
        try storage.initialise(master: try masterRecord(master, version: 1, source: source, salt: salt, now: now), serviceKeys: serviceKeys,
                               ledgerSalt: Blake2b.hex(SecureRandom.bytes(32)))
        return try Keyring(storage: storage, masters: [1: master])
    }

    /// Opens a keyring; the master key must open the check value of its version.
    package static func open(_ storage: any KeyringStorage, source: MasterKeySource) throws -> Keyring {
        let records = try storage.activeMasterKeys()
        let fileKey: SecretKey? = if case let .file(path) = source { try MasterKeyFile.load(from: path) } else { nil }
        var masters: [Int: SecretKey] = [:]
        for record in records {
            let key: SecretKey
            switch source {
            case .file: key = fileKey!
            case let .passphrase(bytes):
                var copy = bytes
                guard let salt = record.salt else { throw StoreError.wrongMasterKey }
                key = try PassphraseKey.derive(passphrase: &copy, salt: salt)
            }
            guard (try? XChaCha20Poly1305.open(record.checkValue, key: key, associatedData: checkContext(record.version))) == checkPlaintext else { continue }
            masters[record.version] = key
        }
        guard !masters.isEmpty else { throw StoreError.wrongMasterKey }
        return try Keyring(storage: storage, masters: masters)
    }

    private init(storage: any KeyringStorage, masters: [Int: SecretKey]) throws {
        self.storage = storage
        self.masters = masters
        currentVersion = masters.keys.max() ?? 1
        func service(_ name: String) throws -> (SecretKey, [UInt8]?) {
            guard let record = try storage.serviceKey(named: name), let master = masters[record.masterVersion] else { throw StoreError.keyMissing(name) }
            let key = try KeyWrap.unwrap(record.wrapped, under: master, context: Self.serviceContext(name, masterVersion: record.masterVersion), storage: .guarded)
            return (key, record.publicKey)
        }
        blindIndexKey = try service("blind-index").0
        let (signing, publicKey) = try service("signing")
        signingKey = signing
        signingPublicKey = publicKey ?? Ed25519.publicKey(seed: signing)
        guard let salt = try storage.ledgerSalt(), let bytes = Hex.decode(salt) else { throw StoreError.integrity("the keyring has no erasure-ledger salt") }
        ledgerSalt = bytes
    }

    // MARK: subject keys

    /// Fresh random data keys for subjects, wrapped under the current master version but not
    /// stored yet (never derived from the id: a derivable key cannot be shredded).
    package func freshSubjectKeys(_ subjects: [String]) throws -> [String: NewSubjectKey] {
        var keys: [String: NewSubjectKey] = [:]
        for subject in subjects {
            let key = try SecretKey.random(storage: .ordinary)
            let wrapped = try KeyWrap.wrap(key, under: masters[currentVersion]!, context: Self.subjectContext(subject, keyVersion: 1, masterVersion: currentVersion))
            keys[subject] = NewSubjectKey(key: key, version: 1, masterVersion: currentVersion, wrapped: wrapped)
        }
        return keys
    }

    /// Stores new subject keys as pending, in one keyring transaction. The caller holds the
    /// vault's write lock and commits the subjects after this returns; `adopt` then clears the
    /// mark. A pending key whose subject never reached the vault is removed by
    /// `repairPendingKeys` at the next open. A pending key left by an earlier interrupted
    /// import of the same id is replaced; an adopted key is never overwritten.
    package func storePending(_ keys: [String: NewSubjectKey]) throws {
        try storePending(records: keys.sorted { $0.key < $1.key }.map { $1.record(of: $0) })
    }

    /// The same for keys already in their wrapped form: an import of many pages keeps these,
    /// never the keys themselves, and stores them all at once before the vault commits.
    package func storePending(records: [SubjectKeyRecord]) throws {
        try storage.storePending(records)
    }

    /// No subject key (pending or adopted) and no service account yet: a keyring an
    /// interrupted init made and nothing has used, which the next init may finish with.
    package func holdsNothingYet() throws -> Bool {
        try storage.pendingSubjects().isEmpty && storage.adoptedSubjects(after: nil, limit: 1).isEmpty && storage.serviceAccounts().isEmpty
    }

    /// Signs with the vault's Ed25519 key (checkpoints, consent receipts, erasure
    /// certificates); the key lives with the keyring, so a vault on either backend signs alike.
    package func sign(_ message: [UInt8]) -> [UInt8] { Ed25519.sign(message, seed: signingKey) }

    package func verifySignature(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        Ed25519.verify(signature, of: message, publicKey: signingPublicKey)
    }

    /// Clears the pending mark of keys whose subjects the vault has committed.
    package func adopt(_ subjects: [String]) throws { try storage.adopt(subjects) }

    /// Removes pending keys again after the vault refused their subjects.
    package func deletePending(_ subjects: [String]) throws { try storage.deletePending(subjects) }

    /// Subject ids whose keys are still marked pending.
    package func pendingSubjects() throws -> [String] { try storage.pendingSubjects() }

    /// A page of adopted subject keys' ids after `after`, in the keyring's own order of ids,
    /// for the vault/keyring agreement check.
    package func adoptedSubjects(after: String?, limit: Int) throws -> [String] { try storage.adoptedSubjects(after: after, limit: limit) }

    /// The ids among `subjects` that have an adopted key.
    package func adoptedAmong(_ subjects: [String]) throws -> Set<String> { try storage.adoptedAmong(subjects) }

    /// A subject's data key in ordinary memory, wiped when the returned key is released.
    package func subjectKey(_ subject: String) throws -> (key: SecretKey, version: UInt32) {
        guard let record = try storage.subjectKey(of: subject), let master = masters[record.masterVersion] else { throw StoreError.keyMissing(subject) }
        do {
            let key = try KeyWrap.unwrap(record.wrapped, under: master,
                                         context: Self.subjectContext(subject, keyVersion: record.keyVersion, masterVersion: record.masterVersion), storage: .ordinary)
            return (key, UInt32(record.keyVersion))
        } catch {
            throw StoreError.integrity("the key of subject \(subject) does not open")
        }
    }

    // MARK: rotation

    /// Rotates the master key to a new key file (or passphrase) and retires old versions, for
    /// a vault on either backend. A new key file is created (mode 0600, synced) before the
    /// keyring changes; an existing file is refused unless `resume` says it is the key an
    /// interrupted rotation wrote. The keyring is rewrapped in one transaction, so a kill at
    /// any moment leaves either the old key or the new one opening it.
    package func rotateMasterKey(to source: MasterKeySource, resume: Bool = false, at now: Instant) throws -> Int {
        switch source {
        case let .file(path):
            let exists = FileManager.default.fileExists(atPath: path)
            if exists && !resume { throw StoreError.keyFileExists(path) }
            if !exists && resume { throw StoreError.keyFileMissing(path) }
            let key = exists ? try MasterKeyFile.load(from: path) : try MasterKeyFile.create(at: path)
            if opens(with: key) { throw StoreError.rotationComplete(path) }
            return try rotate(to: key, source: "file", salt: nil, now: now)
        case let .passphrase(bytes):
            var copy = bytes
            let salt = SecureRandom.bytes(PassphraseKey.saltByteCount)
            return try rotate(to: try PassphraseKey.derive(passphrase: &copy, salt: salt), source: "argon2id", salt: salt, now: now)
        }
    }

    /// Adds a new master version, rewraps every subject and service key under it and retires
    /// every older version no key uses any more. Returns the new version.
    func rotate(to newMaster: SecretKey, source: String, salt: [UInt8]?, now: Instant) throws -> Int {
        let newVersion = try storage.highestMasterVersion() + 1
        try storage.rotate(to: try Self.masterRecord(newMaster, version: newVersion, source: source, salt: salt, now: now), at: now,
                           rewrapSubjectKey: { record in
                               guard let old = self.masters[record.masterVersion] else { throw StoreError.keyMissing(record.subject) }
                               let key = try KeyWrap.unwrap(record.wrapped, under: old, context: Self.subjectContext(record.subject, keyVersion: record.keyVersion, masterVersion: record.masterVersion), storage: .ordinary)
                               return try KeyWrap.wrap(key, under: newMaster, context: Self.subjectContext(record.subject, keyVersion: record.keyVersion, masterVersion: newVersion))
                           },
                           rewrapServiceKey: { record in
                               guard let old = self.masters[record.masterVersion] else { throw StoreError.keyMissing(record.name) }
                               let key = try KeyWrap.unwrap(record.wrapped, under: old, context: Self.serviceContext(record.name, masterVersion: record.masterVersion), storage: .guarded)
                               return try KeyWrap.wrap(key, under: newMaster, context: Self.serviceContext(record.name, masterVersion: newVersion))
                           })
        return newVersion
    }

    /// Throws when the keyring cannot be read now: `/readyz` asks before it says ready.
    package func check() throws { try storage.check() }

    /// Whether `key` is one of the master versions this keyring already uses.
    func opens(with key: SecretKey) -> Bool {
        masters.values.contains { $0.isEqual(to: key) }
    }

    /// The web sign-outs counted so far (`KeyringStorage.signOuts`).
    package func signOuts() throws -> Int64 { try storage.signOuts() }

    /// Counts one more web sign-out, durably, and returns the new count.
    package func countSignOut() throws -> Int64 { try storage.countSignOut() }

    /// Counts of subject keys per master version, for reports and tests.
    package func keysPerMasterVersion() throws -> [Int: Int] { try storage.keysPerMasterVersion() }
}

/// A subject key made for an import, with its wrapped form ready to store.
package struct NewSubjectKey: Sendable {
    package let key: SecretKey
    package let version: UInt32
    let masterVersion: Int
    let wrapped: [UInt8]

    /// What the keyring stores: the key wrapped, without the key.
    package func record(of subject: String) -> SubjectKeyRecord {
        SubjectKeyRecord(subject: subject, keyVersion: Int(version), masterVersion: masterVersion, wrapped: wrapped)
    }
}

/// Sealing and opening field values, the same for every vault backend.
extension Keyring {
    /// A value sealed under a subject's key for one field (`FieldCiphertext`).
    package func seal(_ value: String, subject: String, field: String, with key: NewSubjectKey) throws -> [UInt8] {
        try seal(value, subject: subject, field: field, key: key.key, keyVersion: key.version)
    }

    /// A value sealed under a subject's stored key (`subjectKey(_:)`).
    package func seal(_ value: String, subject: String, field: String, key: SecretKey, keyVersion: UInt32) throws -> [UInt8] {
        var plaintext = Array(value.utf8)
        defer { wipe(&plaintext) }
        return try FieldCiphertext.seal(plaintext, subject: subject, field: field, key: key, keyVersion: keyVersion)
    }

    /// The keyed blind-index digest of a value (e-mail, phone, IBAN), normalised first.
    package func blindDigest(_ value: String, kind: BlindIndexKind) -> [UInt8] {
        Blake2b.keyedHash(Array("\(kind.rawValue):\(BlindIndexNormaliser.normalise(value, as: kind))".utf8), key: blindIndexKey)
    }

    /// Decrypts ciphertexts of a subject; a field that fails to open is in `unreadable`. A
    /// keyring that cannot be reached is thrown (`StoreError.unavailable`), never reported as
    /// unreadable fields: the caller answers 503, not a value withheld for integrity.
    package func open(_ rows: [String: Data], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        var values: [String: String] = [:]
        var unreadable: Set<String> = []
        guard !rows.isEmpty else { return (values, unreadable) }
        let key: SecretKey
        do {
            key = try subjectKey(subject).key
        } catch where StoreError.isUnavailable(error) {
            throw error
        } catch {
            return (values, Set(rows.keys))
        }
        values.reserveCapacity(rows.count)
        var opener = FieldCiphertext.SubjectOpener(subject: subject, key: key)
        for (field, ciphertext) in rows {
            // Opened straight from the row's bytes: no copy of the ciphertext, one plaintext buffer.
            if let text = ciphertext.withUnsafeBytes({ opener.open($0, field: field) }) {
                values[field] = text
            } else {
                unreadable.insert(field)
            }
        }
        return (values, unreadable)
    }
}
