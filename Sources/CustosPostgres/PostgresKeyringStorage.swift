package import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy

/// The keyring in a PostgreSQL database: `custos --keyring postgres://user@host/keys`. Never
/// the vault's database (each refuses a database holding the other), so a backup of one does
/// not carry the other and a restored vault meets a keyring that remembers its erasures.
///
/// Each call is one transaction; a sign-in holds its account row (`FOR UPDATE`) so two
/// servers cannot both accept one TOTP code. A crypto-shred deletes the key rows and then
/// vacuums `subject_keys`, so no dead row version keeps the wrapped key in the table's pages.
///
/// ```swift
/// let place = try PostgresKeyringPlace(address: PostgresAddress(parsing: "postgres://custos@127.0.0.1/keys", environment: env))
/// let engine = try PrivacyEngine.open(vault: "custos.db", keyring: place, masterKey: .file("custos.key"))
/// ```
package final class PostgresKeyringStorage: KeyringStorage {
    let database: PostgresDatabase
    private var client: PostgresClient { database.client }
    private var logger: Logger { PostgresDatabase.logger }

    init(database: PostgresDatabase) {
        self.database = database
    }

    package var location: String { database.address.description }

    deinit { database.close() }

    /// Runs `body` on a pooled connection, for the synchronous caller.
    fileprivate func run<T>(deadline: Duration? = BlockingBridge.deadline, _ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T) throws -> T {
        try PostgresDatabase.blocking(client, deadline: deadline, body)
    }

    package func check() throws {
        try run { client, logger in _ = try await client.query("SELECT 1", logger: logger) }
    }

    /// Runs `body` in one transaction.
    private func transaction<T>(deadline: Duration? = BlockingBridge.deadline, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws -> T {
        try run(deadline: deadline) { client, logger in
            try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) }
        }
    }

    package func initialise(master: MasterKeyRecord, serviceKeys: [ServiceKeyRecord], ledgerSalt: String) throws {
        try transaction { connection, logger in
            try await Self.insert(master, connection, logger)
            for key in serviceKeys {
                try await connection.query("""
                    INSERT INTO service_keys (name, master_version, wrapped, public_key)
                    VALUES (\(key.name), \(key.masterVersion), \(Data(key.wrapped)), \(key.publicKey.map { Data($0) }))
                    """, logger: logger)
            }
            try await connection.query("INSERT INTO keyring_meta (key, value) VALUES ('ledger-salt', \(ledgerSalt))", logger: logger)
        }
    }

    private static func insert(_ master: MasterKeyRecord, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO master_keys (version, source, salt, check_value, created_at)
            VALUES (\(master.version), \(master.source), \(master.salt.map { Data($0) }), \(Data(master.checkValue)), \(master.createdAt.millisecondsSinceEpoch))
            """, logger: logger)
    }

    // MARK: master and service keys

    package func activeMasterKeys() throws -> [MasterKeyRecord] {
        try run { client, logger in
            var records: [MasterKeyRecord] = []
            let rows = try await client.query("SELECT version, source, salt, check_value, created_at FROM master_keys WHERE retired_at IS NULL ORDER BY version", logger: logger)
            for try await (version, source, salt, check, created) in rows.decode((Int, String, Data?, Data, Int64).self) {
                records.append(MasterKeyRecord(version: version, source: source, salt: salt.map { [UInt8]($0) }, checkValue: [UInt8](check),
                                               createdAt: Instant(millisecondsSinceEpoch: created)))
            }
            return records
        }
    }

    package func serviceKey(named name: String) throws -> ServiceKeyRecord? {
        try run { client, logger in
            let rows = try await client.query("SELECT master_version, wrapped, public_key FROM service_keys WHERE name = \(name)", logger: logger)
            for try await (master, wrapped, publicKey) in rows.decode((Int, Data, Data?).self) {
                return ServiceKeyRecord(name: name, masterVersion: master, wrapped: [UInt8](wrapped), publicKey: publicKey.map { [UInt8]($0) })
            }
            return nil
        }
    }

    package func ledgerSalt() throws -> String? {
        try run { client, logger in
            for try await value in try await client.query("SELECT value FROM keyring_meta WHERE key = 'ledger-salt'", logger: logger).decode(String.self) {
                return value
            }
            return nil
        }
    }

    // MARK: subject keys

    package func subjectKey(of subject: String) throws -> SubjectKeyRecord? {
        try run { client, logger in
            let rows = try await client.query("SELECT key_version, master_version, wrapped FROM subject_keys WHERE subject_id = \(subject)", logger: logger)
            for try await (keyVersion, master, wrapped) in rows.decode((Int, Int, Data).self) {
                return SubjectKeyRecord(subject: subject, keyVersion: keyVersion, masterVersion: master, wrapped: [UInt8](wrapped))
            }
            return nil
        }
    }

    package func storePending(_ keys: [SubjectKeyRecord]) throws {
        try transaction { connection, logger in
            for key in keys {
                BlockingBridge.beat()
                try await connection.query("DELETE FROM subject_keys WHERE subject_id = \(key.subject) AND pending", logger: logger)
                // ON CONFLICT: an adopted key is never overwritten, and two processes importing
                // the same id cannot both succeed.
                let inserted = try await connection.query("""
                    INSERT INTO subject_keys (subject_id, key_version, master_version, wrapped, pending)
                    VALUES (\(key.subject), \(key.keyVersion), \(key.masterVersion), \(Data(key.wrapped)), true)
                    ON CONFLICT (subject_id) DO NOTHING RETURNING 1
                    """, logger: logger)
                guard try await PostgresDatabase.touched(inserted) else {
                    throw StoreError.keyringDisagrees("the keyring already holds a key for subject \(key.subject), which the vault does not have; run 'custos audit verify'")
                }
            }
        }
    }

    package func adopt(_ subjects: [String]) throws {
        try run { client, logger in _ = try await client.query("UPDATE subject_keys SET pending = false WHERE subject_id = ANY(\(subjects))", logger: logger) }
    }

    package func deletePending(_ subjects: [String]) throws {
        try run { client, logger in _ = try await client.query("DELETE FROM subject_keys WHERE subject_id = ANY(\(subjects)) AND pending", logger: logger) }
    }

    package func pendingSubjects() throws -> [String] {
        try run { client, logger in
            var ids: [String] = []
            for try await id in try await client.query("SELECT subject_id FROM subject_keys WHERE pending ORDER BY subject_id", logger: logger).decode(String.self) { BlockingBridge.beat(); ids.append(id) }
            return ids
        }
    }

    package func adoptedSubjects(after: String?, limit: Int) throws -> [String] {
        try run { client, logger in
            var ids: [String] = []
            let rows = try await client.query(
                "SELECT subject_id FROM subject_keys WHERE subject_id > \(after ?? "") AND NOT pending ORDER BY subject_id LIMIT \(limit)", logger: logger)
            for try await id in rows.decode(String.self) { BlockingBridge.beat(); ids.append(id) }
            return ids
        }
    }

    package func adoptedAmong(_ subjects: [String]) throws -> Set<String> {
        guard !subjects.isEmpty else { return [] }
        return try run { client, logger in
            var ids: Set<String> = []
            let rows = try await client.query("SELECT subject_id FROM subject_keys WHERE subject_id = ANY(\(subjects)) AND NOT pending", logger: logger)
            for try await id in rows.decode(String.self) { BlockingBridge.beat(); ids.insert(id) }
            return ids
        }
    }

    package func keysPerMasterVersion() throws -> [Int: Int] {
        try run { client, logger in
            var counts: [Int: Int] = [:]
            let rows = try await client.query("SELECT master_version, count(*) FROM subject_keys GROUP BY master_version", logger: logger)
            for try await (version, count) in rows.decode((Int, Int).self) { counts[version] = count }
            return counts
        }
    }

    package func highestMasterVersion() throws -> Int {
        try run { client, logger in
            for try await version in try await client.query("SELECT coalesce(max(version), 0) FROM master_keys", logger: logger).decode(Int.self) { return version }
            return 0
        }
    }

    package func rotate(to master: MasterKeyRecord, at now: Instant,
                        rewrapSubjectKey: @escaping (SubjectKeyRecord) throws -> [UInt8], rewrapServiceKey: @escaping (ServiceKeyRecord) throws -> [UInt8]) throws {
        // The closures run on the bridge's task while this thread waits for it.
        let subjectKey = BlockingBridge.Handed(rewrapSubjectKey), serviceKey = BlockingBridge.Handed(rewrapServiceKey)
        // No deadline: an officer's command that rewraps every key in one transaction.
        try transaction(deadline: nil) { connection, logger in
            // One rotation at a time: the new version number is taken under this lock.
            try await connection.query("LOCK TABLE master_keys IN EXCLUSIVE MODE", logger: logger)
            try await Self.insert(master, connection, logger)
            var subjects: [SubjectKeyRecord] = []
            for try await (subject, keyVersion, old, wrapped) in try await connection.query(
                "SELECT subject_id, key_version, master_version, wrapped FROM subject_keys ORDER BY subject_id", logger: logger).decode((String, Int, Int, Data).self) {
                subjects.append(SubjectKeyRecord(subject: subject, keyVersion: keyVersion, masterVersion: old, wrapped: [UInt8](wrapped)))
            }
            for record in subjects {
                let wrapped = Data(try subjectKey.value(record))
                try await connection.query("UPDATE subject_keys SET master_version = \(master.version), wrapped = \(wrapped) WHERE subject_id = \(record.subject)", logger: logger)
            }
            var services: [ServiceKeyRecord] = []
            for try await (name, old, wrapped, publicKey) in try await connection.query(
                "SELECT name, master_version, wrapped, public_key FROM service_keys ORDER BY name", logger: logger).decode((String, Int, Data, Data?).self) {
                services.append(ServiceKeyRecord(name: name, masterVersion: old, wrapped: [UInt8](wrapped), publicKey: publicKey.map { [UInt8]($0) }))
            }
            for record in services {
                let wrapped = Data(try serviceKey.value(record))
                try await connection.query("UPDATE service_keys SET master_version = \(master.version), wrapped = \(wrapped) WHERE name = \(record.name)", logger: logger)
            }
            try await connection.query("""
                UPDATE master_keys SET retired_at = \(now.millisecondsSinceEpoch) WHERE retired_at IS NULL AND version <> \(master.version)
                  AND version NOT IN (SELECT master_version FROM subject_keys) AND version NOT IN (SELECT master_version FROM service_keys)
                """, logger: logger)
        }
    }

    // MARK: erasure ledger

    package func recordErasures(_ entries: [LedgerEntry], destroyingKeysOf subjects: [String]) throws -> Int64 {
        let count = try transaction { connection, logger -> Int64 in
            // One erasure appends at a time, so the count below is the entries committed
            // before this one's and its own, nothing of an append still in flight
            // (`LedgerAppend`). The mode lets readers through and excludes itself.
            try await connection.query("LOCK TABLE erasure_ledger IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            if !subjects.isEmpty {
                try await connection.query("DELETE FROM subject_keys WHERE subject_id = ANY(\(subjects))", logger: logger)
            }
            for entry in entries {
                BlockingBridge.beat()
                try await connection.query("""
                    INSERT INTO erasure_ledger (salted_hash, field, kept_for, at)
                    VALUES (\(entry.saltedHash), \(entry.field), \(entry.keptFor?.joined(separator: "\n")), \(entry.at.millisecondsSinceEpoch))
                    """, logger: logger)
            }
            for try await count in try await connection.query("SELECT count(*) FROM erasure_ledger", logger: logger).decode(Int64.self) { return count }
            return 0
        }
        if !subjects.isEmpty {
            // The deleted rows stay in the table's pages as dead versions until a vacuum;
            // vacuum now rather than at autovacuum's leisure. (PostgreSQL's WAL segments and any
            // WAL archive keep the wrapped key until they are recycled: docs/scaling.md.)
            try run { client, logger in _ = try await client.query("VACUUM subject_keys", logger: logger) }
        }
        return count
    }

    package func ledgerCount() throws -> Int64 {
        try run { client, logger in
            for try await count in try await client.query("SELECT count(*) FROM erasure_ledger", logger: logger).decode(Int64.self) { return count }
            return 0
        }
    }

    package func signOuts() throws -> Int64 {
        try run { client, logger in
            for try await value in try await client.query("SELECT value FROM keyring_meta WHERE key = 'web-sign-outs'", logger: logger).decode(String.self) {
                return Int64(value) ?? 0
            }
            return 0
        }
    }

    package func countSignOut() throws -> Int64 {
        // One statement: concurrent sign-outs on several servers each count, in the order the
        // row's lock puts them.
        try run { client, logger in
            for try await value in try await client.query("""
                INSERT INTO keyring_meta (key, value) VALUES ('web-sign-outs', '1')
                ON CONFLICT (key) DO UPDATE SET value = (keyring_meta.value::bigint + 1)::text RETURNING value
                """, logger: logger).decode(String.self) {
                if let count = Int64(value) { return count }
            }
            throw StoreError.integrity("the keyring's count of sign-outs is not a number")
        }
    }

    package func ledgerEntries(after position: Int64) throws -> [LedgerEntry] {
        try run { client, logger in
            var entries: [LedgerEntry] = []
            // Positions are counts, and the numbers a sequence gives may skip: the entries
            // after a position are those after that many in order.
            let rows = try await client.query("SELECT salted_hash, field, kept_for, at FROM erasure_ledger ORDER BY id OFFSET \(max(position, 0))", logger: logger)
            for try await (hash, field, keptFor, at) in rows.decode((Data, String?, String?, Int64).self) {
                BlockingBridge.beat()
                entries.append(LedgerEntry(saltedHash: hash, field: field, keptFor: keptFor.map { $0.split(separator: "\n").map(String.init) },
                                           at: Instant(millisecondsSinceEpoch: at)))
            }
            return entries
        }
    }

    // MARK: service accounts

    package func insertServiceAccount(_ account: ServiceAccount, tokenHash: Data) throws {
        try run { client, logger in
            let inserted = try await client.query("""
                INSERT INTO service_accounts (name, actor, token_hash, created_at, requests_per_second)
                VALUES (\(account.name), \(account.actor), \(tokenHash), \(account.createdAt.millisecondsSinceEpoch), \(account.requestsPerSecond.map(Int64.init)))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: logger)
            guard try await PostgresDatabase.touched(inserted) else { throw StoreError.invalidInput("a service account named '\(account.name)' exists already") }
        }
    }

    package func serviceAccounts() throws -> [ServiceAccount] {
        try run { client, logger in
            var accounts: [ServiceAccount] = []
            let rows = try await client.query("SELECT name, actor, created_at, revoked_at, requests_per_second, previous_token_until FROM service_accounts ORDER BY name",
                                              logger: logger)
            for try await (name, actor, created, revoked, limit, previous) in rows.decode((String, String, Int64, Int64?, Int64?, Int64?).self) {
                accounts.append(ServiceAccount(name: name, actor: actor, createdAt: Instant(millisecondsSinceEpoch: created),
                                               revokedAt: revoked.map(Instant.init(millisecondsSinceEpoch:)), requestsPerSecond: limit.map(Int.init),
                                               previousTokenUntil: previous.map(Instant.init(millisecondsSinceEpoch:))))
            }
            return accounts
        }
    }

    package func revokeServiceAccount(named name: String, at now: Instant) throws -> Bool {
        try run { client, logger in
            let rows = try await client.query("""
                UPDATE service_accounts SET revoked_at = \(now.millisecondsSinceEpoch) WHERE name = \(name) AND revoked_at IS NULL RETURNING 1
                """, logger: logger)
            return try await PostgresDatabase.touched(rows)
        }
    }

    package func limitServiceAccount(named name: String, requestsPerSecond: Int?) throws -> Bool {
        try run { client, logger in
            let rows = try await client.query("""
                UPDATE service_accounts SET requests_per_second = \(requestsPerSecond.map(Int64.init)) WHERE name = \(name) AND revoked_at IS NULL RETURNING 1
                """, logger: logger)
            return try await PostgresDatabase.touched(rows)
        }
    }

    package func rotateServiceToken(named name: String, tokenHash: Data, previousUntil: Instant?) throws -> Bool {
        let until = previousUntil?.millisecondsSinceEpoch
        return try run { client, logger in
            let rows = try await client.query("""
                UPDATE service_accounts SET previous_token_hash = CASE WHEN \(until)::bigint IS NULL THEN NULL ELSE token_hash END,
                    previous_token_until = \(until), token_hash = \(tokenHash) WHERE name = \(name) AND revoked_at IS NULL RETURNING 1
                """, logger: logger)
            return try await PostgresDatabase.touched(rows)
        }
    }

    package func endPreviousToken(named name: String) throws -> Bool {
        try run { client, logger in
            let rows = try await client.query("""
                UPDATE service_accounts SET previous_token_hash = NULL, previous_token_until = NULL WHERE name = \(name) AND revoked_at IS NULL RETURNING 1
                """, logger: logger)
            return try await PostgresDatabase.touched(rows)
        }
    }

    package func serviceAccount(tokenHash: Data) throws -> ServiceTokenHolder? {
        try run { client, logger in
            let rows = try await client.query("""
                SELECT name, actor, created_at, requests_per_second, previous_token_until, token_hash = \(tokenHash) FROM service_accounts
                WHERE (token_hash = \(tokenHash) OR previous_token_hash = \(tokenHash)) AND revoked_at IS NULL
                """, logger: logger)
            for try await (name, actor, created, limit, previous, current) in rows.decode((String, String, Int64, Int64?, Int64?, Bool).self) {
                let previousUntil = previous.map(Instant.init(millisecondsSinceEpoch:))
                let account = ServiceAccount(name: name, actor: actor, createdAt: Instant(millisecondsSinceEpoch: created), revokedAt: nil,
                                             requestsPerSecond: limit.map(Int.init), previousTokenUntil: previousUntil)
                // A previous token without an end cannot be written; read as one it would be
                // forever, so it is taken as ended instead.
                return ServiceTokenHolder(account: account, until: current ? nil : previousUntil ?? Instant(millisecondsSinceEpoch: 0))
            }
            return nil
        }
    }

    /// Always nil: a commit on the server shows in no memory this process can read, so every
    /// token is looked up (a revocation by another server must count on the next request).
    package func knownServiceAccount(tokenHash: Data) -> ServiceTokenHolder? { nil }

    // MARK: console accounts

    private typealias OfficerRow = (String, String, String, Data?, Int64?, Int, Int64?, Int64)
    private static let officerColumns = "name, role, password_hash, totp_sealed, totp_last_step, failed_logins, locked_until, created_at"

    private static func officer(_ row: OfficerRow) -> OfficerRecord {
        OfficerRecord(name: row.0, role: OfficerRole(rawValue: row.1) ?? .auditor, passwordHash: row.2, totpSealed: row.3, totpLastStep: row.4,
                      failedLogins: row.5, lockedUntil: row.6.map(Instant.init(millisecondsSinceEpoch:)), createdAt: Instant(millisecondsSinceEpoch: row.7))
    }

    package func insertOfficer(_ officer: OfficerRecord) throws {
        try transaction { connection, logger in
            // A removed account's row is replaced; an active one is kept and refused.
            try await connection.query("DELETE FROM officer_accounts WHERE name = \(officer.name) AND removed_at IS NOT NULL", logger: logger)
            let inserted = try await connection.query("""
                INSERT INTO officer_accounts (name, role, password_hash, totp_sealed, created_at)
                VALUES (\(officer.name), \(officer.role.rawValue), \(officer.passwordHash), \(officer.totpSealed), \(officer.createdAt.millisecondsSinceEpoch))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: logger)
            guard try await PostgresDatabase.touched(inserted) else { throw StoreError.invalidInput("a console account named '\(officer.name)' exists already") }
        }
    }

    package func officerRecords() throws -> [OfficerRecord] {
        try run { client, logger in
            var records: [OfficerRecord] = []
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT \(Self.officerColumns) FROM officer_accounts WHERE removed_at IS NULL ORDER BY name"), logger: logger)
            for try await row in rows.decode(OfficerRow.self) { records.append(Self.officer(row)) }
            return records
        }
    }

    package func removeOfficer(named name: String, at now: Instant) throws -> Bool {
        try run { client, logger in
            let rows = try await client.query("""
                UPDATE officer_accounts SET removed_at = \(now.millisecondsSinceEpoch) WHERE name = \(name) AND removed_at IS NULL RETURNING 1
                """, logger: logger)
            return try await PostgresDatabase.touched(rows)
        }
    }

    package func updateOfficer<T>(named name: String, _ body: @escaping (OfficerRecord?) throws -> (OfficerUpdate?, T)) throws -> T {
        // The closure runs on the bridge's task while this thread waits for it.
        let handed = BlockingBridge.Handed(body)
        return try transaction { connection, logger -> BlockingBridge.Handed<T> in
            var binds = PostgresBindings()
            binds.append(name)
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(Self.officerColumns) FROM officer_accounts WHERE name = $1 AND removed_at IS NULL FOR UPDATE", binds: binds),
                logger: logger)
            var record: OfficerRecord?
            for try await row in rows.decode(OfficerRow.self) { record = Self.officer(row) }
            let (update, result) = try handed.value(record)
            if let update {
                try await connection.query("""
                    UPDATE officer_accounts SET failed_logins = \(update.failedLogins), locked_until = \(update.lockedUntil?.millisecondsSinceEpoch),
                      totp_last_step = coalesce(\(update.totpLastStep), totp_last_step) WHERE name = \(name)
                    """, logger: logger)
            }
            return BlockingBridge.Handed(result)
        }.value
    }
}

/// A keyring in a PostgreSQL database, for `custos init` and every command that opens a
/// vault (`--keyring postgres://…`).
package struct PostgresKeyringPlace: KeyringPlace {
    package let address: PostgresAddress

    package init(address: PostgresAddress) {
        self.address = address
    }

    package var location: String { address.description }

    private func connect() throws -> PostgresKeyringStorage {
        let address = address
        let database = try BlockingBridge.wait { try await PostgresDatabase.open(address, role: .keyring, connections: 2) }
        return PostgresKeyringStorage(database: database)
    }

    /// Whether a keyring is here, without making its tables in a database that has none.
    package func exists() throws -> Bool {
        let address = address
        let database = try BlockingBridge.wait { try await PostgresDatabase.open(address, role: .keyring, connections: 1, migrate: false) }
        defer { database.close() }
        return try PostgresDatabase.blocking(database.client) { client, logger in
            var found = false
            for try await held in try await client.query("SELECT to_regclass('master_keys') IS NOT NULL", logger: logger).decode(Bool.self) {
                found = held
            }
            guard found else { return false }
            for try await count in try await client.query("SELECT count(*)::bigint FROM master_keys WHERE retired_at IS NULL", logger: logger)
                .decode(Int.self) { found = count > 0 }
            return found
        }
    }

    package func create() throws -> any KeyringStorage {
        let storage = try connect()
        guard try storage.highestMasterVersion() == 0 else { throw StoreError.keyringExists(location) }
        return storage
    }

    package func open() throws -> any KeyringStorage {
        let storage = try connect()
        guard try storage.highestMasterVersion() > 0 else { throw StoreError.keyringMissing(location) }
        return storage
    }

    package func discard() {
        guard let storage = try? connect() else { return }
        _ = try? storage.run { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                for table in ["officer_accounts", "service_accounts", "erasure_ledger", "service_keys", "subject_keys", "master_keys", "keyring_meta"] {
                    try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table)"), logger: logger)
                }
            }
        }
    }
}
