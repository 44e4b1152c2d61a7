import Foundation
package import CustosReports
package import CustosPolicy
package import CustosStore

/// The reports auditors and the officer ask for (DESIGN §7–8).
package enum ReportKind: String, Sendable, CaseIterable {
    case ropa, activity, transfers, requests, consent, breaches
}

/// A report that cannot be made as asked.
package enum ReportError: Error, Sendable, CustomStringConvertible {
    case unknownSubject(String)

    package var description: String {
        switch self {
        case let .unknownSubject(id): "subject \(id) is neither in the vault nor in the decision log"
        }
    }
}

/// The reports built from a `ReportSource` alone (the records of processing, the activity
/// trail, transfers, consent), over either backend; the requests and breaches reports also need
/// the information duties and the breach register, which `PrivacyEngine` adds.
///
/// ```swift
/// let reporter = Reporter(policy: compiled, clock: { .now }, source: store)
/// let ropa = try reporter.report(.ropa)
/// ```
package struct Reporter: Sendable {
    package let policy: CompiledPolicy
    package let clock: @Sendable () -> Instant
    package let source: any ReportSource
    /// Whether a subject is in the vault, for the activity trail of one subject.
    package let subjectExists: @Sendable (String) throws -> Bool
    /// Log entries or disclosures a report reads at a time (`forEachLogEntry`,
    /// `forEachDisclosure`); tests make pages small.
    package var pageSize = KeysetPages.size

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, source: any ReportSource,
                 subjectExists: @escaping @Sendable (String) throws -> Bool) {
        self.policy = policy
        self.clock = clock
        self.source = source
        self.subjectExists = subjectExists
    }

    /// What every report states: the policy digest, the engine and store versions, whether
    /// the decision log verifies and its last checkpoint, and the period; in `texts`' language.
    package func context(period: ReportPeriod, at: Instant, texts: ReportTexts = .english) throws -> ReportContext {
        ReportContext(policy: policy, generatedAt: at, period: period, engineVersion: Custos.version, storeVersion: try source.storeVersion(),
                      logVerification: try source.verifyLog(), lastCheckpoint: try source.lastCheckpoint(), simulated: source.isSimulation, texts: texts)
    }

    /// The end of what a report may show: the period's end, never after the moment it speaks of.
    package func until(_ period: ReportPeriod, at: Instant) -> (from: Instant?, until: Instant) {
        let (from, to) = period.instants(in: policy)
        let moment = Instant(millisecondsSinceEpoch: at.millisecondsSinceEpoch + 1)
        return (from, to.map { min($0, moment) } ?? moment)
    }

    /// The report, or nil for a kind that needs more than the source (requests, breaches).
    package func report(_ kind: ReportKind, period: ReportPeriod = ReportPeriod(), subject: String? = nil, generatedAt: Instant? = nil,
                        texts: ReportTexts = .english) throws -> ReportDocument? {
        let at = generatedAt ?? clock()
        let (from, until) = until(period, at: at)
        switch kind {
        case .ropa:
            return RopaReport.build(try context(period: period, at: at, texts: texts))
        case .activity:
            let context = try context(period: period, at: at, texts: texts)
            // Counted a page at a time: the log of a server that logs every read outgrows memory.
            var counts = ActivityReport.Counts()
            var trail: [LogEntry] = []
            try source.forEachLogEntry(from: from, to: until, subject: subject, pageSize: pageSize) { entry in
                counts.add(entry)
                if subject != nil { trail.append(entry) }
            }
            if let subject {
                // Only that subject's trail; a subject neither in the vault nor in the log is
                // the caller's mistake, not an empty trail.
                if trail.isEmpty, try !subjectExists(subject), try source.logEntries(from: nil, to: nil, subject: subject, after: .min, limit: 1).isEmpty {
                    throw ReportError.unknownSubject(subject)
                }
            }
            return ActivityReport.build(context, counts: counts, trail: subject.map { ($0, trail) })
        case .transfers:
            // Read a page at a time: the ledger grows with every share; the report keeps the
            // disclosures it lists and the counts.
            let context = try context(period: period, at: at, texts: texts)
            var ledger = TransfersReport.Ledger(context)
            try source.forEachDisclosure(from: nil, to: until, pageSize: pageSize) { ledger.add($0) }
            return TransfersReport.build(context, ledger: ledger)
        case .consent:
            // Counted a subject at a time, in one snapshot: the ledger grows with every consent.
            let context = try context(period: period, at: at, texts: texts)
            var tally = ConsentReport.Tally(context)
            try source.readConsentLedger({ tally.add(subjectsHistory: $0) }, refusal: { tally.add(refusal: $0) })
            return ConsentReport.build(context, counts: tally.counts)
        case .requests, .breaches:
            return nil
        }
    }
}

/// What the requests and breaches reports read besides the `ReportSource`: the request book,
/// the tasks, the information duties and the breach register, on either backend.
package struct ReportRegisters: Sendable {
    package var requests: any RequestStore
    package var tasks: any RightsStore
    package var information: InformationDesk
    package var breaches: BreachDesk

    package init(requests: any RequestStore, tasks: any RightsStore, information: InformationDesk, breaches: BreachDesk) {
        self.requests = requests
        self.tasks = tasks
        self.information = information
        self.breaches = breaches
    }
}

extension Reporter {
    /// Every report, the requests and breaches reports from `registers`.
    package func report(_ kind: ReportKind, period: ReportPeriod = ReportPeriod(), subject: String? = nil, generatedAt: Instant? = nil,
                        texts: ReportTexts = .english, registers: ReportRegisters) throws -> ReportDocument {
        if let document = try report(kind, period: period, subject: subject, generatedAt: generatedAt, texts: texts) { return document }
        let at = generatedAt ?? clock()
        let context = try context(period: period, at: at, texts: texts)
        switch kind {
        case .requests:
            let tasks = try registers.tasks.tasks(openOnly: false).filter { $0.createdAt <= at }.map { task in
                var asThen = task
                if let done = task.doneAt, done > at { asThen.doneAt = nil }
                return asThen
            }
            let information = try registers.information.informationDuties().map { duty in
                RequestsReport.InformationDuty(subject: duty.subject, category: duty.category, notice: duty.notice, sources: duty.sources,
                                               due: duty.deadline.due, article: duty.deadline.trigger.article, settledAt: duty.record?.at,
                                               exception: duty.record?.exception?.rawValue)
            }
            let clocks = try registers.breaches.store.breaches().map { breach in
                RequestsReport.BreachClock(id: breach.id, awareAt: breach.awareAt, due: breach.apDeadline, notifiedAt: breach.apNotifiedAt,
                                           noRisk: breach.risk == Breach.Risk.none, recordedAt: breach.recordedAt)
            }
            return RequestsReport.build(context, requests: try registers.requests.requests(.all).filter { $0.receivedAt <= at }, tasks: tasks,
                                        information: information, breaches: clocks)
        default:
            let entries = try registers.breaches.breaches(dueWithinSeconds: nil).map { breach in
                let affected = try registers.breaches.affectedSubjects(breach)
                return BreachesReport.Entry(breach: breach, affectedSubjects: affected.subjectCount, unintelligible: affected.unintelligible)
            }
            return BreachesReport.build(context, entries: entries)
        }
    }
}

extension PrivacyEngine {
    package var reporter: Reporter {
        let vault = store.vault
        return Reporter(policy: policy, clock: clock, source: store, subjectExists: { try vault.facts(of: $0) != nil })
    }

    /// Builds a report from the policy and the vault, read only. Every report states the
    /// policy digest, the engine and store versions, whether the decision log verifies and
    /// its last checkpoint, and the period; `generatedAt` pins the time it speaks of, so the
    /// same vault gives byte-identical output; `texts` the language it is written in.
    ///
    /// ```swift
    /// let ropa = try engine.report(.ropa, texts: try ReportTexts.load(language: "nl"))
    /// let html = try ReportRenderer().render(ropa, as: .html)
    /// ```
    package func report(_ kind: ReportKind, period: ReportPeriod = ReportPeriod(), subject: String? = nil,
                       generatedAt: Instant? = nil, texts: ReportTexts = .english) throws -> ReportDocument {
        try reporter.report(kind, period: period, subject: subject, generatedAt: generatedAt, texts: texts,
                            registers: ReportRegisters(requests: store, tasks: store, information: informationDesk, breaches: breachDesk))
    }
}
