import Foundation
import Hummingbird

/// On every console answer: the privacy centre's strict headers (`WebSecurityHeaders`) and
/// errors as pages that name nothing personal.
struct ConsolePageMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let pages: WebPages
    /// People reach the console over HTTPS (HSTS on every answer).
    let overHTTPS: Bool

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
        WebSecurityHeaders.apply(to: &response, overHTTPS: overHTTPS)
        return response
    }
}
