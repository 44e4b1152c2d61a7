package import Foundation
package import CustosPolicy
package import CustosDecision

/// Which requests a read of the request book returns.
///
/// ```swift
/// let dueSoon = try store.requests(.open).filter { $0.dueOn <= today.adding(days: 7) }
/// ```
package enum RequestSelection: Sendable, Equatable {
    /// Every request of every year: for the requests report.
    case all
    /// Those not yet completed or rejected.
    case open
    /// Those of one subject.
    case subject(String)

    /// The statuses of an open request, as stored.
    package static let openStatuses = RightsRequestStatus.allCases.filter(\.isOpen).map(\.rawValue)
}

/// What opens with a request in the transaction that files it, beyond its receipt: further
/// history lines, the subject's own words and a status link. The privacy centre and the API
/// open a request with these, so an interruption leaves all of them or none (never a request
/// the person has no status link to, or a correction without its words).
package struct RequestOpening: Sendable {
    /// History lines after `received`, in order, at the opening instant.
    package var events: [(event: RequestEvent, detail: LibraryWords?)]
    /// Seals the subject's words once the request's number is known (the seal is bound to it).
    package var statement: (@Sendable (_ request: String) throws -> SealedStatement)?
    /// The keyed hash of a status link's token (`WebDoorStore.statusLinkHash`).
    package var statusLinkHash: Data?

    package init(events: [(event: RequestEvent, detail: LibraryWords?)] = [], statement: (@Sendable (_ request: String) throws -> SealedStatement)? = nil,
                 statusLinkHash: Data? = nil) {
        (self.events, self.statement, self.statusLinkHash) = (events, statement, statusLinkHash)
    }

    /// Nothing beyond the receipt.
    package static let none = RequestOpening()
}

/// What the request book needs from the store: requests with their events, changed one at a
/// time in a transaction, and the objections an objection request records at once. The rules
/// (deadlines, identity, extension, rejection) are `RequestDesk`'s (Custos); SQLite's
/// `VaultStore` and PostgreSQL's `PostgresVault` implement this.
package protocol RequestStore: Sendable {
    /// Files a request (its id is assigned here: `RQ-<year>-<number>`, one sequence across
    /// every process) with its `received` event and, where the policy declares it, the
    /// subject's `request-received` lifecycle event. An objection request (`objection` names
    /// its kind) records the objection under the request's purpose, in force from its receipt,
    /// in the same transaction: an interruption never leaves a filed objection request whose
    /// objection does not stop the processing, nor an objection without its request. So does
    /// what `opening` brings.
    func openRequest(_ request: RightsRequest, objection: ObjectionKind?, opening: RequestOpening, at now: Instant, by actor: String) throws -> String
    /// Changes a request in one transaction: `change` sees the current request and returns
    /// the updated one plus the event to record, or throws to refuse (nothing is written).
    func updateRequest(_ id: String, at now: Instant, by actor: String,
                       _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest
    func request(_ id: String) throws -> RightsRequest?
    /// The requests `which` selects, oldest received first; the open ones and one subject's are
    /// found by index, not by reading the book of every year.
    func requests(_ which: RequestSelection) throws -> [RightsRequest]
    /// Records an objection (Art. 21), in force from `effective`; returns its number.
    func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant, at now: Instant) throws -> Int64
}

extension VaultStore: RequestStore {
    package func openRequest(_ request: RightsRequest, objection: ObjectionKind?, opening: RequestOpening, at now: Instant, by actor: String) throws -> String {
        try vault.openRequest(request, objection: objection, opening: opening, at: now, by: actor)
    }

    package func updateRequest(_ id: String, at now: Instant, by actor: String,
                               _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest {
        try vault.updateRequest(id, at: now, by: actor, change)
    }

    package func request(_ id: String) throws -> RightsRequest? { try vault.request(id) }

    package func requests(_ which: RequestSelection) throws -> [RightsRequest] { try vault.requests(which) }

    package func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant, at now: Instant) throws -> Int64 {
        try vault.recordObjection(subject: subject, purpose: purpose, kind: kind, effective: effective, at: now)
    }
}
