import Foundation
import Hummingbird

/// On every console answer: the privacy centre's strict headers (no scripts, no frames, no
/// caching, no referrer) and errors as pages that name nothing personal.
struct ConsolePageMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let pages: WebPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            response = pages.message("notFound", language: "nl", status: error.status)
        } catch {
            context.logger.error("console page failed", metadata: ["error": "\(type(of: error))"])
            response = pages.message("error", language: "nl", status: .internalServerError)
        }
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = PublicPageMiddleware.policy }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        return response
    }
}
