import Foundation
package import CustosDecision
package import CustosPolicy
package import CustosStore

/// The request book's rules over any `RequestStore` (gdpr.md §5): requests arrive on any
/// channel, are due by the Art. 12(3) deadline counted from receipt in the controller's time
/// zone, wait for a proportionate
/// identity check before anything is disclosed, erased or exported, may be extended once with
/// reasons if the subject is told by the first deadline, and end completed or rejected.
/// `PrivacyEngine` runs it over its vault; the same rules run over a PostgreSQL vault.
///
/// ```swift
/// let desk = RequestDesk(policy: compiled, clock: { .now }, store: store)
/// let request = try desk.openRequest(subject: "D-1", type: .access, channel: "e-mail", by: "officer")
/// ```
package struct RequestDesk: Sendable {
    package let policy: CompiledPolicy
    package let clock: @Sendable () -> Instant
    package let store: any RequestStore

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, store: any RequestStore) {
        self.policy = policy
        self.clock = clock
        self.store = store
    }

    /// Opens a request. An objection is recorded at once, with the request in one transaction
    /// (it stops processing while it is assessed: the safe side); the other rights act when
    /// the request is fulfilled.
    package func openRequest(subject: String, type: RightsRequestType, purpose: String? = nil, channel: String,
                            receivedAt: Instant? = nil, requester: String = "subject", mandate: String? = nil,
                            identityVerifiedBy method: String? = nil, opening: RequestOpening = .none, by actor: String) throws -> RightsRequest {
        // A name would be personal data in plain text in the request book: only the role is kept.
        guard requester == "subject" || requester == "representative" else {
            throw RequestRefusal(code: .dsarRequesterNotAuthorised, LibraryWords("request.requester", "the requester is 'subject' or 'representative' (with the mandate's document reference)"))
        }
        try LabelText.check(channel, LibraryWords("what.requestChannel", "a request's channel (how it reached you: letter, e-mail, web-form, …)"))
        if let mandate { try LabelText.check(mandate, LibraryWords("what.mandate", "a mandate's document reference")) }
        if let purpose {
            // Only an objection is to a purpose; on any other request the purpose would be shown
            // as its scope while the right covers every purpose. A misspelt one would object to nothing.
            guard Self.objectionKind(of: type) != nil else {
                throw StoreError.invalidInput("only an objection names a purpose; a \(type.rawValue) request covers every purpose")
            }
            try policy.refuseUndeclared(fields: nil, purposes: [purpose])
        }
        let now = clock()
        let received = try receivedAt.map { given throws(StoreError) in try RecordedInstants.check(given, now: now, what: LibraryWords("instant.receipt", "a request's receipt")) } ?? now
        let deadline = RightsDeadline(receivedAt: received, policy: policy)
        // A blank method names no check: the request waits for one, as with none.
        let verified = method.map { !BlankText.isBlank($0) } ?? false
        if verified, let method { try LabelText.check(method, LibraryWords("what.identityMethod", "an identity check's method")) }
        let request = RightsRequest(
            id: "", subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: received, receivedOn: deadline.receivedOn,
            requester: requester, mandate: mandate, identity: verified ? .verified : .unverified, identityMethod: verified ? method : nil,
            status: verified ? .inProgress : .awaitingIdentity, dueOn: deadline.due, extensionNoticeOn: nil, extensionReasons: nil,
            closedAt: nil, outcome: nil, events: [])
        let id = try store.openRequest(request, objection: Self.objectionKind(of: type), opening: opening, at: now, by: actor)
        guard let opened = try store.request(id) else { throw StoreError.io("request \(id) was filed but does not read back") }
        return opened
    }

    /// The objection a request of this type records at once, if it is one.
    static func objectionKind(of type: RightsRequestType) -> ObjectionKind? {
        switch type {
        case .objection: .general
        case .objectionDirectMarketing: .directMarketing
        case .objectionAutomatedDecision: .automatedDecision
        default: nil
        }
    }

    /// Records a proportionate identity check (matching data already held, not a copy of an ID
    /// by default).
    package func verifyIdentity(request id: String, method: String, by actor: String) throws -> RightsRequest {
        guard !BlankText.isBlank(method) else { throw RequestRefusal(code: .dsarIdentityUnverified, LibraryWords("identity.noMethod", "name how the identity was verified")) }
        try LabelText.check(method, LibraryWords("what.identityMethod", "an identity check's method"))
        return try store.updateRequest(id, at: clock(), by: actor) { request in
            guard request.status.isOpen else { throw RequestRefusal(code: .dsarIdentityUnverified, LibraryWords("request.closed", "request {id} is closed", ["id": id])) }
            var updated = request
            updated.identity = .verified
            updated.identityMethod = method
            if updated.status == .awaitingIdentity || updated.status == .received { updated.status = .inProgress }
            return (updated, .identityVerified, .asWritten(method))
        }
    }

    /// Extends the deadline to three months from receipt; valid only with reasons and when the
    /// subject is told no later than the first (rolled) deadline.
    package func extendRequest(_ id: String, reasons: String, noticeSentOn: LocalDate? = nil, by actor: String) throws -> RightsRequest {
        let now = clock()
        let sent = noticeSentOn ?? policy.localDate(of: now)
        return try store.updateRequest(id, at: now, by: actor) { request in
            guard request.status.isOpen, request.status != .extended else {
                throw RequestRefusal(code: .dsarExtended, LibraryWords("extension.once", "request {id} is {status}; it can be extended once, while open", ["id": id],
                                                                           phrases: ["status": .requestStatus(request.status)]))
            }
            let deadline = RightsDeadline(receivedOn: request.receivedOn, calendar: policy.holidayCalendar)
            guard !BlankText.isBlank(reasons) else {
                throw RequestRefusal(code: .dsarExtensionLate, LibraryWords("extension.noReasons", "an extension needs reasons (complexity or number of requests)"))
            }
            try FreeText.check(reasons, LibraryWords("what.extensionReasons", "an extension's reasons"))
            // The notice is a letter that was sent: not before the request arrived, not later
            // than today (a slip such as 0025 would otherwise pass as "in time").
            if sent < request.receivedOn {
                throw StoreError.refused(LibraryWords("extension.noticeBeforeReceipt", "the subject cannot have been told of an extension before the request arrived ({received}); it says {sent}",
                                                      ["received": "\(request.receivedOn)", "sent": "\(sent)"]))
            }
            if sent > policy.localDate(of: now) {
                throw StoreError.refused(LibraryWords("extension.noticeFuture", "the notice of an extension cannot be dated later than today ({today}); it says {sent}",
                                                      ["today": "\(policy.localDate(of: now))", "sent": "\(sent)"]))
            }
            guard deadline.isExtensionValid(noticeSentOn: sent, reasonsGiven: true) else {
                throw RequestRefusal(code: .dsarExtensionLate, LibraryWords("extension.late", "the subject must be told by {due}; {sent} is too late", ["due": "\(deadline.due)", "sent": "\(sent)"]))
            }
            var updated = request
            updated.status = .extended
            updated.dueOn = deadline.extendedDue
            updated.extensionNoticeOn = sent
            updated.extensionReasons = reasons
            return (updated, .extended, LibraryWords("requestEvent.extended", "due {due}; subject told on {told}", ["due": "\(deadline.extendedDue)", "told": "\(sent)"]))
        }
    }

    /// Rejects a request with reasons; the answer tells the subject of the right to complain
    /// to the Autoriteit Persoonsgegevens and to seek a judicial remedy (Art. 12(4)).
    package func rejectRequest(_ id: String, reasons: String, by actor: String) throws -> RightsRequest {
        guard !BlankText.isBlank(reasons) else {
            throw RequestRefusal(code: .dsarManifestlyExcessive, LibraryWords("rejection.noReasons", "a rejection needs its reasons"))
        }
        try FreeText.check(reasons, LibraryWords("what.rejectionReasons", "a rejection's reasons"))
        return try reject(id, reasons: .asWritten(reasons), in: Self.rejected(["reasons": reasons]), by: actor)
    }

    /// Rejects a request for reasons the library gives (`reasons` is their English).
    package func rejectRequest(_ id: String, because words: LibraryWords, by actor: String) throws -> RightsRequest {
        try reject(id, reasons: words, in: Self.rejected(phrases: ["reasons": words]), by: actor)
    }

    /// A rejection's outcome: the reasons (the officer's as written, or the library's words)
    /// and the subject's remedies.
    private static func rejected(_ values: [String: String] = [:], phrases: [String: LibraryWords] = [:]) -> LibraryWords {
        LibraryWords("outcome.rejected", "rejected: {reasons}. You may complain to the Autoriteit Persoonsgegevens and seek a judicial remedy (Art. 12(4), 77, 79).",
                     values, phrases: phrases)
    }

    private func reject(_ id: String, reasons: LibraryWords, in outcome: LibraryWords, by actor: String) throws -> RightsRequest {
        let now = clock()
        return try store.updateRequest(id, at: now, by: actor) { request in
            guard request.status.isOpen else { throw RequestRefusal(code: .dsarDeadline, LibraryWords("request.already", "request {id} is already {status}", ["id": id], phrases: ["status": .requestStatus(request.status)])) }
            var updated = request
            updated.close(as: .rejected, at: now, outcome: outcome)
            return (updated, .rejected, reasons)
        }
    }

    /// Open requests, optionally only overdue ones or those due within `days`.
    package func openRequests(overdue: Bool = false, dueWithinDays days: Int? = nil) throws -> [RightsRequest] {
        let today = policy.localDate(of: clock())
        return try store.requests(.open).filter { request in
            if overdue, !(request.dueOn < today) { return false }
            if let days, request.dueOn > today.adding(days: days) { return false }
            return true
        }
    }

    package func request(_ id: String) throws -> RightsRequest? { try store.request(id) }

    /// Refuses to act on a request whose requester or identity is not established: nothing is
    /// disclosed, erased or exported before (gdpr.md §5.2).
    package func requireActionable(_ request: RightsRequest) throws {
        guard request.requesterAuthorised else {
            throw RequestRefusal(code: .dsarRequesterNotAuthorised, LibraryWords("request.noMandate", "a representative acts for the subject without a mandate on record"))
        }
        guard request.identity == .verified else {
            throw RequestRefusal(code: .dsarIdentityUnverified, LibraryWords("identity.unverified", "the requester's identity is not verified; nothing is disclosed, erased or exported before"))
        }
        guard request.status.isOpen else { throw RequestRefusal(code: .dsarDeadline, LibraryWords("request.status", "request {id} is {status}", ["id": request.id], phrases: ["status": .requestStatus(request.status)])) }
    }

    /// Records an objection. A direct-marketing objection stops that processing at once; a
    /// general one stops the objected purpose until an assessment is recorded.
    package func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant? = nil) throws -> Int64 {
        // An objection to a misspelt purpose would stop nothing.
        try policy.refuseUndeclared(fields: nil, purposes: purpose.map { [$0] })
        let now = clock()
        // Later than now is a mistake, refused as a request's receipt is, not taken as now. An
        // earlier one is taken whenever it is: an objection stops processing from when it
        // arrived, and one from before the GDPR (under the Directive) must stop it too.
        if let effective, effective.millisecondsSinceEpoch > now.millisecondsSinceEpoch + RecordedInstants.clockSkewMilliseconds,
           let problem = RecordedInstants.problem(effective, now: now, what: LibraryWords("instant.objection", "an objection's receipt")) {
            throw StoreError.refused(problem)
        }
        return try store.recordObjection(subject: subject, purpose: purpose, kind: kind, effective: min(effective ?? now, now), at: now)
    }
}
