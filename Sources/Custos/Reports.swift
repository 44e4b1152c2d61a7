import Foundation
package import CustosReports
package import CustosPolicy
import CustosStore

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

extension PrivacyEngine {
    /// Builds a report from the policy and the vault, read only. Every report states the
    /// policy digest, the engine and SQLite versions, whether the decision log verifies and
    /// its last checkpoint, and the period; `generatedAt` pins the time it speaks of, so the
    /// same vault gives byte-identical output.
    ///
    /// ```swift
    /// let ropa = try engine.report(.ropa)
    /// let html = try ReportRenderer().render(ropa, as: .html)
    /// ```
    package func report(_ kind: ReportKind, period: ReportPeriod = ReportPeriod(), subject: String? = nil,
                       generatedAt: Instant? = nil) throws -> ReportDocument {
        let at = generatedAt ?? clock()
        let verification = try store.verifyLog()
        let logState = verification.isIntact
            ? "verified: \(verification.entries) entries, head #\(verification.headSeq)\(verification.anchor.map { ", entries up to #\($0.seq) pruned under retention (signed)" } ?? "")"
            : "BROKEN at entry \(verification.firstBroken ?? 0): \(verification.problem ?? "")"
        let checkpoint = try store.lastCheckpoint().map { "#\($0.seq) at \($0.at)" } ?? "none taken"
        let context = ReportContext(policy: policy, generatedAt: at, period: period, engineVersion: Custos.version, sqliteVersion: try store.sqliteVersion(),
                                    logVerification: logState, lastCheckpoint: checkpoint, simulated: store.isSimulation)
        let (from, to) = period.instants(in: policy)
        // Nothing after the moment the report speaks of.
        let until = to.map { min($0, Instant(millisecondsSinceEpoch: at.millisecondsSinceEpoch + 1)) } ?? Instant(millisecondsSinceEpoch: at.millisecondsSinceEpoch + 1)
        switch kind {
        case .ropa:
            return RopaReport.build(context)
        case .activity:
            var entries = try store.logEntries(from: from, to: until)
            if let subject {
                // Only that subject's trail; a subject neither in the vault nor in the log is
                // the caller's mistake, not an empty trail.
                entries = entries.filter { $0.subject == subject }
                if try store.vault.facts(of: subject) == nil, try !store.logEntries(from: nil, to: nil).contains(where: { $0.subject == subject }) {
                    throw ReportError.unknownSubject(subject)
                }
            }
            return ActivityReport.build(context, entries: entries, subject: subject)
        case .transfers:
            return TransfersReport.build(context, disclosures: try store.disclosures(from: nil, to: until))
        case .requests:
            let tasks = try store.vault.tasks(openOnly: false).filter { $0.createdAt <= at }.map { task in
                var asThen = task
                if let done = task.doneAt, done > at { asThen.doneAt = nil }
                return asThen
            }
            let information = try informationDuties().map { duty in
                RequestsReport.InformationDuty(subject: duty.subject, category: duty.category, notice: duty.notice, sources: duty.sources,
                                               due: duty.deadline.due, article: duty.deadline.trigger.article, settledAt: duty.record?.at,
                                               exception: duty.record?.exception?.rawValue)
            }
            let clocks = try store.vault.breaches().map { breach in
                RequestsReport.BreachClock(id: breach.id, awareAt: breach.awareAt, due: breach.apDeadline, notifiedAt: breach.apNotifiedAt,
                                           noRisk: breach.risk == Breach.Risk.none, recordedAt: breach.recordedAt)
            }
            return RequestsReport.build(context, requests: try store.vault.requests().filter { $0.receivedAt <= at }, tasks: tasks, information: information,
                                        breaches: clocks)
        case .consent:
            return ConsentReport.build(context, events: try store.consentHistory(), refusals: try store.consentRefusals())
        case .breaches:
            let entries = try breaches(dueWithinSeconds: nil).map { breach in
                let affected = try affectedSubjects(breach)
                return BreachesReport.Entry(breach: breach, affectedSubjects: affected.subjects.count, unintelligible: affected.unintelligible)
            }
            return BreachesReport.build(context, entries: entries)
        }
    }
}
