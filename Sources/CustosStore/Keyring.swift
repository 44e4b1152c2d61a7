import Foundation
internal import GRDB
internal import CustosCrypto
import CustosPolicy

/// The keyring file: the master key versions (as check values only), every subject's data key
/// and the blind-index and signing keys, each wrapped under a master key version. Backed up
/// apart from the vault, so an erased subject's key is gone from every later keyring backup.
package final class Keyring: Sendable {
    let pool: DatabasePool
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
    static func subjectContext(_ subject: String, keyVersion: Int, masterVersion: Int) -> [UInt8] {
        Array("custos/subject-key/\(subject)/\(keyVersion)/\(masterVersion)".utf8)
    }
    static func serviceContext(_ name: String, masterVersion: Int) -> [UInt8] { Array("custos/service-key/\(name)/\(masterVersion)".utf8) }

    /// Creates a new keyring with master version 1 and fresh service keys.
    static func create(path: String, master: SecretKey, source: String, salt: [UInt8]?, now: Instant) throws -> Keyring {
        let pool = try StoreDatabase.open(path: path)
        try Schema.keyringMigrator().migrate(pool)
        let blind = try SecretKey.random(), signing = try SecretKey.random()
        try pool.write { db in
            try db.execute(sql: "INSERT INTO master_keys (version, source, salt, check_value, created_at) VALUES (1, ?, ?, ?, ?)",
                           arguments: [source, salt.map { Data($0) }, Data(try XChaCha20Poly1305.seal(checkPlaintext, key: master, associatedData: checkContext(1))), now.millisecondsSinceEpoch])
            for (name, key) in [("blind-index", blind), ("signing", signing)] {
                let wrapped = try KeyWrap.wrap(key, under: master, context: serviceContext(name, masterVersion: 1))
                let publicKey = name == "signing" ? Data(Ed25519.publicKey(seed: key)) : nil
                try db.execute(sql: "INSERT INTO service_keys (name, master_version, wrapped, public_key) VALUES (?, 1, ?, ?)",
                               arguments: [name, Data(wrapped), publicKey])
            }
        }
        return try Keyring(pool: pool, masters: [1: master])
    }

    /// Opens a keyring; the master key must open the check value of its version.
    static func open(path: String, source: MasterKeySource) throws -> Keyring {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notInitialised(path) }
        let pool = try StoreDatabase.open(path: path)
        try Schema.keyringMigrator().migrate(pool)
        let rows = try pool.read { db in try Row.fetchAll(db, sql: "SELECT version, salt, check_value FROM master_keys WHERE retired_at IS NULL ORDER BY version") }
        let fileKey: SecretKey? = if case let .file(path) = source { try MasterKeyFile.load(from: path) } else { nil }
        var masters: [Int: SecretKey] = [:]
        for row in rows {
            let version: Int = row["version"]
            let key: SecretKey
            switch source {
            case .file: key = fileKey!
            case let .passphrase(bytes):
                var copy = bytes
                guard let salt: Data = row["salt"] else { throw StoreError.wrongMasterKey }
                key = try PassphraseKey.derive(passphrase: &copy, salt: [UInt8](salt))
            }
            let check: Data = row["check_value"]
            guard (try? XChaCha20Poly1305.open([UInt8](check), key: key, associatedData: checkContext(version))) == checkPlaintext else { continue }
            masters[version] = key
        }
        guard !masters.isEmpty else { throw StoreError.wrongMasterKey }
        return try Keyring(pool: pool, masters: masters)
    }

    private init(pool: DatabasePool, masters: [Int: SecretKey]) throws {
        self.pool = pool
        self.masters = masters
        currentVersion = masters.keys.max() ?? 1
        func service(_ name: String) throws -> (SecretKey, [UInt8]?) {
            guard let row = try pool.read({ db in try Row.fetchOne(db, sql: "SELECT master_version, wrapped, public_key FROM service_keys WHERE name = ?", arguments: [name]) }),
                  let master = masters[row["master_version"]] else { throw StoreError.keyMissing(name) }
            let wrapped: Data = row["wrapped"]
            let publicKey: Data? = row["public_key"]
            let key = try KeyWrap.unwrap([UInt8](wrapped), under: master, context: Self.serviceContext(name, masterVersion: row["master_version"]), storage: .guarded)
            return (key, publicKey.map { [UInt8]($0) })
        }
        blindIndexKey = try service("blind-index").0
        let (signing, publicKey) = try service("signing")
        signingKey = signing
        signingPublicKey = publicKey ?? Ed25519.publicKey(seed: signing)
        let salt = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ledger-salt'") }
        guard let salt, let bytes = Hex.decode(salt) else { throw StoreError.integrity("the keyring has no erasure-ledger salt") }
        ledgerSalt = bytes
    }

    // MARK: subject keys

    /// Fresh random data keys for subjects, wrapped under the current master version but not
    /// stored yet (never derived from the id: a derivable key cannot be shredded).
    func freshSubjectKeys(_ subjects: [String]) throws -> [String: NewSubjectKey] {
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
    func storePending(_ keys: [String: NewSubjectKey]) throws {
        try pool.write { db in
            for (subject, key) in keys.sorted(by: { $0.key < $1.key }) {
                try db.cachedStatement(sql: "DELETE FROM subject_keys WHERE subject_id = ? AND pending = 1").execute(arguments: [subject])
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM subject_keys WHERE subject_id = ?", arguments: [subject]) == true {
                    throw StoreError.keyringDisagrees("the keyring already holds a key for subject \(subject), which the vault does not have; run 'custos audit verify'")
                }
                try db.cachedStatement(sql: "INSERT INTO subject_keys (subject_id, key_version, master_version, wrapped, pending) VALUES (?, ?, ?, ?, 1)")
                    .execute(arguments: [subject, Int(key.version), key.masterVersion, Data(key.wrapped)])
            }
        }
    }

    /// Clears the pending mark of keys whose subjects the vault has committed.
    func adopt(_ subjects: [String]) throws {
        try pool.write { db in
            for subject in subjects { try db.cachedStatement(sql: "UPDATE subject_keys SET pending = 0 WHERE subject_id = ?").execute(arguments: [subject]) }
        }
    }

    /// Removes pending keys again after the vault refused their subjects.
    func deletePending(_ subjects: [String]) throws {
        try pool.write { db in
            for subject in subjects { try db.cachedStatement(sql: "DELETE FROM subject_keys WHERE subject_id = ? AND pending = 1").execute(arguments: [subject]) }
        }
    }

    /// Subject ids whose keys are still marked pending.
    func pendingSubjects() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT subject_id FROM subject_keys WHERE pending = 1 ORDER BY subject_id") }
    }

    /// Every adopted subject key's id, for the vault/keyring agreement check.
    func adoptedSubjects() throws -> Set<String> {
        try pool.read { db in Set(try String.fetchAll(db, sql: "SELECT subject_id FROM subject_keys WHERE pending = 0")) }
    }

    /// A subject's data key in ordinary memory, wiped when the returned key is released.
    func subjectKey(_ subject: String) throws -> (key: SecretKey, version: UInt32) {
        guard let row = try pool.read({ db in try Row.fetchOne(db, sql: "SELECT key_version, master_version, wrapped FROM subject_keys WHERE subject_id = ?", arguments: [subject]) }) else {
            throw StoreError.keyMissing(subject)
        }
        let masterVersion: Int = row["master_version"], keyVersion: Int = row["key_version"]
        guard let master = masters[masterVersion] else { throw StoreError.keyMissing(subject) }
        let wrapped: Data = row["wrapped"]
        do {
            let key = try KeyWrap.unwrap([UInt8](wrapped), under: master, context: Self.subjectContext(subject, keyVersion: keyVersion, masterVersion: masterVersion), storage: .ordinary)
            return (key, UInt32(keyVersion))
        } catch {
            throw StoreError.integrity("the key of subject \(subject) does not open")
        }
    }


    // MARK: rotation

    /// Adds a new master version, rewraps every subject and service key under it and retires
    /// every older version no key uses any more. Returns the new version.
    func rotate(to newMaster: SecretKey, source: String, salt: [UInt8]?, now: Instant) throws -> Int {
        let newVersion = (try pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(version) FROM master_keys") } ?? 0) + 1
        try pool.write { db in
            try db.execute(sql: "INSERT INTO master_keys (version, source, salt, check_value, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [newVersion, source, salt.map { Data($0) },
                                       Data(try XChaCha20Poly1305.seal(Self.checkPlaintext, key: newMaster, associatedData: Self.checkContext(newVersion))),
                                       now.millisecondsSinceEpoch])
            for row in try Row.fetchAll(db, sql: "SELECT subject_id, key_version, master_version, wrapped FROM subject_keys") {
                let subject: String = row["subject_id"], keyVersion: Int = row["key_version"], old: Int = row["master_version"]
                guard let oldMaster = masters[old] else { throw StoreError.keyMissing(subject) }
                let wrapped: Data = row["wrapped"]
                let key = try KeyWrap.unwrap([UInt8](wrapped), under: oldMaster, context: Self.subjectContext(subject, keyVersion: keyVersion, masterVersion: old), storage: .ordinary)
                let rewrapped = try KeyWrap.wrap(key, under: newMaster, context: Self.subjectContext(subject, keyVersion: keyVersion, masterVersion: newVersion))
                try db.execute(sql: "UPDATE subject_keys SET master_version = ?, wrapped = ? WHERE subject_id = ?", arguments: [newVersion, Data(rewrapped), subject])
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, master_version, wrapped FROM service_keys") {
                let name: String = row["name"], old: Int = row["master_version"]
                guard let oldMaster = masters[old] else { throw StoreError.keyMissing(name) }
                let wrapped: Data = row["wrapped"]
                let key = try KeyWrap.unwrap([UInt8](wrapped), under: oldMaster, context: Self.serviceContext(name, masterVersion: old), storage: .guarded)
                try db.execute(sql: "UPDATE service_keys SET master_version = ?, wrapped = ? WHERE name = ?",
                               arguments: [newVersion, Data(try KeyWrap.wrap(key, under: newMaster, context: Self.serviceContext(name, masterVersion: newVersion))), name])
            }
            // Retire every version no key uses any more.
            try db.execute(sql: """
            UPDATE master_keys SET retired_at = ? WHERE retired_at IS NULL AND version <> ?
              AND version NOT IN (SELECT master_version FROM subject_keys) AND version NOT IN (SELECT master_version FROM service_keys)
            """, arguments: [now.millisecondsSinceEpoch, newVersion])
        }
        return newVersion
    }

    /// Whether `key` is one of the master versions this keyring already uses.
    func opens(with key: SecretKey) -> Bool {
        masters.values.contains { $0.isEqual(to: key) }
    }

    /// Counts of subject keys per master version, for reports and tests.
    package func keysPerMasterVersion() throws -> [Int: Int] {
        try pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT master_version, COUNT(*) AS n FROM subject_keys GROUP BY master_version").map { ($0["master_version"], $0["n"]) })
        }
    }
}

/// A subject key made for an import, with its wrapped form ready to store.
struct NewSubjectKey: Sendable {
    let key: SecretKey
    let version: UInt32
    let masterVersion: Int
    let wrapped: [UInt8]
}
