package import Foundation
internal import GRDB
package import CustosPolicy
import Synchronization

/// The keyring in a SQLite file of its own beside the vault (the default), with the settings
/// of DESIGN §4: WAL, `synchronous=FULL`, `secure_delete=ON`.
package final class SQLiteKeyringStorage: KeyringStorage {
    let pool: DatabasePool
    package let location: String
    /// For the subject-key and token lookups every request makes, beside the pool.
    private let readers: SQLiteReadConnections
    /// Service accounts and wrapped subject keys kept while the file sees no commit; made by
    /// the first lookup of either, so commands that make none open no connection for them.
    /// Read without a lock: every gated read and every token check loads it, and a mutex here
    /// was contended by the server's engine threads.
    private let caches = AtomicLazyReference<MadeCaches>()

    private final class MadeCaches: Sendable {
        /// Nil when the file is not in WAL mode (nothing to watch): every lookup reads the file.
        let caches: Caches?
        init(_ caches: Caches?) { self.caches = caches }
    }

    private struct Caches: Sendable {
        let tokens: CommitMarkedCache<Data, ServiceTokenHolder>
        let subjectKeys: CommitMarkedCache<String, SubjectKeyRecord>
    }

    private init(pool: DatabasePool, path: String) {
        self.pool = pool
        location = path
        readers = SQLiteReadConnections(path: path)
    }

    /// Creates the file owner-only from its first byte (SQLite gives the WAL and SHM the same
    /// mode) and its schema.
    static func create(path: String) throws -> SQLiteKeyringStorage {
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError.keyringExists(path) }
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.io("cannot create \(path)")
        }
        return try open(path: path)
    }

    static func open(path: String) throws -> SQLiteKeyringStorage {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.keyringMissing(path) }
        let pool = try StoreDatabase.open(path: path)
        let migrator = Schema.keyringMigrator()
        // A keyring made before v9 (a new one has no table to rebuild).
        let rebuildsSubjectKeys = try pool.read { db in
            let applied = try migrator.appliedIdentifiers(db)
            return applied.contains("v1") && !applied.contains(Schema.subjectKeysByKey)
        }
        try StoreDatabase.migrate(pool, with: migrator)
        if rebuildsSubjectKeys { compactAfterRebuild(pool) }
        return SQLiteKeyringStorage(pool: pool, path: path)
    }

    /// Gives back the space the v9 rebuild left: the old table's pages, free but still in the
    /// file (zeroed by `secure_delete`), and a write-ahead log as large as the new table, which
    /// SQLite keeps until the last connection closes cleanly. With 1,000,000 keys the file
    /// doubled to 221 MB beside a WAL of 222 MB. `VACUUM` is a transaction of its own: a kill
    /// or a full disk during it leaves the upgraded keyring whole, only larger, so a failure
    /// here is not the open's (the keys are all there either way).
    private static func compactAfterRebuild(_ pool: DatabasePool) {
        try? pool.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            _ = try db.checkpoint(.truncate)
        }
    }

    package func pragmas() throws -> [String: String] { try StoreDatabase.pragmas(pool) }

    package func check() throws {
        _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM master_keys") }
    }

    package func initialise(master: MasterKeyRecord, serviceKeys: [ServiceKeyRecord], ledgerSalt: String) throws {
        try pool.write { db in
            try Self.insert(master, db)
            for key in serviceKeys {
                try db.execute(sql: "INSERT INTO service_keys (name, master_version, wrapped, public_key) VALUES (?, ?, ?, ?)",
                               arguments: [key.name, key.masterVersion, Data(key.wrapped), key.publicKey.map { Data($0) }])
            }
            // The migration wrote a salt already; the one given replaces it, so both backends
            // take theirs from the same place.
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('ledger-salt', ?)", arguments: [ledgerSalt])
        }
    }

    private static func insert(_ master: MasterKeyRecord, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO master_keys (version, source, salt, check_value, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [master.version, master.source, master.salt.map { Data($0) }, Data(master.checkValue), master.createdAt.millisecondsSinceEpoch])
    }

    // MARK: master and service keys

    package func activeMasterKeys() throws -> [MasterKeyRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT version, source, salt, check_value, created_at FROM master_keys WHERE retired_at IS NULL ORDER BY version").map { row in
                MasterKeyRecord(version: row[0], source: row[1], salt: (row[2] as Data?).map { [UInt8]($0) }, checkValue: [UInt8](row[3] as Data),
                                createdAt: Instant(millisecondsSinceEpoch: row[4]))
            }
        }
    }

    package func serviceKey(named name: String) throws -> ServiceKeyRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT master_version, wrapped, public_key FROM service_keys WHERE name = ?", arguments: [name]).map { row in
                ServiceKeyRecord(name: name, masterVersion: row[0], wrapped: [UInt8](row[1] as Data), publicKey: (row[2] as Data?).map { [UInt8]($0) })
            }
        }
    }

    package func ledgerSalt() throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ledger-salt'") }
    }

    // MARK: subject keys

    private static let subjectKeyQuery = ReadQuery("SELECT key_version, master_version, wrapped FROM subject_keys WHERE subject_id = ?")
    /// The account of a current or previous token (`?1` is the hash); the last column says
    /// which it was (1: current).
    private static let serviceAccountQuery = ReadQuery("""
        SELECT name, actor, created_at, requests_per_second, previous_token_until, token_hash = ?1 FROM service_accounts
        WHERE (token_hash = ?1 OR previous_token_hash = ?1) AND revoked_at IS NULL
        """)

    package func subjectKey(of subject: String) throws -> SubjectKeyRecord? {
        // Every gated read asks. A key read since the keyring's last commit is answered from
        // memory (still wrapped: the cache holds nothing the file does not); otherwise one
        // statement on a connection of our own (no hand-off to the pool's reader, no
        // transaction around it), begun after the mark it is remembered under.
        let cache = madeCaches()?.subjectKeys
        if let known = cache?.value(for: subject) { return known }
        let mark = cache?.mark()
        var record: SubjectKeyRecord?
        try readers.each(Self.subjectKeyQuery, .text(subject)) { row in
            record = SubjectKeyRecord(subject: subject, keyVersion: Int(row.int64(0)), masterVersion: Int(row.int64(1)), wrapped: [UInt8](row.blob(2) ?? Data()))
        }
        if let cache, let mark, let record { cache.remember(record, for: subject, readAfter: mark) }
        return record
    }

    package func storePending(_ keys: [SubjectKeyRecord]) throws {
        try pool.write { db in
            for key in keys {
                try db.cachedStatement(sql: "DELETE FROM subject_keys WHERE subject_id = ? AND pending = 1").execute(arguments: [key.subject])
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM subject_keys WHERE subject_id = ?", arguments: [key.subject]) == true {
                    throw StoreError.keyringDisagrees("the keyring already holds a key for subject \(key.subject), which the vault does not have; run 'custos audit verify'")
                }
                try db.cachedStatement(sql: "INSERT INTO subject_keys (subject_id, key_version, master_version, wrapped, pending) VALUES (?, ?, ?, ?, 1)")
                    .execute(arguments: [key.subject, key.keyVersion, key.masterVersion, Data(key.wrapped)])
            }
        }
    }

    package func adopt(_ subjects: [String]) throws {
        try pool.write { db in
            for subject in subjects { try db.cachedStatement(sql: "UPDATE subject_keys SET pending = 0 WHERE subject_id = ?").execute(arguments: [subject]) }
        }
    }

    package func deletePending(_ subjects: [String]) throws {
        try pool.write { db in
            for subject in subjects { try db.cachedStatement(sql: "DELETE FROM subject_keys WHERE subject_id = ? AND pending = 1").execute(arguments: [subject]) }
        }
    }

    package func pendingSubjects() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT subject_id FROM subject_keys WHERE pending = 1 ORDER BY subject_id") }
    }

    package func adoptedSubjects(after: String?, limit: Int) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT subject_id FROM subject_keys WHERE subject_id > ? AND pending = 0 ORDER BY subject_id LIMIT ?",
                                arguments: [after ?? "", limit])
        }
    }

    package func adoptedAmong(_ subjects: [String]) throws -> Set<String> {
        try pool.read { db in try SQLiteIdSlices.found(db, "SELECT subject_id FROM subject_keys WHERE pending = 0 AND subject_id IN", among: subjects) }
    }

    package func keysPerMasterVersion() throws -> [Int: Int] {
        try pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT master_version, COUNT(*) FROM subject_keys GROUP BY master_version").map { ($0[0], $0[1]) })
        }
    }

    package func highestMasterVersion() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(version) FROM master_keys") } ?? 0
    }

    package func rotate(to master: MasterKeyRecord, at now: Instant,
                        rewrapSubjectKey: @escaping (SubjectKeyRecord) throws -> [UInt8], rewrapServiceKey: @escaping (ServiceKeyRecord) throws -> [UInt8]) throws {
        try pool.write { db in
            try Self.insert(master, db)
            for row in try Row.fetchAll(db, sql: "SELECT subject_id, key_version, master_version, wrapped FROM subject_keys") {
                let key = SubjectKeyRecord(subject: row[0], keyVersion: row[1], masterVersion: row[2], wrapped: [UInt8](row[3] as Data))
                try db.execute(sql: "UPDATE subject_keys SET master_version = ?, wrapped = ? WHERE subject_id = ?",
                               arguments: [master.version, Data(try rewrapSubjectKey(key)), key.subject])
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, master_version, wrapped, public_key FROM service_keys") {
                let key = ServiceKeyRecord(name: row[0], masterVersion: row[1], wrapped: [UInt8](row[2] as Data), publicKey: (row[3] as Data?).map { [UInt8]($0) })
                try db.execute(sql: "UPDATE service_keys SET master_version = ?, wrapped = ? WHERE name = ?",
                               arguments: [master.version, Data(try rewrapServiceKey(key)), key.name])
            }
            try db.execute(sql: """
            UPDATE master_keys SET retired_at = ? WHERE retired_at IS NULL AND version <> ?
              AND version NOT IN (SELECT master_version FROM subject_keys) AND version NOT IN (SELECT master_version FROM service_keys)
            """, arguments: [now.millisecondsSinceEpoch, master.version])
        }
    }

    // MARK: erasure ledger

    package func recordErasures(_ entries: [LedgerEntry], destroyingKeysOf subjects: [String]) throws -> Int64 {
        let count = try pool.write { db -> Int64 in
            for subject in subjects { try db.execute(sql: "DELETE FROM subject_keys WHERE subject_id = ?", arguments: [subject]) }
            for entry in entries {
                try db.execute(sql: "INSERT INTO erasure_ledger (salted_hash, field, kept_for, at) VALUES (?, ?, ?, ?)",
                               arguments: [entry.saltedHash, entry.field, entry.keptFor?.joined(separator: "\n"), entry.at.millisecondsSinceEpoch])
            }
            return try Self.ledgerSize(db)
        }
        if !subjects.isEmpty {
            // No page of a destroyed key may linger in the write-ahead log.
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        return count
    }

    package func ledgerCount() throws -> Int64 {
        try pool.read { db in try Self.ledgerSize(db) }
    }

    package func signOuts() throws -> Int64 {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'web-sign-outs'") }.flatMap { Int64($0) } ?? 0
    }

    package func countSignOut() throws -> Int64 {
        // One statement: two processes signing out at once each count.
        let counted = try pool.write { db in
            try String.fetchOne(db, sql: """
                INSERT INTO meta (key, value) VALUES ('web-sign-outs', '1')
                ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) RETURNING value
                """)
        }
        guard let count = counted.flatMap({ Int64($0) }) else { throw StoreError.integrity("the keyring's count of sign-outs is not a number") }
        return count
    }

    /// The newest entry's number. The ledger is never deleted from and SQLite numbers rows
    /// 1, 2, … under its one writer, so this is the count; `COUNT(*)` read every row, on every
    /// erasure: 22 ms at a million entries, against 7 µs.
    private static func ledgerSize(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM erasure_ledger") ?? 0
    }

    package func ledgerEntries(after position: Int64) throws -> [LedgerEntry] {
        // An entry's number is its position (`ledgerSize`).
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT salted_hash, field, kept_for, at FROM erasure_ledger WHERE id > ? ORDER BY id", arguments: [position]).map { row in
                LedgerEntry(saltedHash: row[0], field: row[1], keptFor: (row[2] as String?).map { $0.split(separator: "\n").map(String.init) },
                            at: Instant(millisecondsSinceEpoch: row[3]))
            }
        }
    }

    // MARK: service accounts

    package func insertServiceAccount(_ account: ServiceAccount, tokenHash: Data) throws {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM service_accounts WHERE name = ?", arguments: [account.name]) == true {
                throw StoreError.invalidInput("a service account named '\(account.name)' exists already")
            }
            try db.execute(sql: "INSERT INTO service_accounts (name, actor, token_hash, created_at, requests_per_second) VALUES (?, ?, ?, ?, ?)",
                           arguments: [account.name, account.actor, tokenHash, account.createdAt.millisecondsSinceEpoch, account.requestsPerSecond])
        }
    }

    package func serviceAccounts() throws -> [ServiceAccount] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, actor, created_at, revoked_at, requests_per_second, previous_token_until FROM service_accounts ORDER BY name").map { row in
                ServiceAccount(name: row[0], actor: row[1], createdAt: Instant(millisecondsSinceEpoch: row[2]),
                               revokedAt: (row[3] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), requestsPerSecond: row[4],
                               previousTokenUntil: (row[5] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
            }
        }
    }

    package func revokeServiceAccount(named name: String, at now: Instant) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE service_accounts SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [now.millisecondsSinceEpoch, name])
            return db.changesCount == 1
        }
    }

    package func limitServiceAccount(named name: String, requestsPerSecond: Int?) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE service_accounts SET requests_per_second = ? WHERE name = ? AND revoked_at IS NULL", arguments: [requestsPerSecond, name])
            return db.changesCount == 1
        }
    }

    package func rotateServiceToken(named name: String, tokenHash: Data, previousUntil: Instant?) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE service_accounts SET previous_token_hash = CASE WHEN ?1 IS NULL THEN NULL ELSE token_hash END,
                    previous_token_until = ?1, token_hash = ?2 WHERE name = ?3 AND revoked_at IS NULL
                """, arguments: [previousUntil?.millisecondsSinceEpoch, tokenHash, name])
            return db.changesCount == 1
        }
    }

    package func endPreviousToken(named name: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE service_accounts SET previous_token_hash = NULL, previous_token_until = NULL WHERE name = ? AND revoked_at IS NULL",
                           arguments: [name])
            return db.changesCount == 1
        }
    }

    package func serviceAccount(tokenHash: Data) throws -> ServiceTokenHolder? {
        // One statement on a connection of our own (no transaction, no hand-off); the mark is
        // taken before it begins, so what it reads is at least as new as the mark says.
        let cache = madeCaches()?.tokens
        let mark = cache?.mark()
        var holder: ServiceTokenHolder?
        try readers.each(Self.serviceAccountQuery, .blob(tokenHash)) { row in
            let previousUntil = row.isNull(4) ? nil : Instant(millisecondsSinceEpoch: row.int64(4))
            let account = ServiceAccount(name: row.text(0) ?? "", actor: row.text(1) ?? "", createdAt: Instant(millisecondsSinceEpoch: row.int64(2)), revokedAt: nil,
                                         requestsPerSecond: row.isNull(3) ? nil : Int(row.int64(3)), previousTokenUntil: previousUntil)
            // A previous token without an end cannot be written; read as one it would be
            // forever, so it is taken as ended instead.
            holder = ServiceTokenHolder(account: account, until: row.int64(5) == 1 ? nil : previousUntil ?? Instant(millisecondsSinceEpoch: 0))
        }
        if let cache, let mark, let holder { cache.remember(holder, for: tokenHash, readAfter: mark) }
        return holder
    }

    package func knownServiceAccount(tokenHash: Data) -> ServiceTokenHolder? {
        // Never waits and never opens the watch's connection (file I/O): this runs where the
        // server handles the request. Before the first lookup there is nothing kept.
        caches.load()?.caches?.tokens.value(for: tokenHash)
    }

    /// The caches, made on first use: nil when the file is not in WAL mode (nothing to watch).
    private func madeCaches() -> Caches? {
        if let made = caches.load() { return made.caches }
        // Callers racing here each make a set; the first stored is everyone's, the others are
        // dropped unused (each closes its watch's connection when released).
        let made = SQLiteCommitWatch(path: readers.path).map { watch in
            Caches(tokens: CommitMarkedCache(watch: watch, capacity: 1_024),
                   subjectKeys: CommitMarkedCache(watch: watch, capacity: 4_096))
        }
        return caches.storeIfNil(MadeCaches(made)).caches
    }

    // MARK: console accounts

    private static let officerColumns = "name, role, password_hash, totp_sealed, totp_last_step, failed_logins, locked_until, created_at"

    private static func officer(_ row: Row) -> OfficerRecord {
        OfficerRecord(name: row[0], role: OfficerRole(rawValue: row[1]) ?? .auditor, passwordHash: row[2], totpSealed: row[3], totpLastStep: row[4],
                      failedLogins: row[5], lockedUntil: (row[6] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
                      createdAt: Instant(millisecondsSinceEpoch: row[7]))
    }

    package func insertOfficer(_ officer: OfficerRecord) throws {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM officer_accounts WHERE name = ? AND removed_at IS NULL", arguments: [officer.name]) == true {
                throw StoreError.invalidInput("a console account named '\(officer.name)' exists already")
            }
            try db.execute(sql: "DELETE FROM officer_accounts WHERE name = ?", arguments: [officer.name])
            try db.execute(sql: "INSERT INTO officer_accounts (name, role, password_hash, totp_sealed, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [officer.name, officer.role.rawValue, officer.passwordHash, officer.totpSealed, officer.createdAt.millisecondsSinceEpoch])
        }
    }

    package func officerRecords() throws -> [OfficerRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.officerColumns) FROM officer_accounts WHERE removed_at IS NULL ORDER BY name").map(Self.officer)
        }
    }

    package func removeOfficer(named name: String, at now: Instant) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE officer_accounts SET removed_at = ? WHERE name = ? AND removed_at IS NULL", arguments: [now.millisecondsSinceEpoch, name])
            return db.changesCount == 1
        }
    }

    package func updateOfficer<T>(named name: String, _ body: @escaping (OfficerRecord?) throws -> (OfficerUpdate?, T)) throws -> T {
        // A write transaction on SQLite holds the whole file: no other process reads the row
        // between this read and the update.
        try pool.write { db in
            let record = try Row.fetchOne(db, sql: "SELECT \(Self.officerColumns) FROM officer_accounts WHERE name = ? AND removed_at IS NULL", arguments: [name])
                .map(Self.officer)
            let (update, result) = try body(record)
            if let update {
                try db.execute(sql: "UPDATE officer_accounts SET failed_logins = ?, locked_until = ?, totp_last_step = COALESCE(?, totp_last_step) WHERE name = ?",
                               arguments: [update.failedLogins, update.lockedUntil?.millisecondsSinceEpoch, update.totpLastStep, name])
            }
            return result
        }
    }
}
