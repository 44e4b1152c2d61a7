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
        let tallyColumns = ["Decisions", "Permit", "Partial", "Deny"]
        func rows(_ tallies: [String: Tally]) -> [[String]] { tallies.keys.sorted().map { [$0] + tallies[$0]!.row } }
        func chart(_ title: String, _ tallies: [String: Tally]) -> BarChart {
            BarChart(title: title, bars: tallies.keys.sorted().map { BarChart.Bar(label: $0, value: tallies[$0]!.decisions, highlight: tallies[$0]!.denies) },
                     highlightLabel: "denied")
        }
        var sections = [
            ReportSection(id: "summary", title: "Summary", notes: [
                "\(counts.total.decisions) decisions: \(counts.total.permits) permitted, \(counts.total.partials) partly permitted, \(counts.total.denies) denied.",
            ], tables: [ReportTable(id: "outcomes", caption: "Decisions by outcome", columns: ["Scope"] + tallyColumns, rows: [["all"] + counts.total.row])]),
            ReportSection(id: "purposes", title: "By purpose", tables: [
                ReportTable(id: "by-purpose", caption: "Decisions by purpose", columns: ["Purpose"] + tallyColumns, rows: rows(counts.byPurpose)),
            ], charts: [chart("Decisions by purpose", counts.byPurpose)]),
            ReportSection(id: "actors", title: "By actor", tables: [
                ReportTable(id: "by-actor", caption: "Decisions by actor", columns: ["Actor"] + tallyColumns + ["Denial rate"],
                            rows: counts.byActor.keys.sorted().map { actor in
                                let tally = counts.byActor[actor]!
                                return [actor] + tally.row + [percent(tally.denies, of: tally.decisions)]
                            }),
            ], charts: [chart("Decisions by actor", counts.byActor)]),
            ReportSection(id: "actions", title: "By action", tables: [
                ReportTable(id: "by-action", caption: "Decisions by action", columns: ["Action"] + tallyColumns, rows: rows(counts.byAction)),
            ]),
            ReportSection(id: "denials", title: "Denials by reason code", notes: ["Blocking codes of denied and partly denied decisions; a decision counts once per code."], tables: [
                ReportTable(id: "denial-codes", caption: "Reason codes", columns: ["Code", "Article", "Decisions"],
                            rows: counts.denialCodes.keys.sorted().map { code in [code, ReasonCode(rawValue: code)?.article ?? "", String(counts.denialCodes[code]!)] }),
            ]),
        ]
        let unusual = counts.unusualActors
        sections.append(ReportSection(
            id: "unusual", title: "Actors with unusual denial rates",
            notes: [unusual.isEmpty
                ? "No actor is denied more than twice as often as all other actors together (with at least \(unusualMinimumDenials) denials)."
                : "Denied more than twice as often as all other actors together, with at least \(unusualMinimumDenials) denials: worth a look at how these services ask."],
            tables: unusual.isEmpty ? [] : [ReportTable(id: "unusual-actors", caption: "Unusual actors", columns: ["Actor", "Decisions", "Denied", "Denial rate"],
                                                       rows: unusual.map { actor in
                                                           let tally = counts.byActor[actor]!
                                                           return [actor, String(tally.decisions), String(tally.denies), percent(tally.denies, of: tally.decisions)]
                                                       })]))
        if let (subject, entries) = trail {
            sections.append(ReportSection(id: "trail", title: "Access trail of \(subject)", notes: ["Every decision about the subject in the period: who, when, which fields, which purpose, and whether it was permitted."], tables: [
                ReportTable(id: "trail", caption: "Decisions about \(subject)", columns: ["#", "When", "Actor", "Action", "Purpose", "Recipient", "Fields", "Outcome", "Codes"],
                            rows: entries.map { entry in
                                [String(entry.seq), entry.at.description, entry.actor, entry.action, entry.purpose, entry.recipient ?? "",
                                 entry.fields.joined(separator: ", "), entry.outcome, entry.codes.joined(separator: ", ")]
                            }),
            ]))
        }
        return context.document("activity", trail.map { "Decision activity: \($0.subject)" } ?? "Decision activity", sections)
    }
}

func percent(_ part: Int, of whole: Int) -> String {
    guard whole > 0 else { return "-" }
    let tenths = (part * 1000 + whole / 2) / whole
    return "\(tenths / 10).\(tenths % 10)%"
}
