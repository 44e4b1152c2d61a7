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
        let policy = context.policy, t = context.texts
        let reference = policy.policy.referenceData
        let outside = ledger.outside
        func count(_ key: (DisclosureRecordEntry) -> String) -> [String: Int] {
            outside.reduce(into: [:]) { counts, entry in counts[key(entry), default: 0] += 1 }
        }
        let byCountry = count { $0.disclosure.destination ?? "?" }
        let byRecipient = count { $0.disclosure.recipient }
        let notRecorded = t("transfers.notRecorded")
        let byMechanism = count { $0.disclosure.mechanism ?? notRecorded }
        func table(_ id: String, _ caption: String, _ column: String, _ counts: [String: Int], name: (String) -> String = { $0 }) -> ReportTable {
            ReportTable(id: id, caption: caption, columns: [column, t("column.name"), t("column.disclosures")], rows: counts.keys.sorted().map { [$0, name($0), String(counts[$0]!)] })
        }
        var sections = [
            ReportSection(id: "summary", title: t("section.summary"), notes: [
                t("transfers.summary", ["outside": "\(outside.count)", "all": "\(ledger.inPeriod)", "countries": "\(byCountry.count)", "recipients": "\(byRecipient.count)"]),
            ], charts: [BarChart(title: t("transfers.chart"), bars: byCountry.keys.sorted().map { BarChart.Bar(label: $0, value: byCountry[$0]!) })]),
            ReportSection(id: "by-country", title: t("transfers.countries"), tables: [
                table("by-country", t("transfers.byCountry"), t("column.country"), byCountry) { reference.adequacyDecision(for: $0)?.name ?? t("transfers.noAdequacy") },
            ]),
            ReportSection(id: "by-recipient", title: t("transfers.recipients"), tables: [
                table("by-recipient", t("transfers.byRecipient"), t("column.recipient"), byRecipient) { policy.policy.recipient($0)?.name ?? t("transfers.notInPolicy") },
            ]),
            ReportSection(id: "by-mechanism", title: t("transfers.mechanisms"), tables: [
                table("by-mechanism", t("transfers.byMechanism"), t("column.mechanism"), byMechanism) { mechanismName($0, t) },
            ]),
        ]
        // Art. 49 derogations: distinct procedures per recipient in the rolling window that ends
        // on the report's last day, against the policy's occasional limit.
        let end = ledger.end
        let derogationRows = policy.policy.recipients.compactMap { recipient -> [String]? in
            guard let limit = recipient.transfer?.derogation?.occasional else { return nil }
            let windowStart = end.subtracting(limit.per).adding(days: 1)
            let procedures = ledger.procedures[recipient.id.id] ?? []
            return [recipient.id.id, recipient.name, t("transfers.limit", ["max": "\(limit.max)", "per": t.duration(limit.per)]),
                    t("period.between", ["from": "\(windowStart)", "to": "\(end)"]), String(procedures.count),
                    procedures.count >= limit.max ? t("transfers.limitReached") : t("transfers.left", ["left": "\(limit.max - procedures.count)"])]
        }
        // The instruments as the evaluator judges them on the period's last day.
        let safeguardRows = policy.policy.recipients.compactMap { recipient -> [String]? in
            if case let .fixed(country) = recipient.country, reference.isEEA(country), !recipient.accessFrom.contains(where: { !reference.isEEA($0) }) { return nil }
            let mechanisms = SafeguardStates.mechanisms(of: recipient, on: end, reference: reference, t)
            return [recipient.id.id, recipient.name, recipient.country.description, mechanisms.isEmpty ? t("value.noneDeclared") : mechanisms.joined(separator: "; ")]
        }
        sections.append(ReportSection(id: "safeguards", title: t("transfers.safeguards", ["day": "\(end)"]),
                                      notes: [t("transfers.safeguardsNote")],
                                      tables: [ReportTable(id: "safeguards", caption: t("transfers.safeguardsCaption"),
                                                           columns: [t("column.recipient"), t("column.name"), t("column.country"), t("column.mechanisms")],
                                                           rows: safeguardRows)]))
        sections.append(ReportSection(id: "derogations", title: t("transfers.derogations"),
                                      notes: derogationRows.isEmpty ? [t("transfers.noDerogations")] : [t("transfers.derogationsNote")],
                                      tables: [ReportTable(id: "derogations", caption: t("transfers.derogationsCaption"),
                                                           columns: [t("column.recipient"), t("column.name"), t("column.limit"), t("column.window"), t("column.procedures"),
                                                                     t("column.status")],
                                                           rows: derogationRows)]))
        sections.append(ReportSection(id: "list", title: t("transfers.list"), tables: [
            ReportTable(id: "disclosures", caption: t("transfers.listCaption"),
                        columns: [t("column.when"), t("column.recipient"), t("column.country"), t("column.mechanism"), t("column.procedure"), t("column.purpose"),
                                  t("column.fields")],
                        rows: outside.map { entry in
                            let disclosure = entry.disclosure
                            return [disclosure.at.description, disclosure.recipient, disclosure.destination ?? "", mechanismName(disclosure.mechanism ?? "", t),
                                    disclosure.procedure ?? "", disclosure.purpose, disclosure.fields.joined(separator: ", ")]
                        }),
        ]))
        return context.document("transfers", t("transfers.title"), sections)
    }

    /// A mechanism's name with its article; one the reports do not know is said as recorded.
    static func mechanismName(_ mechanism: String, _ t: ReportTexts) -> String {
        mechanisms.contains(mechanism) ? t("mechanism.\(mechanism)") : mechanism
    }

    static let mechanisms: Set = ["adequacy", "adequacy-dpf", "scc", "bcr", "art-49-1-e"]
}
