import Foundation
import Custos
import Synchronization

/// Today shows what the next retention sweep would destroy. Planning reads every subject's
/// facts, so Today reuses a plan for a few minutes instead of planning at every load; the
/// sweep page always plans afresh, and running the sweep forgets the kept plan.
final class SweepPlanCache: Sendable {
    private let kept = Mutex<(made: ContinuousClock.Instant, plan: RetentionSweepReport)?>(nil)
    let lifetime: Duration

    init(lifetime: Duration = .seconds(300)) { self.lifetime = lifetime }

    /// The kept plan if it is younger than the lifetime, else a new one from `make`.
    func plan(_ make: () async throws -> RetentionSweepReport) async rethrows -> RetentionSweepReport {
        let now = ContinuousClock.now
        if let kept = kept.withLock({ $0 }), now - kept.made < lifetime { return kept.plan }
        let plan = try await make()
        kept.withLock { $0 = (now, plan) }
        return plan
    }

    func forget() { kept.withLock { $0 = nil } }
}
