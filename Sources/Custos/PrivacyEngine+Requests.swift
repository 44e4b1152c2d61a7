import Foundation
public import CustosDecision
public import CustosPolicy
public import CustosStore

/// Why a request operation was refused; the code is one of gdpr.md §16's DSAR codes.
public struct RequestRefusal: Error, Sendable, CustomStringConvertible {
    public let code: ReasonCode
    /// The refusal's words, for a face that shows them in another language.
    package let words: LibraryWords
    /// Why, in English.
    public var message: String { words.description }
    public var description: String { "[\(code.rawValue)] \(message)" }

    package init(code: ReasonCode, _ words: LibraryWords) {
        self.code = code
        self.words = words
    }
}

/// The request book (gdpr.md §5); its rules are `RequestDesk`'s.
extension PrivacyEngine {
    package var requestDesk: RequestDesk { RequestDesk(policy: policy, clock: clock, store: store) }

    /// Opens a request. An objection is recorded at once (it stops processing while it is
    /// assessed: the safe side); the other rights act when the request is fulfilled.
    ///
    /// ```swift
    /// let request = try engine.openRequest(subject: "D-1001", type: .access, channel: "e-mail", by: "officer")
    /// print(request.id, request.dueOn)
    /// ```
    public func openRequest(subject: String, type: RightsRequestType, purpose: String? = nil, channel: String,
                            receivedAt: Instant? = nil, requester: String = "subject", mandate: String? = nil,
                            identityVerifiedBy method: String? = nil, by actor: String) throws -> RightsRequest {
        try openRequest(subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: receivedAt, requester: requester,
                        mandate: mandate, identityVerifiedBy: method, opening: .none, by: actor)
    }

    package func openRequest(subject: String, type: RightsRequestType, purpose: String?, channel: String, receivedAt: Instant?, requester: String,
                             mandate: String?, identityVerifiedBy method: String?, opening: RequestOpening, by actor: String) throws -> RightsRequest {
        try requestDesk.openRequest(subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: receivedAt, requester: requester,
                                    mandate: mandate, identityVerifiedBy: method, opening: opening, by: actor)
    }

    package func verifyIdentity(request id: String, method: String, by actor: String) throws -> RightsRequest {
        try requestDesk.verifyIdentity(request: id, method: method, by: actor)
    }

    package func extendRequest(_ id: String, reasons: String, noticeSentOn: LocalDate? = nil, by actor: String) throws -> RightsRequest {
        try requestDesk.extendRequest(id, reasons: reasons, noticeSentOn: noticeSentOn, by: actor)
    }

    package func rejectRequest(_ id: String, reasons: String, by actor: String) throws -> RightsRequest {
        try requestDesk.rejectRequest(id, reasons: reasons, by: actor)
    }

    package func openRequests(overdue: Bool = false, dueWithinDays days: Int? = nil) throws -> [RightsRequest] {
        try requestDesk.openRequests(overdue: overdue, dueWithinDays: days)
    }

    /// A request with its events, or nil when there is none with that id.
    public func request(_ id: String) throws -> RightsRequest? { try requestDesk.request(id) }

    package func requireActionable(_ request: RightsRequest) throws { try requestDesk.requireActionable(request) }
}
