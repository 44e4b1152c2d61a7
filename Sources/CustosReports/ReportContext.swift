package import CustosPolicy

/// The calendar dates a report covers, both inclusive, in the controller's time zone.
package struct ReportPeriod: Sendable, Equatable {
    package var from: LocalDate?
    package var to: LocalDate?

    package init(from: LocalDate? = nil, to: LocalDate? = nil) {
        self.from = from
        self.to = to
    }

    /// `[start of from, start of the day after to)`.
    package func instants(in policy: CompiledPolicy) -> (from: Instant?, to: Instant?) {
        (from.map(policy.startOfDay), to.map { policy.startOfDay($0.adding(days: 1)) })
    }

    package func contains(_ date: LocalDate) -> Bool {
        (from.map { $0 <= date } ?? true) && (to.map { date <= $0 } ?? true)
    }

    package var description: String {
        switch (from, to) {
        case let (from?, to?): "\(from) to \(to)"
        case let (from?, nil): "from \(from)"
        case let (nil, to?): "up to \(to)"
        case (nil, nil): "all records"
        }
    }
}

/// What every report states about where its numbers come from (the reports issue): the policy,
/// the engine and SQLite versions, whether the decision log verified and its last checkpoint,
/// the period, and when it was generated (pinned with `--at` for byte-identical output).
package struct ReportContext: Sendable {
    package var policy: CompiledPolicy
    package var generatedAt: Instant
    package var period: ReportPeriod
    package var engineVersion: String
    /// The store and its version, e.g. "SQLite 3.46.1" or "PostgreSQL 15.8".
    package var storeVersion: String
    package var logVerification: String
    package var lastCheckpoint: String
    package var simulated: Bool

    package init(policy: CompiledPolicy, generatedAt: Instant, period: ReportPeriod, engineVersion: String, storeVersion: String,
                logVerification: String, lastCheckpoint: String, simulated: Bool) {
        self.policy = policy
        self.generatedAt = generatedAt
        self.period = period
        self.engineVersion = engineVersion
        self.storeVersion = storeVersion
        self.logVerification = logVerification
        self.lastCheckpoint = lastCheckpoint
        self.simulated = simulated
    }

    var header: [HeaderItem] {
        var items = [
            HeaderItem(label: "Controller", value: policy.policy.controller.map { "\($0.name), \($0.address)" } ?? "not declared"),
            HeaderItem(label: "Period", value: period.description),
            HeaderItem(label: "Generated", value: generatedAt.description),
            HeaderItem(label: "Policy", value: "\(policy.policy.name), \(policy.digest)"),
            HeaderItem(label: "Engine", value: "Custos \(engineVersion), \(storeVersion)"),
            HeaderItem(label: "Decision log", value: logVerification),
            HeaderItem(label: "Last checkpoint", value: lastCheckpoint),
        ]
        if simulated { items.insert(HeaderItem(label: "Simulation", value: "every record in this vault is simulated"), at: 0) }
        return items
    }

    func document(_ report: String, _ title: String, _ sections: [ReportSection]) -> ReportDocument {
        ReportDocument(report: report, title: title, header: header, sections: sections)
    }
}
