import Foundation
import Hummingbird
import Custos
import CustosStore

/// `/v1/requests`: data-subject rights requests opened by a service (a web portal, a CRM that
/// took a letter) and their status, in the request book the officer works from.
extension Routes {
    static let requestShape = WireShape.object([("subject", .scalar), ("type", .scalar), ("purpose", .scalar), ("channel", .scalar),
                                                ("received-at", .scalar), ("requester", .scalar), ("mandate", .scalar),
                                                ("statement", .scalar)])

    func openRequest(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.requestShape, what: "rights request")
        let subject = try members.requiredId("subject")
        guard let type = try members.choice("type", of: RightsRequestType.allCases.map(\.rawValue)).flatMap(RightsRequestType.init(rawValue:)) else {
            throw members.wrong("type", "one of " + RightsRequestType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let purpose = try members.id("purpose"), channel = try members.requiredLabel("channel")
        var received: Instant?
        if let text = try members.text("received-at") {
            guard let instant = Instant(iso8601: text) else { throw members.wrong("received-at", "an ISO 8601 instant with offset") }
            received = instant
        }
        let requester = try members.choice("requester", of: ["subject", "representative"]) ?? "subject"
        let mandate = try members.text("mandate")
        guard requester == "subject" || mandate != nil else {
            throw Problem(status: .conflict, kind: "refused", title: "Refused by the law's rules",
                          detail: "a representative's request needs the mandate's document reference ($.mandate)", code: ReasonCode.dsarRequesterNotAuthorised.rawValue)
        }
        // Checked before the request is opened: a body refused after it would leave a request
        // the service does not know it opened, and a retry would open another.
        let statement = try members.text("statement").map { text in
            guard let words = PublicDoor.statementWords(text) else {
                throw members.wrong("statement", "1 to \(PublicDoor.statementLimit) characters that are not all spaces, without control characters but line breaks and tabs")
            }
            return words
        }
        // Well-formed words with another right conflict with the rules, as a purpose does on a request that is not an objection.
        if statement != nil, type != .rectification {
            throw Problem(status: .conflict, kind: "refused-value", title: "The value conflicts with the present",
                          detail: "only a rectification request carries the subject's words ($.statement)")
        }
        let engine = self.engine, door = self.door, receivedAt = received
        // A receipt in the future, or a purpose on a request that is not an objection, is
        // well-formed and conflicts with the present or the rules: a 409, like a stored value's.
        let opened = try await refusingValues { () -> RightsRequest in
            guard try !engine.existingSubjects([subject]).isEmpty else { throw StoreError.subjectUnknown(subject) }
            // The words open with the request, in one transaction: never a correction without them.
            return try engine.openRequest(subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: receivedAt,
                                          requester: requester, mandate: mandate, identityVerifiedBy: nil,
                                          opening: statement.map { door.statementOpening($0, subject: subject) } ?? .none, by: "service:\(account.name)")
        }
        var response = JSONBody.response(Self.status(of: opened), status: .created)
        response.headers[.init("Location")!] = "/v1/requests/\(opened.id)"
        return response
    }

    func requestStatus(_ request: Request, id: String) async throws -> Response {
        _ = try await account(request)
        let engine = self.engine
        guard let found = try await call({ try engine.request(id) }) else { throw Problem.notFound("no rights request has this id") }
        return JSONBody.response(Self.status(of: found))
    }

    /// A request's stage and clock: the deadline as the request book computes it (Art. 12(3)),
    /// the extension and its reasons, the outcome once closed, and the history's events.
    static func status(of request: RightsRequest) -> [String: Any] {
        func optional(_ value: (any CustomStringConvertible)?) -> Any { value.map { $0.description as Any } ?? NSNull() }
        return [
            "id": request.id, "subject": request.subject, "type": request.type.rawValue, "purpose": optional(request.purpose),
            "channel": request.channel, "received-at": request.receivedAt.description, "status": request.status.rawValue,
            "identity": request.identity.rawValue, "due-on": request.dueOn.description, "extension-notice-on": optional(request.extensionNoticeOn),
            "extension-reasons": optional(request.extensionReasons), "closed-at": optional(request.closedAt), "outcome": optional(request.outcome),
            "events": request.events.map { ["at": $0.at.description, "event": $0.event, "by": $0.by] },
        ]
    }
}
