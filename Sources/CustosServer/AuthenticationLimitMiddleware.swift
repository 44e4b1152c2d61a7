import Hummingbird
import NIOCore
import Synchronization

/// Limits failed authentications per client address: past `perMinute` 401 answers in the
/// current minute, every request from that address that needs a token is answered 429 with
/// `Retry-After` until the minute is over. The operational routes stay open (probes must not
/// be starved by a stranger's guessing).
struct AuthenticationLimitMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let limiter: FailedAuthentications
    static let open: Set<String> = ["/healthz", "/readyz", "/metrics", "/openapi.yaml", "/.well-known/authzen-configuration"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.open.contains(request.uri.path) else { return try await next(request, context) }
        let address = context.clientAddress
        if let wait = limiter.blocked(address) {
            return Problem(status: .tooManyRequests, kind: "too-many-failed-authentications", title: "Too many failed authentications",
                           detail: "too many requests with a wrong token from this address; try again later", retryAfter: wait).response
        }
        do {
            let response = try await next(request, context)
            if response.status == .unauthorized { limiter.failed(address) }
            return response
        } catch let problem as Problem where problem.status == .unauthorized {
            limiter.failed(address)
            throw problem
        }
    }
}

/// Failed authentications per address in fixed one-minute windows; small and bounded (old
/// windows are dropped when the table grows).
final class FailedAuthentications: Sendable {
    private let perMinute: Int
    private let table = Mutex<[String: (start: ContinuousClock.Instant, count: Int)]>([:])

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Seconds to wait when `address` is over the limit, else nil.
    func blocked(_ address: String) -> Int? {
        let now = ContinuousClock.now
        return table.withLock { table -> Int? in
            guard let entry = table[address], entry.count >= perMinute else { return nil }
            let elapsed = now - entry.start
            guard elapsed < .seconds(60) else { table[address] = nil; return nil }
            return max(1, 60 - Int(elapsed.components.seconds))
        }
    }

    func failed(_ address: String) {
        let now = ContinuousClock.now
        table.withLock { table in
            if table.count > 10_000 { table = table.filter { now - $0.value.start < .seconds(60) } }
            if let entry = table[address], now - entry.start < .seconds(60) {
                table[address] = (entry.start, entry.count + 1)
            } else {
                table[address] = (now, 1)
            }
        }
    }
}
