import Foundation
import Hummingbird
import Custos

/// The OpenID AuthZEN Authorization API 1.0 on Custos's decisions (docs/authzen.md).
///
/// subject = the calling service (its id must be the token's actor, else 403); resource = the
/// data subject (`type` "data-subject") with `properties.fields`; action.name = read, share,
/// decide or store; context = purpose (required), recipient, destination, procedure,
/// accept_partial. Every evaluation is a logged decision on the vault's facts that releases no
/// value. A partial outcome answers `decision: true` only when the caller set
/// `context.accept_partial`, so that a gateway reading only the boolean never releases a
/// withheld field; the permitted fields are always in the answer's context.
struct AuthZEN: Sendable {
    let routes: Routes

    static let entity = WireShape.object([("type", .scalar), ("id", .scalar), ("properties", .any)])
    static let resource = WireShape.object([("type", .scalar), ("id", .scalar), ("properties", .object([("fields", .scalars)]))])
    static let action = WireShape.object([("name", .scalar), ("properties", .any)])
    static let context = WireShape.object([("purpose", .scalar), ("recipient", .scalar), ("destination", .scalar), ("procedure", .scalar),
                                           ("accept_partial", .scalar), ("bulk", .scalar), ("effect", .scalar)])
    static let evaluation = WireShape.object([("subject", entity), ("resource", resource), ("action", action), ("context", context)])
    static let evaluations = WireShape.object([("subject", entity), ("resource", resource), ("action", action), ("context", context),
                                               ("evaluations", .list(evaluation)), ("options", .object([("evaluations_semantic", .scalar)]))])

    func evaluation(_ request: Request) async throws -> Response {
        let account = try await routes.account(request)
        let data = try await JSONBody.read(request, limit: routes.configuration.maximumBody)
        do { try StrictJSON.check(data, shape: Self.evaluation, what: "evaluation") } catch { throw Problem.badRequest(error.message) }
        let object = try JSONBody.object(data, what: "evaluation")
        try Self.checkTypes(Members(object))
        let decisionRequest = try Self.request(object, defaults: [:], actor: account.actor, path: "$")
        let result = try await routes.gated(decisionRequest.request.onVaultFacts, releaseValues: false)
        routes.metrics.decided(result.decision, via: "authzen")
        return JSONBody.response(Self.answer(result, acceptPartial: decisionRequest.acceptPartial))
    }

    func evaluations(_ request: Request) async throws -> Response {
        let account = try await routes.account(request)
        let data = try await JSONBody.read(request, limit: routes.configuration.maximumBody)
        do { try StrictJSON.check(data, shape: Self.evaluations, what: "evaluations") } catch { throw Problem.badRequest(error.message) }
        let object = try JSONBody.object(data, what: "evaluations")
        let semantics = ["execute_all", "deny_on_first_deny", "permit_on_first_permit"]
        let semantic = try Members(object).object("options")?.choice("evaluations_semantic", of: semantics) ?? "execute_all"
        // Every member's type first: a malformed default or item fails the call (400); an item
        // that is well formed but cannot be evaluated is a deny with its error.
        let top = Members(object)
        try Self.checkTypes(top)
        for (index, item) in (object["evaluations"] as? [[String: Any]] ?? []).enumerated() {
            try Self.checkTypes(Members(item, path: "$.evaluations[\(index)]"))
        }
        // Without an `evaluations` list, or with an empty one, the call is one evaluation of the defaults.
        let listed = object["evaluations"] as? [[String: Any]] ?? []
        let items = listed.isEmpty ? [[:]] : listed
        guard items.count <= routes.configuration.maximumBatch else {
            throw Problem.badRequest("evaluations: at most \(routes.configuration.maximumBatch) evaluations in one call")
        }
        // Each item is read first; one that cannot be evaluated is a deny with its error, not a
        // failed call.
        let parsed: [Result<(request: DecisionRequest, acceptPartial: Bool), Problem>] = try items.enumerated().map { index, item in
            do {
                return .success(try Self.request(item, defaults: object, actor: account.actor, path: "$.evaluations[\(index)]"))
            } catch let problem as Problem where problem.status == .badRequest {
                return .failure(problem)
            }
        }
        func unevaluable(_ problem: Problem) -> [String: Any] {
            ["decision": false, "context": ["error": ["status": 400, "message": problem.detail]]]
        }
        var answers: [[String: Any]] = []
        if semantic == "execute_all" {
            // Every item is decided whatever the others say: concurrently, sharing group commits.
            let requests = parsed.compactMap { try? $0.get().request }
            var results = try await routes.decideConcurrently(requests).makeIterator()
            for item in parsed {
                switch item {
                case let .success(evaluation):
                    let result = results.next()!
                    routes.metrics.decided(result.decision, via: "authzen")
                    answers.append(Self.answer(result, acceptPartial: evaluation.acceptPartial))
                case let .failure(problem): answers.append(unevaluable(problem))
                }
            }
        } else {
            // A short-circuit semantic decides (and logs) nothing past the deciding item.
            for item in parsed {
                let answer: [String: Any]
                switch item {
                case let .success(evaluation):
                    let result = try await routes.gated(evaluation.request.onVaultFacts, releaseValues: false)
                    routes.metrics.decided(result.decision, via: "authzen")
                    answer = Self.answer(result, acceptPartial: evaluation.acceptPartial)
                case let .failure(problem): answer = unevaluable(problem)
                }
                answers.append(answer)
                let permitted = answer["decision"] as? Bool ?? false
                if semantic == "deny_on_first_deny", !permitted { break }
                if semantic == "permit_on_first_permit", permitted { break }
            }
        }
        return JSONBody.response(["evaluations": answers])
    }

    /// One evaluation's members over the defaults, as a decision request. Every member is
    /// read by type: a wrong type is a 400 (an item's error), never a default.
    static func request(_ item: [String: Any], defaults: [String: Any], actor: String, path: String) throws -> (request: DecisionRequest, acceptPartial: Bool) {
        func member(_ key: String) throws -> Members? {
            let inItem = item[key] != nil && !(item[key] is NSNull)
            return try Members(inItem ? item : defaults, path: inItem ? path : "$").object(key)
        }
        guard let subject = try member("subject"), let resource = try member("resource"), let action = try member("action") else {
            throw Problem.badRequest("\(path): needs subject, resource and action")
        }
        _ = try subject.requiredText("type")
        guard try subject.requiredText("id") == actor else {
            throw Problem.forbidden("\(subject.path).id: the token acts as '\(actor)'; a request cannot name another subject")
        }
        guard try resource.requiredText("type") == "data-subject" else { throw resource.wrong("type", "'data-subject'") }
        let subjectId = try resource.requiredId("id")
        let fields = try resource.object("properties")?.ids("fields", maximum: DecisionRequest.maximumFields) ?? []
        guard let verb = try action.choice("name", of: ["read", "share", "decide", "store"]).flatMap(Action.init(rawValue:)) else {
            throw action.wrong("name", "read, share, decide or store")
        }
        _ = try action.object("properties")
        guard let context = try member("context") else { throw Problem.badRequest("\(path).context.purpose is required") }
        let request = DecisionRequest(actor: actor, action: verb, subject: subjectId, purpose: try context.requiredId("purpose"), fields: fields,
                                      recipient: try context.id("recipient"), destination: try context.id("destination"),
                                      procedure: try context.id("procedure"), bulk: try context.bool("bulk") ?? false,
                                      effect: try context.choice("effect", of: DecisionEffect.allCases.map(\.rawValue)).flatMap(DecisionEffect.init(rawValue:)))
        return (request, try context.bool("accept_partial") ?? false)
    }

    /// The types of whichever of subject, resource, action and context are present.
    static func checkTypes(_ members: Members) throws {
        for key in ["subject", "resource", "action", "context"] where members.object[key] is NSNull {
            throw members.wrong(key, "an object (leave it out to use the call's default)")
        }
        if let subject = try members.object("subject") {
            _ = try subject.requiredText("type"); _ = try subject.requiredText("id"); _ = try subject.object("properties")
        }
        if let resource = try members.object("resource") {
            guard try resource.requiredText("type") == "data-subject" else { throw resource.wrong("type", "'data-subject'") }
            _ = try resource.requiredId("id")
            _ = try resource.object("properties")?.ids("fields", maximum: DecisionRequest.maximumFields)
        }
        if let action = try members.object("action") {
            guard try action.choice("name", of: ["read", "share", "decide", "store"]) != nil else { throw action.wrong("name", "read, share, decide or store") }
            _ = try action.object("properties")
        }
        if let context = try members.object("context") {
            _ = try context.requiredId("purpose")
            for key in ["recipient", "destination", "procedure"] { _ = try context.id(key) }
            for key in ["accept_partial", "bulk"] { _ = try context.bool(key) }
            _ = try context.choice("effect", of: DecisionEffect.allCases.map(\.rawValue))
        }
    }

    static func answer(_ result: GatedResult, acceptPartial: Bool) -> [String: Any] {
        let decision = result.decision
        let allowed = decision.outcome == .permit || (decision.outcome == .partial && acceptPartial)
        return [
            "decision": allowed,
            "context": [
                "outcome": decision.outcome.rawValue,
                "permitted_fields": decision.permittedFields,
                "reasons": decision.reasons.map { ["code": $0.code.rawValue, "article": $0.code.article, "explanation": $0.explanation.description] },
                "seq": result.logSequence.map { $0 as Any } ?? NSNull(),
            ] as [String: Any],
        ]
    }
}
