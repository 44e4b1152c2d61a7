package import CustosStore
import CustosPolicy

/// Disclosures outside the EEA (gdpr.md §12): by country, recipient and mechanism, and the
/// use of Art. 49 derogations against their occasional limit.
package enum TransfersReport {
    /// What the report keeps of the ledger as it is read a page at a time: the period's
    /// disclosures that left the EEA (the report lists each), how many the period holds, and
    /// the distinct procedures of each derogating recipient in its rolling window. Earlier
    /// disclosures count towards a window, so the reader starts at the ledger's beginning.
    package struct Ledger: Sendable {
        fileprivate var inPeriod = 0
        fileprivate var outside: [DisclosureRecordEntry] = []
        fileprivate var procedures: [String: Set<String>] = [:]
        private let context: ReportContext
        fileprivate let end: LocalDate
        private let windows: [String: ClosedRange<LocalDate>]

        package init(_ context: ReportContext) {
            self.context = context
            let policy = context.policy
            end = context.period.to ?? policy.localDate(of: context.generatedAt)
            var windows: [String: ClosedRange<LocalDate>] = [:]
            for recipient in policy.policy.recipients {
                guard let limit = recipient.transfer?.derogation?.occasional else { continue }
                windows[recipient.id.id] = end.subtracting(limit.per).adding(days: 1)...end
            }
            self.windows = windows
        }

        /// Counts one more disclosure, in the ledger's order.
        package mutating func add(_ entry: DisclosureRecordEntry) {
            let policy = context.policy, disclosure = entry.disclosure, day = policy.localDate(of: disclosure.at)
            if context.period.contains(day) {
                inPeriod += 1
                if let destination = disclosure.destination, !policy.policy.referenceData.isEEA(destination) { outside.append(entry) }
            }
            if disclosure.mechanism == "art-49-1-e", let window = windows[disclosure.recipient], window.contains(day), let procedure = disclosure.procedure {
                procedures[disclosure.recipient, default: []].insert(procedure)
            }
        }
    }

    /// - Parameter ledger: every disclosure up to the end of the period, added in order
    ///   (earlier ones count towards a derogation's rolling window).
    package static func build(_ context: ReportContext, ledger: Ledger) -> ReportDocument {
        let policy = context.policy
        let reference = policy.policy.referenceData
        let outside = ledger.outside
        func count(_ key: (DisclosureRecordEntry) -> String) -> [String: Int] {
            outside.reduce(into: [:]) { counts, entry in counts[key(entry), default: 0] += 1 }
        }
        let byCountry = count { $0.disclosure.destination ?? "?" }
        let byRecipient = count { $0.disclosure.recipient }
        let byMechanism = count { $0.disclosure.mechanism ?? "not recorded" }
        func table(_ id: String, _ caption: String, _ column: String, _ counts: [String: Int], name: (String) -> String = { $0 }) -> ReportTable {
            ReportTable(id: id, caption: caption, columns: [column, "Name", "Disclosures"], rows: counts.keys.sorted().map { [$0, name($0), String(counts[$0]!)] })
        }
        var sections = [
            ReportSection(id: "summary", title: "Summary", notes: [
                "\(outside.count) of \(ledger.inPeriod) disclosures in the period went outside the EEA, to \(byCountry.count) countries and \(byRecipient.count) recipients.",
            ], charts: [BarChart(title: "Third-country disclosures by country", bars: byCountry.keys.sorted().map { BarChart.Bar(label: $0, value: byCountry[$0]!) })]),
            ReportSection(id: "by-country", title: "By country", tables: [
                table("by-country", "Disclosures by country", "Country", byCountry) { reference.adequacyDecision(for: $0)?.name ?? "no adequacy decision" },
            ]),
            ReportSection(id: "by-recipient", title: "By recipient", tables: [
                table("by-recipient", "Disclosures by recipient", "Recipient", byRecipient) { policy.policy.recipient($0)?.name ?? "not in the policy" },
            ]),
            ReportSection(id: "by-mechanism", title: "By transfer mechanism", tables: [
                table("by-mechanism", "Disclosures by mechanism", "Mechanism", byMechanism) { mechanismName($0) },
            ]),
        ]
        // Art. 49 derogations: distinct procedures per recipient in the rolling window that ends
        // on the report's last day, against the policy's occasional limit.
        let end = ledger.end
        let derogationRows = policy.policy.recipients.compactMap { recipient -> [String]? in
            guard let limit = recipient.transfer?.derogation?.occasional else { return nil }
            let windowStart = end.subtracting(limit.per).adding(days: 1)
            let procedures = ledger.procedures[recipient.id.id] ?? []
            return [recipient.id.id, recipient.name, "\(limit.max) per \(limit.per)", "\(windowStart) to \(end)", String(procedures.count),
                    procedures.count >= limit.max ? "limit reached: further procedures are refused" : "\(limit.max - procedures.count) left"]
        }
        // The instruments as the evaluator judges them on the period's last day.
        let safeguardRows = policy.policy.recipients.compactMap { recipient -> [String]? in
            if case let .fixed(country) = recipient.country, reference.isEEA(country), !recipient.accessFrom.contains(where: { !reference.isEEA($0) }) { return nil }
            let mechanisms = SafeguardStates.mechanisms(of: recipient, on: end, reference: reference)
            return [recipient.id.id, recipient.name, recipient.country.description, mechanisms.isEmpty ? "none declared" : mechanisms.joined(separator: "; ")]
        }
        sections.append(ReportSection(id: "safeguards", title: "Transfer safeguards on \(end)",
                                      notes: ["A safeguard that is not in force carries no transfer: the engine refuses what rests on it (gdpr.md §12)."],
                                      tables: [ReportTable(id: "safeguards", caption: "Safeguards per third-country recipient", columns: ["Recipient", "Name", "Country", "Mechanisms"],
                                                           rows: safeguardRows)]))
        sections.append(ReportSection(id: "derogations", title: "Art. 49 derogations against their occasional limit",
                                      notes: derogationRows.isEmpty ? ["No recipient in the policy relies on an Art. 49 derogation."]
                                          : ["Distinct procedures in the rolling window that ends on the last day of the period."],
                                      tables: [ReportTable(id: "derogations", caption: "Derogation use", columns: ["Recipient", "Name", "Limit", "Window", "Procedures", "Status"],
                                                           rows: derogationRows)]))
        sections.append(ReportSection(id: "list", title: "Every third-country disclosure", tables: [
            ReportTable(id: "disclosures", caption: "Third-country disclosures", columns: ["When", "Recipient", "Country", "Mechanism", "Procedure", "Purpose", "Fields"],
                        rows: outside.map { entry in
                            let disclosure = entry.disclosure
                            return [disclosure.at.description, disclosure.recipient, disclosure.destination ?? "", mechanismName(disclosure.mechanism ?? ""),
                                    disclosure.procedure ?? "", disclosure.purpose, disclosure.fields.joined(separator: ", ")]
                        }),
        ]))
        return context.document("transfers", "Transfers to third countries", sections)
    }

    static func mechanismName(_ mechanism: String) -> String {
        switch mechanism {
        case "adequacy": "adequacy decision (Art. 45)"
        case "adequacy-dpf": "EU-US Data Privacy Framework (Art. 45)"
        case "scc": "standard contractual clauses (Art. 46(2)(c))"
        case "bcr": "binding corporate rules (Art. 46(2)(b), 47)"
        case "art-49-1-e": "derogation for legal claims (Art. 49(1)(e))"
        default: mechanism
        }
    }
}
