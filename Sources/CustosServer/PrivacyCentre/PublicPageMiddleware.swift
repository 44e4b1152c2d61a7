import Foundation
import Hummingbird

/// On every answer of the public listener: a strict Content-Security-Policy (scripts, frames
/// and foreign origins refused), no caching of pages, no referrer (a status link must not
/// leak), and errors as pages in the visitor's language that name nothing personal.
struct PublicPageMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let pages: WebPages

    static let policy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            response = pages.message("notFound", language: language(request), status: error.status)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            response = pages.message("tooLarge", language: language(request), status: .contentTooLarge)
        } catch {
            context.logger.error("page failed", metadata: ["error": "\(type(of: error))"])
            response = pages.message("error", language: language(request), status: .internalServerError)
        }
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = Self.policy }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        return response
    }

    /// Dutch unless the cookie or Accept-Language says English (for error pages only).
    func language(_ request: Request) -> String {
        let cookies = request.headers[values: .cookie].joined(separator: ";")
        if cookies.contains("custos_lang=en") { return "en" }
        if cookies.contains("custos_lang=nl") { return "nl" }
        return (request.headers[.acceptLanguage] ?? "").lowercased().hasPrefix("en") ? "en" : "nl"
    }
}
