import Foundation
import Hummingbird
import Custos
import CustosStore

/// `/v1/subjects/:subject/consents` and `/objections`: consent given, withdrawn, listed and
/// receipted; objections to processing (direct marketing among them).
extension Routes {
    static let giveShape = WireShape.object([("purposes", .scalars), ("method", .scalar), ("channel", .scalar), ("evidence", .scalar),
                                             ("notice-version", .scalar), ("notice-language", .scalar), ("age-at-consent", .scalar)])
    static let withdrawShape = WireShape.object([("purposes", .scalars), ("channel", .scalar), ("evidence", .scalar)])
    static let objectionShape = WireShape.object([("kind", .scalar), ("purpose", .scalar), ("effective", .scalar)])

    func giveConsent(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.giveShape, what: "consent")
        let purposes = try members.ids("purposes", minimum: 1, maximum: 100) ?? { throw members.wrong("purposes", "a list of purpose ids") }()
        guard let method = try members.choice("method", of: ConsentMethod.allCases.map(\.rawValue)).flatMap(ConsentMethod.init(rawValue:)) else {
            throw members.wrong("method", "one of " + ConsentMethod.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let noticeLanguage = try members.text("notice-language")
        if let noticeLanguage, !LanguageCode.isWellFormed(noticeLanguage) {
            throw members.wrong("notice-language", "a two-letter ISO 639-1 code such as nl or en")
        }
        let grant = ConsentGrant(subject: subject, purposes: purposes, noticeVersion: try members.integer("notice-version", in: 1...1_000_000),
                                 noticeLanguage: noticeLanguage, method: method,
                                 channel: try members.requiredLabel("channel"), evidence: try members.label("evidence"),
                                 ageAtConsent: try members.integer("age-at-consent", in: 0...150))
        let engine = self.engine
        let outcomes = try await call { try engine.giveConsent(grant, by: account.name) }
        let results: [[String: Any]] = outcomes.map { outcome in
            switch outcome {
            case let .recorded(purpose, state, notice): ["purpose": purpose, "state": state.rawValue, "notice": notice]
            case let .refused(purpose, code, message): ["purpose": purpose, "refused": code.rawValue, "message": message]
            }
        }
        return JSONBody.response(["subject": subject, "consents": results])
    }

    func withdrawConsent(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.withdrawShape, what: "withdrawal")
        let purposes = try members.ids("purposes", minimum: 1, maximum: 100) ?? { throw members.wrong("purposes", "a list of purpose ids") }()
        let channel = try members.requiredLabel("channel"), evidence = try members.label("evidence")
        let engine = self.engine
        try await call { try engine.withdrawConsent(subject: subject, purposes: purposes, channel: channel, evidence: evidence, effective: nil, by: account.name) }
        return JSONBody.response(["subject": subject, "withdrawn": purposes])
    }

    /// The current state per purpose and the history, oldest first (the ledger's own
    /// records: no field value is in them).
    func consents(_ request: Request, subject: String) async throws -> Response {
        _ = try await account(request)
        let engine = self.engine
        let (history, current, _) = try await call { () -> ([ConsentLedgerEvent], [String: ConsentLedgerEvent], [ConsentRefusal]) in
            guard try !engine.existingSubjects([subject]).isEmpty else { throw StoreError.subjectUnknown(subject) }
            return try engine.consents(for: subject)
        }
        func event(_ event: ConsentLedgerEvent) -> [String: Any] {
            var object: [String: Any] = ["purpose": event.purpose, "state": event.state.rawValue, "recorded-at": event.recordedAt.description,
                                         "effective-at": event.effectiveAt.description, "by": event.expressedBy.rawValue]
            if let notice = event.noticeId { object["notice"] = notice }
            if let version = event.noticeVersion { object["notice-version"] = version }
            if let language = event.language { object["notice-language"] = language }
            if let method = event.method { object["method"] = method.rawValue }
            if let channel = event.channel { object["channel"] = channel }
            return object
        }
        return JSONBody.response([
            "subject": subject,
            "current": current.keys.sorted().map { event(current[$0]!) },
            "history": history.map(event),
        ])
    }

    /// The signed consent receipt (ISO/IEC TS 27560 field names), as `custos consent receipt`
    /// writes it.
    func receipt(_ request: Request, subject: String, purpose: String) async throws -> Response {
        _ = try await account(request)
        let engine = self.engine
        let receipt = try await call { () -> ConsentReceipt in
            guard try engine.consents(for: subject).history.contains(where: { $0.purpose == purpose }) else {
                throw Problem.notFound("no consent of this subject for this purpose is recorded")
            }
            return try engine.consentReceipt(subject: subject, purpose: purpose)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(receipt)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An objection (Art. 21): direct marketing stops at once and for good; a general one stops
    /// processing under legitimate interest while the officer assesses it.
    func object(_ request: Request, subject: String) async throws -> Response {
        _ = try await account(request)
        let members = try await body(request, shape: Self.objectionShape, what: "objection")
        guard let kind = try members.choice("kind", of: ObjectionKind.allCases.map(\.rawValue)).flatMap(ObjectionKind.init(rawValue:)) else {
            throw members.wrong("kind", "one of " + ObjectionKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let purpose = try members.id("purpose")
        var effective: Instant?
        if let text = try members.text("effective") {
            guard let instant = Instant(iso8601: text) else { throw members.wrong("effective", "an ISO 8601 instant with offset") }
            effective = instant
        }
        let engine = self.engine, effectiveAt = effective
        // A receipt later than now is refused by the desk, as a request's is: a 409.
        let id = try await refusingValues { () -> Int64 in
            guard try !engine.existingSubjects([subject]).isEmpty else { throw StoreError.subjectUnknown(subject) }
            if let purpose, engine.policy.policy.purpose(purpose) == nil { throw StoreError.unknownPurpose(purpose) }
            return try engine.recordObjection(subject: subject, purpose: purpose, kind: kind, effective: effectiveAt)
        }
        return JSONBody.response(["id": id, "subject": subject, "kind": kind.rawValue, "purpose": purpose.map { $0 as Any } ?? NSNull()], status: .created)
    }
}
