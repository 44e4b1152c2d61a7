package import CustosStore
import CustosPolicy

/// The breach register as a report (Art. 33(5), gdpr.md §14): every breach as it stood at the
/// report's moment, its 72-hour clock, the risk and Art. 34 decision, who was notified and
/// when, how many people it touched. Counts only: no person is named.
package enum BreachesReport {
    /// One breach with the number of people it touched, computed by the engine.
    package struct Entry: Sendable {
        package var breach: Breach
        package var affectedSubjects: Int
        package var unintelligible: Bool

        package init(breach: Breach, affectedSubjects: Int, unintelligible: Bool) {
            self.breach = breach
            self.affectedSubjects = affectedSubjects
            self.unintelligible = unintelligible
        }
    }

    package static func build(_ context: ReportContext, entries: [Entry]) -> ReportDocument {
        let at = context.generatedAt
        // As things stood at the report's moment: what happened later is not yet known then.
        let known = entries.filter { $0.breach.recordedAt <= at }.filter { entry in
            let (from, to) = context.period.instants(in: context.policy)
            return (from.map { entry.breach.awareAt >= $0 } ?? true) && (to.map { entry.breach.awareAt < $0 } ?? true)
        }
        func asThen(_ instant: Instant?) -> Instant? { instant.flatMap { $0 <= at ? $0 : nil } }
        func status(_ breach: Breach) -> String {
            if asThen(breach.closedAt) != nil { return "closed" }
            if breach.risk == Breach.Risk.none { return "no notification needed" }
            if asThen(breach.apNotifiedAt) != nil { return "notified" }
            return breach.apDeadline < at ? "AP notification overdue" : "open"
        }
        func informed(_ breach: Breach) -> String {
            let told = breach.events.filter { $0.event == BreachEvent.subjectsInformed.rawValue && $0.at <= at }
            if let exception = breach.subjectsException { return "not owed: \(exception.rawValue) (Art. 34(3))" }
            guard breach.risk == .high else { return "-" }
            return told.last.map { "\($0.detail ?? "yes") at \($0.at)" } ?? "not yet"
        }
        let rows = known.map { entry -> [String] in
            let breach = entry.breach
            let notified = asThen(breach.apNotifiedAt)
            let late = notified.map { $0 > breach.apDeadline } ?? (breach.apDeadline < at)
            let scope: String = switch breach.scope {
            case let .recipient(recipient): recipient
            case let .actor(actor): "actor \(actor)"
            case .vault: "the vault"
            }
            return [breach.id, breach.nature.map(\.rawValue).joined(separator: ", "), scope, breach.awareAt.description, breach.apDeadline.description,
                    notified.map { $0.description + (late ? " (late)" : "") } ?? (breach.risk == Breach.Risk.none ? "not required" : "-"),
                    breach.risk?.rawValue ?? "not assessed", String(entry.affectedSubjects) + (entry.unintelligible ? " (unintelligible)" : ""),
                    informed(breach), status(breach)]
        }
        let overdue = known.filter { status($0.breach) == "AP notification overdue" }
        let late = known.filter { entry in asThen(entry.breach.apNotifiedAt).map { $0 > entry.breach.apDeadline } ?? false }
        let notes = [
            "Breaches documented (Art. 33(5)): \(known.count); open: \(known.filter { asThen($0.breach.closedAt) == nil }.count); " +
                "notified to the AP: \(known.filter { asThen($0.breach.apNotifiedAt) != nil }.count), of which after the 72 hours (with reasons): \(late.count); " +
                "past the 72 hours and not notified: \(overdue.count).",
            "The 72 hours are clock hours from the controller's awareness, without weekend or holiday roll; a processor's notice is kept apart from it.",
        ]
        let history = known.flatMap { entry in
            entry.breach.events.filter { $0.at <= at }.map { [entry.breach.id, $0.at.description, $0.event, $0.detail ?? "", $0.by] }
        }
        let sections = [
            ReportSection(id: "summary", title: "Summary", notes: notes),
            ReportSection(id: "register", title: "Register", tables: [
                ReportTable(id: "breaches", caption: "Breaches by awareness", columns: ["Breach", "Nature", "Involved", "Aware", "AP due", "AP notified", "Risk", "People affected", "People told", "Status"], rows: rows),
            ]),
            ReportSection(id: "history", title: "History", tables: [
                ReportTable(id: "history", caption: "What was decided and sent", columns: ["Breach", "At", "Event", "Detail", "By"], rows: history),
            ]),
        ]
        return context.document("breaches", "Personal data breaches", sections)
    }
}
