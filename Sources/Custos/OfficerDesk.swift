package import CustosDecision
package import CustosPolicy
package import CustosStore

/// The officer's decisions that change how the evaluator decides, over any
/// `OfficerRecordStore`: legal holds (Art. 17(3)(e)), objections' Art. 21(1) assessment,
/// restrictions (Art. 18) lifted only after the subject is told, and sub-processor records
/// (Art. 28(2)). `PrivacyEngine` runs it over its vault; the same rules run over a PostgreSQL
/// vault. (Recording an objection is the request book's: `RequestDesk.recordObjection`.)
///
/// ```swift
/// let desk = OfficerDesk(policy: compiled, clock: { .now }, store: store)
/// let hold = try desk.placeHold(subject: "D-1", reference: "Rb. Amsterdam C/13/123", by: "officer")
/// ```
package struct OfficerDesk: Sendable {
    package let policy: CompiledPolicy
    package let clock: @Sendable () -> Instant
    package let store: any OfficerRecordStore

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, store: any OfficerRecordStore) {
        self.policy = policy
        self.clock = clock
        self.store = store
    }

    /// Places a legal hold. Its reference (the case) must say something, and every field and
    /// purpose it names must be declared: a hold on a misspelt `emial` would hold nothing, and
    /// the retention sweep would destroy the `email` it was meant to keep.
    package func placeHold(subject: String, reference: String, since: LocalDate? = nil, fields: [String]? = nil,
                          purposes: [String]? = nil, by actor: String) throws -> Int64 {
        try LabelText.check(reference, LibraryWords("what.holdReference", "a legal hold's reference (the case it is for)"))
        try policy.refuseUndeclared(fields: fields, purposes: purposes)
        // A hold keeps data from today on: one that began later would leave it to the sweep until then.
        let today = policy.localDate(of: clock())
        if let since, since > today { throw StoreError.invalidInput("a legal hold begins today or earlier, not on \(since)") }
        // Before 1900 a start is a slip of the year (0025 for 2025), as an event's date would be.
        if let since, since < LifecycleEventDates.earliest { throw StoreError.invalidInput("a legal hold begins on 1900-01-01 or later, not on \(since)") }
        return try store.placeHold(subject: subject, reference: reference, since: since ?? today, fields: fields, purposes: purposes, by: actor)
    }

    package func liftHold(id: Int64, until: LocalDate? = nil, by actor: String) throws {
        try store.liftHold(id: id, until: until ?? policy.localDate(of: clock()), by: actor)
    }

    /// Records the Art. 21(1) assessment; an override names the documented assessment by a
    /// reference that says something and is one line.
    package func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?, by actor: String) throws {
        if assessment == .overridden || !(reference ?? "").isEmpty {
            try LabelText.check(reference ?? "", LibraryWords("what.assessmentReference", "an assessment's reference (the documented compelling grounds)"))
        }
        try store.assessObjection(id: id, assessment: assessment, reference: reference, at: clock(), by: actor)
    }

    /// Restricts processing (Art. 18). The ground must say something, and every field named
    /// must be declared: a restriction of a misspelt field would leave the real one processed.
    package func placeRestriction(subject: String, fields: [String]?, ground: String) throws -> Int64 {
        try LabelText.check(ground, LibraryWords("what.restrictionGround", "a restriction's ground (Art. 18(1))"))
        try policy.refuseUndeclared(fields: fields, purposes: nil)
        return try store.placeRestriction(subject: subject, fields: fields, ground: ground, since: clock())
    }

    /// Lifts a restriction; the subject was told of it at `informed` (default now), while it was
    /// in force (Art. 18(3)). Returns when the subject was told.
    @discardableResult
    package func liftRestriction(id: Int64, subjectInformedAt informed: Instant? = nil) throws -> Instant {
        let now = clock(), told = informed ?? now
        try store.liftRestriction(id: id, subjectInformedAt: told, at: now)
        return told
    }

    /// Records the controller's decision about a sub-processor: an objection within a
    /// general authorisation's window, an approval, a withdrawal. From `effective` on, shares
    /// to its processor follow it.
    ///
    /// ```swift
    /// try desk.recordSubProcessor("R-CRM-SUPPORT", state: .objected, note: "support from outside the EEA", by: "officer")
    /// ```
    @discardableResult
    package func recordSubProcessor(_ recipient: String, state: AuthorisationState, effective: Instant? = nil, note: String? = nil, by actor: String) throws -> Int64 {
        guard let declared = policy.policy.recipient(recipient), declared.role == .subProcessor else {
            let subs = policy.policy.recipients.filter { $0.role == .subProcessor }.map(\.id.id)
            throw SubProcessorRefusal(description: "'\(recipient)' is not a sub-processor in the policy (sub-processors: \(subs.joined(separator: ", ")))")
        }
        // The note is kept with the record and listed: lines of words, no one's data.
        if let note {
            if let problem = FreeText.problem(note, LibraryWords("what.subprocessorNote", "a sub-processor record's note")) { throw SubProcessorRefusal(description: problem.description) }
            if let what = FreeTextCheck.identifier(in: note) {
                throw SubProcessorRefusal(description: "the note seems to hold \(what); it is kept with the record and listed, so it must hold no personal data")
            }
        }
        // A record may take effect later (an authorisation from the first of next month), and
        // earlier (a written authorisation from before the GDPR may meet Art. 28(2)), but not
        // before 1900: such a date is a slip (0025 for 2025) that would make the record hold
        // for every instant a decision is ever asked about.
        if let effective, effective < policy.startOfDay(LifecycleEventDates.earliest) {
            throw SubProcessorRefusal(description: "a sub-processor record cannot take effect before 1900-01-01; it says \(effective)")
        }
        let now = clock()
        return try store.recordSubProcessor(SubProcessorRecord(recipient: declared.id.id, state: state, at: effective ?? now), note: note, at: now, by: actor)
    }

    /// Every sub-processor of the policy and whether it is authorised at `instant` (now).
    package func subProcessors(at instant: Instant? = nil) throws -> [SubProcessorStatus] {
        let at = instant ?? clock()
        let records = try store.subProcessorRecords()
        return policy.policy.recipients.filter { $0.role == .subProcessor }.map { sub in
            let stated = sub.authorisation.map { authorisation in
                "\(authorisation.kind.rawValue) since \(authorisation.since.map(\.description) ?? "?")"
                    + (authorisation.objectionWindow.map { ", objection window \($0)" } ?? "")
            } ?? "none"
            let own = records.filter { $0.record.recipient == sub.id.id }
            return SubProcessorStatus(recipient: sub.id.id, name: sub.name, engagedBy: sub.engagedBy?.id, policy: stated, records: own,
                                      holding: sub.authorisation(records: own.map(\.record), at: at, on: policy.localDate(of: at)))
        }
    }
}

// MARK: sub-processors (Art. 28(2))

/// A sub-processor with its authorisation as the policy states it, the officer's records,
/// and what holds at the instant asked.
package struct SubProcessorStatus: Sendable {
    package var recipient: String
    package var name: String
    package var engagedBy: String?
    /// The policy's authorisation, e.g. "general since 2025-04-01, objection window 30 days".
    package var policy: String
    /// The officer's records, oldest first, with who recorded them.
    package var records: [StoredSubProcessorRecord]
    package var holding: SafeguardHolding
}

/// A sub-processor record refused before anything is stored.
package struct SubProcessorRefusal: Error, Sendable, CustomStringConvertible {
    package var description: String
}

