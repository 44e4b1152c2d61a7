import Foundation
import CustosDecision
package import CustosPolicy
package import CustosStore

/// What the officer's console shows on its first page and on a subject's page (DESIGN §11):
/// read-only views over the vault and the log, gathered here so the server never reaches
/// into the store.
extension PrivacyEngine {
    package struct SubjectDossier: Sendable {
        package var metadata: SubjectMetadata
        package var consents: [ConsentLedgerEvent]
        package var objections: [StoredObjection]
        package var restrictions: [StoredRestriction]
        package var holds: [StoredHold]
        package var disclosures: [DisclosureEntry]
        /// Every logged decision about the subject, oldest first: who, what, when, why, outcome.
        package var trail: [LogEntry]
        package var requests: [RightsRequest]
    }

    /// The engine's clock: the console's "today" is the engine's, also on a simulation vault.
    package var now: Instant { clock() }

    package func objectionsAwaitingAssessment() throws -> [(subject: String, objection: StoredObjection)] {
        try store.vault.objectionsAwaitingAssessment()
    }

    package func holdsInForce() throws -> [(subject: String, hold: StoredHold)] { try store.vault.holdsInForce() }

    /// Consent withdrawals of the last `days` days, newest first.
    package func recentWithdrawals(days: Int) throws -> [ConsentHistoryEntry] {
        try store.vault.withdrawals(since: Instant(millisecondsSinceEpoch: clock().millisecondsSinceEpoch - Int64(days) * 86_400_000))
    }

    package func lastRetentionSweep() throws -> (at: Instant, subjects: Int, fields: Int)? {
        try store.lastSweep(purpose: Self.retentionSweepPurpose)
    }

    package func lastCheckpoint() throws -> (seq: Int64, at: Instant)? { try store.lastCheckpoint() }

    /// Every request in the book, newest first.
    package func allRequests() throws -> [RightsRequest] { try store.vault.requests().sorted { $0.receivedAt > $1.receivedAt } }

    /// A subject's dossier without a single field value: values are opened one gated read at a
    /// time. Nil for a subject the vault does not hold.
    package func dossier(of subject: String) throws -> SubjectDossier? {
        guard try store.vault.facts(of: subject) != nil else { return nil }
        return SubjectDossier(
            metadata: try store.vault.metadata(of: subject), consents: try store.vault.consentHistory(of: subject),
            objections: try store.vault.objections(of: subject), restrictions: try store.vault.restrictions(of: subject),
            holds: try store.vault.holds(of: subject), disclosures: try store.vault.disclosures(of: subject),
            trail: try store.logEntries(from: nil, to: nil, subject: subject),
            requests: try store.vault.requests().filter { $0.subject == subject })
    }

    /// Decisions per day or per week in `[from, to)`, by outcome, for the activity chart.
    package func decisionsOverTime(from: Instant?, to: Instant?, weekly: Bool) throws -> [(period: LocalDate, outcomes: [String: Int])] {
        var buckets: [LocalDate: [String: Int]] = [:]
        for entry in try store.logEntries(from: from, to: to) {
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
