import Foundation
import Hummingbird
import Custos
import CustosStore

/// `/v1/subjects`: gated access to a subject's fields (read, share, store), new subjects,
/// lifecycle events, and finding subjects by a blind index.
extension Routes {
    static let readShape = WireShape.gatedRead
    static let shareShape = WireShape.object([("purpose", .scalar), ("fields", .scalars), ("recipient", .scalar), ("recipient-name", .scalar), ("destination", .scalar), ("procedure", .scalar)])
    static let storeShape = WireShape.object([("purpose", .scalar), ("values", .any), ("source", .scalar), ("collected-at", .scalar)])
    static let createShape = WireShape.object([("id", .scalar), ("category", .scalar), ("other-categories", .scalars), ("kind", .scalar), ("consumer", .scalar), ("contract-party", .scalar),
                                               ("purpose", .scalar), ("values", .any), ("source", .scalar), ("collected-at", .scalar)])
    static let eventShape = WireShape.object([("event", .scalar), ("effective", .scalar)])
    static let lookupShape = WireShape.object([("kind", .scalar), ("value", .scalar), ("purpose", .scalar)])

    /// The documented body read straight from its bytes when it keeps every rule the strict
    /// path checks (1 to `maximumFields` fields, none twice); nil sends it to that path.
    static func fastPurposeAndFields(_ data: Data) -> (purpose: String, fields: [String])? {
        guard let body = GatedReadBody.read(data), (1...DecisionRequest.maximumFields).contains(body.fields.count),
              Set(body.fields).count == body.fields.count else { return nil }
        return body
    }

    func purposeAndFields(_ members: Members) throws -> (purpose: String, fields: [String]) {
        (try members.requiredId("purpose"), try members.ids("fields", minimum: 1, maximum: DecisionRequest.maximumFields) ?? { throw members.wrong("fields", "a list of field ids") }())
    }

    func read(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let data = try await JSONBody.read(request, limit: configuration.maximumBody)
        let (purpose, fields) = try Self.fastPurposeAndFields(data) ?? purposeAndFields(try strictBody(data, shape: Self.readShape, what: "read"))
        let result = try await gated(DecisionRequest(actor: account.actor, action: .read, subject: subject, purpose: purpose, fields: fields),
                                     releaseValues: true)
        metrics.decided(result.decision, via: "read")
        return JSONBody.response(bytes: JSONBody.gatedBytes(result, values: true))
    }

    func share(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.shareShape, what: "share")
        let (purpose, fields) = try purposeAndFields(members)
        let recipient = try members.requiredId("recipient")
        let destination = try members.id("destination"), procedure = try members.id("procedure")
        // A name, not an id, but held to the same rule: no control characters in the ledger.
        let recipientName = try members.id("recipient-name")
        let engine = self.engine
        let result = try await gated {
            engine.share(subject: subject, fields: fields, purpose: purpose, recipient: recipient, recipientName: recipientName,
                         destination: destination, procedure: procedure, actor: account.actor)
        }
        metrics.decided(result.decision, via: "share")
        return JSONBody.response(bytes: JSONBody.gatedBytes(result, values: true))
    }

    /// `values`: field id to text, 1 to `maximumFields` of them; values are never echoed.
    func values(_ members: Members) throws -> [String: String] {
        guard let object = try members.object("values"), !object.object.isEmpty, object.object.count <= DecisionRequest.maximumFields else {
            throw members.wrong("values", "an object of 1 to \(DecisionRequest.maximumFields) field ids and their texts")
        }
        var values: [String: String] = [:]
        for key in object.object.keys.sorted() {
            guard !Members.hasControlCharacter(key) else { throw Problem.badRequest("$.values: a field id has a control character") }
            values[key] = try object.requiredText(key)
            if values[key]!.isEmpty { throw object.wrong(key, "a text of at least one character (leave a field out to store nothing)") }
            if FieldValueRules.isBirthDate(key, policy: engine.policy), LocalDate(parsing: values[key]!) == nil {
                throw object.wrong(key, "a date as YYYY-MM-DD")
            }
        }
        return values
    }

    func collectedAt(_ members: Members) throws -> Instant? {
        guard let text = try members.text("collected-at") else { return nil }
        guard let instant = Instant(iso8601: text) else { throw members.wrong("collected-at", "an ISO 8601 instant with offset") }
        return instant
    }

    /// A call refused by a rule that depends on the present or the policy (a birth date,
    /// collection time or receipt later than now) is a 409: the value conflicts with the present,
    /// not with the format the OpenAPI document describes.
    func refusingValues<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do { return try await executor.run(body) } catch let error as StoreError {
            switch error {
            case .invalidInput, .refused:
                throw Problem(status: .conflict, kind: "refused-value", title: "The value conflicts with the present", detail: error.description)
            default: throw Self.problem(for: error)
            }
        } catch { throw Self.problem(for: error) }
    }

    static func stored(_ result: StoreResult) -> [String: Any] {
        ["decision": JSONBody.decision(result.decision), "seq": result.logSequence.map { $0 as Any } ?? NSNull(),
         "stored": result.stored, "replaced": result.replaced]
    }

    /// Stores or updates fields: the `store` decision, logged, and the permitted values written
    /// in one transaction.
    func storeFields(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.storeShape, what: "store")
        let purpose = try members.requiredId("purpose"), values = try values(members)
        let source = try members.label("source") ?? "service:\(account.name)", collected = try collectedAt(members)
        let engine = self.engine
        let result = try await refusingValues { try engine.store(subject: subject, values: values, purpose: purpose, source: source, collectedAt: collected, actor: account.actor) }
        metrics.decided(result.decision, via: "store")
        return JSONBody.response(Self.stored(result))
    }

    /// A new subject through the `store` decision: 201 when it was stored, 200 with the deny
    /// when it was not.
    func createSubject(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.createShape, what: "subject")
        let id = try members.requiredId("id")
        guard SubjectId.problem(id) == nil else { throw members.wrong("id", "a subject id: " + (SubjectId.problem(id) ?? "")) }
        let kind = try members.choice("kind", of: ["natural-person", "sole-trader"]).flatMap(SubjectKind.init(rawValue:)) ?? .naturalPerson
        let collected = try collectedAt(members)
        let subject = NewSubject(id: id, category: try members.requiredId("category"), otherCategories: try members.ids("other-categories", maximum: 32) ?? [], kind: kind, consumer: try members.bool("consumer") ?? true,
                                 contractParty: try members.bool("contract-party") ?? false, values: try values(members),
                                 source: try members.label("source") ?? "service:\(account.name)", collectedAt: collected.map { ["*": $0] } ?? [:])
        let purpose = try members.requiredId("purpose")
        let engine = self.engine
        let result = try await refusingValues { try engine.createSubject(subject, purpose: purpose, actor: account.actor) }
        metrics.decided(result.decision, via: "store")
        return JSONBody.response(Self.stored(result), status: result.stored.isEmpty ? .ok : .created)
    }

    func recordEvent(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.eventShape, what: "event")
        let event = try members.requiredId("event")
        var effective: LocalDate?
        if let text = try members.text("effective") {
            guard let date = LocalDate(parsing: text) else { throw members.wrong("effective", "a date as YYYY-MM-DD") }
            effective = date
        }
        let engine = self.engine, effectiveOn = effective
        // A date later than today or before 1900 is refused by the engine (409, refused-value);
        // the answer gives the date recorded, today on the engine's clock when none was sent.
        let recorded = try await refusingValues { try engine.recordEvent(subject: subject, event: event, effective: effectiveOn, by: account.actor) }
        return JSONBody.response(["subject": subject, "event": event, "effective": recorded.description], status: .created)
    }

    /// Subjects whose e-mail, phone or IBAN matches, through the keyed blind index. A match is
    /// answered only when the caller may read that field of that subject for the purpose: each
    /// candidate is a logged `decide` of a read of the matching fields, and a denied one is left
    /// out, so a lookup cannot confirm that someone is in the vault to a caller who could not
    /// read them. The value is never logged or echoed.
    func lookup(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let members = try await body(request, shape: Self.lookupShape, what: "lookup")
        guard let kind = try members.choice("kind", of: BlindIndexKind.allCases.map(\.rawValue)).flatMap(BlindIndexKind.init(rawValue:)) else {
            throw members.wrong("kind", "one of " + BlindIndexKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let value = try members.requiredText("value"), purpose = try members.requiredId("purpose")
        let engine = self.engine
        let indexed = engine.policy.policy.fields.filter { $0.blindIndex == kind }.map(\.id.id)
        let gate = engine.gatedAccess
        let decided = try await call { () -> [(subject: String, step: GateStep)] in
            try engine.findSubjects(matching: value, kind: kind).prefix(100).map { subject in
                (subject, gate.decideBeforeLogging(DecisionRequest(actor: account.actor, action: .read, subject: subject, purpose: purpose, fields: indexed),
                                                   releaseValues: false))
            }
        }
        // The candidates' entries are awaited together, so they share a group commit instead
        // of one commit each.
        let results = await withTaskGroup(of: (Int, GatedResult).self) { group -> [GatedResult] in
            for (index, candidate) in decided.enumerated() { group.addTask { (index, await gate.log(candidate.step)) } }
            var results = [GatedResult?](repeating: nil, count: decided.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
        let matches: [[String: Any]] = zip(decided.map(\.subject), results).compactMap { subject, result in
            metrics.decided(result.decision, via: "lookup")
            guard result.decision.outcome != .deny else { return nil }
            return ["subject": subject, "seq": result.logSequence.map { $0 as Any } ?? NSNull()]
        }
        return JSONBody.response(["matches": matches])
    }
}
