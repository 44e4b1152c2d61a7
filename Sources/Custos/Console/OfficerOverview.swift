import Foundation
import CustosDecision
package import CustosPolicy
package import CustosStore

/// A subject's dossier without a single field value: values are opened one gated read at a time.
package struct SubjectDossier: Sendable {
    package var metadata: SubjectMetadata
    package var consents: [ConsentLedgerEvent]
    package var objections: [StoredObjection]
    package var restrictions: [StoredRestriction]
    package var holds: [StoredHold]
    package var disclosures: [DisclosureEntry]
    /// The latest logged decisions about the subject (at most `trailShown`), oldest first:
    /// who, what, when, why, outcome. The whole trail is the activity report's.
    package var trail: [LogEntry]
    /// How many decisions about the subject the log holds.
    package var trailCount: Int
    /// A service may read one subject thousands of times a day: the page shows the latest.
    package static let trailShown = 200
    package var requests: [RightsRequest]
}

/// What the officer's console shows on its first page and on a subject's page (DESIGN §11):
/// read-only views over any vault's registers and log, gathered here so the server never
/// reaches into the store.
///
/// ```swift
/// let overview = OfficerOverview(policy: compiled, clock: { .now }, store: store)
/// let waiting = try overview.objectionsAwaitingAssessment()
/// ```
package struct OfficerOverview: Sendable {
    package let policy: CompiledPolicy
    let clock: @Sendable () -> Instant
    package let store: any OverviewStore

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, store: any OverviewStore) {
        self.policy = policy
        self.clock = clock
        self.store = store
    }

    package func objectionsAwaitingAssessment() throws -> [(subject: String, objection: StoredObjection)] { try store.objectionsAwaitingAssessment() }

    package func holdsInForce() throws -> [(subject: String, hold: StoredHold)] { try store.holdsInForce() }

    /// Consent withdrawals of the last `days` days, newest first.
    package func recentWithdrawals(days: Int) throws -> [ConsentHistoryEntry] {
        try store.withdrawals(since: Instant(millisecondsSinceEpoch: clock().millisecondsSinceEpoch - Int64(days) * 86_400_000))
    }

    package func lastRetentionSweep() throws -> (at: Instant, subjects: Int, fields: Int)? {
        try store.lastSweep()
    }

    package func lastCheckpoint() throws -> (seq: Int64, at: Instant)? { try store.lastCheckpoint() }

    /// A subject's dossier without a single field value. Nil for a subject the vault does not hold.
    package func dossier(of subject: String) throws -> SubjectDossier? {
        guard try store.factsAndCiphertexts(of: subject, fields: []).facts != nil else { return nil }
        // Counted a page at a time, keeping only the latest: the trail is as long as the log lets it be.
        var latest: [LogEntry] = []
        var count = 0
        try store.forEachLogEntry(from: nil, to: nil, subject: subject) { entry in
            count += 1
            if latest.count == 2 * SubjectDossier.trailShown { latest.removeFirst(SubjectDossier.trailShown) }
            latest.append(entry)
        }
        return SubjectDossier(
            metadata: try store.metadata(of: subject), consents: try store.consentHistory(of: subject),
            objections: try store.objections(of: subject), restrictions: try store.restrictions(of: subject),
            holds: try store.holds(of: subject), disclosures: try store.disclosures(of: subject),
            trail: Array(latest.suffix(SubjectDossier.trailShown)), trailCount: count,
            requests: try store.requests(.subject(subject)))
    }

    /// Decisions per day or per week in `[from, to)`, by outcome, for the activity chart.
    package func decisionsOverTime(from: Instant?, to: Instant?, weekly: Bool) throws -> [(period: LocalDate, outcomes: [String: Int])] {
        var buckets: [LocalDate: [String: Int]] = [:]
        try store.forEachLogEntry(from: from, to: to, subject: nil) { entry in
            var day = policy.localDate(of: entry.at)
            if weekly { day = day.adding(days: 1 - day.weekday) }   // back to Monday
            buckets[day, default: [:]][entry.outcome, default: 0] += 1
        }
        // Every day (or week) from the first to the last, the quiet ones too: a time axis
        // with gaps would hide them.
        guard let first = buckets.keys.min(), let last = buckets.keys.max() else { return [] }
        let step = weekly ? 7 : 1
        return stride(from: first.daysSinceEpoch, through: last.daysSinceEpoch, by: step).map { day in
            let date = LocalDate(daysSinceEpoch: day)
            return (date, buckets[date] ?? [:])
        }
    }
}

extension PrivacyEngine {
    /// The engine's clock: the console's "today" is the engine's, also on a simulation vault.
    package var now: Instant { clock() }

    /// The officer's overview of this vault.
    package var overview: OfficerOverview { OfficerOverview(policy: policy, clock: clock, store: store) }
}
