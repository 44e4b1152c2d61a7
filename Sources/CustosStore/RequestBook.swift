import Foundation
internal import GRDB
public import CustosPolicy
package import CustosDecision

public enum RightsRequestType: String, Sendable, Hashable, Codable, CaseIterable {
    case access, rectification, erasure, restriction, portability
    case objection
    case objectionDirectMarketing = "objection-direct-marketing"
    case objectionAutomatedDecision = "objection-automated-decision"
}

public enum RightsRequestStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case received
    case awaitingIdentity = "awaiting-identity"
    case inProgress = "in-progress"
    case extended, completed, rejected

    public var isOpen: Bool { self != .completed && self != .rejected }
}

public enum IdentityState: String, Sendable, Hashable, Codable {
    case unverified, verified, failed
}

/// A data-subject request and its history. It names the subject by id and holds no field
/// values; the requester is `subject` or a representative with a mandate reference.
public struct RightsRequest: Sendable, Hashable, Codable {
    public struct Event: Sendable, Hashable, Codable {
        public var at: Instant
        /// What happened: a `RequestEvent`'s raw value.
        public var event: String
        /// In the library's English (the CLI's and the API's).
        public var detail: String?
        /// The same in words a face renders in its own language; nil for an event recorded
        /// before they were kept. Not part of the JSON (`custos request show -o json`), whose
        /// detail is the English.
        package var detailWords: LibraryWords? = nil
        public var by: String

        enum CodingKeys: String, CodingKey { case at, event, detail, by }

        package init(at: Instant, event: String, detail: String?, detailWords: LibraryWords? = nil, by: String) {
            self.at = at
            self.event = event
            self.detail = detail
            self.detailWords = detailWords
            self.by = by
        }
    }

    public var id: String
    public var subject: String
    public var type: RightsRequestType
    public var purpose: String?
    public var channel: String
    public var receivedAt: Instant
    public var receivedOn: LocalDate
    public var requester: String
    public var mandate: String?
    public var identity: IdentityState
    public var identityMethod: String?
    public var status: RightsRequestStatus
    public var dueOn: LocalDate
    public var extensionNoticeOn: LocalDate?
    public var extensionReasons: String?
    public var closedAt: Instant?
    /// What closing the request did, in the library's English (the CLI's and the API's).
    public var outcome: String?
    /// The same in words a face renders in its own language; nil before a close, and for a
    /// request closed before the words were kept. Not part of the JSON, whose outcome is the
    /// English.
    package var outcomeWords: LibraryWords? = nil
    public var events: [Event]

    enum CodingKeys: String, CodingKey {
        case id, subject, type, purpose, channel, receivedAt, receivedOn, requester, mandate, identity, identityMethod, status, dueOn
        case extensionNoticeOn, extensionReasons, closedAt, outcome, events
    }

    package init(id: String, subject: String, type: RightsRequestType, purpose: String?, channel: String, receivedAt: Instant,
                receivedOn: LocalDate, requester: String, mandate: String?, identity: IdentityState, identityMethod: String?,
                status: RightsRequestStatus, dueOn: LocalDate, extensionNoticeOn: LocalDate?, extensionReasons: String?,
                closedAt: Instant?, outcome: String?, outcomeWords: LibraryWords? = nil, events: [Event]) {
        self.id = id
        self.subject = subject
        self.type = type
        self.purpose = purpose
        self.channel = channel
        self.receivedAt = receivedAt
        self.receivedOn = receivedOn
        self.requester = requester
        self.mandate = mandate
        self.identity = identity
        self.identityMethod = identityMethod
        self.status = status
        self.dueOn = dueOn
        self.extensionNoticeOn = extensionNoticeOn
        self.extensionReasons = extensionReasons
        self.closedAt = closedAt
        self.outcome = outcome
        self.outcomeWords = outcomeWords
        self.events = events
    }

    /// Closes the request as `status` at `now`, with what that did.
    package mutating func close(as status: RightsRequestStatus, at now: Instant, outcome words: LibraryWords) {
        self.status = status
        closedAt = now
        outcome = words.description
        outcomeWords = words
    }

    /// A representative needs proof of mandate (gdpr.md §5.2).
    public var requesterAuthorised: Bool { requester == "subject" || !BlankText.isBlank(mandate ?? "") }
}

/// What happened to a request, as its history records it.
package enum RequestEvent: String, Sendable, CaseIterable {
    case received
    /// The privacy centre's identity evidence: the e-mail code, and what was typed against what is held.
    case identityEvidence = "identity-evidence"
    /// The language the subject asked in (the privacy centre's).
    case language
    case identityVerified = "identity-verified"
    /// The subject's own words on what is wrong were kept (sealed apart, never in the history).
    case statement
    case extended, rejected, fulfilled

    /// A request's receipt: how it came in and its first deadline.
    package static func receipt(of request: RightsRequest) -> LibraryWords {
        LibraryWords("requestEvent.received", "via {channel}, due {due}", ["channel": request.channel, "due": "\(request.dueOn)"])
    }
}

extension LibraryWords {
    /// Someone's own words (an identity check's method, a rejection's reasons): shown as
    /// written in every language.
    package static func asWritten(_ text: String) -> LibraryWords { LibraryWords("requestEvent.asWritten", "{text}", ["text": text]) }
}

/// The request book: requests, their lifecycle and their events, in the vault.
extension Vault {
    package func openRequest(_ request: RightsRequest, objection: ObjectionKind?, opening: RequestOpening, at now: Instant, by actor: String) throws -> String {
        try pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM subjects WHERE id = ?", arguments: [request.subject]) == true else {
                throw StoreError.subjectUnknown(request.subject)
            }
            let numbering = YearlyNumbering(kind: "RQ", year: request.receivedOn.year)
            let highest = try Int.fetchOne(db, sql: "SELECT MAX(CAST(substr(id, ?) AS INTEGER)) FROM requests WHERE id >= ? AND id < ?",
                                           arguments: [numbering.numberStart, numbering.prefix, numbering.end])
            let id = numbering.id(after: highest)
            try db.execute(sql: """
            INSERT INTO requests (id, subject_id, type, purpose, channel, received_at, received_on, requester, mandate, identity,
              identity_method, status, due_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, request.subject, request.type.rawValue, request.purpose, request.channel, request.receivedAt.millisecondsSinceEpoch,
                             request.receivedOn.description, request.requester, request.mandate, request.identity.rawValue, request.identityMethod,
                             request.status.rawValue, request.dueOn.description])
            try Self.addRequestEvent(db, id: id, at: request.receivedAt, event: .received, detail: RequestEvent.receipt(of: request), by: actor)
            try recordRequestLifecycle(db, event: Self.requestReceivedEvent, subject: request.subject, on: request.receivedOn, at: request.receivedAt, by: actor)
            if let objection {
                _ = try Self.insertObjection(db, subject: request.subject, purpose: request.purpose, kind: objection, effective: request.receivedAt, at: now)
            }
            for (event, detail) in opening.events { try Self.addRequestEvent(db, id: id, at: now, event: event, detail: detail, by: actor) }
            if let seal = opening.statement { try Self.keepStatement(try seal(id), request: id, at: now, db) }
            if let hash = opening.statusLinkHash {
                try db.execute(sql: "INSERT INTO status_links (token_hash, request_id, created_at) VALUES (?, ?, ?)", arguments: [hash, id, now.millisecondsSinceEpoch])
            }
            return id
        }
    }

    /// The lifecycle events the request book records itself when the policy declares them, so
    /// a rights-administration purpose can start with a request and count its retention from
    /// the request's close.
    package static let requestReceivedEvent = "request-received"
    package static let requestClosedEvent = "request-closed"

    private func recordRequestLifecycle(_ db: Database, event: String, subject: String, on date: LocalDate, at now: Instant, by actor: String) throws {
        guard policy.policy.lifecycleEvents.contains(where: { $0.id.id == event }),
              try Bool.fetchOne(db, sql: "SELECT 1 FROM subjects WHERE id = ?", arguments: [subject]) == true else { return }
        try db.execute(sql: "INSERT INTO lifecycle_events (subject_id, event, effective_date, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)",
                       arguments: [subject, event, date.description, now.millisecondsSinceEpoch, actor])
    }

    static func addRequestEvent(_ db: Database, id: String, at: Instant, event: RequestEvent, detail: LibraryWords?, by actor: String) throws {
        try db.execute(sql: "INSERT INTO request_events (request_id, at, event, detail, detail_words, recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [id, at.millisecondsSinceEpoch, event.rawValue, detail?.description, detail?.stored, actor])
    }

    /// Changes a request in one transaction: `change` sees the current request and returns
    /// the updated one plus the event to record, or throws to refuse.
    package func updateRequest(_ id: String, at now: Instant, by actor: String,
                              _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest {
        try pool.write { db in try updateRequest(db, id, at: now, by: actor, change) }
    }

    /// Closes an open request as fulfilled, in the caller's transaction (`RequestClosing`).
    func closeFulfilled(_ db: Database, _ closing: RequestClosing, at now: Instant) throws {
        _ = try updateRequest(db, closing.request, at: now, by: closing.actor) { current in
            guard current.status.isOpen else { throw StoreError.invalidInput("request \(closing.request) is \(current.status.rawValue)") }
            var updated = current
            updated.close(as: .completed, at: now, outcome: closing.outcome)
            return (updated, .fulfilled, closing.outcome)
        }
    }

    func updateRequest(_ db: Database, _ id: String, at now: Instant, by actor: String,
                       _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest {
        guard let current = try Self.loadRequest(db, id: id) else { throw StoreError.io("no request \(id)") }
        let (updated, event, detail) = try change(current)
        try db.execute(sql: """
        UPDATE requests SET identity = ?, identity_method = ?, status = ?, due_on = ?, extension_notice_on = ?, extension_reasons = ?,
          closed_at = ?, outcome = ?, outcome_words = ? WHERE id = ?
        """, arguments: [updated.identity.rawValue, updated.identityMethod, updated.status.rawValue, updated.dueOn.description,
                         updated.extensionNoticeOn?.description, updated.extensionReasons, updated.closedAt?.millisecondsSinceEpoch,
                         updated.outcome, updated.outcomeWords?.stored, id])
        try Self.addRequestEvent(db, id: id, at: now, event: event, detail: detail, by: actor)
        if current.status.isOpen, !updated.status.isOpen {
            try recordRequestLifecycle(db, event: Self.requestClosedEvent, subject: updated.subject, on: policy.localDate(of: now), at: now, by: actor)
        }
        return try Self.loadRequest(db, id: id)!
    }

    /// The unsigned certificate an erasure request stored with its decisions, before anything
    /// was destroyed (`GateTransaction.recordErasureCertificate`); nil for any other request.
    package func erasureCertificate(of request: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT erasure_certificate FROM requests WHERE id = ?", arguments: [request]) }
    }

    package func request(_ id: String) throws -> RightsRequest? {
        try pool.read { db in try Self.loadRequest(db, id: id) }
    }

    /// The selected requests with their histories in two statements, whatever their number: the
    /// requests, then their events in the order they were recorded, in one read transaction.
    package func requests(_ which: RequestSelection) throws -> [RightsRequest] {
        let (filter, arguments): (String, StatementArguments) = switch which {
        case .all: ("", [])
        case .open: (" WHERE status IN (\(RequestSelection.openStatuses.map { _ in "?" }.joined(separator: ",")))",
                     StatementArguments(RequestSelection.openStatuses))
        case .subject(let subject): (" WHERE subject_id = ?", [subject])
        }
        return try pool.read { db in
            var requests = try Row.fetchAll(db, sql: "SELECT * FROM requests\(filter) ORDER BY received_at, id", arguments: arguments)
                .map { Self.request(from: $0, events: []) }
            var position = [String: Int](minimumCapacity: requests.count)
            for (index, request) in requests.enumerated() { position[request.id] = index }
            let events = filter.isEmpty
                ? "SELECT * FROM request_events ORDER BY id"
                : "SELECT * FROM request_events WHERE request_id IN (SELECT id FROM requests\(filter)) ORDER BY id"
            let rows = try Row.fetchCursor(db, sql: events, arguments: arguments)
            while let row = try rows.next() {
                guard let index = position[row["request_id"]] else { continue }
                requests[index].events.append(Self.event(from: row))
            }
            return requests
        }
    }

    static func loadRequest(_ db: Database, id: String) throws -> RightsRequest? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM requests WHERE id = ?", arguments: [id]) else { return nil }
        let events = try Row.fetchAll(db, sql: "SELECT * FROM request_events WHERE request_id = ? ORDER BY id", arguments: [id]).map(Self.event(from:))
        return request(from: row, events: events)
    }

    private static func event(from row: Row) -> RightsRequest.Event {
        RightsRequest.Event(at: Instant(millisecondsSinceEpoch: row["at"]), event: row["event"], detail: row["detail"],
                            detailWords: LibraryWords(stored: row["detail_words"]), by: row["recorded_by"])
    }

    private static func request(from row: Row, events: [RightsRequest.Event]) -> RightsRequest {
        RightsRequest(
            id: row["id"], subject: row["subject_id"], type: RightsRequestType(rawValue: row["type"]) ?? .access, purpose: row["purpose"],
            channel: row["channel"], receivedAt: Instant(millisecondsSinceEpoch: row["received_at"]),
            receivedOn: LocalDate(parsing: row["received_on"]) ?? LocalDate(daysSinceEpoch: 0), requester: row["requester"], mandate: row["mandate"],
            identity: IdentityState(rawValue: row["identity"]) ?? .unverified, identityMethod: row["identity_method"],
            status: RightsRequestStatus(rawValue: row["status"]) ?? .received,
            dueOn: LocalDate(parsing: row["due_on"]) ?? LocalDate(daysSinceEpoch: 0),
            extensionNoticeOn: (row["extension_notice_on"] as String?).flatMap(LocalDate.init(parsing:)), extensionReasons: row["extension_reasons"],
            closedAt: (row["closed_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), outcome: row["outcome"],
            outcomeWords: LibraryWords(stored: row["outcome_words"]), events: events)
    }
}
