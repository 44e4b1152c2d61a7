import Synchronization

/// Requests one service account may make a second (DESIGN §10: rate limits per token): a
/// service may burst to one second's worth and then goes at its rate. Past it, the request is
/// answered 429 with `Retry-After` before anything is read or decided, so a stolen or runaway
/// token can read at most that many subjects a second. The rate is the account's own
/// (`custos service add --requests-per-second`) or the server's; a changed rate applies from
/// the account's next request.
///
/// The bucket is kept as the generic cell rate algorithm has it: each account's theoretical
/// arrival time, moved on by one interval per request admitted, in `Duration`'s whole
/// attoseconds, so refills never drift the way a fractional token count does.
///
/// Counted per account in this process; `custos serve` processes over one vault each count
/// their own. Only authenticated accounts reach it, so a stranger cannot grow its table.
///
/// ```swift
/// let limit = ServiceRequestLimit()
/// if let wait = limit.admit("crm-prod", perSecond: 200) { throw Problem.tooManyRequests(retryAfter: wait, perSecond: 200) }
/// ```
final class ServiceRequestLimit: Sendable {
    private let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Nil when `account` may make a request now at `perSecond` (and counts it), else the
    /// whole seconds to wait before the next one would be admitted.
    func admit(_ account: String, perSecond: Int, at now: ContinuousClock.Instant = .now) -> Int? {
        precondition(perSecond > 0, "a limit of at least one request a second")
        // The time one request takes of the rate, and how far ahead of now an account's
        // arrival time may run: the burst, less the request itself.
        let interval = Duration.seconds(1) / perSecond, tolerance = Duration.seconds(1) - interval
        return arrivals.withLock { arrivals -> Int? in
            let arrival = max(arrivals[account] ?? now, now)
            let ahead = arrival - now
            guard ahead <= tolerance else {
                let wait = ahead - tolerance
                return max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
            }
            arrivals[account] = arrival + interval
            return nil
        }
    }
}
