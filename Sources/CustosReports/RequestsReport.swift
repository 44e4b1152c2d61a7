package import CustosStore
package import CustosPolicy

/// The request book against its deadlines (gdpr.md §5): open, overdue and due soon; completed
/// per type; the share answered on time; the median handling time; Art. 19 tasks outstanding.
package enum RequestsReport {
    package static let dueSoonDays = 7

    /// One subject's Art. 14 duty, as the engine computed it (gdpr.md §13).
    package struct InformationDuty: Sendable {
        package var subject: String
        package var category: String
        package var notice: String
        package var sources: [String]
        package var due: Instant
        package var article: String
        /// When the information was given (or the exception recorded), nil while owed.
        package var settledAt: Instant?
        package var exception: String?

        package init(subject: String, category: String, notice: String, sources: [String], due: Instant, article: String, settledAt: Instant?, exception: String?) {
            self.subject = subject
            self.category = category
            self.notice = notice
            self.sources = sources
            self.due = due
            self.article = article
            self.settledAt = settledAt
            self.exception = exception
        }
    }

    /// The information-duty section: counts as things stood at the report's moment, and the
    /// subjects still owed, overdue first.
    static func informationSection(_ context: ReportContext, _ duties: [InformationDuty]) -> ReportSection {
        let at = context.generatedAt
        let owed = duties.filter { duty in duty.settledAt.map { $0 > at } ?? true }
        let overdue = owed.filter { $0.due <= at }
        let settled = duties.filter { duty in duty.settledAt.map { $0 <= at } ?? false }
        let late = settled.filter { $0.exception == nil && $0.settledAt! > $0.due }
        let t = context.texts
        return ReportSection(id: "information", title: t("requests.information"), notes: [
            t("requests.informationCounts", ["sources": "\(duties.count)", "informed": "\(settled.filter { $0.exception == nil }.count)", "late": "\(late.count)",
                                             "exempt": "\(settled.filter { $0.exception != nil }.count)", "owed": "\(owed.count)", "overdue": "\(overdue.count)"]),
            t("requests.informationDeadline"),
        ], tables: [
            ReportTable(id: "information-owed", caption: t("requests.informationOwed"),
                        columns: [t("column.subject"), t("column.category"), t("column.notice"), t("column.source"), t("column.due"), t("column.byArticle"), t("column.overdue")],
                        rows: owed.sorted { ($0.due, $0.subject) < ($1.due, $1.subject) }.map {
                            [$0.subject, $0.category, $0.notice, $0.sources.joined(separator: ", "), $0.due.description, $0.article, $0.due <= at ? t("value.yes") : t("value.no")]
                        }),
        ])
    }

    package static func build(_ context: ReportContext, requests: [RightsRequest], tasks: [RecipientTask]) -> ReportDocument {
        build(context, requests: requests, tasks: tasks, information: [])
    }

    /// A breach's Art. 33 clock, shown beside the request deadlines.
    package struct BreachClock: Sendable {
        package var id: String
        package var awareAt: Instant
        package var due: Instant
        package var notifiedAt: Instant?
        package var noRisk: Bool
        package var recordedAt: Instant

        package init(id: String, awareAt: Instant, due: Instant, notifiedAt: Instant?, noRisk: Bool, recordedAt: Instant) {
            self.id = id
            self.awareAt = awareAt
            self.due = due
            self.notifiedAt = notifiedAt
            self.noRisk = noRisk
            self.recordedAt = recordedAt
        }
    }

    package static func build(_ context: ReportContext, requests: [RightsRequest], tasks: [RecipientTask], information: [InformationDuty],
                              breaches: [BreachClock] = []) -> ReportDocument {
        let policy = context.policy, t = context.texts
        let today = policy.localDate(of: context.generatedAt)
        // As things stood at the report's moment: a request closed later was still open then.
        func closedByThen(_ request: RightsRequest) -> Bool {
            !request.status.isOpen && (request.closedAt.map { $0 <= context.generatedAt } ?? false)
        }
        let open = requests.filter { !closedByThen($0) }
        let overdue = open.filter { $0.dueOn < today }
        let dueSoon = open.filter { $0.dueOn >= today && $0.dueOn <= today.adding(days: dueSoonDays) }
        let closed = requests.filter { request in
            guard closedByThen(request), let closedAt = request.closedAt else { return false }
            return context.period.contains(policy.localDate(of: closedAt))
        }
        let types = RightsRequestType.allCases.map(\.rawValue)
        func closedOnTime(_ request: RightsRequest) -> Bool { request.closedAt.map { policy.localDate(of: $0) <= request.dueOn } ?? false }
        func handlingDays(_ request: RightsRequest) -> Int { (request.closedAt.map { policy.localDate(of: $0).daysSinceEpoch } ?? 0) - request.receivedOn.daysSinceEpoch }
        let perType = types.map { type -> [String] in
            let ofType = closed.filter { $0.type.rawValue == type }
            return [type, String(ofType.filter { $0.status == .completed }.count), String(ofType.filter { $0.status == .rejected }.count),
                    String(ofType.filter(closedOnTime).count), t.number(median(ofType.map(handlingDays))), String(open.filter { $0.type.rawValue == type }.count)]
        }
        let openTasks = tasks.filter { $0.doneAt == nil }
        // Breaches known at the report's moment whose AP notification was still owed then.
        let awaiting = breaches.filter { $0.recordedAt <= context.generatedAt && !$0.noRisk && ($0.notifiedAt.map { $0 > context.generatedAt } ?? true) }
            .sorted { $0.due < $1.due }
        let breachesOverdue = awaiting.filter { $0.due <= context.generatedAt }
        func hoursLeft(_ clock: BreachClock) -> String { String((clock.due.millisecondsSinceEpoch - context.generatedAt.millisecondsSinceEpoch) / 3_600_000) }
        func requestRow(_ request: RightsRequest) -> [String] {
            [request.id, request.type.rawValue, request.subject, request.status.rawValue, request.receivedOn.description, request.dueOn.description,
             String(request.dueOn.daysSinceEpoch - today.daysSinceEpoch)]
        }
        let requestColumns = [t("column.request"), t("column.type"), t("column.subject"), t("column.status"), t("column.received"), t("column.due"), t("column.daysLeft")]
        let onTime = closed.filter(closedOnTime).count
        let soon = ["days": "\(dueSoonDays)"]
        let sections = [
            ReportSection(id: "summary", title: t("section.summary"), notes: [
                t("requests.summaryOpen", ["today": "\(today)", "open": "\(open.count)", "overdue": "\(overdue.count)", "dueSoon": "\(dueSoon.count)", "days": "\(dueSoonDays)"]),
                t("requests.summaryClosed", ["closed": "\(closed.count)", "onTime": t.number(percent(onTime, of: closed.count)), "median": t.number(median(closed.map(handlingDays)))]),
                t("requests.summaryTasks", ["tasks": "\(openTasks.count)"]),
                t("requests.summaryBreaches", ["awaiting": "\(awaiting.count)", "overdue": "\(breachesOverdue.count)"]),
            ], charts: [BarChart(title: t("requests.chart"), bars: perType.filter { $0[1] != "0" || $0[2] != "0" }.map {
                BarChart.Bar(label: $0[0], value: (Int($0[1]) ?? 0) + (Int($0[2]) ?? 0), highlight: (Int($0[1]) ?? 0) + (Int($0[2]) ?? 0) - (Int($0[3]) ?? 0))
            }, highlightLabel: t("requests.late"))]),
            ReportSection(id: "per-type", title: t("requests.perType"), tables: [
                ReportTable(id: "per-type", caption: t("requests.perTypeCaption"),
                            columns: [t("column.type"), t("column.completed"), t("column.rejected"), t("column.onTime"), t("column.medianDays"), t("column.openNow")], rows: perType),
            ]),
            ReportSection(id: "overdue", title: t("requests.overdue"), notes: overdue.isEmpty ? [] : [t("requests.overdueNote")],
                          tables: [ReportTable(id: "overdue", caption: t("requests.overdueCaption"), columns: requestColumns, rows: overdue.sorted { $0.dueOn < $1.dueOn }.map(requestRow)),
                                   ReportTable(id: "breach-deadlines", caption: t("requests.breachDeadlines"),
                                               columns: [t("column.breach"), t("column.aware"), t("column.apDue"), t("column.hoursLeft")],
                                               rows: awaiting.map { [$0.id, $0.awareAt.description, $0.due.description, hoursLeft($0)] })]),
            ReportSection(id: "due-soon", title: t("requests.dueSoon", soon),
                          tables: [ReportTable(id: "due-soon", caption: t("requests.dueSoonCaption"), columns: requestColumns, rows: dueSoon.sorted { $0.dueOn < $1.dueOn }.map(requestRow))]),
            ReportSection(id: "tasks", title: t("requests.tasks"), tables: [
                ReportTable(id: "tasks", caption: t("requests.tasksCaption"),
                            columns: [t("column.task"), t("column.kind"), t("column.recipient"), t("column.action"), t("column.fields"), t("column.subject"),
                                      t("column.request"), t("column.since")],
                            rows: openTasks.map { task in
                                ["#\(task.id)", task.kind.rawValue, task.recipient, task.action, task.fields.joined(separator: ", "), task.subject, task.request ?? "",
                                 task.createdAt.description]
                            }),
            ]),
            informationSection(context, information),
        ]
        return context.document("requests", t("requests.title"), sections)
    }

    static func median(_ values: [Int]) -> String {
        guard !values.isEmpty else { return "-" }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return String(sorted[middle]) }
        let twice = sorted[middle - 1] + sorted[middle]
        return twice % 2 == 0 ? String(twice / 2) : "\(twice / 2).5"
    }
}
