import Foundation
import PostgresNIO
import Synchronization
package import CustosStore
package import CustosPolicy
import CustosDecision

/// The vault's decision path on PostgreSQL: subjects and their sealed fields, the facts a
/// decision reads, consent, disclosures and the shared decision log, for several processes on
/// one database. The rules are the same code as on SQLite (`GatedAccess` decides and releases;
/// `Keyring` seals, opens and keeps the keys, in a database of its own); this type stores and
/// reads rows. What is not here yet (requests, breaches, the officer's records, the sweep) is
/// in docs/scaling.md.
///
/// ```swift
/// let vault = try PostgresVault.open(address, keyring: keyring, policy: compiled)
/// let gate = GatedAccess(policy: compiled, evaluator: Evaluator(policy: compiled), store: vault, clock: { .now })
/// ```
package final class PostgresVault: Sendable {
    let database: PostgresDatabase
    package let keyring: Keyring
    package let policy: CompiledPolicy
    package let log: PostgresDecisionLog
    /// A simulation vault (`custos init --simulation`, `custos demo`): commands may set its
    /// clock, and its reports say that every record in it is simulated.
    package let isSimulation: Bool
    /// Erasures re-applied from the keyring's ledger when this vault was opened.
    package var ledgerReplay: LedgerReplay { replayed.withLock { $0 } }
    private let replayed = Mutex(LedgerReplay())

    private init(database: PostgresDatabase, keyring: Keyring, policy: CompiledPolicy, simulation: Bool) {
        self.database = database
        self.keyring = keyring
        self.policy = policy
        isSimulation = simulation
        log = PostgresDecisionLog(database)
    }

    deinit { database.close() }

    /// Connects, checks the server's settings and migrates (see `PostgresDatabase.open`).
    package static func open(_ address: PostgresAddress, keyring: Keyring, policy: CompiledPolicy, connections: Int = 8) throws -> PostgresVault {
        try open(connect(address, connections: connections), keyring: keyring, policy: policy)
    }

    /// Connects to the vault's database (settings checked, schema migrated), for a caller that
    /// reads its settings (`meta(of:)`) before it has the policy, then opens the vault on it.
    package static func connect(_ address: PostgresAddress, connections: Int = 8) throws -> PostgresDatabase {
        try BlockingBridge.wait { try await PostgresDatabase.open(address, role: .vault, connections: connections) }
    }

    /// Opens the vault on a connected database, which it closes when it goes.
    /// Ends the vault's connection pool; calls after this fail as a lost database would.
    package func close() { database.close() }

    /// `simulation` is for a vault whose settings are not written yet (init); otherwise they say.
    package static func open(_ database: PostgresDatabase, keyring: Keyring, policy: CompiledPolicy, simulation: Bool? = nil) throws -> PostgresVault {
        let simulation = try simulation ?? (meta(of: database)["simulation"] == "true")
        let vault = PostgresVault(database: database, keyring: keyring, policy: policy, simulation: simulation)
        // Before anything is served: a restored backup must not bring an erasure back.
        let replay = try vault.replayErasureLedger()
        vault.replayed.withLock { $0 = replay }
        // Nor may it bring back a web session signed out after the backup was made.
        try vault.endSessionsUnlessSignOutsAgreeWithTheKeyring()
        // An import interrupted between the keyring's commit and the vault's leaves pending keys.
        _ = try vault.settlePendingKeys()
        return vault
    }

    var client: PostgresClient { database.client }
    var logger: Logger { PostgresDatabase.logger }

    /// Runs `body` for the synchronous caller with the store's deadline (`BlockingBridge`); a
    /// lost server or an unknown commit is `StoreError.unavailable` (deny, 503). `deadline`
    /// nil: one statement of maintenance whose length grows with a table (VACUUM, a prune's
    /// DELETE), which no answer can interrupt to say it is still working.
    func run<T>(deadline: Duration? = BlockingBridge.deadline, _ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T) throws -> T {
        try PostgresDatabase.blocking(client, deadline: deadline, body)
    }

    func transaction<T>(deadline: Duration? = BlockingBridge.deadline, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws -> T {
        try run(deadline: deadline) { client, logger in try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) } }
    }

    /// BEGIN on a connection of the pool held for this thread, the caller's body with every
    /// statement on that connection, then COMMIT (or ROLLBACK when the body throws). A COMMIT
    /// whose outcome is unknown is `StoreError.unavailable`: the caller answers a deny or a 503,
    /// never a success. `what` names the work in that error.
    func inHeldTransaction<T>(_ what: String, _ body: (HeldTransaction) throws -> T) throws -> T {
        let lease = try ConnectionLease.take(from: client)
        defer { lease.release() }
        let transaction = HeldTransaction(connection: lease.connection, vault: self)
        try transaction.execute("BEGIN")
        let result: T
        do {
            result = try body(transaction)
        } catch {
            try? transaction.execute("ROLLBACK")
            throw error
        }
        do {
            try transaction.execute("COMMIT")
        } catch {
            throw StoreError.unavailable("the outcome of \(what) commit is unknown")
        }
        return result
    }

    // MARK: subjects

    /// Adds subjects all-or-nothing, as on SQLite: the keys go into the keyring as pending,
    /// the subjects and their ciphertexts are committed in one transaction, then the keys are
    /// adopted; an interruption leaves pending keys that the next open settles.
    package func importSubjects(_ subjects: [NewSubject], at now: Instant, by actor: String) throws {
        try importSubjects(at: now, by: actor) { page in try page(subjects) }
    }

    /// The same, for subjects handed on a page at a time (`SubjectImport.forEachPage`): every
    /// page goes into the one transaction, sealed with keys made for it, of which only the
    /// wrapped forms are kept and stored as pending, all at once, just before the commit (as
    /// on SQLite). So an import of millions holds one page of subjects and sealed rows and
    /// every wrapped key (about 150 bytes a subject).
    package func importSubjects(at now: Instant, by actor: String, pages: (_ each: ([NewSubject]) throws -> Void) throws -> Void) throws {
        // The vault's transaction holds the import lock (shared) from before the keys are
        // stored as pending until the subjects commit: an open settling pending keys waits.
        let lease = try ConnectionLease.take(from: client)
        defer { lease.release() }
        let transaction = HeldTransaction(connection: lease.connection, vault: self)
        var records: [SubjectKeyRecord] = []
        var storing = false
        do {
            try transaction.execute("BEGIN")
            try transaction.execute("SELECT pg_advisory_xact_lock_shared(\(PostgresSchema.importLock))")
            let today = policy.localDate(of: now)
            try pages { subjects in
                for subject in subjects { try subject.check(policy: policy, today: today) }
                let page = subjects.map(\.id)
                let keys = try keyring.freshSubjectKeys(page)
                // Sealed before they are sent: no key or plaintext crosses into the database task.
                let sealed = try subjects.map { subject in
                    guard let key = keys[subject.id] else { throw StoreError.keyMissing(subject.id) }
                    return SubjectRows(subject: subject, fields: try subject.values.sorted(by: { $0.key < $1.key }).map { field, value in
                        try sealedRow(field: field, value: value, subject: subject.id, key: key.key, keyVersion: key.version, source: subject.source,
                                      collectedAt: subject.collectedAt[field] ?? subject.collectedAt["*"] ?? now, collectedFor: subject.collectedFor)
                    })
                }
                try transaction.wait { connection, logger in
                    for row in sealed { try await Self.insert(row, on: connection, logger: logger, at: now, by: actor) }
                }
                records += page.compactMap { id in keys[id]?.record(of: id) }
            }
            storing = true
            try keyring.storePending(records: records)
        } catch {
            try? transaction.execute("ROLLBACK")
            // Best effort: the next open removes whatever this could not.
            if storing { try? keyring.deletePending(records.map(\.subject)) }
            throw error
        }
        do {
            try transaction.execute("COMMIT")
        } catch {
            // The subjects may or may not be committed: their keys stay pending, and the next
            // open adopts or removes each by whether its subject is there.
            throw StoreError.unavailable("the outcome of an import's commit is unknown")
        }
        // If this fails, the next open adopts them: the subjects are committed.
        try? keyring.adopt(records.map(\.subject))
    }

    /// One imported subject's rows, in the import's transaction.
    private static func insert(_ row: SubjectRows, on connection: PostgresConnection, logger: Logger, at now: Instant, by actor: String) async throws {
        BlockingBridge.beat()
        let subject = row.subject
        let inserted = try await connection.query("""
            INSERT INTO subjects (id, category, kind, consumer, contract_party, created_at, created_by)
            VALUES (\(subject.id), \(subject.category), \(subject.kind.rawValue), \(subject.consumer), \(subject.contractParty),
                    \(now.millisecondsSinceEpoch), \(actor))
            ON CONFLICT (id) DO NOTHING RETURNING 1
            """, logger: logger)
        guard try await PostgresDatabase.touched(inserted) else { throw StoreError.subjectExists(subject.id) }
        for category in subject.otherCategories where category != subject.category {
            try await connection.query("""
                INSERT INTO subject_categories (subject_id, category, added_at, added_by) VALUES (\(subject.id), \(category), \(now.millisecondsSinceEpoch), \(actor))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        for field in row.fields { try await write(field, of: subject.id, on: connection, logger: logger) }
        for event in subject.events {
            try await connection.query("""
                INSERT INTO lifecycle_events (subject_id, event, effective_date, recorded_at, recorded_by)
                VALUES (\(subject.id), \(event.event), \(event.date.description), \(now.millisecondsSinceEpoch), \(actor))
                """, logger: logger)
        }
    }

    /// Settles keys an interrupted import left pending: adopted where the subject reached the
    /// vault, removed where it did not, under the import lock held alone (an import still
    /// running elsewhere is waited for, never robbed of its keys).
    package func settlePendingKeys() throws -> KeyRepair {
        guard !(try keyring.pendingSubjects()).isEmpty else { return KeyRepair() }
        let lease = try ConnectionLease.take(from: client)
        defer { lease.release() }
        let transaction = HeldTransaction(connection: lease.connection, vault: self)
        try transaction.execute("BEGIN")
        do {
            try transaction.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.importLock))")
            let pending = try keyring.pendingSubjects()
            let present = try transaction.wait { connection, logger in
                var found: Set<String> = []
                for try await id in try await connection.query("SELECT id FROM subjects WHERE id = ANY(\(pending))", logger: logger).decode(String.self) {
                    BlockingBridge.beat()
                    found.insert(id)
                }
                return found
            }
            let absent = pending.filter { !present.contains($0) }
            try keyring.adopt(Array(present))
            try keyring.deletePending(absent)
            try transaction.execute("COMMIT")
            return KeyRepair(adopted: present.count, removed: absent.count)
        } catch {
            try? transaction.execute("ROLLBACK")
            throw error
        }
    }

    /// Subjects whose e-mail, phone or IBAN matches, through the keyed blind index.
    package func findSubjects(_ value: String, kind: BlindIndexKind) throws -> [String] {
        let digest = Data(keyring.blindDigest(value, kind: kind))
        return try run { client, logger in
            var ids: [String] = []
            let rows = try await client.query("SELECT DISTINCT subject_id FROM blind_index WHERE kind = \(kind.rawValue) AND digest = \(digest) ORDER BY subject_id", logger: logger)
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids
        }
    }

    /// Ids among `ids` that are in the vault.
    package func existingSubjects(_ ids: [String]) throws -> Set<String> {
        try run { client, logger in
            var found: Set<String> = []
            for try await id in try await client.query("SELECT id FROM subjects WHERE id = ANY(\(ids))", logger: logger).decode(String.self) { BlockingBridge.beat(); found.insert(id) }
            return found
        }
    }

    /// The vault's own settings (`vault-id`, `policy-folder`, `created-at`).
    /// Records the vault's settings once, at `custos init`; a vault that has them is refused.
    package func initialiseMeta(_ values: [String: String]) throws {
        try transaction { connection, logger in
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                let inserted = try await connection.query("INSERT INTO vault_meta (key, value) VALUES (\(key), \(value)) ON CONFLICT DO NOTHING RETURNING 1", logger: logger)
                guard try await PostgresDatabase.touched(inserted) else { throw StoreError.alreadyInitialised(self.database.address.description) }
            }
        }
    }

    /// The settings of a connected vault database, read before its policy is compiled.
    package static func meta(of database: PostgresDatabase) throws -> [String: String] {
        let client = database.client
        return try PostgresDatabase.blocking(client) { client, logger in
            var meta: [String: String] = [:]
            for try await (key, value) in try await client.query("SELECT key, value FROM vault_meta", logger: logger).decode((String, String).self) {
                meta[key] = value
            }
            return meta
        }
    }

    // MARK: consent

    /// Appends consent events and folds each into the current state, in one transaction: once
    /// it returns, the next decision of every process on this database sees the new state.
    package func appendConsentEvents(_ events: [ConsentLedgerEvent]) throws {
        try transaction { connection, logger in
            for event in events {
                let known = try await connection.query("SELECT 1 FROM subjects WHERE id = \(event.subject)", logger: logger)
                var exists = false
                for try await _ in known.decode(Int.self) { exists = true }
                guard exists else { throw StoreError.subjectUnknown(event.subject) }
                try await connection.query("""
                    INSERT INTO consent_events (subject_id, purpose, state, notice_id, notice_version, notice_hash, language, method, channel,
                      evidence, expressed_by, parent_name, parent_verification, age_at_consent, presented_separately, pre_ticked,
                      conditional_on_service, recorded_at, effective_at, recorded_by)
                    VALUES (\(event.subject), \(event.purpose), \(event.state.rawValue), \(event.noticeId), \(event.noticeVersion), \(event.noticeHash),
                      \(event.language), \(event.method?.rawValue), \(event.channel), \(event.evidence), \(event.expressedBy.rawValue),
                      \(event.parentalAuthorisation?.by), \(event.parentalAuthorisation?.verifiedVia), \(event.ageAtConsent),
                      \(event.presentedSeparately), \(event.preTicked), \(event.conditionalOnService),
                      \(event.recordedAt.millisecondsSinceEpoch), \(event.effectiveAt.millisecondsSinceEpoch), \(event.recordedBy))
                    """, logger: logger)
                // The state is the latest event by effective time, then by recording (as on SQLite).
                try await connection.query("""
                    INSERT INTO consent_state (subject_id, purpose, event_id)
                    SELECT subject_id, purpose, id FROM consent_events WHERE subject_id = \(event.subject) AND purpose = \(event.purpose)
                    ORDER BY effective_at DESC, id DESC LIMIT 1
                    ON CONFLICT (subject_id, purpose) DO UPDATE SET event_id = excluded.event_id
                    """, logger: logger)
            }
        }
    }
}

/// One subject's rows, sealed and ready to insert.
private struct SubjectRows: Sendable {
    let subject: NewSubject
    let fields: [FieldRow]
}
