import Foundation
import Hummingbird

/// On every answer of the public listener: the strict headers of `WebSecurityHeaders`, and
/// errors as pages in the visitor's language that name nothing personal.
struct PublicPageMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let pages: WebPages
    /// People reach the centre over HTTPS (HSTS on every answer).
    let overHTTPS: Bool

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
        WebSecurityHeaders.apply(to: &response, overHTTPS: overHTTPS)
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
