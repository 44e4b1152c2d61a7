import Foundation
package import CustosDecision
package import CustosPolicy
package import CustosStore

/// What a retention sweep did (or, in a dry run, would do).
package struct RetentionSweepReport: Sendable, Codable {
    package struct SubjectResult: Sendable, Codable {
        package var subject: String
        package var destroyed: [RetentionSchedule.ExpiredField]
        package var kept: [String]
        package var subjectKeyDestroyed: Bool
        /// Why fields or the whole subject were left alone (not in the policy).
        package var skipped: [String]
    }

    package var at: Instant
    package var date: LocalDate
    package var dryRun: Bool
    package var subjectsExamined: Int
    /// Only subjects with something destroyed or skipped.
    package var subjects: [SubjectResult]
    package var fieldsDestroyed: Int
    package var subjectsShredded: Int
    package var tasks: Int
    /// The decision log's own retention (`decision-log` in the policy): nil when it has none.
    package var logRetention: String?
    package var log: LogPruning?
    /// Consent proofs of erased subjects past the policy's `consent-proof` period.
    package var consentProofsPruned = 0
    /// The fields stored when the sweep began.
    package var vaultFields = 0
    /// The sweep destroys more than `SweepSafety` allows without `--confirm`.
    package var confirmationNeeded = false

    /// A subject whose facts changed between planning and destroying is not touched now.
    mutating func leftForTheNextSweep(_ subject: String, plan: RetentionSchedule.Plan?, tasks owed: Int) {
        guard let index = subjects.firstIndex(where: { $0.subject == subject }), let plan else { return }
        fieldsDestroyed -= plan.expired.count
        tasks -= owed
        subjectsShredded -= plan.destroysEverything ? 1 : 0
        subjects[index].destroyed = []
        subjects[index].subjectKeyDestroyed = false
        subjects[index].skipped.append("changed while the sweep ran; left for the next sweep")
    }
}

/// How much one sweep may destroy without an explicit confirmation. A scheduled sweep in
/// steady state destroys little; one that would destroy a fifth of the vault is almost
/// always a mistake (an import without lifecycle events, a policy edit), so above
/// `maximumShare` of the vault's subjects or fields it runs only when `confirmedFields`
/// equals the number of fields its dry run reported.
///
/// ```swift
/// let plan = try engine.sweepRetention(dryRun: true, by: "officer")
/// _ = try engine.sweepRetention(dryRun: false, by: "officer", safety: SweepSafety(confirmedFields: plan.fieldsDestroyed))
/// ```
package struct SweepSafety: Sendable {
    package var maximumShare: Double
    package var confirmedFields: Int?

    package init(maximumShare: Double = 0.05, confirmedFields: Int? = nil) {
        self.maximumShare = maximumShare
        self.confirmedFields = confirmedFields
    }

    /// Whether a sweep of this size needs a confirmation.
    func needsConfirmation(_ report: RetentionSweepReport) -> Bool {
        Double(report.fieldsDestroyed) > maximumShare * Double(report.vaultFields)
            || Double(report.subjectsShredded) > maximumShare * Double(report.subjectsExamined)
    }
}

/// A sweep refused by `SweepSafety`: it says how much it would destroy and how to confirm it.
package struct SweepRefused: Error, Sendable, CustomStringConvertible {
    package let fields: Int
    package let vaultFields: Int
    package let subjectsShredded: Int
    package let subjects: Int
    package let maximumShare: Double
    package let confirmed: Int?

    package var description: String {
        let share = Int((maximumShare * 100).rounded())
        let mismatch = confirmed.map { " (--confirm \($0) does not match)" } ?? ""
        return "the sweep would destroy \(fields) of \(vaultFields) fields and shred \(subjectsShredded) of \(subjects) subjects, more than \(share) %\(mismatch); "
            + "review 'custos retention sweep --dry-run', then run 'custos retention sweep --confirm \(fields)'"
    }
}

/// The retention sweep's rules over any `SweepStore`: plan each subject's expired fields from
/// the policy (`RetentionSchedule`), refuse a sweep larger than the safety share unless
/// confirmed, apply page by page with each subject's facts read again, log each destruction,
/// leave Art. 19 tasks, then prune the log and the consent proofs past their retention.
/// `PrivacyEngine` runs it over its vault; the same rules run over a PostgreSQL vault.
///
/// ```swift
/// let report = try sweeper.sweepRetention(dryRun: true, by: "officer")
/// ```
package struct RetentionSweeper: Sendable {
    package let policy: CompiledPolicy
    package let clock: @Sendable () -> Instant
    package let store: any SweepStore
    package let rights: RightsDesk

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, store: any SweepStore, rights: RightsDesk) {
        self.policy = policy
        self.clock = clock
        self.store = store
        self.rights = rights
    }

    func notifications(subject: String, request: String?, fields: Set<String>, action: String, at now: Instant) throws -> [RecipientTask] {
        try rights.notifications(subject: subject, request: request, fields: fields, action: action, at: now)
    }

    /// Destroys every field whose every purpose's retention has ended (`RetentionSchedule`),
    /// and the subject key when nothing remains; recipients of destroyed fields get Art. 19
    /// tasks; each subject's destruction is logged. Then prunes decision-log entries older
    /// than the policy's `decision-log` retention and signs the pruned head. A dry run changes
    /// nothing and reports what would happen and why.
    ///
    /// ```swift
    /// let report = try engine.sweepRetention(dryRun: true, by: "officer")
    /// for subject in report.subjects { print(subject.subject, subject.destroyed.map(\.field)) }
    /// ```
    package func sweepRetention(dryRun: Bool, by actor: String, safety: SweepSafety = SweepSafety(), pageSize: Int = 500,
                               progress: (@Sendable (Int) -> Void)? = nil) throws -> RetentionSweepReport {
        if !dryRun {
            // Plan first: a sweep larger than the safety share runs only when confirmed.
            let plan = try sweepRetention(dryRun: true, by: actor, safety: safety, pageSize: pageSize)
            if safety.needsConfirmation(plan), safety.confirmedFields != plan.fieldsDestroyed {
                throw SweepRefused(fields: plan.fieldsDestroyed, vaultFields: plan.vaultFields, subjectsShredded: plan.subjectsShredded,
                                   subjects: plan.subjectsExamined, maximumShare: safety.maximumShare, confirmed: safety.confirmedFields)
            }
        }
        let now = clock()
        let today = policy.localDate(of: now)
        let schedule = RetentionSchedule(policy: policy)
        var report = RetentionSweepReport(at: now, date: today, dryRun: dryRun, subjectsExamined: 0, subjects: [], fieldsDestroyed: 0,
                                          subjectsShredded: 0, tasks: 0, logRetention: nil, log: nil)
        report.vaultFields = try store.size().fields
        var after: String?
        while true {
            let page = try store.factsPage(after: after, limit: pageSize)
            guard let last = page.last?.subject?.id else { break }
            after = last
            var actions: [SweepAction] = []
            var plans: [String: RetentionSchedule.Plan] = [:]
            for facts in page {
                let plan = schedule.plan(for: facts, on: today)
                report.subjectsExamined += 1
                guard !plan.expired.isEmpty || !plan.skipped.isEmpty else { continue }
                let everything = plan.destroysEverything
                report.subjects.append(.init(subject: plan.subject, destroyed: plan.expired, kept: plan.kept, subjectKeyDestroyed: everything,
                                             skipped: plan.skipped))
                guard !plan.expired.isEmpty else { continue }
                plans[plan.subject] = plan
                let fields = plan.expired.map(\.field)
                let tasks = try notifications(subject: plan.subject, request: nil, fields: Set(fields), action: "erase (retention ended)", at: now)
                report.fieldsDestroyed += fields.count
                report.subjectsShredded += everything ? 1 : 0
                report.tasks += tasks.count
                actions.append(SweepAction(subject: plan.subject, destroy: fields, wholeSubject: everything,
                                           decision: sweepDecision(plan, actor: actor), tasks: tasks))
            }
            if !dryRun {
                let changed = try store.applySweep(actions, at: now) { action, facts in
                    schedule.plan(for: facts, on: today) == plans[action.subject]
                }
                for subject in changed {
                    report.leftForTheNextSweep(subject, plan: plans[subject], tasks: actions.first { $0.subject == subject }?.tasks.count ?? 0)
                }
            }
            progress?(report.subjectsExamined)
        }
        if let retention = policy.policy.decisionLog {
            report.logRetention = "\(retention.keep) (\(retention.ground))"
            let cutoff = policy.startOfDay(today.subtracting(retention.keep))
            report.log = try store.pruneLog(before: cutoff, at: now, dryRun: dryRun)
        }
        if let retention = policy.policy.consentProof ?? policy.policy.decisionLog {
            report.consentProofsPruned = try store.pruneConsentProofs(erasedBefore: policy.startOfDay(today.subtracting(retention.keep)), dryRun: dryRun)
        }
        report.confirmationNeeded = safety.needsConfirmation(report)
        return report
    }

    private func sweepDecision(_ plan: RetentionSchedule.Plan, actor: String) -> Decision {
        let why = plan.expired.map { "\($0.field): \($0.why.joined(separator: "; "))" }.joined(separator: " | ")
        return Decision(outcome: .permit, action: .erase, subject: plan.subject, purpose: PrivacyEngine.retentionSweepPurpose, actor: actor, recipient: nil,
                        fields: plan.expired.map { FieldOutcome(field: $0.field, outcome: .permit, reasons: []) }, basis: nil,
                        reasons: [Reason(code: .retentionExpired, explanation: why, fields: plan.expired.map(\.field))],
                        obligations: [.notifyRecipients], policyDigest: policy.digest, hypothetical: false)
    }
}

extension PrivacyEngine {
    /// The name under which sweep decisions are logged: not a policy purpose, the retention
    /// rules of every purpose together.
    package static let retentionSweepPurpose = "retention-sweep"

    package var retentionSweeper: RetentionSweeper { RetentionSweeper(policy: policy, clock: clock, store: store, rights: rightsDesk) }

    /// Sweeps this vault (`RetentionSweeper.sweepRetention`).
    package func sweepRetention(dryRun: Bool, by actor: String, safety: SweepSafety = SweepSafety(), pageSize: Int = 500,
                               progress: (@Sendable (Int) -> Void)? = nil) throws -> RetentionSweepReport {
        try retentionSweeper.sweepRetention(dryRun: dryRun, by: actor, safety: safety, pageSize: pageSize, progress: progress)
    }
}
