import Foundation
import Synchronization

/// A value Today shows that is costly to make, kept for a few minutes instead of made at
/// every load: the next retention sweep's plan (it reads every subject's facts) and the
/// decision log's verification (it rehashes every entry). The pages that act on them (the
/// sweep, the audit page) always make them afresh.
final class TimedCache<Value: Sendable>: Sendable {
    private let kept = Mutex<(made: ContinuousClock.Instant, value: Value)?>(nil)
    let lifetime: Duration

    init(lifetime: Duration = .seconds(300)) { self.lifetime = lifetime }

    /// The kept value if it is younger than the lifetime, else a new one from `make`.
    func value(_ make: () async throws -> Value) async rethrows -> Value {
        let now = ContinuousClock.now
        if let kept = kept.withLock({ $0 }), now - kept.made < lifetime { return kept.value }
        let value = try await make()
        kept.withLock { $0 = (now, value) }
        return value
    }

    func forget() { kept.withLock { $0 = nil } }
}
