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

    /// Where a breach stood at the report's moment.
    enum Status: String, CaseIterable {
        case closed, noNotificationNeeded, notified, overdue, open
    }

    package static func build(_ context: ReportContext, entries: [Entry]) -> ReportDocument {
        let at = context.generatedAt, t = context.texts
        // As things stood at the report's moment: what happened later is not yet known then.
        let known = entries.filter { $0.breach.recordedAt <= at }.filter { entry in
            let (from, to) = context.period.instants(in: context.policy)
            return (from.map { entry.breach.awareAt >= $0 } ?? true) && (to.map { entry.breach.awareAt < $0 } ?? true)
        }
        func asThen(_ instant: Instant?) -> Instant? { instant.flatMap { $0 <= at ? $0 : nil } }
        func status(_ breach: Breach) -> Status {
            if asThen(breach.closedAt) != nil { return .closed }
            if breach.risk == Breach.Risk.none { return .noNotificationNeeded }
            if asThen(breach.apNotifiedAt) != nil { return .notified }
            return breach.apDeadline < at ? .overdue : .open
        }
        func informed(_ breach: Breach) -> String {
            let told = breach.events.filter { $0.event == BreachEvent.subjectsInformed.rawValue && $0.at <= at }
            if let exception = breach.subjectsException { return t("breaches.notOwed", ["exception": exception.rawValue]) }
            guard breach.risk == .high else { return "-" }
            return told.last.map { t("breaches.toldAt", ["how": t.recorded($0.detailWords, english: $0.detail) ?? t("breaches.yes"), "at": "\($0.at)"]) } ?? t("breaches.notYet")
        }
        let rows = known.map { entry -> [String] in
            let breach = entry.breach
            let notified = asThen(breach.apNotifiedAt)
            let late = notified.map { $0 > breach.apDeadline } ?? (breach.apDeadline < at)
            let scope: String = switch breach.scope {
            case let .recipient(recipient): recipient
            case let .actor(actor): t("breaches.actor", ["actor": actor])
            case .vault: t("breaches.vault")
            }
            return [breach.id, breach.nature.map(\.rawValue).joined(separator: ", "), scope, breach.awareAt.description, breach.apDeadline.description,
                    notified.map { $0.description + (late ? t("breaches.late") : "") } ?? (breach.risk == Breach.Risk.none ? t("breaches.notRequired") : "-"),
                    breach.risk?.rawValue ?? t("breaches.notAssessed"), String(entry.affectedSubjects) + (entry.unintelligible ? t("breaches.unintelligible") : ""),
                    informed(breach), breach.cause?.rawValue ?? "-",
                    breach.otherMemberStates.map { $0.isEmpty ? t("value.none") : $0.joined(separator: ", ") } ?? "-",
                    t("breaches.status.\(status(breach).rawValue)")]
        }
        let overdue = known.filter { status($0.breach) == .overdue }
        let late = known.filter { entry in asThen(entry.breach.apNotifiedAt).map { $0 > entry.breach.apDeadline } ?? false }
        let notes = [
            t("breaches.summary", ["documented": "\(known.count)", "open": "\(known.filter { asThen($0.breach.closedAt) == nil }.count)",
                                   "notified": "\(known.filter { asThen($0.breach.apNotifiedAt) != nil }.count)", "late": "\(late.count)",
                                   "overdue": "\(overdue.count)"]),
            t("breaches.clockNote"),
        ]
        let history = known.flatMap { entry in
            entry.breach.events.filter { $0.at <= at }.map { [entry.breach.id, $0.at.description, $0.event, t.recorded($0.detailWords, english: $0.detail) ?? "", $0.by] }
        }
        let sections = [
            ReportSection(id: "summary", title: t("section.summary"), notes: notes),
            ReportSection(id: "register", title: t("breaches.register"), tables: [
                ReportTable(id: "breaches", caption: t("breaches.registerCaption"),
                            columns: [t("column.breach"), t("column.nature"), t("column.involved"), t("column.aware"), t("column.apDue"), t("column.apNotified"),
                                      t("column.risk"), t("column.peopleAffected"), t("column.peopleTold"), t("column.cause"), t("column.otherMemberStates"),
                                      t("column.status")], rows: rows),
            ]),
            ReportSection(id: "history", title: t("breaches.history"), tables: [
                ReportTable(id: "history", caption: t("breaches.historyCaption"),
                            columns: [t("column.breach"), t("column.at"), t("column.event"), t("column.detail"), t("column.by")], rows: history),
            ]),
        ]
        return context.document("breaches", t("breaches.title"), sections)
    }
}
