import Foundation
import Hummingbird
import Custos
import CustosStore
import CustosPolicy

/// Today: everything due, late or waiting on one screen.
extension Console {
    /// What Today shows, read on the engine's threads in one go.
    struct Overview: Sendable {
        var today: LocalDate
        var requests: [RightsRequest]
        var tasks: [RecipientTask]
        var objections: [(subject: String, objection: StoredObjection)]
        var holds: [(subject: String, hold: StoredHold)]
        var withdrawals: [ConsentHistoryEntry]
        var lastSweep: (at: Instant, subjects: Int, fields: Int)?
        var plan: RetentionSweepReport
        var log: DecisionLog.Verification
        var checkpoint: (seq: Int64, at: Instant)?
        /// Open breaches still owing the AP notification, by deadline.
        var breaches: [Breach]
        var now: Instant
        /// Subjects still owed the Art. 14 information, by deadline.
        var information: [InformationDesk.InformationDuty]
        /// Active service accounts whose actor the policy no longer declares: every request
        /// they make is denied, which their services see as an outage.
        var strandedServices: [ServiceAccount]
    }

    /// Today lists this many of the people owed the Art. 14 information; `custos notice list`
    /// has them all.
    static let informationShown = 15

    static let withdrawalDays = 7

    func today(_ visit: Visit) async throws -> Response {
        let office = self.office
        let plan = try await sweepPlans.value { try await call { try office.sweeper.sweepRetention(dryRun: true, by: "console") } }
        // Rehashing the whole chain costs a second per million entries: Today keeps the
        // answer a minute and says when it was made.
        let check = try await logChecks.value { try await call { (try office.verifyLog(), office.now) } }
        // Computed from every value obtained from others: kept a minute too, and forgotten when
        // the console records information sent.
        let information = try await informationOwed.value { try await call { try office.information.informationDuties().filter { !$0.isSettled } } }
        let overview = try await call {
            Overview(today: office.policy.localDate(of: office.now), requests: try office.requests.openRequests().sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) },
                     tasks: try office.rights.tasks(openOnly: true), objections: try office.overview.objectionsAwaitingAssessment(), holds: try office.overview.holdsInForce(),
                     withdrawals: try office.overview.recentWithdrawals(days: Self.withdrawalDays), lastSweep: try office.overview.lastRetentionSweep(),
                     plan: plan, log: check.verification, checkpoint: try office.overview.lastCheckpoint(),
                     breaches: try office.breaches.breaches().filter(\.awaitsNotification).sorted { $0.apDeadline < $1.apDeadline }, now: office.now,
                     information: information,
                     strandedServices: office.policy.strandedServiceAccounts(try office.accounts.services()))
        }
        let language = visit.language
        let requests = overview.requests.map { request -> [String: Any] in
            let days = request.dueOn.daysSinceEpoch - overview.today.daysSinceEpoch
            return ["id": request.id, "href": "/console/requests/\(request.id)", "type": pages.text("type.\(request.type.rawValue)", language),
                    "subject": request.subject, "status": pages.text("status.\(request.status.rawValue)", language), "due": request.dueOn.description,
                    "overdue": days < 0,
                    "left": days < 0 ? pages.text("today.overdueBy", language, ["days": "\(-days)"]) : pages.text("today.daysLeft", language, ["days": "\(days)"])]
        }
        let tasks = overview.tasks.map { task -> [String: Any] in
            Self.compact(["id": task.id, "kind": pages.text("task.\(task.kind.rawValue)", language), "recipient": task.recipient,
             // The action in words where the console has them (the library's own: erase,
             // rectify, restrict); the fields stay ids, as the recipient's systems name them.
             "action": pages.catalogued("task.action.\(task.action)", language) ?? task.action,
             "fields": task.fields.joined(separator: ", "), "subject": task.subject, "request": task.request, "created": Self.day(task.createdAt, office),
             "action_path": "/console/tasks/\(task.id)/done", "csrf": visit.canAct ? csrf(visit, "task-done") : ""])
        }
        let objections = overview.objections.map { entry -> [String: Any] in
            ["id": entry.objection.id, "subject": entry.subject, "purpose": entry.objection.objection.purpose ?? pages.text("all", language),
             "since": Self.day(entry.objection.objection.at, office), "action_path": "/console/objections/\(entry.objection.id)/assess",
             "csrf": visit.canAct ? csrf(visit, "assess") : ""]
        }
        let holds = overview.holds.map { entry -> [String: Any] in
            Self.compact(["id": entry.hold.id, "subject": entry.subject, "reference": entry.hold.hold.reference, "since": entry.hold.hold.since.description,
             "scope": Optional([entry.hold.hold.fields?.joined(separator: ", "), entry.hold.hold.purposes?.joined(separator: ", ")].compactMap { $0 }.joined(separator: " · "))
                .flatMap { $0.isEmpty ? nil : $0 }])
        }
        let withdrawals = overview.withdrawals.map { entry -> [String: Any] in
            ["subject": entry.subject, "purpose": entry.purpose, "at": Self.minute(entry.effectiveAt, office)]
        }
        let breaches = overview.breaches.map { breach -> [String: Any] in
            let clock = clockLabel(breach, now: overview.now, language)
            return ["id": breach.id, "href": "/console/breaches/\(breach.id)", "involved": involved(breach.scope, language),
                    "due": Self.minute(breach.apDeadline, office), "overdue": clock?.overdue ?? false, "left": clock?.text ?? ""]
        }
        let owed = overview.information.prefix(Self.informationShown).map { duty -> [String: Any] in
            let overdue = duty.isOverdue(at: overview.now)
            return ["subject": duty.subject, "category": office.policy.policy.subjectCategory(duty.category)?.title(in: language) ?? duty.category, "notice": duty.notice, "sources": duty.sources.joined(separator: ", "),
                    "due": Self.minute(duty.deadline.due, office), "article": duty.deadline.trigger.article, "overdue": overdue,
                    "action_path": "/console/subjects/\(duty.subject)/informed", "csrf": visit.canAct ? csrf(visit, "informed") : ""]
        }
        let stranded = overview.strandedServices.map { ["name": $0.name, "actor": $0.actor] }
        var values: [String: Any] = [
            "strandedServices": stranded, "hasStrandedServices": !stranded.isEmpty,
            "information": owed, "hasInformation": !owed.isEmpty,
            "informationSummary": pages.text("today.informationSummary", language, [
                "owed": "\(overview.information.count)", "overdue": "\(overview.information.filter { $0.isOverdue(at: overview.now) }.count)",
                "shown": "\(owed.count)"]),
            "breaches": breaches, "hasBreaches": !breaches.isEmpty,
            "requests": requests, "hasRequests": !requests.isEmpty, "overdueCount": requests.filter { $0["overdue"] as? Bool == true }.count,
            "hasOverdue": requests.contains { $0["overdue"] as? Bool == true },
            "chart": deadlineChart(overview, language), "tasks": tasks, "hasTasks": !tasks.isEmpty,
            "objections": objections, "hasObjections": !objections.isEmpty, "holds": holds, "hasHolds": !holds.isEmpty,
            "withdrawals": withdrawals, "hasWithdrawals": !withdrawals.isEmpty, "withdrawalDays": Self.withdrawalDays,
            "planFields": overview.plan.fieldsDestroyed, "planSubjects": overview.plan.subjects.filter { !$0.destroyed.isEmpty }.count,
            "planShredded": overview.plan.subjectsShredded, "planExamined": overview.plan.subjectsExamined,
            "logIntact": overview.log.isIntact, "logEntries": overview.log.entries, "logHead": overview.log.headSeq,
            "logProblem": overview.log.problem ?? "", "date": overview.today.description, "logCheckedAt": Self.minute(check.at, office),
        ]
        if let sweep = overview.lastSweep {
            values["lastSweep"] = pages.text("today.lastSweep", language, ["at": Self.minute(sweep.at, office), "subjects": "\(sweep.subjects)", "fields": "\(sweep.fields)"])
        }
        if let checkpoint = overview.checkpoint {
            values["checkpoint"] = pages.text("today.checkpoint", language, ["seq": "\(checkpoint.seq)", "at": Self.minute(checkpoint.at, office)])
        }
        return page("today", visit, title: pages.text("nav.today", language), here: "/console", values: values)
    }

    /// Open requests by how far their deadline is: overdue first, in red.
    func deadlineChart(_ overview: Overview, _ language: String) -> String {
        let buckets: [(key: String, range: ClosedRange<Int>)] = [
            ("chart.overdue", Int.min...(-1)), ("chart.week", 0...7), ("chart.twoWeeks", 8...14), ("chart.month", 15...31), ("chart.later", 32...Int.max),
        ]
        let openName = pages.text("chart.open", language)
        let columns = buckets.map { bucket -> ConsoleCharts.Column in
            let count = overview.requests.filter { bucket.range.contains($0.dueOn.daysSinceEpoch - overview.today.daysSinceEpoch) }.count
            return ConsoleCharts.Column(label: pages.text(bucket.key, language),
                                        parts: [(count, bucket.key == "chart.overdue" ? ConsoleCharts.overdue : ConsoleCharts.open, openName)])
        }
        return ConsoleCharts.columns(columns, title: pages.text("today.chartTitle", language))
    }
}
