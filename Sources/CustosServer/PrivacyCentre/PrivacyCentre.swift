import Foundation
import Hummingbird
import HTTPTypes
import Custos
import CustosPolicy
import CustosStore
import Synchronization

/// The privacy centre on the public listener (DESIGN §11): a data subject asks for their
/// rights, follows a request through an unguessable link, downloads the answer, and sets their
/// consents. Server-rendered pages without scripts; every form carries a one-use CSRF token;
/// codes and tries are rate-limited; no personal data in a URL, a log line or an error.
struct PrivacyCentre: Sendable {
    let door: PublicDoor
    let executor: EngineExecutor
    let pages: WebPages
    let guarder: WebGuard
    let web: WebActor
    /// The base URL of the public listener, for links in e-mail.
    let baseURL: BaseURL
    let secureCookies: Bool
    /// Codes one client address may ask for in fifteen minutes.
    let codesPerAddress: Int
    let mailer: OutboxSender?

    /// Every route's template, for the access log (which never names a path: it holds tokens).
    static let table: [(template: String, method: String)] = [
        ("/", "GET"), ("/privacy", "GET"), ("/privacy/static/centre.css", "GET"), ("/.well-known/jwks.json", "GET"),
        ("/privacy/request", "GET"), ("/privacy/request", "POST"), ("/privacy/code", "POST"),
        ("/privacy/status/:token", "GET"), ("/privacy/status/:token/answer.html", "GET"), ("/privacy/status/:token/answer.json", "GET"),
        ("/privacy/status/:token/erasure-certificate.json", "GET"),
        ("/privacy/preferences", "GET"), ("/privacy/preferences", "POST"), ("/privacy/preferences/start", "POST"),
        ("/privacy/preferences/end", "POST"), ("/privacy/preferences/receipt/:purpose", "GET"), ("/healthz", "GET"),
    ]

    static let templates = RouteTemplates(table.map(\.template))

    static func template(_ path: String) -> String? { templates.match(path) }

    func add(to router: Router<CustosRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/privacy"]) }
        router.get("healthz") { _, _ in JSONBody.response(bytes: Routes.alive) }
        router.get("privacy") { request, _ in home(request) }
        router.get("privacy/static/centre.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: pages.stylesheet)))
        }
        router.get(".well-known/jwks.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/jwk-set+json", .cacheControl: "public, max-age=300"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: door.engine.receiptJWKS)))
        }
        router.get("privacy/request") { request, _ in requestForm(request) }
        router.post("privacy/request") { request, context in try await limitedForm(request, context) { try await submitRequest(request, context) } }
        router.post("privacy/code") { request, context in try await limitedForm(request, context) { try await confirmCode(request, context) } }
        router.get("privacy/status/:token") { request, context in
            try await limitedLookup(request, context) { try await status(request, token: context.parameters.get("token") ?? "") }
        }
        router.get("privacy/status/:token/answer.html") { request, context in
            try await limitedLookup(request, context) { try await answer(request, token: context.parameters.get("token") ?? "", json: false) }
        }
        router.get("privacy/status/:token/answer.json") { request, context in
            try await limitedLookup(request, context) { try await answer(request, token: context.parameters.get("token") ?? "", json: true) }
        }
        router.get("privacy/status/:token/erasure-certificate.json") { request, context in
            try await limitedLookup(request, context) { try await erasureCertificate(request, token: context.parameters.get("token") ?? "") }
        }
        router.get("privacy/preferences") { request, _ in try await preferences(request) }
        router.post("privacy/preferences/start") { request, context in try await limitedForm(request, context) { try await startPreferences(request, context) } }
        router.post("privacy/preferences") { request, context in try await limitedForm(request, context) { try await changePreference(request, context) } }
        router.post("privacy/preferences/end") { request, context in try await limitedForm(request, context) { try await endPreferences(request) } }
        router.get("privacy/preferences/receipt/:purpose") { request, context in try await receipt(request, purpose: context.parameters.get("purpose") ?? "") }
    }

    // MARK: visitor, language, cookies

    struct Visitor {
        var language: String
        var visit: String?
        var session: String?
        /// Cookies to set with the answer.
        var cookies: [String] = []
    }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict\(secureCookies ? "; Secure" : "")\(maxAge.map { "; Max-Age=\($0)" } ?? "")"
    }

    /// The language (a `?lang=` switch, else the cookie, else Accept-Language, else Dutch),
    /// the visitor's cookie (made on a GET when missing) and the session cookie.
    func visitor(_ request: Request, makeVisit: Bool = true) -> Visitor {
        let cookies = request.cookieValues
        var visitor = Visitor(language: "nl", visit: cookies["custos_visit"].flatMap { $0.utf8.count <= 64 ? $0 : nil }, session: cookies["custos_session"])
        if let asked = request.uri.queryParameters.get("lang"), WebPages.languages.contains(asked) {
            visitor.language = asked
            visitor.cookies.append(cookie("custos_lang", asked, maxAge: 31_536_000))
        } else if let chosen = cookies["custos_lang"], WebPages.languages.contains(chosen) {
            visitor.language = chosen
        } else if let accept = request.headers[.acceptLanguage] {
            let preferred = accept.split(separator: ",").map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
            visitor.language = preferred.lazy.compactMap { tag in WebPages.languages.first { tag == $0 || tag.hasPrefix($0 + "-") } }.first ?? "nl"
        }
        if visitor.visit == nil, makeVisit, request.method == .get {
            let visit = RandomToken.make()
            visitor.visit = visit
            visitor.cookies.append(cookie("custos_visit", visit))
        }
        return visitor
    }

    func with(_ response: Response, _ visitor: Visitor) -> Response {
        var response = response
        for cookie in visitor.cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    func address(_ context: CustosRequestContext) -> String { context.clientAddress }

    /// Runs an engine call on the executor's threads.
    func call<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T { try await executor.run(body) }

    /// Status links a client address may look up in fifteen minutes: guessing a 256-bit token
    /// is hopeless anyway, but a stranger's loop should cost them, not the vault.
    static let lookupsPerAddress = 300

    func limitedLookup(_ request: Request, _ context: CustosRequestContext, _ body: () async throws -> Response) async throws -> Response {
        guard try await guarder.allow("lookup-address:" + address(context), limit: Self.lookupsPerAddress) else {
            return pages.message("tooMany", language: visitor(request, makeVisit: false).language, status: .tooManyRequests)
        }
        return try await body()
    }

    /// Forms a client address may post in fifteen minutes. Each valid form token is spent in the
    /// vault (a commit), and a token costs a stranger only a page view: counted before the
    /// spend, and past the limit refused by this process's own count without a write, so a loop
    /// costs them, not the vault's writer that the decision log shares.
    static let formsPerAddress = 120

    func limitedForm(_ request: Request, _ context: CustosRequestContext, _ body: () async throws -> Response) async throws -> Response {
        guard try await guarder.allow("form-address:" + address(context), limit: Self.formsPerAddress) else {
            return pages.message("tooMany", language: visitor(request, makeVisit: false).language, status: .tooManyRequests)
        }
        return try await body()
    }

    // MARK: home

    func home(_ request: Request) -> Response {
        let visitor = visitor(request)
        return with(pages.page("home", language: visitor.language, title: pages.text("homeTitle", visitor.language), here: "/privacy"), visitor)
    }
}

/// The public listener's base URL, known once it is bound (port 0 picks one).
final class BaseURL: Sendable {
    private let value: Mutex<String>
    init(_ value: String) { self.value = Mutex(value) }
    var string: String { value.withLock { $0 } }
    func set(_ url: String) { value.withLock { $0 = url } }
}
