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
        return ReportSection(id: "information", title: "Art. 14 information", notes: [
            "Subjects whose data came from others: \(duties.count); informed \(settled.filter { $0.exception == nil }.count) (\(late.count) late), " +
                "exempt under Art. 14(5) \(settled.filter { $0.exception != nil }.count); still owed \(owed.count), of which \(overdue.count) overdue.",
            "The deadline is the earliest of one month after obtaining the data, the first communication and the first disclosure (Art. 14(3)).",
        ], tables: [
            ReportTable(id: "information-owed", caption: "Still to inform", columns: ["Subject", "Category", "Notice", "Source", "Due", "By", "Overdue"],
                        rows: owed.sorted { ($0.due, $0.subject) < ($1.due, $1.subject) }.map {
                            [$0.subject, $0.category, $0.notice, $0.sources.joined(separator: ", "), $0.due.description, $0.article, $0.due <= at ? "yes" : "no"]
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
        let policy = context.policy
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
                    String(ofType.filter(closedOnTime).count), median(ofType.map(handlingDays)), String(open.filter { $0.type.rawValue == type }.count)]
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
        let requestColumns = ["Request", "Type", "Subject", "Status", "Received", "Due", "Days left"]
        let onTime = closed.filter(closedOnTime).count
        let sections = [
            ReportSection(id: "summary", title: "Summary", notes: [
                "On \(today): \(open.count) open requests, \(overdue.count) overdue, \(dueSoon.count) due within \(dueSoonDays) days.",
                "Closed in the period: \(closed.count); answered on time: \(percent(onTime, of: closed.count)); median handling time: \(median(closed.map(handlingDays))) days.",
                "Art. 19 notifications and processor instructions outstanding: \(openTasks.count).",
                "Breaches awaiting the notification to the AP (Art. 33): \(awaiting.count), \(breachesOverdue.count) past the 72 hours.",
            ], charts: [BarChart(title: "Requests closed in the period, by type", bars: perType.filter { $0[1] != "0" || $0[2] != "0" }.map {
                BarChart.Bar(label: $0[0], value: (Int($0[1]) ?? 0) + (Int($0[2]) ?? 0), highlight: (Int($0[1]) ?? 0) + (Int($0[2]) ?? 0) - (Int($0[3]) ?? 0))
            }, highlightLabel: "late")]),
            ReportSection(id: "per-type", title: "Per type", tables: [
                ReportTable(id: "per-type", caption: "Requests per type", columns: ["Type", "Completed", "Rejected", "On time", "Median days", "Open now"], rows: perType),
            ]),
            ReportSection(id: "overdue", title: "Overdue", notes: overdue.isEmpty ? [] : ["Past the Art. 12(3) deadline and still open."],
                          tables: [ReportTable(id: "overdue", caption: "Overdue requests", columns: requestColumns, rows: overdue.sorted { $0.dueOn < $1.dueOn }.map(requestRow)),
                                   ReportTable(id: "breach-deadlines", caption: "Breaches awaiting the AP notification (72 clock hours from awareness)",
                                               columns: ["Breach", "Aware", "AP due", "Hours left"],
                                               rows: awaiting.map { [$0.id, $0.awareAt.description, $0.due.description, hoursLeft($0)] })]),
            ReportSection(id: "due-soon", title: "Due within \(dueSoonDays) days",
                          tables: [ReportTable(id: "due-soon", caption: "Due soon", columns: requestColumns, rows: dueSoon.sorted { $0.dueOn < $1.dueOn }.map(requestRow))]),
            ReportSection(id: "tasks", title: "Art. 19 tasks outstanding", tables: [
                ReportTable(id: "tasks", caption: "Open tasks", columns: ["Task", "Kind", "Recipient", "Action", "Fields", "Subject", "Request", "Since"],
                            rows: openTasks.map { task in
                                ["#\(task.id)", task.kind.rawValue, task.recipient, task.action, task.fields.joined(separator: ", "), task.subject, task.request ?? "",
                                 task.createdAt.description]
                            }),
            ]),
            informationSection(context, information),
        ]
        return context.document("requests", "Data-subject requests", sections)
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
