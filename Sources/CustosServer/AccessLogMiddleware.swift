import Foundation
import Hummingbird
import Logging

/// Gives every request an id (the caller's `X-Request-ID` when it is a plain token, else a new
/// one) and echoes it, echoes a valid W3C `traceparent`, and logs one line per request: method,
/// route template, status and duration, with the request and trace ids. Never the path itself,
/// a body, a token or a value; the subject id only when the operator opts in.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let metrics: ServerMetrics
    /// The operator's opt-in to subject ids in the access log.
    let logSubjectIds: Bool
    /// The route template of a path (the logs never name the path itself).
    var templateOf: @Sendable (String) -> String? = Routes.template

    static func requestID(_ request: Request) -> String {
        if let given = request.headers[.init("X-Request-ID")!], given.utf8.count <= 64,
           given.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }), !given.isEmpty {
            return given
        }
        return RequestID.random()
    }

    /// A `traceparent` of the W3C Trace Context form `00-<32 hex>-<16 hex>-<2 hex>`, else nil.
    static func traceparent(_ request: Request) -> String? {
        guard let value = request.headers[.init("traceparent")!] else { return nil }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        let lengths = [2, 32, 16, 2]
        guard parts.count == 4, zip(parts, lengths).allSatisfy({ part, length in part.count == length && part.allSatisfy(\.isHexDigit) && part == part.lowercased() }),
              parts[0] != "ff", parts[1] != String(repeating: "0", count: 32), parts[2] != String(repeating: "0", count: 16) else { return nil }
        return value
    }

    /// `12.345`: milliseconds with three decimals, without `String(format:)` on every request.
    static func milliseconds(_ duration: Duration) -> String {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let id = Self.requestID(request)
        let trace = Self.traceparent(request)
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        var response = try await next(request, context)
        response.headers[.init("X-Request-ID")!] = id
        if let trace { response.headers[.init("traceparent")!] = trace }
        let elapsed = ContinuousClock.now - started
        let route = templateOf(request.uri.path) ?? "unknown"
        metrics.answered(route: route, status: Int(response.status.code), after: elapsed)
        var metadata: Logger.Metadata = [
            "event": "request", "method": .string(request.method.rawValue), "route": .string(route),
            "status": .stringConvertible(Int(response.status.code)), "request-id": .string(id),
            "ms": .string(Self.milliseconds(elapsed)),
        ]
        if let trace { metadata["trace-id"] = .string(String(trace.split(separator: "-")[1])) }
        if logSubjectIds, route.hasPrefix("/v1/subjects/:subject") {
            metadata["subject"] = .string(String(request.uri.path.split(separator: "/")[2]))
        }
        logger.info("request", metadata: metadata)
        return response
    }
}
