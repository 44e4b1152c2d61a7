import Foundation
package import CustosDecision
package import CustosPolicy
package import CustosStore

/// A refusal of an Art. 14 record, before anything is stored.
package struct InformationRefusal: Error, Sendable, CustomStringConvertible {
    package let words: LibraryWords
    package var description: String { words.description }

    package init(_ words: LibraryWords) { self.words = words }
}

/// The Art. 14 information duty (gdpr.md §13): which subjects hold data that came from
/// others, by which notice they must be told, by when, and whether they were.
///
/// ```swift
/// for duty in try engine.informationDuties() where !duty.isSettled && duty.deadline.due < soon {
///     print(duty.subject, duty.notice, duty.deadline.due, duty.deadline.trigger.article)
/// }
/// try engine.recordInformationGiven(subject: "D-100001", notice: "N-PRIVACY", at: sent, channel: "post", by: "officer")
/// ```
///
/// The rules run over any `InformationStore`: `PrivacyEngine` over its vault, the same over a
/// PostgreSQL vault.
package struct InformationDesk: Sendable {
    package let policy: CompiledPolicy
    package let clock: @Sendable () -> Instant
    package let store: any InformationStore

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, store: any InformationStore) {
        self.policy = policy
        self.clock = clock
        self.store = store
    }

    /// The desk's clock (a simulation vault's set time, or now).
    package var now: Instant { clock() }

    /// One subject's duty under one notice.
    package struct InformationDuty: Sendable {
        package var subject: String
        /// The category the duty arises under (the first that a purpose with the notice covers).
        package var category: String
        package var notice: String
        /// The purposes that obtained data from others, in policy order.
        package var purposes: [String]
        /// The data sources, by id, and the fields held from them.
        package var sources: [String]
        package var fields: [String]
        package var obtainedAt: Instant
        /// The first disclosure or communication before the information, if any.
        package var task: InformationTask?
        package var deadline: InformationDeadline
        /// The information given, or the Art. 14(5) exception recorded; nil while owed.
        package var record: InformationRecord?

        package var isSettled: Bool { record != nil }
        /// Owed and past its deadline at `now`.
        package func isOverdue(at now: Instant) -> Bool { record == nil && deadline.due <= now }
        /// The information came after its deadline.
        package var wasLate: Bool { record.map { $0.exception == nil && $0.at > deadline.due } ?? false }
    }

    /// Every subject's duty, owed or settled, by deadline. Computed from the provenance the
    /// vault records per value, the policy's `obtained-from` and the tasks of early uses.
    package func informationDuties() throws -> [InformationDuty] {
        let sourcesByProvenance: [String: String] = policy.policy.dataSources.reduce(into: [:]) { map, source in
            for value in source.recordedAs { map[value] = source.id.id }
        }
        let holdings = try store.indirectHoldings(provenances: Array(sourcesByProvenance.keys).sorted())
        let records = try store.informationRecords(of: nil)
        let tasks = try store.informationTasks()
        var byKey: [String: InformationDuty] = [:]
        var order: [String] = []
        for holding in holdings {
            for (index, purpose) in policy.compiledPurposes.enumerated() {
                let definition = policy.policy.purposes[index]
                guard purpose.obtainedIndirectly(holding.field, provenance: holding.source), let notice = definition.notice?.id,
                      let category = definition.coveredCategory(of: holding.categories) else { continue }
                let key = holding.subject + "\u{0}" + notice
                if var duty = byKey[key] {
                    if !duty.purposes.contains(definition.id.id) { duty.purposes.append(definition.id.id) }
                    if let source = sourcesByProvenance[holding.source], !duty.sources.contains(source) { duty.sources.append(source) }
                    if !duty.fields.contains(holding.field) { duty.fields.append(holding.field) }
                    duty.obtainedAt = min(duty.obtainedAt, holding.collectedAt)
                    byKey[key] = duty
                } else {
                    order.append(key)
                    byKey[key] = InformationDuty(
                        subject: holding.subject, category: category, notice: notice, purposes: [definition.id.id],
                        sources: sourcesByProvenance[holding.source].map { [$0] } ?? [], fields: [holding.field], obtainedAt: holding.collectedAt,
                        task: nil, deadline: InformationDeadline(obtainedAt: holding.collectedAt, firstCommunication: nil, firstDisclosure: nil, policy: policy),
                        record: nil)
                }
            }
        }
        let tasksByKey = Dictionary(tasks.map { ($0.subject + "\u{0}" + $0.notice, $0) }, uniquingKeysWith: { first, _ in first })
        // The first record settles the duty; later ones are kept but do not move it.
        let recordsByKey = Dictionary(records.map { ($0.subject + "\u{0}" + $0.notice, $0) }, uniquingKeysWith: { first, _ in first })
        return order.compactMap { key -> InformationDuty? in
            guard var duty = byKey[key] else { return nil }
            duty.task = tasksByKey[key]
            duty.record = recordsByKey[key]
            duty.deadline = InformationDeadline(obtainedAt: duty.obtainedAt,
                                                firstCommunication: duty.task.flatMap { $0.trigger == .communication ? $0.at : nil },
                                                firstDisclosure: duty.task.flatMap { $0.trigger == .disclosure ? $0.at : nil }, policy: policy)
            return duty
        }.sorted { ($0.deadline.due, $0.subject) < ($1.deadline.due, $1.subject) }
    }

    /// Records that the information of `notice` reached the subject at `at` (a letter's
    /// posting, an e-mail's sending), by `channel`.
    package func recordInformationGiven(subject: String, notice: String, at: Instant, channel: String?, by actor: String) throws {
        try recordInformationGiven([(subject, at)], notice: notice, channel: channel, by: actor)
    }

    /// Records many at once, in one transaction (a mail merge's run): all, or none.
    package func recordInformationGiven(_ given: [(subject: String, at: Instant)], notice: String, channel: String?, by actor: String) throws {
        let now = clock()
        try checkNotice(notice)
        if let channel, let problem = LabelText.problem(channel, LibraryWords("what.informationChannel", "the channel (post, e-mail, …; or leave it out)")) {
            throw InformationRefusal(problem)
        }
        // Not later than now, and not before 1900: a year such as 0025 is a slip that would
        // settle a duty nobody met. A notice from before the GDPR is taken (the statement sent
        // under the old law may already say what Art. 14 asks; the officer judges that).
        if given.contains(where: { $0.at > now }) { throw InformationRefusal(LibraryWords("information.future", "the information cannot have been given later than now")) }
        if let slip = given.first(where: { $0.at < policy.startOfDay(LifecycleEventDates.earliest) }) {
            throw InformationRefusal(LibraryWords("information.tooEarly", "the information cannot have been given before 1900-01-01; it says {given}", ["given": "\(slip.at)"]))
        }
        try storeInformation(given.map { InformationRecord(subject: $0.subject, notice: notice, at: $0.at, exception: nil, ground: nil,
                                                           channel: channel, recordedAt: now, recordedBy: actor) })
    }

    /// Records the officer's decision that the information is not owed on an Art. 14(5)
    /// ground, with the reasons (which must hold no personal data).
    package func recordInformationException(subject: String, notice: String, exception: InformationException, ground: String, by actor: String) throws {
        let now = clock()
        try checkNotice(notice)
        guard !ground.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw InformationRefusal(LibraryWords("information.noGround", "say why {article} applies (the officer's assessment is the record)", ["article": exception.article]))
        }
        if FreeText.hasControlCharacter(ground) {
            throw InformationRefusal(LibraryWords("information.groundControl", "the reason may not hold control characters other than tabs and line ends"))
        }
        if let what = FreeTextCheck.identifier(in: ground) {
            throw InformationRefusal(LibraryWords("information.groundIdentifier",
                                                  "the reason seems to hold {what}; it is kept with the record and shown in lists, so it must hold no personal data",
                                                  phrases: ["what": what]))
        }
        try storeInformation([InformationRecord(subject: subject, notice: notice, at: now, exception: exception, ground: ground, channel: nil,
                                                recordedAt: now, recordedBy: actor)])
    }

    private func checkNotice(_ notice: String) throws {
        guard policy.policy.notice(notice) != nil else {
            throw InformationRefusal(LibraryWords("information.unknownNotice", "'{notice}' is not a notice in the policy ({notices})",
                                                  ["notice": notice, "notices": policy.policy.notices.map(\.id.id).joined(separator: ", ")]))
        }
    }

    /// Stores the records; the vault refuses all of them when a subject is not in it.
    private func storeInformation(_ records: [InformationRecord]) throws {
        do {
            try store.recordInformation(records)
        } catch StoreError.invalidInput(let message) {
            throw InformationRefusal(.english(message))
        } catch StoreError.refused(let words) {
            throw InformationRefusal(words)
        }
    }

    /// The task a permitted decision with `inform-subject-first` leaves: the first disclosure
    /// or communication before the information.
}

extension PrivacyEngine {
    package typealias InformationDuty = InformationDesk.InformationDuty

    package var informationDesk: InformationDesk { InformationDesk(policy: policy, clock: clock, store: store) }

    package func informationDuties() throws -> [InformationDuty] { try informationDesk.informationDuties() }

    package func recordInformationGiven(subject: String, notice: String, at: Instant, channel: String?, by actor: String) throws {
        try informationDesk.recordInformationGiven(subject: subject, notice: notice, at: at, channel: channel, by: actor)
    }

    package func recordInformationGiven(_ given: [(subject: String, at: Instant)], notice: String, channel: String?, by actor: String) throws {
        try informationDesk.recordInformationGiven(given, notice: notice, channel: channel, by: actor)
    }

    package func recordInformationException(subject: String, notice: String, exception: InformationException, ground: String, by actor: String) throws {
        try informationDesk.recordInformationException(subject: subject, notice: notice, exception: exception, ground: ground, by: actor)
    }
}

extension InformationTask {
    /// The officer's task a decision leaves when its purpose must inform the subject first
    /// (Art. 14(3)(b)/(c)): a communication, or a disclosure for a share.
    static func owed(after decision: Decision, seq: Int64?, at: Instant, policy: CompiledPolicy) -> InformationTask? {
        guard decision.obligations.contains(.informSubjectFirst), let notice = policy.compiledPurpose(decision.purpose)?.purpose.notice?.id else { return nil }
        return InformationTask(subject: decision.subject, notice: notice, purpose: decision.purpose,
                               trigger: decision.action == .share ? .disclosure : .communication,
                               recipient: decision.recipient, at: at, logSequence: seq)
    }
}
