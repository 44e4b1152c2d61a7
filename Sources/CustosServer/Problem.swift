import Foundation
import Hummingbird
import CustosStore

/// An RFC 9457 problem: a stable `type` per kind of error, a title, the status and a detail
/// that names what is wrong (a JSON path, an id) and never a personal value.
struct Problem: Error, Sendable {
    let status: HTTPResponse.Status
    let kind: String
    let title: String
    let detail: String
    /// The reason code of a refusal by the law's rules (an extension member of RFC 9457).
    var code: String? = nil
    /// Seconds a 429 asks the caller to wait (`Retry-After`).
    var retryAfter: Int? = nil

    static let typeBase = "https://custos.example/problems/"

    var response: Response {
        var object: [String: Any] = ["type": Self.typeBase + kind, "title": title, "status": Int(status.code), "detail": detail]
        if let code { object["code"] = code }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"custos\"" }
        if status == .serviceUnavailable { headers[.retryAfter] = "5" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func unauthorized() -> Problem {
        Problem(status: .unauthorized, kind: "unauthorized", title: "Not authenticated",
                detail: "send 'Authorization: Bearer <token>' with a token from 'custos service add'")
    }
    static func badRequest(_ detail: String) -> Problem { Problem(status: .badRequest, kind: "bad-request", title: "The request cannot be read", detail: detail) }
    static func tooLarge(_ limit: Int) -> Problem {
        Problem(status: .contentTooLarge, kind: "too-large", title: "The request body is too large", detail: "at most \(limit) bytes")
    }
    static func forbidden(_ detail: String) -> Problem { Problem(status: .forbidden, kind: "forbidden", title: "Not allowed", detail: detail) }
    static func notFound(_ detail: String) -> Problem { Problem(status: .notFound, kind: "not-found", title: "Not found", detail: detail) }
    static func unavailable(_ detail: String) -> Problem {
        Problem(status: .serviceUnavailable, kind: "unavailable", title: "Not ready", detail: detail)
    }
    /// A service account over its requests a second (`limits.requests-per-token-per-second`).
    static func tooManyRequests(retryAfter: Int, perSecond: Int) -> Problem {
        Problem(status: .tooManyRequests, kind: "too-many-requests", title: "Too many requests",
                detail: "this service account may make \(perSecond) requests a second; try again after Retry-After", retryAfter: retryAfter)
    }
    static func internalError() -> Problem {
        Problem(status: .internalServerError, kind: "internal", title: "Internal error", detail: "the request could not be completed; nothing was permitted")
    }
}

/// Turns every error on the way out into a problem: a handler's `Problem`, Hummingbird's own
/// errors (an unknown route, a body over the limit, a wrong method), anything else as a 500
/// that releases nothing.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumBody: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            return response
        } catch let problem as Problem {
            return problem.response
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                let allowed = Routes.allowed(request.uri.path)
                guard !allowed.isEmpty else { return Problem.notFound("no route for \(request.method.rawValue) on this path; /openapi.yaml lists the routes").response }
                var response = Problem(status: .methodNotAllowed, kind: "method-not-allowed", title: "Method not allowed",
                                       detail: "\(Routes.template(request.uri.path) ?? "this path") allows \(allowed.joined(separator: ", "))").response
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            case .contentTooLarge: return Problem.tooLarge(maximumBody).response
            case .methodNotAllowed:
                return Problem(status: .methodNotAllowed, kind: "method-not-allowed", title: "Method not allowed", detail: "\(request.method.rawValue) is not allowed on \(Routes.template(request.uri.path) ?? "this path")").response
            default:
                return Problem(status: error.status, kind: "http-\(error.status.code)", title: error.status.reasonPhrase, detail: error.status.reasonPhrase).response
            }
        } catch StoreError.unavailable {
            // A lost database on any route: the same 503 the service API gives, never a 500.
            return Problem.unavailable("a database the vault needs cannot be reached; nothing was decided, try again").response
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            return Problem.internalError().response
        }
    }
}
