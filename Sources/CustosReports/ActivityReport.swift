import CustosDecision
import CustosPolicy
package import CustosStore

/// Decisions over a period (gdpr.md §11; DESIGN §6): by purpose, actor, action and outcome;
/// denials by reason code; actors whose denial rate stands out; with a subject, that
/// subject's whole access trail.
package enum ActivityReport {
    /// An actor's denial rate is unusual when it is more than twice the rate of all other
    /// actors together and the actor has at least this many denials: a few denials of a quiet
    /// service are noise, and one misbehaving service must not hide another by raising the
    /// overall rate.
    package static let unusualMinimumDenials = 5

    /// Counts of one group of decisions.
    package struct Tally: Sendable, Equatable {
        package var decisions = 0, permits = 0, partials = 0, denies = 0

        mutating func add(_ outcome: String) {
            decisions += 1
            switch outcome {
            case "permit": permits += 1
            case "partial": partials += 1
            default: denies += 1
            }
        }

        /// Partial and deny both withhold something.
        package var withheld: Int { partials + denies }
        var row: [String] { [String(decisions), String(permits), String(partials), String(denies)] }
    }

    /// The counts the report shows, computed once from the entries.
    package struct Counts: Sendable {
        package var total = Tally()
        package var byPurpose: [String: Tally] = [:]
        package var byActor: [String: Tally] = [:]
        package var byAction: [String: Tally] = [:]
        /// Blocking reason codes of denied or partly denied decisions.
        package var denialCodes: [String: Int] = [:]

        package init() {}

        /// Counts one more entry: the log is read a page at a time, never held whole.
        package mutating func add(_ entry: LogEntry) {
            total.add(entry.outcome)
            byPurpose[entry.purpose, default: Tally()].add(entry.outcome)
            byActor[entry.actor, default: Tally()].add(entry.outcome)
            byAction[entry.action, default: Tally()].add(entry.outcome)
            guard entry.outcome != "permit" else { return }
            for code in Set(entry.codes) where ReasonCode(rawValue: code)?.isBlocking ?? true { denialCodes[code, default: 0] += 1 }
        }

        /// Actors who are denied more than twice as often as all other actors together.
        package var unusualActors: [String] {
            byActor.keys.sorted().filter { actor in
                let tally = byActor[actor]!
                guard tally.denies >= unusualMinimumDenials else { return false }
                let othersDecisions = total.decisions - tally.decisions, othersDenies = total.denies - tally.denies
                let others = othersDecisions == 0 ? 0 : Double(othersDenies) / Double(othersDecisions)
                return Double(tally.denies) / Double(tally.decisions) > 2 * others
            }
        }
    }

    /// The report from the period's counts; with `trail`, of that one subject (whose entries
    /// the counts are), listing every entry.
    package static func build(_ context: ReportContext, counts: Counts, trail: (subject: String, entries: [LogEntry])? = nil) -> ReportDocument {
        let t = context.texts
        let tallyColumns = [t("column.decisions"), t("column.permit"), t("column.partial"), t("column.deny")]
        func rows(_ tallies: [String: Tally]) -> [[String]] { tallies.keys.sorted().map { [$0] + tallies[$0]!.row } }
        func chart(_ title: String, _ tallies: [String: Tally]) -> BarChart {
            BarChart(title: title, bars: tallies.keys.sorted().map { BarChart.Bar(label: $0, value: tallies[$0]!.decisions, highlight: tallies[$0]!.denies) },
                     highlightLabel: t("activity.denied"))
        }
        let minimum = ["minimum": "\(unusualMinimumDenials)"]
        var sections = [
            ReportSection(id: "summary", title: t("section.summary"), notes: [
                t("activity.summary", ["decisions": "\(counts.total.decisions)", "permits": "\(counts.total.permits)",
                                       "partials": "\(counts.total.partials)", "denies": "\(counts.total.denies)"]),
            ], tables: [ReportTable(id: "outcomes", caption: t("activity.byOutcome"), columns: [t("column.scope")] + tallyColumns,
                                    rows: [[t("activity.all")] + counts.total.row])]),
            ReportSection(id: "purposes", title: t("activity.purposes"), tables: [
                ReportTable(id: "by-purpose", caption: t("activity.byPurpose"), columns: [t("column.purpose")] + tallyColumns, rows: rows(counts.byPurpose)),
            ], charts: [chart(t("activity.byPurpose"), counts.byPurpose)]),
            ReportSection(id: "actors", title: t("activity.actors"), tables: [
                ReportTable(id: "by-actor", caption: t("activity.byActor"), columns: [t("column.actor")] + tallyColumns + [t("column.denialRate")],
                            rows: counts.byActor.keys.sorted().map { actor in
                                let tally = counts.byActor[actor]!
                                return [actor] + tally.row + [t.number(percent(tally.denies, of: tally.decisions))]
                            }),
            ], charts: [chart(t("activity.byActor"), counts.byActor)]),
            ReportSection(id: "actions", title: t("activity.actions"), tables: [
                ReportTable(id: "by-action", caption: t("activity.byAction"), columns: [t("column.action")] + tallyColumns, rows: rows(counts.byAction)),
            ]),
            ReportSection(id: "denials", title: t("activity.denials"), notes: [t("activity.denialsNote")], tables: [
                ReportTable(id: "denial-codes", caption: t("activity.reasonCodes"), columns: [t("column.code"), t("column.article"), t("column.decisions")],
                            rows: counts.denialCodes.keys.sorted().map { code in [code, ReasonCode(rawValue: code)?.article ?? "", String(counts.denialCodes[code]!)] }),
            ]),
        ]
        let unusual = counts.unusualActors
        sections.append(ReportSection(
            id: "unusual", title: t("activity.unusual"),
            notes: [unusual.isEmpty ? t("activity.unusualNone", minimum) : t("activity.unusualNote", minimum)],
            tables: unusual.isEmpty ? [] : [ReportTable(id: "unusual-actors", caption: t("activity.unusualActors"),
                                                       columns: [t("column.actor"), t("column.decisions"), t("column.denied"), t("column.denialRate")],
                                                       rows: unusual.map { actor in
                                                           let tally = counts.byActor[actor]!
                                                           return [actor, String(tally.decisions), String(tally.denies), t.number(percent(tally.denies, of: tally.decisions))]
                                                       })]))
        if let (subject, entries) = trail {
            let named = ["subject": subject]
            sections.append(ReportSection(id: "trail", title: t("activity.trail", named), notes: [t("activity.trailNote")], tables: [
                ReportTable(id: "trail", caption: t("activity.trailCaption", named),
                            columns: ["#", t("column.when"), t("column.actor"), t("column.action"), t("column.purpose"), t("column.recipient"),
                                      t("column.fields"), t("column.outcome"), t("column.codes")],
                            rows: entries.map { entry in
                                [String(entry.seq), entry.at.description, entry.actor, entry.action, entry.purpose, entry.recipient ?? "",
                                 entry.fields.joined(separator: ", "), entry.outcome, entry.codes.joined(separator: ", ")]
                            }),
            ]))
        }
        return context.document("activity", trail.map { t("activity.titleOf", ["subject": $0.subject]) } ?? t("activity.title"), sections)
    }
}

func percent(_ part: Int, of whole: Int) -> String {
    guard whole > 0 else { return "-" }
    let tenths = (part * 1000 + whole / 2) / whole
    return "\(tenths / 10).\(tenths % 10)%"
}
