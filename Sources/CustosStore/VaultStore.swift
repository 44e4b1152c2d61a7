package import Foundation
internal import GRDB
internal import CustosCrypto
package import CustosPolicy
package import CustosDecision

/// The vault file and the keyring file, opened together. DESIGN §4: two files with separate
/// backup lifecycles, so a vault backup restored after an erasure cannot bring the erased
/// subject back: its key is gone from the keyring.
///
/// ```swift
/// let store = try VaultStore.create(vault: "custos.db", keyring: KeyringFile(path: "custos.keys.db"),
///                                   masterKey: .file("custos.key"), policy: compiled, policyFolder: "policies/x", now: .now)
/// try store.vault.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "a@b.nl"]), at: .now, by: "officer")
/// ```
package final class VaultStore: Sendable {
    package let vault: Vault
    package let keyring: Keyring
    package let log: DecisionLog
    package let vaultId: String
    package let isSimulation: Bool
    package let vaultPath: String
    /// Erasures re-applied from the keyring's ledger when this vault was opened.
    package let ledgerReplay: LedgerReplay
    /// Keys an interrupted import left pending, settled when this vault was opened.
    package let keyRepair: KeyRepair
    let pool: DatabasePool

    /// The paths of a vault's files: the vault and keyring, each with its WAL and SHM.
    package static func files(vault: String, keyring: String) -> [String] {
        [vault, vault + "-wal", vault + "-shm", keyring, keyring + "-wal", keyring + "-shm"]
    }

    package static func create(vault path: String, keyring place: any KeyringPlace, masterKey: MasterKeySource, policy: CompiledPolicy,
                              policyFolder: String, simulation: Bool = false, now: Instant) throws -> VaultStore {
        if FileManager.default.fileExists(atPath: path) { throw StoreError.alreadyInitialised(path) }
        if try place.exists() { throw StoreError.keyringExists(place.location) }
        var created: [String] = []
        var keyringMade = false
        do {
            return try create(vault: path, keyring: place, masterKey: masterKey, policy: policy, policyFolder: policyFolder,
                              simulation: simulation, now: now, created: &created, keyringMade: &keyringMade)
        } catch {
            // A failed init leaves nothing behind, so it can simply be run again.
            for file in created + [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
            if keyringMade { place.discard() }
            throw error
        }
    }

    private static func create(vault path: String, keyring place: any KeyringPlace, masterKey: MasterKeySource, policy: CompiledPolicy,
                               policyFolder: String, simulation: Bool, now: Instant, created: inout [String], keyringMade: inout Bool) throws -> VaultStore {
        let (master, source, salt) = try masterKey.materialise(created: &created)
        let storage = try place.create()
        keyringMade = true
        // Owner-only from the first byte; SQLite gives its WAL and SHM files the same mode.
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.io("cannot create \(path)")
        }
        created.append(path)
        let keyring = try Keyring.create(in: storage, master: master, source: source, salt: salt, now: now)
        let pool = try StoreDatabase.open(path: path)
        try Schema.vaultMigrator().migrate(pool)
        let id = Blake2b.hex(SecureRandom.bytes(16))
        try pool.write { db in
            for (key, value) in [("vault-id", id), ("policy-folder", policyFolder), ("simulation", simulation ? "true" : "false"),
                                 ("created-at", now.description)] {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        }
        // Every migration ran through the write-ahead log: a new vault left 1.1 MB of it beside
        // a 0.4 MB file, kept until a connection closed cleanly (a CLI command exits without).
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        return try VaultStore(pool: pool, keyring: keyring, policy: policy, path: path, ledgerReplay: LedgerReplay(), keyRepair: KeyRepair())
    }

    package static func open(vault path: String, keyring place: any KeyringPlace, masterKey: MasterKeySource, policy: CompiledPolicy) throws -> VaultStore {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notInitialised(path) }
        let keyring = try Keyring.open(try place.open(), source: masterKey)
        let pool = try StoreDatabase.open(path: path)
        try StoreDatabase.migrate(pool, with: Schema.vaultMigrator())
        // Before anything is served: a restored backup must not bring an erasure back.
        let replay = try replayErasureLedger(pool: pool, keyring: keyring)
        // An import interrupted between the keyring's commit and the vault's leaves pending keys.
        let repair = try Vault.repairPendingKeys(pool: pool, keyring: keyring)
        let store = try VaultStore(pool: pool, keyring: keyring, policy: policy, path: path, ledgerReplay: replay, keyRepair: repair)
        // Nor may it bring back a web session signed out after the backup was made.
        try store.endSessionsUnlessSignOutsAgreeWithTheKeyring()
        return store
    }

    /// Whether a vault was created as a simulation, read without opening the keyring.
    package static func isSimulation(vault path: String) throws -> Bool {
        try readMeta(vault: path, key: "simulation") == "true"
    }

    /// The policy folder recorded by `custos init`, read without opening the keyring.
    package static func recordedPolicyFolder(vault path: String) throws -> String {
        guard let folder = try readMeta(vault: path, key: "policy-folder") else { throw StoreError.notInitialised(path) }
        return folder
    }

    private static func readMeta(vault path: String, key: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notInitialised(path) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(StoreDatabase.busyTimeout)  // another process may be writing
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.from(error, doing: "read \(path)")
        }
    }

    private init(pool: DatabasePool, keyring: Keyring, policy: CompiledPolicy, path: String, ledgerReplay: LedgerReplay, keyRepair: KeyRepair) throws {
        self.pool = pool
        self.keyRepair = keyRepair
        self.ledgerReplay = ledgerReplay
        self.keyring = keyring
        vaultPath = path
        vault = Vault(pool: pool, keyring: keyring, policy: policy)
        log = DecisionLog(pool: pool)
        let meta = try pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0["key"] as String, $0["value"] as String) })
        }
        vaultId = meta["vault-id"] ?? "unknown"
        isSimulation = meta["simulation"] == "true"
        // Every policy version decisions are made under is archived by its digest.
        try pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO policy_versions (digest, canonical, archived_at) VALUES (?, ?, ?)",
                           arguments: [policy.digest, Data(policy.policy.canonicalJSON()), Instant.now.millisecondsSinceEpoch])
        }
    }

    /// The SQLite settings in force on the vault and (in a file) the keyring, for tests and `audit`.
    package func pragmas() throws -> (vault: [String: String], keyring: [String: String]) {
        (try StoreDatabase.pragmas(pool), try (keyring.storage as? SQLiteKeyringStorage)?.pragmas() ?? [:])
    }

    /// Runs `body` in one IMMEDIATE write transaction of the vault: a share loads its facts,
    /// is decided, logged and recorded there, so the occasional-transfer check and the record
    /// of the transfer cannot race.
    package func inWriteTransaction<T>(_ body: (VaultTransaction) throws -> T) throws -> T {
        try pool.write { db in try body(VaultTransaction(db: db, vault: vault)) }
    }

    // MARK: crypto-shredding

    /// Destroys a subject's key (crypto-shredding), then its rows; the WAL is checkpointed and
    /// truncated so no old page lingers. The keyring's erasure ledger remembers a salted hash
    /// of the id, so a restored vault backup is shredded again when it is opened.
    package func shred(subject: String, at now: Instant) throws {
        try shred(subjects: [subject], at: now)
    }

    /// Shreds many subjects: their keys and ledger entries in one keyring transaction, their
    /// rows in one vault transaction.
    package func shred(subjects: [String], at now: Instant) throws {
        guard !subjects.isEmpty else { return }
        let appended = try keyring.recordErasures(subjects.map { ErasureRecord(subject: $0, wholeSubject: true) }, at: now)
        try pool.write { db in
            for subject in subjects {
                try Vault.keepConsentProof(db, subject: subject, hash: keyring.ledgerHash(subject), at: now)
                try db.execute(sql: "DELETE FROM subjects WHERE id = ?", arguments: [subject])
            }
            try Self.markApplied(db, appended)
        }
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Notes an erasure's ledger entries as applied, in the transaction that applies them: the
    /// mark moves from `before` to `after` only where it stood at `before` (`LedgerAppend`).
    static func markApplied(_ db: Database, _ append: LedgerAppend) throws {
        if append.before == 0 {
            try db.execute(sql: """
                INSERT INTO meta (key, value) VALUES ('ledger-replayed', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE meta.value = '0'
                """, arguments: [String(append.after)])
        } else {
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'ledger-replayed' AND value = ?", arguments: [String(append.after), String(append.before)])
        }
    }

    /// Notes the whole ledger up to `ledgerSize` as applied (after a replay applied all of it).
    static func markReplayed(_ db: Database, _ ledgerSize: Int64) throws {
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('ledger-replayed', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       arguments: [String(ledgerSize)])
    }

    // MARK: signatures

    /// Signs with the vault's Ed25519 key (checkpoints, consent receipts).
    package func sign(_ message: [UInt8]) -> [UInt8] { keyring.sign(message) }

    package func verifySignature(_ signature: [UInt8], of message: [UInt8]) -> Bool { keyring.verifySignature(signature, of: message) }

    // MARK: checkpoints

    /// Signs the log's head once the whole chain verifies, and (the officer's periodic upkeep
    /// of the log) brings the index of subjects' trails up to that head.
    package func checkpoint(at now: Instant) throws -> AuditCheckpoint {
        let head = try verifyLog()
        guard head.isIntact else { throw StoreError.integrity(head.problem ?? "the decision log is broken") }
        let checkpoint = AuditCheckpoint.signed(vault: vaultId, seq: head.headSeq, hash: head.headHash, at: now, keyring: keyring)
        try pool.write { db in
            try db.execute(sql: "INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES (?, ?, ?, ?)",
                           arguments: [checkpoint.seq, checkpoint.hash, now.millisecondsSinceEpoch, checkpoint.signature])
        }
        try LogSubjectBlocks.catchUp(pool)
        return checkpoint
    }

    package func verify(_ checkpoint: AuditCheckpoint) throws -> CheckpointVerification {
        try checkpoint.verification(
            vault: vaultId, keyring: keyring,
            hashAt: { seq in try pool.read { db in try Data.fetchOne(db, sql: "SELECT hash FROM decision_log WHERE seq = ?", arguments: [seq]) }.map { [UInt8]($0) } },
            anchor: { try logAnchor() },
            head: { try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM decision_log") } ?? 0 })
    }

    /// Rotates the master key to a new key file (or passphrase) and retires old versions.
    /// A new key file is created (mode 0600, synced) before the keyring changes; an existing
    /// file is refused unless `resume` says it is the key an interrupted rotation wrote. The
    /// keyring is rewrapped in one transaction, so a kill at any moment leaves either the old
    /// key or the new one opening the vault.
    package func rotateMasterKey(to source: MasterKeySource, resume: Bool = false, at now: Instant) throws -> Int {
        try keyring.rotateMasterKey(to: source, resume: resume, at: now)
    }
}

/// The vault inside one write transaction.
package struct VaultTransaction {
    let db: Database
    let vault: Vault

    package func facts(of subject: String) throws -> Facts? { try vault.loadFacts(db, subject: subject) }

    package func ciphertexts(of subject: String, fields: [String]) throws -> [String: Data] { try Vault.ciphertexts(db, of: subject, fields: fields) }

    package func append(_ decision: Decision, at: Instant) throws -> Int64 {
        try DecisionLog.insert(LogEntry(decision, at: at), into: db)
    }

    package func recordDisclosure(_ disclosure: DisclosureRecord, subject: String, seq: Int64, at: Instant) throws {
        try DecisionLog.recordDisclosure(disclosure, subject: subject, seq: seq, at: at, into: db)
    }

    package func recordErasureCertificate(_ certificate: String, request: String) throws {
        try db.execute(sql: "UPDATE requests SET erasure_certificate = ? WHERE id = ?", arguments: [certificate, request])
    }

    /// Seals and stores values of an existing subject under its key, in this transaction: a new
    /// value is collected `collectedAt` for `collectedFor`; a value that replaces one keeps when
    /// and for what the field was first collected only when `rectification` is set.
    /// Returns the fields that had a value before.
    package func storeFields(_ values: [String: String], of subject: String, source: String, collectedFor: [String],
                             collectedAt: Instant, now: Instant) throws -> [String] {
        try LabelText.check(source, LibraryWords("what.valueSource", "a value's source (where it came from)"))
        try FieldValueRules.check(values, policy: vault.policy, today: vault.policy.localDate(of: now))
        let (key, version) = try vault.keyring.subjectKey(subject)
        let existing = Set(try String.fetchAll(db, sql: "SELECT field FROM fields WHERE subject_id = ?", arguments: [subject]))
        for (field, value) in values.sorted(by: { $0.key < $1.key }) {
            try vault.storeField(db, subject: subject, field: field, value: value, key: key, keyVersion: version, source: source,
                                 collectedFor: collectedFor, at: collectedAt)
        }
        return values.keys.filter(existing.contains).sorted()
    }
}
