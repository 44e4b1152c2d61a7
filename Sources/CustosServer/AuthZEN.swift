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
                                           ("accept_partial", .scalar), ("bulk", .scalar)])
    static let evaluation = WireShape.object([("subject", entity), ("resource", resource), ("action", action), ("context", context)])
    static let evaluations = WireShape.object([("subject", entity), ("resource", resource), ("action", action), ("context", context),
                                               ("evaluations", .list(evaluation)), ("options", .object([("evaluations_semantic", .scalar)]))])

    func evaluation(_ request: Request) async throws -> Response {
        let account = try await routes.account(request)
        let data = try await JSONBody.read(request, limit: routes.configuration.maximumBody)
        do { try StrictJSON.check(data, shape: Self.evaluation, what: "evaluation") } catch { throw Problem.badRequest(error.message) }
        let object = try JSONBody.object(data, what: "evaluation")
        let decisionRequest = try Self.request(object, defaults: [:], actor: account.actor, path: "$")
        let engine = routes.engine
        let result = try await routes.executor.run { engine.decide(decisionRequest.request) }
        routes.metrics.decided(result.decision, via: "authzen")
        return JSONBody.response(Self.answer(result, acceptPartial: decisionRequest.acceptPartial))
    }

    func evaluations(_ request: Request) async throws -> Response {
        let account = try await routes.account(request)
        let data = try await JSONBody.read(request, limit: routes.configuration.maximumBody)
        do { try StrictJSON.check(data, shape: Self.evaluations, what: "evaluations") } catch { throw Problem.badRequest(error.message) }
        let object = try JSONBody.object(data, what: "evaluations")
        let semantic = (object["options"] as? [String: Any])?["evaluations_semantic"] as? String ?? "execute_all"
        guard ["execute_all", "deny_on_first_deny", "permit_on_first_permit"].contains(semantic) else {
            throw Problem.badRequest("evaluations: $.options.evaluations_semantic must be execute_all, deny_on_first_deny or permit_on_first_permit")
        }
        // Without an `evaluations` list the call is one evaluation of the defaults.
        let items = object["evaluations"] as? [[String: Any]] ?? [[:]]
        guard items.count <= routes.configuration.maximumBatch else {
            throw Problem.badRequest("evaluations: at most \(routes.configuration.maximumBatch) evaluations in one call")
        }
        var answers: [[String: Any]] = []
        let engine = routes.engine
        for (index, item) in items.enumerated() {
            let answer: [String: Any]
            do {
                let parsed = try Self.request(item, defaults: object, actor: account.actor, path: "$.evaluations[\(index)]")
                let result = try await routes.executor.run { engine.decide(parsed.request) }
                routes.metrics.decided(result.decision, via: "authzen")
                answer = Self.answer(result, acceptPartial: parsed.acceptPartial)
            } catch let problem as Problem where problem.status == .badRequest {
                // An item that cannot be evaluated is a deny with its error, not a failed call.
                answer = ["decision": false, "context": ["error": ["status": 400, "detail": problem.detail]]]
            }
            answers.append(answer)
            let permitted = answer["decision"] as? Bool ?? false
            if semantic == "deny_on_first_deny", !permitted { break }
            if semantic == "permit_on_first_permit", permitted { break }
        }
        return JSONBody.response(["evaluations": answers])
    }

    /// One evaluation's members over the defaults, as a decision request.
    static func request(_ item: [String: Any], defaults: [String: Any], actor: String, path: String) throws -> (request: DecisionRequest, acceptPartial: Bool) {
        func member(_ key: String) -> [String: Any]? { (item[key] ?? defaults[key]) as? [String: Any] }
        guard let subject = member("subject"), let resource = member("resource"), let action = member("action") else {
            throw Problem.badRequest("\(path): needs subject, resource and action")
        }
        guard subject["id"] as? String == actor else {
            throw Problem.forbidden("\(path).subject.id: the token acts as '\(actor)'; a request cannot name another subject")
        }
        guard resource["type"] as? String == "data-subject", let subjectId = resource["id"] as? String else {
            throw Problem.badRequest("\(path).resource: type must be 'data-subject' and id the data subject's id")
        }
        let fields = (resource["properties"] as? [String: Any])?["fields"] as? [String] ?? []
        guard let name = action["name"] as? String, let verb = Action(rawValue: name), verb != .erase else {
            throw Problem.badRequest("\(path).action.name must be read, share, decide or store")
        }
        let context = member("context") ?? [:]
        guard let purpose = context["purpose"] as? String else { throw Problem.badRequest("\(path).context.purpose is required") }
        let request = DecisionRequest(actor: actor, action: verb, subject: subjectId, purpose: purpose, fields: fields,
                                      recipient: context["recipient"] as? String, destination: context["destination"] as? String,
                                      procedure: context["procedure"] as? String, bulk: context["bulk"] as? Bool ?? false)
        return (request, context["accept_partial"] as? Bool ?? false)
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
