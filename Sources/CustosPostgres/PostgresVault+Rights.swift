import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy

/// What fulfilling rights requests writes on PostgreSQL (`RightsStore`), as on SQLite: tasks,
/// rectified values, field erasure recorded in the keyring's ledger first, crypto-shredding.
/// Replaced and destroyed ciphertexts stay in the table's pages as dead row versions until a
/// vacuum, and the subject's key survives a field erasure or a rectification: the tables are
/// vacuumed at once rather than at autovacuum's leisure (WAL caveat in docs/scaling.md).
extension PostgresVault: RightsStore {
    package func disclosures(of subject: String) throws -> [DisclosureEntry] {
        try run { client, logger in
            var entries: [DisclosureEntry] = []
            for try await (recipient, name, purpose, fields, at, destination, mechanism, procedure, seq) in try await client.query("""
                SELECT recipient, recipient_name, purpose, fields, at, destination, mechanism, procedure, decision_seq
                FROM disclosures WHERE subject_id = \(subject) ORDER BY id
                """, logger: logger).decode((String, String?, String, String, Int64, String?, String?, String?, Int64).self) {
                BlockingBridge.beat()
                entries.append(DisclosureEntry(recipient: recipient, recipientName: name, purpose: purpose, fields: Self.lines(fields) ?? [],
                                               at: Instant(millisecondsSinceEpoch: at), destination: destination, mechanism: mechanism,
                                               procedure: procedure, decisionSeq: seq))
            }
            return entries
        }
    }

    static func insert(_ tasks: [RecipientTask], on connection: PostgresConnection, logger: Logger) async throws {
        for task in tasks {
            try await connection.query("""
                INSERT INTO tasks (kind, subject_id, request_id, recipient, action, fields, created_at)
                VALUES (\(task.kind.rawValue), \(task.subject), \(task.request), \(task.recipient), \(task.action), \(task.fields.joined(separator: "\n")),
                        \(task.createdAt.millisecondsSinceEpoch))
                """, logger: logger)
        }
    }

    package func tasks(openOnly: Bool) throws -> [RecipientTask] {
        try run { client, logger in
            var tasks: [RecipientTask] = []
            let sql = "SELECT id, kind, subject_id, request_id, recipient, action, fields, created_at, done_at, done_by FROM tasks"
                + (openOnly ? " WHERE done_at IS NULL" : "") + " ORDER BY id"
            for try await (id, kind, subject, request, recipient, action, fields, created, done, by) in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                .decode((Int64, String, String, String?, String, String, String, Int64, Int64?, String?).self) {
                BlockingBridge.beat()
                var task = RecipientTask(kind: RecipientTask.Kind(rawValue: kind) ?? .notifyRecipient, subject: subject, request: request, recipient: recipient,
                                         action: action, fields: Self.lines(fields) ?? [], createdAt: Instant(millisecondsSinceEpoch: created))
                task.id = id
                task.doneAt = done.map(Instant.init(millisecondsSinceEpoch:))
                task.doneBy = by
                tasks.append(task)
            }
            return tasks
        }
    }

    package func completeTask(_ id: Int64, at now: Instant, by actor: String) throws {
        try transaction { connection, logger in
            let done = try await connection.query(
                "UPDATE tasks SET done_at = \(now.millisecondsSinceEpoch), done_by = \(actor) WHERE id = \(id) AND done_at IS NULL RETURNING 1", logger: logger)
            guard try await !PostgresDatabase.touched(done) else { return }
            let exists = try await PostgresDatabase.touched(try await connection.query("SELECT 1 FROM tasks WHERE id = \(id)", logger: logger))
            throw exists ? StoreError.invalidInput("task #\(id) is already done") : StoreError.invalidInput("no such task #\(id)")
        }
    }

    package func rectify(subject: String, values: [String: String], source: String, tasks: [RecipientTask], closing: RequestClosing,
                         at now: Instant) throws -> [String] {
        for field in values.keys where policy.fields.id(field) == nil { throw StoreError.unknownField(field) }
        let (key, version) = try keyring.subjectKey(subject)
        let policy = policy
        let rows = try values.sorted { $0.key < $1.key }.map { field, value in
            try sealedRow(field: field, value: value, subject: subject, key: key, keyVersion: version, source: source, collectedAt: now, collectedFor: nil)
        }
        let replaced = try transaction { connection, logger in
            var existing: Set<String> = []
            for try await field in try await connection.query("SELECT field FROM fields WHERE subject_id = \(subject)", logger: logger).decode(String.self) {
                existing.insert(field)
            }
            for row in rows { try await Self.write(row, of: subject, on: connection, logger: logger, rectification: true) }
            try await Self.insert(tasks, on: connection, logger: logger)
            try await Self.closeFulfilled(closing, at: now, policy: policy, on: connection)
            return rows.map(\.field).filter(existing.contains).sorted()
        }
        try vacuumFields()
        return replaced
    }

    /// As on SQLite (`Vault.applyErasure`): the keyring's ledger first, then one vault
    /// transaction that destroys, marks what is kept, records the tasks and closes the request.
    package func applyErasure(_ erasure: ErasureApplication, at now: Instant) throws {
        let appended = try keyring.recordErasures([erasure.ledgerRecord], at: now)
        let proofHash = erasure.wholeSubject ? keyring.ledgerHash(erasure.subject) : nil
        let policy = policy
        try transaction { connection, logger in
            if let proofHash {
                try await Self.keepConsentProof(subject: erasure.subject, hash: proofHash, at: now, on: connection, logger: logger)
                try await connection.query("DELETE FROM subjects WHERE id = \(erasure.subject)", logger: logger)
            } else {
                // An answer given before the erasure (an access package) holds values: it goes,
                // whatever is destroyed or kept only for other purposes.
                try await connection.query("DELETE FROM request_answers WHERE subject_id = \(erasure.subject)", logger: logger)
                try await connection.query("DELETE FROM request_statements WHERE subject_id = \(erasure.subject)", logger: logger)
                try await Self.destroy(erasure.destroy, of: erasure.subject, at: now, on: connection, logger: logger)
                for (field, purposes) in erasure.keep.sorted(by: { $0.key < $1.key }) {
                    try await connection.query(
                        "UPDATE fields SET kept_for = \(purposes.joined(separator: "\n")) WHERE subject_id = \(erasure.subject) AND field = \(field)", logger: logger)
                }
            }
            try await Self.insert(erasure.tasks, on: connection, logger: logger)
            try await Self.markApplied(appended, on: connection, logger: logger)
            try await Self.closeFulfilled(erasure.closing, at: now, policy: policy, on: connection)
        }
        if !erasure.wholeSubject, !erasure.destroy.isEmpty { try vacuumFields() }
    }

    package func restrict(subject: String, fields: [String]?, ground: String, tasks: [RecipientTask], request: String, by actor: String,
                          outcome: @escaping @Sendable (Int64) -> LibraryWords, since: Instant) throws -> Int64 {
        let policy = policy
        return try transaction { connection, logger in
            var inserted: Int64?
            for try await id in try await connection.query("""
                INSERT INTO restrictions (subject_id, fields, since, ground)
                SELECT id, \(fields.map { $0.joined(separator: "\n") }), \(since.millisecondsSinceEpoch), \(ground) FROM subjects WHERE id = \(subject)
                RETURNING id
                """, logger: logger).decode(Int64.self) { inserted = id }
            guard let inserted else { throw StoreError.subjectUnknown(subject) }
            try await Self.insert(tasks, on: connection, logger: logger)
            try await Self.closeFulfilled(RequestClosing(request: request, outcome: outcome(inserted), actor: actor), at: since, policy: policy, on: connection)
            return inserted
        }
    }

    package func erasureCertificate(of request: String) throws -> String? {
        try run { client, logger in
            for try await certificate in try await client.query("SELECT erasure_certificate FROM requests WHERE id = \(request)", logger: logger)
                .decode(String?.self) {
                return certificate
            }
            return nil
        }
    }

    package func storeAnswer(_ answer: SealedAnswer, request: String, heldForReview: Bool, at now: Instant) throws {
        try run { client, logger in
            _ = try await client.query("""
                INSERT INTO request_answers (request_id, subject_id, html, json, held_for_review, created_at)
                VALUES (\(request), \(answer.subject), \(answer.html), \(answer.json), \(heldForReview), \(now.millisecondsSinceEpoch))
                ON CONFLICT (request_id) DO UPDATE SET subject_id = excluded.subject_id, html = excluded.html, json = excluded.json,
                    held_for_review = excluded.held_for_review, created_at = excluded.created_at
                """, logger: logger)
        }
    }

    package func sealedAnswer(request: String, includingHeld: Bool) throws -> SealedAnswer? {
        try run { client, logger in
            for try await (subject, html, json, held) in try await client.query(
                "SELECT subject_id, html, json, held_for_review FROM request_answers WHERE request_id = \(request)", logger: logger)
                .decode((String, Data, Data, Bool).self) where includingHeld || !held {
                BlockingBridge.beat()
                return SealedAnswer(subject: subject, html: html, json: json)
            }
            return nil
        }
    }

    package func storeStatement(_ statement: SealedStatement, request: String, at now: Instant, by actor: String,
                                _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest {
        // The words and the history line that says who kept them commit together.
        try changeRequest(request, at: now, by: actor, what: "a statement's", change) { connection, logger in
            try await Self.keepStatement(statement, request: request, at: now, on: connection, logger: logger)
        }
    }

    /// Writes a request's sealed statement (replacing an earlier one) in the caller's transaction.
    static func keepStatement(_ statement: SealedStatement, request: String, at now: Instant, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query("""
            INSERT INTO request_statements (request_id, subject_id, sealed, created_at)
            VALUES (\(request), \(statement.subject), \(statement.sealed), \(now.millisecondsSinceEpoch))
            ON CONFLICT (request_id) DO UPDATE SET subject_id = excluded.subject_id, sealed = excluded.sealed, created_at = excluded.created_at
            """, logger: logger)
    }

    package func sealedStatement(request: String) throws -> SealedStatement? {
        try run { client, logger in
            for try await (subject, sealed) in try await client.query(
                "SELECT subject_id, sealed FROM request_statements WHERE request_id = \(request)", logger: logger).decode((String, Data).self) {
                return SealedStatement(subject: subject, sealed: sealed)
            }
            return nil
        }
    }

    /// Deletes fields with their blind-index entries and any stored answer that holds them, and
    /// records them as erased (the evaluator then answers `FIELD_ERASED`), in the caller's
    /// transaction.
    static func destroy(_ fields: [String], of subject: String, at now: Instant, on connection: PostgresConnection, logger: Logger) async throws {
        guard !fields.isEmpty else { return }
        try await connection.query("DELETE FROM request_answers WHERE subject_id = \(subject)", logger: logger)
        try await connection.query("DELETE FROM request_statements WHERE subject_id = \(subject)", logger: logger)
        for field in fields {
            try await connection.query("DELETE FROM fields WHERE subject_id = \(subject) AND field = \(field)", logger: logger)
            try await connection.query("DELETE FROM blind_index WHERE subject_id = \(subject) AND field = \(field)", logger: logger)
            try await connection.query("""
                INSERT INTO erased_fields (subject_id, field, at) VALUES (\(subject), \(field), \(now.millisecondsSinceEpoch)) ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// Removes the dead versions of replaced or destroyed rows now (VACUUM runs outside a
    /// transaction; a version a still-open snapshot can see survives until the next vacuum).
    func vacuumFields() throws {
        try run(deadline: nil) { client, logger in
            _ = try await client.query("VACUUM fields", logger: logger)
            _ = try await client.query("VACUUM blind_index", logger: logger)
            _ = try await client.query("VACUUM request_answers", logger: logger)
        }
    }
}
