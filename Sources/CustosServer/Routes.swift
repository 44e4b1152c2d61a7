import Foundation
import Hummingbird
import Custos

/// The service API (`/v1/…`), AuthZEN and the operational routes. Every route but the
/// operational ones authenticates its bearer token first; the token's actor is the actor of
/// every decision made through it.
struct Routes: Sendable {
    let engine: PrivacyEngine
    let configuration: ServerConfiguration
    let executor = EngineExecutor()
    let openAPI: Data
    let metrics: ServerMetrics

    /// Every route's path and method, for a 405 (with Allow) rather than a 404 when a known
    /// path is asked with another method.
    static let methods: [(pattern: [String], method: String)] = [
        (["healthz"], "GET"), (["readyz"], "GET"), (["metrics"], "GET"), (["openapi.yaml"], "GET"), ([".well-known", "authzen-configuration"], "GET"),
        (["v1", "decisions"], "POST"), (["v1", "decisions", "hypothetical"], "POST"),
        (["v1", "decisions", "batch"], "POST"), (["v1", "decisions", "hypothetical", "batch"], "POST"),
        (["v1", "subjects", "*", "read"], "POST"), (["v1", "subjects", "*", "share"], "POST"), (["v1", "subjects", "*", "consents"], "POST"),
        (["v1", "subjects", "*", "consents", "withdrawal"], "POST"), (["access", "v1", "evaluation"], "POST"), (["access", "v1", "evaluations"], "POST"),
    ]

    /// The route template a path matches (`/v1/subjects/:subject/read`), for logs.
    static func template(_ path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        return methods.first { route in
            route.pattern.count == parts.count && zip(route.pattern, parts).allSatisfy { $0 == "*" || $0 == $1 }
        }.map { "/" + $0.pattern.map { $0 == "*" ? ":subject" : $0 }.joined(separator: "/") }
    }

    /// The methods a path allows; empty for an unknown path.
    static func allowed(_ path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        return methods.filter { route in
            route.pattern.count == parts.count && zip(route.pattern, parts).allSatisfy { $0 == "*" || $0 == $1 }
        }.map(\.method)
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in JSONBody.response(["status": "alive"]) }
        router.get("readyz") { _, _ in try await ready() }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text)))
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        router.get(".well-known/authzen-configuration") { _, _ in
            JSONBody.response([
                "policy_decision_point": configuration.publicURL,
                "access_evaluation_endpoint": configuration.publicURL + "/access/v1/evaluation",
                "access_evaluations_endpoint": configuration.publicURL + "/access/v1/evaluations",
            ])
        }
        router.post("v1/decisions") { request, _ in try await decideOnVault(request) }
        router.post("v1/decisions/hypothetical") { request, _ in try await decideHypothetically(request) }
        router.post("v1/decisions/batch") { request, _ in try await decideBatch(request) }
        router.post("v1/decisions/hypothetical/batch") { request, _ in try await decideHypotheticalBatch(request) }
        router.post("v1/subjects/:subject/read") { request, context in try await read(request, subject: try context.parameters.require("subject")) }
        router.post("v1/subjects/:subject/share") { request, context in try await share(request, subject: try context.parameters.require("subject")) }
        router.post("v1/subjects/:subject/consents") { request, context in try await giveConsent(request, subject: try context.parameters.require("subject")) }
        router.post("v1/subjects/:subject/consents/withdrawal") { request, context in
            try await withdrawConsent(request, subject: try context.parameters.require("subject"))
        }
        let authZEN = AuthZEN(routes: self)
        router.post("access/v1/evaluation") { request, _ in try await authZEN.evaluation(request) }
        router.post("access/v1/evaluations") { request, _ in try await authZEN.evaluations(request) }
    }

    // MARK: authentication

    /// The active service account of the request's bearer token; a missing, malformed,
    /// unknown or revoked token is the same 401, with no hint of which.
    func account(_ request: Request) async throws -> ServiceAccount {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), header.utf8.count <= 200 else { throw Problem.unauthorized() }
        let token = String(header.dropFirst(7))
        let engine = self.engine
        guard let account = try await executor.run({ try engine.serviceAccount(forToken: token) }) else { throw Problem.unauthorized() }
        return account
    }

    // MARK: operations

    func ready() async throws -> Response {
        let engine = self.engine
        let verified = try? await executor.run { try engine.verifyLog().isIntact }
        guard verified == true else { throw Problem.unavailable("the decision log does not verify or the vault cannot be read") }
        return JSONBody.response(["status": "ready", "policy-digest": engine.policy.digest])
    }

    // MARK: decisions

    /// The request JSON of docs/decisions.md, with the token's actor: a body that names
    /// another actor is refused.
    func decisionRequest(_ data: Data, actor: String, what: String) throws -> DecisionRequest {
        do { try StrictJSON.check(data, shape: .request, what: what) } catch { throw Problem.badRequest(error.message) }
        var object = try JSONBody.object(data, what: what)
        if let named = object["actor"] {
            guard named as? String == actor else { throw Problem.forbidden("\(what): the token acts as '\(actor)'; a body cannot name another actor") }
        }
        object["actor"] = actor
        guard JSONSerialization.isValidJSONObject(object) else { throw Problem.badRequest("\(what): not a JSON object") }
        let normalised = try JSONSerialization.data(withJSONObject: object)
        do { return try HypotheticalDecisions.decodeRequest(normalised) } catch { throw Problem.badRequest(error.message) }
    }

    func decideOnVault(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let parsed = try decisionRequest(try await JSONBody.read(request, limit: configuration.maximumBody), actor: account.actor, what: "request")
        let engine = self.engine
        let result = try await executor.run { engine.decide(parsed) }
        metrics.decided(result.decision, via: "decisions")
        return JSONBody.response(JSONBody.gated(result, values: false))
    }

    static let hypotheticalShape = WireShape.object([("request", .any), ("facts", .any), ("at", .scalar)])

    func decideHypothetically(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let data = try await JSONBody.read(request, limit: configuration.maximumBody)
        do { try StrictJSON.check(data, shape: Self.hypotheticalShape, what: "body") } catch { throw Problem.badRequest(error.message) }
        let decision = try hypothetical(try JSONBody.object(data, what: "body"), actor: account.actor)
        return JSONBody.response(["decision": JSONBody.decision(decision), "seq": NSNull()])
    }

    /// `{"request", "facts", "at"?}` decided on the supplied facts, not logged.
    func hypothetical(_ object: [String: Any], actor: String) throws -> Decision {
        // JSONSerialization traps (it does not throw) on a top level that is not an object.
        guard let requestObject = object["request"] as? [String: Any] else { throw Problem.badRequest("body: $.request must be an object") }
        guard let factsObject = object["facts"] as? [String: Any] else { throw Problem.badRequest("body: $.facts must be an object") }
        let parsed = try decisionRequest(try JSONSerialization.data(withJSONObject: requestObject), actor: actor, what: "request")
        let facts: Facts
        do { facts = try HypotheticalDecisions.decodeFacts(try JSONSerialization.data(withJSONObject: factsObject)) } catch let error as InputError {
            throw Problem.badRequest(error.message)
        }
        var at = Instant.now
        if let text = object["at"] {
            guard let string = text as? String, let instant = Instant(iso8601: string) else { throw Problem.badRequest("body: $.at must be an ISO 8601 instant with offset") }
            at = instant
        }
        return HypotheticalDecisions(policy: engine.policy).decide(request: parsed, facts: facts, defaultAt: at)
    }

    // MARK: batches

    /// The items of a batch body (`{"requests": [...]}` or `{"items": [...]}`), at most
    /// `maximumBatch` of them. An item that cannot be read is answered with its own error; the
    /// others are decided.
    func batch(_ request: Request, key: String) async throws -> [Any] {
        let data = try await JSONBody.read(request, limit: configuration.maximumBody)
        do { try StrictJSON.check(data, shape: .object([(key, .list(.any))]), what: "batch") } catch { throw Problem.badRequest(error.message) }
        guard let items = try JSONBody.object(data, what: "batch")[key] as? [Any] else { throw Problem.badRequest("batch: $.\(key) must be a list") }
        guard items.count <= configuration.maximumBatch else { throw Problem.badRequest("batch: at most \(configuration.maximumBatch) items in one call") }
        return items
    }

    func decideBatch(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let items = try await batch(request, key: "requests")
        var results: [Any] = []
        let engine = self.engine
        for (index, item) in items.enumerated() {
            do {
                guard let object = item as? [String: Any] else { throw Problem.badRequest("$.requests[\(index)] must be an object") }
                let parsed = try decisionRequest(try JSONSerialization.data(withJSONObject: object), actor: account.actor, what: "$.requests[\(index)]")
                let result = try await executor.run { engine.decide(parsed) }
                metrics.decided(result.decision, via: "decisions")
                results.append(JSONBody.gated(result, values: false))
            } catch let problem as Problem {
                results.append(["error": ["status": Int(problem.status.code), "detail": problem.detail]])
            }
        }
        return JSONBody.response(["results": results])
    }

    func decideHypotheticalBatch(_ request: Request) async throws -> Response {
        let account = try await account(request)
        let items = try await batch(request, key: "items")
        var results: [Any] = []
        for (index, item) in items.enumerated() {
            do {
                guard let object = item as? [String: Any] else { throw Problem.badRequest("$.items[\(index)] must be an object") }
                let data = try JSONSerialization.data(withJSONObject: object)
                do { try StrictJSON.check(data, shape: Self.hypotheticalShape, what: "$.items[\(index)]") } catch { throw Problem.badRequest(error.message) }
                results.append(["decision": JSONBody.decision(try hypothetical(object, actor: account.actor)), "seq": NSNull()])
            } catch let problem as Problem {
                results.append(["error": ["status": Int(problem.status.code), "detail": problem.detail]])
            }
        }
        return JSONBody.response(["results": results])
    }

    // MARK: gated access

    static let readShape = WireShape.object([("purpose", .scalar), ("fields", .scalars)])
    static let shareShape = WireShape.object([("purpose", .scalar), ("fields", .scalars), ("recipient", .scalar), ("destination", .scalar), ("procedure", .scalar)])

    func fields(_ object: [String: Any], what: String) throws -> (purpose: String, fields: [String]) {
        guard let purpose = object["purpose"] as? String else { throw Problem.badRequest("\(what): $.purpose must be a text") }
        guard let fields = object["fields"] as? [String], !fields.isEmpty else { throw Problem.badRequest("\(what): $.fields must be a non-empty list of field ids") }
        guard fields.count <= DecisionRequest.maximumFields else { throw Problem.badRequest("\(what): $.fields: not more than \(DecisionRequest.maximumFields) fields in one request") }
        return (purpose, fields)
    }

    /// An optional text member: absent or null is nil; any other type is a 400, never ignored.
    static func text(_ object: [String: Any], _ key: String, what: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else { throw Problem.badRequest("\(what): $.\(key) must be a text") }
        return string
    }

    /// An optional whole-number member, likewise.
    static func integer(_ object: [String: Any], _ key: String, what: String) throws -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        // JSONSerialization gives numbers and booleans as NSNumber: a whole number prints as one.
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c",  // "c": a boolean
              let integer = Int(number.description), String(integer) == number.description else {
            throw Problem.badRequest("\(what): $.\(key) must be a whole number")
        }
        return integer
    }

    func body(_ request: Request, shape: WireShape, what: String) async throws -> [String: Any] {
        let data = try await JSONBody.read(request, limit: configuration.maximumBody)
        do { try StrictJSON.check(data, shape: shape, what: what) } catch { throw Problem.badRequest(error.message) }
        return try JSONBody.object(data, what: what)
    }

    func read(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let (purpose, fields) = try fields(try await body(request, shape: Self.readShape, what: "read"), what: "read")
        let engine = self.engine
        let result = try await executor.run { engine.read(subject: subject, fields: fields, purpose: purpose, actor: account.actor) }
        metrics.decided(result.decision, via: "read")
        return JSONBody.response(JSONBody.gated(result, values: true))
    }

    func share(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let object = try await body(request, shape: Self.shareShape, what: "share")
        let (purpose, fields) = try fields(object, what: "share")
        guard let recipient = try Self.text(object, "recipient", what: "share") else { throw Problem.badRequest("share: $.recipient must be a text") }
        let destination = try Self.text(object, "destination", what: "share"), procedure = try Self.text(object, "procedure", what: "share")
        let engine = self.engine
        let result = try await executor.run {
            engine.share(subject: subject, fields: fields, purpose: purpose, recipient: recipient, destination: destination, procedure: procedure, actor: account.actor)
        }
        metrics.decided(result.decision, via: "share")
        return JSONBody.response(JSONBody.gated(result, values: true))
    }

    // MARK: consent

    static let giveShape = WireShape.object([("purposes", .scalars), ("method", .scalar), ("channel", .scalar), ("evidence", .scalar),
                                             ("notice-version", .scalar), ("age-at-consent", .scalar)])
    static let withdrawShape = WireShape.object([("purposes", .scalars), ("channel", .scalar), ("evidence", .scalar)])

    func giveConsent(_ request: Request, subject: String) async throws -> Response {
        let account = try await account(request)
        let object = try await body(request, shape: Self.giveShape, what: "consent")
        guard let purposes = object["purposes"] as? [String], !purposes.isEmpty else { throw Problem.badRequest("consent: $.purposes must be a non-empty list") }
        guard let methodText = object["method"] as? String, let method = ConsentMethod(rawValue: methodText) else {
            throw Problem.badRequest("consent: $.method must be one of \(ConsentMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let channel = try Self.text(object, "channel", what: "consent") else { throw Problem.badRequest("consent: $.channel must be a text") }
        let grant = ConsentGrant(subject: subject, purposes: purposes, noticeVersion: try Self.integer(object, "notice-version", what: "consent"), method: method,
                                 channel: channel, evidence: try Self.text(object, "evidence", what: "consent"),
                                 ageAtConsent: try Self.integer(object, "age-at-consent", what: "consent"))
        let engine = self.engine
        let outcomes: [ConsentOutcome]
        do {
            outcomes = try await executor.run { try engine.giveConsent(grant, by: account.name) }
        } catch let error as ConsentError {
            throw Problem(status: .notFound, kind: "unknown-id", title: "Unknown id", detail: error.description)
        } catch let error as StoreError {
            throw Problem(status: .notFound, kind: "refused", title: "Refused", detail: error.description)
        }
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
        let object = try await body(request, shape: Self.withdrawShape, what: "withdrawal")
        guard let purposes = object["purposes"] as? [String], !purposes.isEmpty else { throw Problem.badRequest("withdrawal: $.purposes must be a non-empty list") }
        guard let channel = try Self.text(object, "channel", what: "withdrawal") else { throw Problem.badRequest("withdrawal: $.channel must be a text") }
        let engine = self.engine, evidence = try Self.text(object, "evidence", what: "withdrawal")
        do {
            try await executor.run { try engine.withdrawConsent(subject: subject, purposes: purposes, channel: channel, evidence: evidence, by: account.name) }
        } catch let error as ConsentError {
            throw Problem(status: .notFound, kind: "unknown-id", title: "Unknown id", detail: error.description)
        } catch let error as StoreError {
            throw Problem(status: .notFound, kind: "refused", title: "Refused", detail: error.description)
        }
        return JSONBody.response(["subject": subject, "withdrawn": purposes])
    }
}
