package import CustosPolicy
package import CustosStore

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

    func description(_ t: ReportTexts) -> String {
        switch (from, to) {
        case let (from?, to?): t("period.between", ["from": "\(from)", "to": "\(to)"])
        case let (from?, nil): t("period.from", ["from": "\(from)"])
        case let (nil, to?): t("period.upTo", ["to": "\(to)"])
        case (nil, nil): t("period.all")
        }
    }
}

/// What every report states about where its numbers come from (the reports issue): the policy,
/// the engine and SQLite versions, whether the decision log verified and its last checkpoint,
/// the period, and when it was generated (pinned with `--at` for byte-identical output); and
/// the language the report is written in.
package struct ReportContext: Sendable {
    package var policy: CompiledPolicy
    package var generatedAt: Instant
    package var period: ReportPeriod
    package var engineVersion: String
    /// The store and its version, e.g. "SQLite 3.46.1" or "PostgreSQL 15.8".
    package var storeVersion: String
    package var logVerification: LogVerification
    package var lastCheckpoint: (seq: Int64, at: Instant)?
    package var simulated: Bool
    package var texts: ReportTexts

    package init(policy: CompiledPolicy, generatedAt: Instant, period: ReportPeriod, engineVersion: String, storeVersion: String,
                 logVerification: LogVerification, lastCheckpoint: (seq: Int64, at: Instant)?, simulated: Bool, texts: ReportTexts = .english) {
        self.policy = policy
        self.generatedAt = generatedAt
        self.period = period
        self.engineVersion = engineVersion
        self.storeVersion = storeVersion
        self.logVerification = logVerification
        self.lastCheckpoint = lastCheckpoint
        self.simulated = simulated
        self.texts = texts
    }

    var header: [HeaderItem] {
        let t = texts, log = logVerification
        let logState = log.isIntact
            ? t("header.logVerified", ["entries": "\(log.entries)", "head": "\(log.headSeq)"])
                + (log.anchor.map { t("header.logPruned", ["seq": "\($0.seq)"]) } ?? "")
            : t("header.logBroken", ["entry": "\(log.firstBroken ?? 0)", "problem": log.problem ?? ""])
        var items = [
            HeaderItem(label: t("header.controller"), value: policy.policy.controller.map { "\($0.name), \($0.address)" } ?? t("value.notDeclared")),
            HeaderItem(label: t("header.period"), value: period.description(t)),
            HeaderItem(label: t("header.generated"), value: generatedAt.description),
            HeaderItem(label: t("header.policy"), value: "\(policy.policy.name), \(policy.digest)"),
            HeaderItem(label: t("header.engine"), value: "Custos \(engineVersion), \(storeVersion)"),
            HeaderItem(label: t("header.log"), value: logState),
            HeaderItem(label: t("header.checkpoint"), value: lastCheckpoint.map { t("header.checkpointAt", ["seq": "\($0.seq)", "at": "\($0.at)"]) } ?? t("header.noCheckpoint")),
        ]
        if simulated { items.insert(HeaderItem(label: t("header.simulation"), value: t("header.simulated")), at: 0) }
        return items
    }

    func document(_ report: String, _ title: String, _ sections: [ReportSection]) -> ReportDocument {
        ReportDocument(report: report, title: title, header: header, sections: sections, language: texts.language, simulated: simulated,
                       templateWords: Dictionary(uniqueKeysWithValues: Self.templateWordNames.map { ($0, texts("template.\($0)")) }))
    }

    /// The texts a report template says as `{{t.NAME}}` (`template.NAME` in the catalogue).
    static let templateWordNames = ["none", "noRows", "simulated", "total"]
}
