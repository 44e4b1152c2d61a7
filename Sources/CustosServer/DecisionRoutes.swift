import Foundation
import Hummingbird
import Custos

/// `/v1/decisions`: decisions on the vault's facts (logged) and on supplied facts
/// (hypothetical, not logged), one at a time or up to `maximumBatch` in one call.
extension Routes {
    /// The request JSON of docs/decisions.md, with the token's actor: a body that names
    /// another actor is refused.
    func decisionRequest(_ data: Data, actor: String, what: String) throws -> DecisionRequest {
        do { try StrictJSON.check(data, shape: .request, what: what) } catch { throw Problem.badRequest(error.message) }
        return try decisionRequest(JSONBody.object(data, what: what), actor: actor, what: what)
    }

    func decisionRequest(_ object: [String: Any], actor: String, what: String) throws -> DecisionRequest {
        var object = object
        if let named = object["actor"], !(named is NSNull) {
            guard named as? String == actor else { throw Problem.forbidden("\(what): the token acts as '\(actor)'; a body cannot name another actor") }
        }
        object["actor"] = actor
        guard JSONSerialization.isValidJSONObject(object) else { throw Problem.badRequest("\(what): not a JSON object") }
        let normalised = try JSONSerialization.data(withJSONObject: object)
        do { return try HypotheticalDecisions.decodeRequest(normalised) } catch { throw Problem.badRequest(error.message) }
    }

    func decideOnVault(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let data = try await JSONBody.read(request, limit: configuration.maximumBody)
        let parsed: DecisionRequest
        if let fast = DecisionRequestBody.read(data, defaultActor: account.actor) {
            guard fast.actor == account.actor else { throw Problem.forbidden("request: the token acts as '\(account.actor)'; a body cannot name another actor") }
            parsed = fast
        } else {
            parsed = try decisionRequest(data, actor: account.actor, what: "request")
        }
        let result = try await gated(parsed.onVaultFacts, releaseValues: false)
        metrics.decided(result.decision, via: "decisions")
        return JSONBody.response(bytes: JSONBody.gatedBytes(result, values: false))
    }

    static let hypotheticalShape = WireShape.object([("request", .any), ("facts", .any), ("at", .scalar)])

    /// One hypothetical decision is a few microseconds of pure computation on the prebuilt
    /// evaluator, so it runs where the request is handled; a batch goes to the executor.
    func decideHypothetically(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let data = try await JSONBody.read(request, limit: configuration.maximumBody)
        let item: (request: DecisionRequest, facts: Facts, at: Instant)
        // The documented shapes are read straight from the bytes, as `decide --batch` reads a
        // line; anything else takes the strict path, which words every error.
        if let fast = HypotheticalBody.read(data, defaultActor: account.actor) {
            guard fast.request.actor == account.actor else {
                throw Problem.forbidden("body: the token acts as '\(account.actor)'; a body cannot name another actor")
            }
            item = (fast.request, fast.facts, fast.at ?? .now)
        } else {
            do { try StrictJSON.check(data, shape: Self.hypotheticalShape, what: "body") } catch { throw Problem.badRequest(error.message) }
            item = try hypotheticalItem(Members(try JSONBody.object(data, what: "body")), actor: account.actor)
        }
        let decision = hypotheticals.decide(request: item.request, facts: item.facts, defaultAt: item.at)
        metrics.decided(decision, via: "hypothetical")
        return JSONBody.response(bytes: ServerAnswer.gated(decision, seq: nil, values: nil))
    }

    /// `{"request", "facts", "at"?}`: the parts of a hypothetical decision.
    func hypotheticalItem(_ members: Members, actor: String) throws -> (request: DecisionRequest, facts: Facts, at: Instant) {
        // JSONSerialization traps (it does not throw) on a top level that is not an object.
        guard let requestObject = try members.object("request") else { throw members.wrong("request", "an object") }
        guard let factsObject = try members.object("facts") else { throw members.wrong("facts", "an object") }
        let parsed = try decisionRequest(try JSONSerialization.data(withJSONObject: requestObject.object), actor: actor, what: "\(members.path).request")
        let facts: Facts
        do { facts = try HypotheticalDecisions.decodeFacts(try JSONSerialization.data(withJSONObject: factsObject.object)) } catch let error as InputError {
            throw Problem.badRequest("\(members.path).facts: " + error.message)
        }
        var at = Instant.now
        if let text = try members.text("at") {
            guard let instant = Instant(iso8601: text) else { throw members.wrong("at", "an ISO 8601 instant with offset") }
            at = instant
        }
        return (parsed, facts, at)
    }

    // MARK: batches

    /// The items of a batch body (`{"requests": [...]}` or `{"items": [...]}`), at most
    /// `maximumBatch` of them.
    func batch(_ request: Request, key: String) async throws -> [Any] {
        let data = try await JSONBody.read(request, limit: configuration.maximumBody)
        do { try StrictJSON.check(data, shape: .object([(key, .list(.any))]), what: "batch") } catch { throw Problem.badRequest(error.message) }
        guard let items = try JSONBody.object(data, what: "batch")[key] as? [Any] else { throw Problem.badRequest("batch: $.\(key) must be a list") }
        guard items.count <= configuration.maximumBatch else { throw Problem.badRequest("batch: at most \(configuration.maximumBatch) items in one call") }
        return items
    }

    /// Every item is read before any is decided: one that cannot be read fails the whole call
    /// with its JSON path, so a batch is never half decided. The decisions then run
    /// concurrently (up to 32 at a time), so their log entries share group commits; each
    /// answer carries its own sequence number, in request order.
    func decideBatch(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let items = try await batch(request, key: "requests")
        let parsed: [DecisionRequest] = try items.enumerated().map { index, item in
            guard let object = item as? [String: Any] else { throw Problem.badRequest("$.requests[\(index)] must be an object") }
            let data = try JSONSerialization.data(withJSONObject: object)
            return try decisionRequest(data, actor: account.actor, what: "$.requests[\(index)]")
        }
        let results = try await decideConcurrently(parsed)
        let answers: [[UInt8]] = results.map { result in
            metrics.decided(result.decision, via: "decisions")
            return JSONBody.gatedBytes(result, values: false)
        }
        return JSONBody.results(answers)
    }

    /// Logged decisions on the vault's facts, up to 32 at a time so that their log entries share
    /// group commits; the results in request order, each with its own sequence number.
    func decideConcurrently(_ requests: [DecisionRequest]) async throws -> [GatedResult] {
        return try await withThrowingTaskGroup(of: (Int, GatedResult).self) { group -> [GatedResult] in
            var results = [GatedResult?](repeating: nil, count: requests.count)
            var next = 0
            func startNext() {
                let index = next, item = requests[index]
                group.addTask { (index, try await gated(item.onVaultFacts, releaseValues: false)) }
                next += 1
            }
            while next < min(32, requests.count) { startNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < requests.count { startNext() }
            }
            return results.map { $0! }
        }
    }

    func decideHypotheticalBatch(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let items = try await batch(request, key: "items")
        let parsed = try items.enumerated().map { index, item in
            guard let object = item as? [String: Any] else { throw Problem.badRequest("$.items[\(index)] must be an object") }
            let data = try JSONSerialization.data(withJSONObject: object)
            do { try StrictJSON.check(data, shape: Self.hypotheticalShape, what: "$.items[\(index)]") } catch let error as InputError {
                throw Problem.badRequest(error.message)
            }
            return try hypotheticalItem(Members(object, path: "$.items[\(index)]"), actor: account.actor)
        }
        let hypotheticals = self.hypotheticals
        let decisions = try await executor.run { parsed.map { hypotheticals.decide(request: $0.request, facts: $0.facts, defaultAt: $0.at) } }
        for decision in decisions { metrics.decided(decision, via: "hypothetical") }
        return JSONBody.results(decisions.map { ServerAnswer.gated($0, seq: nil, values: nil) })
    }
}
