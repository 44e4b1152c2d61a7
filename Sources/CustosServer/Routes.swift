import Foundation
import Hummingbird
import Custos
import CustosStore

/// The service API (`/v1/…`), AuthZEN and the operational routes. Every route but the
/// operational ones authenticates its bearer token first; the token's actor is the actor of
/// every decision made through it. The handlers live in extensions, one file per resource.
struct Routes: Sendable {
    let engine: any ServiceEngine
    /// The same vault's privacy-centre rules: a rectification request's own words are kept there.
    let door: PublicDoor
    let configuration: ServerConfiguration
    let executor: EngineExecutor
    let openAPI: Data
    let metrics: ServerMetrics
    /// Built once: a hypothetical decision is pure computation on this evaluator.
    let hypotheticals: HypotheticalDecisions
    /// Requests a second per service account, at the account's own rate or the server's.
    let requestLimit = ServiceRequestLimit()

    init(engine: any ServiceEngine, door: PublicDoor, configuration: ServerConfiguration, openAPI: Data, metrics: ServerMetrics, executor: EngineExecutor) {
        self.engine = engine
        self.door = door
        self.executor = executor
        self.configuration = configuration
        self.openAPI = openAPI
        self.metrics = metrics
        hypotheticals = HypotheticalDecisions(policy: engine.policy)
    }

    /// Every route's template and method: for a 405 (with Allow) rather than a 404 when a known
    /// path is asked with another method, and for logs and metrics, which name the template,
    /// never the path (a path holds a subject id).
    static let table: [(template: String, method: String)] = [
        ("/healthz", "GET"), ("/readyz", "GET"), ("/metrics", "GET"), ("/openapi.yaml", "GET"), ("/.well-known/authzen-configuration", "GET"),
        ("/v1/decisions", "POST"), ("/v1/decisions/hypothetical", "POST"), ("/v1/decisions/batch", "POST"), ("/v1/decisions/hypothetical/batch", "POST"),
        ("/v1/subjects", "POST"), ("/v1/subjects/lookup", "POST"),
        ("/v1/subjects/:subject/read", "POST"), ("/v1/subjects/:subject/share", "POST"), ("/v1/subjects/:subject/fields", "POST"),
        ("/v1/subjects/:subject/events", "POST"), ("/v1/subjects/:subject/consents", "GET"), ("/v1/subjects/:subject/consents", "POST"),
        ("/v1/subjects/:subject/consents/withdrawal", "POST"), ("/v1/subjects/:subject/consents/:purpose/receipt", "GET"),
        ("/v1/subjects/:subject/objections", "POST"), ("/v1/requests", "POST"), ("/v1/requests/:request", "GET"),
        ("/access/v1/evaluation", "POST"), ("/access/v1/evaluations", "POST"),
    ]

    static let templates = RouteTemplates(table.map(\.template))

    /// The route template a path matches (`/v1/subjects/:subject/read`), or nil.
    static func template(_ path: String) -> String? { templates.match(path) }

    /// The methods a path allows; empty for an unknown path.
    static func allowed(_ path: String) -> [String] {
        guard let template = template(path) else { return [] }
        return table.filter { $0.template == template }.map(\.method)
    }

    static let alive = Array(#"{"status":"alive"}"#.utf8)

    func add(to router: Router<CustosRequestContext>) {
        router.get("healthz") { _, _ in JSONBody.response(bytes: Self.alive) }
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
        router.post("v1/subjects") { request, _ in try await createSubject(request) }
        router.post("v1/subjects/lookup") { request, _ in try await lookup(request) }
        router.post("v1/subjects/:subject/read") { request, context in try await read(request, subject: try subject(context)) }
        router.post("v1/subjects/:subject/share") { request, context in try await share(request, subject: try subject(context)) }
        router.post("v1/subjects/:subject/fields") { request, context in try await storeFields(request, subject: try subject(context)) }
        router.post("v1/subjects/:subject/events") { request, context in try await recordEvent(request, subject: try subject(context)) }
        router.get("v1/subjects/:subject/consents") { request, context in try await consents(request, subject: try subject(context)) }
        router.post("v1/subjects/:subject/consents") { request, context in try await giveConsent(request, subject: try subject(context)) }
        router.post("v1/subjects/:subject/consents/withdrawal") { request, context in try await withdrawConsent(request, subject: try subject(context)) }
        router.get("v1/subjects/:subject/consents/:purpose/receipt") { request, context in
            try await receipt(request, subject: try subject(context), purpose: try context.parameters.require("purpose"))
        }
        router.post("v1/subjects/:subject/objections") { request, context in try await object(request, subject: try subject(context)) }
        router.post("v1/requests") { request, _ in try await openRequest(request) }
        router.get("v1/requests/:request") { request, context in try await requestStatus(request, id: try context.parameters.require("request")) }
        let authZEN = AuthZEN(routes: self)
        router.post("access/v1/evaluation") { request, _ in try await authZEN.evaluation(request) }
        router.post("access/v1/evaluations") { request, _ in try await authZEN.evaluations(request) }
    }

    /// The path's subject id, which must be a valid subject id (DESIGN §4): no such subject can
    /// exist otherwise, and the id is never echoed.
    func subject(_ context: CustosRequestContext) throws -> String {
        let id = try context.parameters.require("subject")
        guard SubjectId.problem(id) == nil else { throw Problem.notFound("no subject has the id in the path: \(SubjectId.problem(id) ?? "")") }
        return id
    }

    // MARK: authentication

    /// The active service account of the request's bearer token; a missing, malformed,
    /// unknown or revoked token is the same 401, with no hint of which. An account over its
    /// requests a second is a 429 before anything is read or decided.
    func account(_ request: Request) async throws -> ServiceAccount {
        let account = try await authenticated(request)
        if account.viaPreviousToken { metrics.replacedTokenUsed(account: account.name) }
        if let perSecond = account.requestsPerSecond ?? configuration.requestsPerTokenPerSecond,
           let wait = requestLimit.admit(account.name, perSecond: perSecond) {
            metrics.rateLimited(account: account.name)
            throw Problem.tooManyRequests(retryAfter: wait, perSecond: perSecond)
        }
        return account
    }

    private func authenticated(_ request: Request) async throws -> ServiceAccount {
        guard let header = request.headers[.authorization], let token = BearerToken.from(header) else { throw Problem.unauthorized() }
        let engine = self.engine
        // A token seen before, with no commit to the keyring since: no hand-off, no statement.
        if let account = engine.knownServiceAccount(forToken: token) { return account }
        guard let account = try await call({ try engine.serviceAccount(forToken: token) }) else { throw Problem.unauthorized() }
        return account
    }

    // MARK: operations

    /// Ready when the vault answers, the policy is compiled, the log's head verifies (the
    /// last entry's hash over its predecessor's: the full chain is `custos audit verify`'s) and
    /// the keyring answers (it may live in a PostgreSQL database of its own).
    func ready() async throws -> Response {
        let engine = self.engine
        let verified = try? await executor.run { try engine.verifyLogHead() }
        guard verified == true else { throw Problem.unavailable("the decision log's head does not verify or the vault cannot be read") }
        do { try await executor.run { try engine.checkKeyring() } } catch { throw Problem.unavailable("the keyring cannot be read") }
        return JSONBody.response(["status": "ready", "policy-digest": engine.policy.digest])
    }

    // MARK: bodies

    /// The body as a JSON object of the given shape (unknown keys and duplicates refused).
    func body(_ request: Request, shape: WireShape, what: String) async throws -> Members {
        try strictBody(try await JSONBody.read(request, limit: configuration.maximumBody), shape: shape, what: what)
    }

    /// A body already read, checked strictly and opened as an object.
    func strictBody(_ data: Data, shape: WireShape, what: String) throws -> Members {
        do { try StrictJSON.check(data, shape: shape, what: what) } catch { throw Problem.badRequest(error.message) }
        return Members(try JSONBody.object(data, what: what))
    }

    /// Maps the engine's errors to problems: an unknown id is a 404, a refusal by the law's
    /// rules a 409 with its reason code, invalid input a 400; anything else is a 500 that
    /// released nothing.
    static func problem(for error: any Error) -> any Error {
        switch error {
        case let problem as Problem: return problem
        case let error as ConsentError:
            if case .unknownPurpose = error { return Problem(status: .notFound, kind: "unknown-id", title: "Unknown id", detail: error.description) }
            return Problem(status: .conflict, kind: "refused-value", title: "The value conflicts with the present", detail: error.description)
        case let refusal as RequestRefusal:
            return Problem(status: .conflict, kind: "refused", title: "Refused by the law's rules", detail: refusal.description, code: refusal.code.rawValue)
        case let error as StoreError:
            switch error {
            case .subjectUnknown, .unknownField, .unknownPurpose, .unknownCategory, .unknownEvent:
                return Problem(status: .notFound, kind: "unknown-id", title: "Unknown id", detail: error.description)
            case .subjectExists: return Problem(status: .conflict, kind: "exists", title: "Already exists", detail: error.description)
            case .invalidInput, .refused: return Problem.badRequest(error.description)
            // The detail names no address: a stranger may call /readyz.
            case .unavailable: return Problem.unavailable("a database the vault needs cannot be reached; nothing was decided, try again")
            default: return error
            }
        default: return error
        }
    }

    /// Runs a gated call in two steps: facts, decision and values on an engine thread, which
    /// queues the log entry and moves on, then the answer once the entry is durable; so the
    /// decisions waiting for a group commit are not limited by the threads (and none sleeps
    /// and wakes per entry), and the request's task suspends once for both. A decision that
    /// could not be logged because the vault's database is out of reach is a 503, not an
    /// answer: nothing was decided.
    func gated(_ request: DecisionRequest, releaseValues: Bool) async throws -> GatedResult {
        let gate = engine.gatedAccess
        // A share is decided, logged and recorded in one write transaction, which holds its
        // thread until it commits: never on the few deciding threads the reads share.
        if request.action == .share { return try await gated { gate.gate(request, releaseValues: releaseValues) } }
        return try unlessUnavailable(try await executor.answer { answer in gate.gate(request, releaseValues: releaseValues, answer: answer) })
    }

    /// Runs a gated call that is logged in its own transaction (a share) off the event loop.
    func gated(_ body: @escaping @Sendable () -> GatedResult) async throws -> GatedResult {
        try unlessUnavailable(try await executor.run(body))
    }

    private func unlessUnavailable(_ result: GatedResult) throws -> GatedResult {
        if result.storeUnavailable { throw Problem.unavailable("a database the vault needs cannot be reached; nothing was decided, try again") }
        return result
    }

    /// Runs an engine call off the event loop, with its errors as problems.
    func call<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do { return try await executor.run(body) } catch { throw Self.problem(for: error) }
    }
}

/// Route templates split once, most literal first: a literal segment wins over a parameter
/// (`/v1/subjects/lookup` before `/v1/subjects/:subject`). Every request's path is matched
/// against them for the logs and metrics, which name the template, never the path.
struct RouteTemplates: Sendable {
    private let compiled: [(template: String, parts: [Substring])]

    init(_ templates: [String]) {
        var seen: Set<String> = []
        compiled = templates.filter { seen.insert($0).inserted }.map { ($0, $0.split(separator: "/")) }
            .sorted { $0.parts.filter { $0.hasPrefix(":") }.count < $1.parts.filter { $0.hasPrefix(":") }.count }
    }

    /// The template a path matches, or nil.
    func match(_ path: String) -> String? {
        let parts = path.utf8.split(separator: UInt8(ascii: "/"))
        return compiled.first { route in
            route.parts.count == parts.count && zip(route.parts, parts).allSatisfy { pattern, part in
                pattern.utf8.first == UInt8(ascii: ":") || pattern.utf8.elementsEqual(part)
            }
        }?.template
    }
}
