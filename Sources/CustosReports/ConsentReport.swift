package import CustosStore
import CustosDecision
import CustosPolicy

/// Consent per purpose and notice version over time (gdpr.md §4): given (and renewed),
/// withdrawn (counted against the notice of the consent it ends), expired (the purpose's validity ran out with nothing after it) and refused at
/// the door, per month of the period. Erased subjects count through their consent proofs.
package enum ConsentReport {
    package struct Key: Hashable, Comparable {
        package var month: String
        package var purpose: String
        package var notice: String

        package static func < (a: Key, b: Key) -> Bool { (a.month, a.purpose, a.notice) < (b.month, b.purpose, b.notice) }
    }

    package struct Counts: Sendable, Equatable {
        package var given = 0, withdrawn = 0, expired = 0, refused = 0
    }

    /// The tally the report shows, by month, purpose and notice version, counted a subject's
    /// history at a time (`ReportSource.readConsentLedger`), so the ledger is never held.
    package struct Tally {
        let context: ReportContext
        package private(set) var counts: [Key: Counts] = [:]

        package init(_ context: ReportContext) {
            self.context = context
        }

        private func key(_ at: Instant, _ purpose: String, _ notice: String) -> Key? {
            let date = context.policy.localDate(of: at)
            guard context.period.contains(date), at <= context.generatedAt else { return nil }
            return Key(month: String(date.description.prefix(7)), purpose: purpose, notice: notice)
        }

        private func notice(_ event: ConsentHistoryEntry) -> String {
            event.noticeId.map { id in event.noticeVersion.map { "\(id) v\($0)" } ?? id } ?? "-"
        }

        /// One subject's events, every purpose's, each purpose's in the order recorded.
        package mutating func add(subjectsHistory events: [ConsentHistoryEntry]) {
            let policy = context.policy
            for (_, recorded) in Dictionary(grouping: events, by: \.purpose) {
                let history = recorded.sorted { $0.effectiveAt < $1.effectiveAt }
                for (index, event) in history.enumerated() {
                    switch event.state {
                    case .given, .renewed:
                        if let at = key(event.effectiveAt, event.purpose, notice(event)) { counts[at, default: Counts()].given += 1 }
                        // Expired: the validity ran out before anything else happened to it.
                        guard let validity = policy.policy.purpose(event.purpose)?.consentValidity else { continue }
                        let end = policy.startOfDay(policy.localDate(of: event.effectiveAt).adding(validity).adding(days: 1))
                        let next = history.dropFirst(index + 1).first?.effectiveAt
                        if next.map({ $0 >= end }) ?? true, let at = key(end, event.purpose, notice(event)) { counts[at, default: Counts()].expired += 1 }
                    case .withdrawn:
                        // A withdrawal names no notice: it counts against the consent it ends.
                        let ended = history[..<index].last { $0.state == .given || $0.state == .renewed }
                        if let at = key(event.effectiveAt, event.purpose, notice(ended ?? event)) { counts[at, default: Counts()].withdrawn += 1 }
                    default:
                        continue
                    }
                }
            }
        }

        package mutating func add(refusal: ConsentRefusal) {
            if let at = key(refusal.at, refusal.purpose, "-") { counts[at, default: Counts()].refused += 1 }
        }
    }

    package static func build(_ context: ReportContext, counts: [Key: Counts]) -> ReportDocument {
        let keys = counts.keys.sorted()
        var totals: [String: Counts] = [:]
        for key in keys {
            let total = "\(key.purpose)\u{0}\(key.notice)"
            totals[total, default: Counts()].given += counts[key]!.given
            totals[total, default: Counts()].withdrawn += counts[key]!.withdrawn
            totals[total, default: Counts()].expired += counts[key]!.expired
            totals[total, default: Counts()].refused += counts[key]!.refused
        }
        let totalRows = totals.keys.sorted().map { key -> [String] in
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let count = totals[key]!
            return [parts[0], parts[1], String(count.given), String(count.withdrawn), String(count.expired), String(count.refused)]
        }
        var byMonth: [String: Int] = [:]
        for key in keys { byMonth[key.month, default: 0] += counts[key]!.given }
        var withdrawnByMonth: [String: Int] = [:]
        for key in keys { withdrawnByMonth[key.month, default: 0] += counts[key]!.withdrawn }
        let t = context.texts
        let columns = [t("column.purpose"), t("column.notice"), t("column.given"), t("column.withdrawn"), t("column.expired"), t("column.refused")]
        let sections = [
            ReportSection(id: "totals", title: t("consent.totals"), notes: [t("consent.totalsNote")],
                          tables: [ReportTable(id: "totals", caption: t("consent.totalsCaption"), columns: columns, rows: totalRows)],
                          charts: [BarChart(title: t("consent.chart"),
                                            bars: byMonth.keys.sorted().map { BarChart.Bar(label: $0, value: byMonth[$0]!, highlight: withdrawnByMonth[$0]) },
                                            highlightLabel: t("consent.withdrawn"))]),
            ReportSection(id: "months", title: t("consent.months"), tables: [
                ReportTable(id: "months", caption: t("consent.monthsCaption"), columns: [t("column.month")] + columns, rows: keys.map { key in
                    let count = counts[key]!
                    return [key.month, key.purpose, key.notice, String(count.given), String(count.withdrawn), String(count.expired), String(count.refused)]
                }),
            ]),
        ]
        return context.document("consent", t("consent.title"), sections)
    }
}
