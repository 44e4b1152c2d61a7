import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
package import CustosDecision

/// The request book on PostgreSQL (`RequestStore`), as on SQLite: one numbering across every
/// process, each change in one transaction with its event, the lifecycle events the policy
/// declares for a request's receipt and close, and the objections an objection request records.
extension PostgresVault: RequestStore {
    package func openRequest(_ request: RightsRequest, objection: ObjectionKind?, opening: RequestOpening, at now: Instant, by actor: String) throws -> String {
        let policy = policy
        guard let seal = opening.statement else {
            return try transaction { connection, logger in
                try await Self.file(request, objection: objection, opening: opening, at: now, by: actor, policy: policy, on: connection, logger: logger)
            }
        }
        // The words are sealed under the number the request gets, on this thread (the keyring
        // is read), between the statements of the one transaction that files it.
        return try inHeldTransaction("a request's opening") { transaction in
            let id = try transaction.wait { connection, logger in
                try await Self.file(request, objection: objection, opening: opening, at: now, by: actor, policy: policy, on: connection, logger: logger)
            }
            let statement = try seal(id)
            try transaction.wait { connection, logger in try await Self.keepStatement(statement, request: id, at: now, on: connection, logger: logger) }
            return id
        }
    }

    /// Files a request with its receipt, lifecycle event, objection, further history lines and
    /// status link, on the caller's transaction; returns its number.
    private static func file(_ request: RightsRequest, objection: ObjectionKind?, opening: RequestOpening, at now: Instant, by actor: String,
                             policy: CompiledPolicy, on connection: PostgresConnection, logger: Logger) async throws -> String {
        guard try await PostgresDatabase.touched(try await connection.query("SELECT 1 FROM subjects WHERE id = \(request.subject)", logger: logger))
        else { throw StoreError.subjectUnknown(request.subject) }
        let id = try await nextNumber(YearlyNumbering(kind: "RQ", year: request.receivedOn.year), in: .requests, on: connection, logger: logger)
        try await connection.query("""
            INSERT INTO requests (id, subject_id, type, purpose, channel, received_at, received_on, requester, mandate, identity,
              identity_method, status, due_on)
            VALUES (\(id), \(request.subject), \(request.type.rawValue), \(request.purpose), \(request.channel), \(request.receivedAt.millisecondsSinceEpoch),
              \(request.receivedOn.description), \(request.requester), \(request.mandate), \(request.identity.rawValue), \(request.identityMethod),
              \(request.status.rawValue), \(request.dueOn.description))
            """, logger: logger)
        try await addRequestEvent(id: id, at: request.receivedAt, event: .received, detail: RequestEvent.receipt(of: request), by: actor, on: connection)
        try await recordRequestLifecycle(Vault.requestReceivedEvent, subject: request.subject, on: request.receivedOn, at: request.receivedAt,
                                         by: actor, policy: policy, connection: connection)
        if let objection {
            _ = try await insertObjection(subject: request.subject, purpose: request.purpose, kind: objection, effective: request.receivedAt, at: now,
                                          on: connection)
        }
        for (event, detail) in opening.events {
            try await addRequestEvent(id: id, at: now, event: event, detail: detail, by: actor, on: connection)
        }
        if let hash = opening.statusLinkHash {
            try await connection.query("INSERT INTO status_links (token_hash, request_id, created_at) VALUES (\(hash), \(id), \(now.millisecondsSinceEpoch))",
                                       logger: logger)
        }
        return id
    }

    package func updateRequest(_ id: String, at now: Instant, by actor: String,
                               _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest {
        try changeRequest(id, at: now, by: actor, what: "a request change's", change) { _, _ in }
    }

    /// A request's change in one transaction on a held connection: the caller's rule runs on
    /// this thread between its statements, with the request's row locked, and `also` writes
    /// what commits with the change (a statement's words).
    func changeRequest(_ id: String, at now: Instant, by actor: String, what: String,
                       _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?),
                       also: @escaping @Sendable (PostgresConnection, Logger) async throws -> Void) throws -> RightsRequest {
        let policy = policy
        return try inHeldTransaction(what) { transaction in
            guard let current = try transaction.wait({ connection, _ in try await Self.loadRequest(id, on: connection, forUpdate: true) }) else {
                throw StoreError.io("no request \(id)")
            }
            let (updated, event, detail) = try change(current)
            return try transaction.wait { connection, logger in
                try await Self.write(updated, over: current, event: event, detail: detail, at: now, by: actor, policy: policy, on: connection)
                try await also(connection, logger)
                guard let stored = try await Self.loadRequest(id, on: connection, forUpdate: false) else { throw StoreError.io("no request \(id)") }
                return stored
            }
        }
    }

    /// A request's change as every change is recorded: the row, the history's event and, when
    /// it closes, the lifecycle event the policy declares.
    private static func write(_ updated: RightsRequest, over current: RightsRequest, event: RequestEvent, detail: LibraryWords?, at now: Instant,
                              by actor: String, policy: CompiledPolicy, on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE requests SET identity = \(updated.identity.rawValue), identity_method = \(updated.identityMethod),
              status = \(updated.status.rawValue), due_on = \(updated.dueOn.description), extension_notice_on = \(updated.extensionNoticeOn?.description),
              extension_reasons = \(updated.extensionReasons), closed_at = \(updated.closedAt?.millisecondsSinceEpoch), outcome = \(updated.outcome),
              outcome_words = \(updated.outcomeWords?.stored)
            WHERE id = \(updated.id)
            """, logger: PostgresDatabase.logger)
        try await addRequestEvent(id: updated.id, at: now, event: event, detail: detail, by: actor, on: connection)
        if current.status.isOpen, !updated.status.isOpen {
            try await recordRequestLifecycle(Vault.requestClosedEvent, subject: updated.subject, on: policy.localDate(of: now), at: now,
                                             by: actor, policy: policy, connection: connection)
        }
    }

    package func request(_ id: String) throws -> RightsRequest? {
        try transaction { connection, _ in try await Self.loadRequest(id, on: connection, forUpdate: false) }
    }

    /// The selected requests with their histories in two statements in one snapshot, whatever
    /// their number: the requests, then their events in the order they were recorded.
    package func requests(_ which: RequestSelection) throws -> [RightsRequest] {
        try transaction { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let columns = Self.requestColumns, events = "SELECT request_id, at, event, detail, detail_words, recorded_by FROM request_events"
            let (selected, history): (PostgresQuery, PostgresQuery) = switch which {
            case .all:
                ("SELECT \(unescaped: columns) FROM requests ORDER BY received_at, id COLLATE \"C\"", "\(unescaped: events) ORDER BY id")
            case .open:
                ("SELECT \(unescaped: columns) FROM requests WHERE status = ANY(\(RequestSelection.openStatuses)) ORDER BY received_at, id COLLATE \"C\"",
                 "\(unescaped: events) WHERE request_id IN (SELECT id FROM requests WHERE status = ANY(\(RequestSelection.openStatuses))) ORDER BY id")
            case .subject(let subject):
                ("SELECT \(unescaped: columns) FROM requests WHERE subject_id = \(subject) ORDER BY received_at, id COLLATE \"C\"",
                 "\(unescaped: events) WHERE request_id IN (SELECT id FROM requests WHERE subject_id = \(subject)) ORDER BY id")
            }
            var requests: [RightsRequest] = []
            for try await row in try await connection.query(selected, logger: logger) {
                BlockingBridge.beat()
                requests.append(try Self.request(from: row))
            }
            var position = [String: Int](minimumCapacity: requests.count)
            for (index, request) in requests.enumerated() { position[request.id] = index }
            for try await (id, at, event, detail, words, by) in try await connection.query(history, logger: logger)
                .decode((String, Int64, String, String?, String?, String).self) {
                BlockingBridge.beat()
                guard let index = position[id] else { continue }
                requests[index].events.append(RightsRequest.Event(at: Instant(millisecondsSinceEpoch: at), event: event, detail: detail,
                                                                  detailWords: LibraryWords(stored: words), by: by))
            }
            return requests
        }
    }

    package func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant, at now: Instant) throws -> Int64 {
        try transaction { connection, _ in
            try await Self.insertObjection(subject: subject, purpose: purpose, kind: kind, effective: effective, at: now, on: connection)
        }
    }

    /// One objection row, in the caller's transaction (alone, or with the request that carries it).
    static func insertObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant, at now: Instant,
                                on connection: PostgresConnection) async throws -> Int64 {
        var id: Int64?
        for try await inserted in try await connection.query("""
            INSERT INTO objections (subject_id, purpose, kind, effective_at, recorded_at)
            SELECT id, \(purpose), \(kind.rawValue), \(effective.millisecondsSinceEpoch), \(now.millisecondsSinceEpoch) FROM subjects WHERE id = \(subject)
            RETURNING id
            """, logger: PostgresDatabase.logger).decode(Int64.self) { id = inserted }
        guard let id else { throw StoreError.subjectUnknown(subject) }
        return id
    }

    static let requestColumns = """
        id, subject_id, type, purpose, channel, received_at, received_on, requester, mandate, identity, identity_method, status, due_on,
          extension_notice_on, extension_reasons, closed_at, outcome, outcome_words
        """

    static func loadRequest(_ id: String, on connection: PostgresConnection, forUpdate: Bool) async throws -> RightsRequest? {
        let logger = PostgresDatabase.logger
        let sql = "SELECT \(requestColumns) FROM requests WHERE id = $1\(forUpdate ? " FOR UPDATE" : "")"
        var found: RightsRequest?
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: PostgresDatabase.binds(id)), logger: logger) {
            found = try request(from: row)
        }
        guard var request = found else { return nil }
        for try await (at, event, detail, words, by) in try await connection.query(
            "SELECT at, event, detail, detail_words, recorded_by FROM request_events WHERE request_id = \(id) ORDER BY id", logger: logger)
            .decode((Int64, String, String?, String?, String).self) {
            request.events.append(RightsRequest.Event(at: Instant(millisecondsSinceEpoch: at), event: event, detail: detail,
                                                      detailWords: LibraryWords(stored: words), by: by))
        }
        return request
    }

    /// A request's row (`requestColumns`, in that order), without its events.
    private static func request(from row: PostgresRow) throws -> RightsRequest {
        let r = try row.decode((String, String, String, String?, String, Int64, String, String, String?, String, String?, String, String,
                                String?, String?, Int64?, String?, String?).self)
        return RightsRequest(
            id: r.0, subject: r.1, type: RightsRequestType(rawValue: r.2) ?? .access, purpose: r.3, channel: r.4,
            receivedAt: Instant(millisecondsSinceEpoch: r.5), receivedOn: LocalDate(parsing: r.6) ?? LocalDate(daysSinceEpoch: 0),
            requester: r.7, mandate: r.8, identity: IdentityState(rawValue: r.9) ?? .unverified, identityMethod: r.10,
            status: RightsRequestStatus(rawValue: r.11) ?? .received, dueOn: LocalDate(parsing: r.12) ?? LocalDate(daysSinceEpoch: 0),
            extensionNoticeOn: r.13.flatMap(LocalDate.init(parsing:)), extensionReasons: r.14,
            closedAt: r.15.map(Instant.init(millisecondsSinceEpoch:)), outcome: r.16,
            outcomeWords: LibraryWords(stored: r.17), events: [])
    }

    static func addRequestEvent(id: String, at: Instant, event: RequestEvent, detail: LibraryWords?, by actor: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO request_events (request_id, at, event, detail, detail_words, recorded_by)
            VALUES (\(id), \(at.millisecondsSinceEpoch), \(event.rawValue), \(detail?.description), \(detail?.stored), \(actor))
            """, logger: PostgresDatabase.logger)
    }

    /// The lifecycle event the request book records itself when the policy declares it (a
    /// rights-administration purpose can count its retention from a request's close).
    /// Closes an open request as fulfilled, in the caller's transaction (`RequestClosing`; the
    /// row is locked until the transaction ends).
    static func closeFulfilled(_ closing: RequestClosing, at now: Instant, policy: CompiledPolicy, on connection: PostgresConnection) async throws {
        let id = closing.request
        guard let current = try await loadRequest(id, on: connection, forUpdate: true) else { throw StoreError.io("no request \(id)") }
        guard current.status.isOpen else { throw StoreError.invalidInput("request \(id) is \(current.status.rawValue)") }
        var updated = current
        updated.close(as: .completed, at: now, outcome: closing.outcome)
        try await write(updated, over: current, event: .fulfilled, detail: closing.outcome, at: now, by: closing.actor, policy: policy, on: connection)
    }

    static func recordRequestLifecycle(_ event: String, subject: String, on date: LocalDate, at now: Instant, by actor: String,
                                       policy: CompiledPolicy, connection: PostgresConnection) async throws {
        guard policy.policy.lifecycleEvents.contains(where: { $0.id.id == event }) else { return }
        try await connection.query("""
            INSERT INTO lifecycle_events (subject_id, event, effective_date, recorded_at, recorded_by)
            SELECT id, \(event), \(date.description), \(now.millisecondsSinceEpoch), \(actor) FROM subjects WHERE id = \(subject)
            """, logger: PostgresDatabase.logger)
    }
}
