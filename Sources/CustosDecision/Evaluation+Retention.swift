import CustosPolicy

extension Evaluation {
    /// Step 5: each field is still within the purpose's retention period, counted from its
    /// start event, unless a legal hold keeps it (gdpr.md §8).
    mutating func retention() {
        guard let retention = rules?.retention else { return }
        for index in fieldNames.indices {
            guard let expiry = expiryDate(of: index, retention: retention), date > expiry else { continue }
            if let hold = activeHold(for: index) {
                inform(.retentionLegalHold, "legal hold \(hold.reference) keeps '\(fieldNames[index])' beyond its retention", field: index)
            } else {
                block(field: index, .retentionExpired, "retention \(retention.rule.id) for '\(request.purpose)' ended on \(expiry)")
            }
        }
    }

    /// The last day a field may be kept under `retention`, or nil while its start event has not
    /// happened.
    func expiryDate(of index: Int, retention: CompiledRetention) -> LocalDate? {
        guard let start = startDate(of: index, retention: retention) else { return nil }
        return start.adding(retention.rule.keep)
    }

    /// The date the retention period of a field starts, or nil while it has not started.
    func startDate(of index: Int, retention: CompiledRetention) -> LocalDate? {
        var start: LocalDate?
        if retention.fromCollected, let provenance = provenanceIndex(of: index), let collected = facts.fields[provenance].collected {
            start = collected
        } else {
            for event in facts.events where event.event == retention.rule.from.id && event.date <= date {
                if start.map({ $0 < event.date }) ?? true { start = event.date }
            }
        }
        guard let start else { return nil }
        return retention.rule.fromYearEnd ? LocalDate(year: start.year, month: 12, day: 31) : start
    }

    func activeHold(for index: Int) -> LegalHold? {
        facts.legalHolds.first { hold in
            hold.since <= date && (hold.until.map { date <= $0 } ?? true)
                && (hold.fields?.contains(fieldNames[index]) ?? true)
                && (hold.purposes?.contains(request.purpose) ?? true)
        }
    }

    /// Step 5 for `erase` (Art. 17(3)): fields a legal hold, a statutory minimum, a legal
    /// obligation or legal claims still need are kept; the rest may be destroyed, and their
    /// recipients told. A purpose keeps only what it holds: a value collected for it, or any of
    /// its fields once it has begun for the subject (`starts-with`, else its retention start).
    mutating func erasureGrounds() {
        guard let rules, let retention = rules.retention else { return }
        let purpose = rules.purpose
        let begun = purposeHasBegun(purpose, retention: retention)
        for index in fieldNames.indices where !isBlocked(index) && (fieldIds[index].map { rules.fields.contains($0) } ?? false) {
            let collectedForIt = provenanceIndex(of: index).flatMap { facts.fields[$0].collectedFor?.contains(request.purpose) } ?? false
            guard begun || collectedForIt else { continue }
            let start = startDate(of: index, retention: retention)
            let name = fieldNames[index], rule = retention.rule.id.id
            if let hold = activeHold(for: index) {
                block(field: index, .erasurePartialLegalClaims, "legal hold \(hold.reference) (since \(hold.since)) keeps '\(name)' for '\(request.purpose)' beyond retention rule \(rule): legal claims (Art. 17(3)(e))")
                continue
            }
            let expired = start.map { date > $0.adding(retention.rule.keep) } ?? false
            if let minimum = retention.rule.minimum, start.map({ date <= $0.adding(minimum) }) ?? true {
                let ground = retention.rule.minimumGround ?? retention.rule.ground
                block(field: index, .erasurePartialLegalObligation, "'\(name)' must be kept for '\(request.purpose)' at least \(minimum) from \(retention.rule.from.id) under retention rule \(rule): \(ground) (Art. 17(3)(b))")
            } else if !expired, rules.usesLegalObligation {
                block(field: index, .erasurePartialLegalObligation, "'\(name)' is kept for '\(request.purpose)' under retention rule \(rule), a legal obligation: \(purpose.law.joined(separator: "; ")) (Art. 17(3)(b))")
            }
            if !expired, purpose.legalClaims {
                block(field: index, .erasurePartialLegalClaims, "'\(name)' is needed for legal claims of '\(request.purpose)' until retention rule \(rule) ends: \(retention.rule.ground) (Art. 17(3)(e))")
            }
        }
        if fieldNames.indices.contains(where: { !isBlocked($0) }) { oblige(.notifyRecipients) }
    }

    /// Whether the purpose is under way for this subject: its `starts-with` event (or, without
    /// one, its retention start event) has happened by the date.
    func purposeHasBegun(_ purpose: Purpose, retention: CompiledRetention) -> Bool {
        let event = purpose.startsWith?.id ?? retention.rule.from.id
        if event == "collected" { return !facts.fields.isEmpty }
        return facts.events.contains { $0.event == event && $0.date <= date }
    }

    /// Step 6: restricted data may only be stored, except with consent or for legal claims
    /// (Art. 18(2)).
    mutating func restriction() {
        guard request.action != .store, let rules else { return }
        guard !facts.restrictions.isEmpty else { return }
        let active = facts.restrictions.filter { $0.since <= at && ($0.lifted.map { at < $0 } ?? true) }
        guard !active.isEmpty else { return }
        let consentException = basis == .consent && !reasons.contains { $0.code.isBlocking && consentCodes.contains($0.code) }
        for index in fieldNames.indices where active.contains(where: { $0.fields?.contains(fieldNames[index]) ?? true }) {
            if rules.legalClaims {
                inform(.restrictionExceptionLegalClaims, "restricted data used for legal claims (Art. 18(2))", field: index)
            } else if !consentException {
                block(field: index, .restrictedStorageOnly, "processing of '\(fieldNames[index])' is restricted: storage only")
            }
        }
    }

    private var consentCodes: Set<ReasonCode> {
        [.consentMissing, .consentRefused, .consentWithdrawn, .consentExpired, .consentNoticeVersionMismatch,
         .consentInvalidNotAffirmative, .consentNotFreelyGiven, .consentUnprovable, .consentUnderage]
    }

    /// Step 7 (gdpr.md §9): Art. 22 looks at the decision, not at the label of its purpose.
    /// Every `decide` whose effect is legal or similarly significant needs a human who can
    /// change it, or the purpose's 22(2) exception. The effect is what the request states,
    /// never less than its purpose declares; left out, it is taken as significant under a
    /// purpose that declares automated decisions and refused under any other (fail closed).
    /// A subject's Art. 22(3) objection asks for the human whatever the effect, and no
    /// exception stands in for that human.
    mutating func automatedDecision() {
        let profiling = rules?.purpose.profiling
        let declared = profiling.flatMap { $0.automatedDecision ? $0.effect : nil }
        let effect: DecisionEffect
        switch (request.effect, declared) {
        case let (stated?, declared?): effect = stated.weight >= declared.weight ? stated : declared
        case let (stated?, nil): effect = stated
        case let (nil, declared?): effect = declared == .legal ? .legal : .similarlySignificant
        case (nil, nil):
            blockAll(.admEffectNotStated, "the decision under '\(request.purpose)' does not state its 'effect' (none, legal or similarly-significant), and the purpose declares no automated decisions")
            return
        }
        let significant = effect != .none
        let objected = facts.objections.contains { $0.at <= at && $0.kind == .automatedDecision && ($0.purpose == nil || $0.purpose == request.purpose) }
        guard significant || objected else { return }
        if let review = request.review, review.canOverride, !review.reviewer.isEmpty {
            inform(.admHumanReview, "reviewed by '\(review.reviewer)', who can change the outcome")
            oblige(.humanReview)
            return
        }
        if !objected, let profiling, let exception = profiling.exception, let ground = exceptionHolds(exception, law: profiling.law) {
            inform(.admException, "a decision with \(effect.rawValue) effect taken solely by automated means under \(ground); the subject may still obtain a human review, give their view and contest it (Art. 22(3))")
            return
        }
        let why = request.review == nil ? "no human review is recorded" : "the recorded review cannot change the outcome"
        let what = significant ? "a decision with \(effect.rawValue) effect" : "the subject asked for human intervention (Art. 22(3)); an automated decision"
        let exception = profiling?.exception.map { ", and its 22(2) exception (\($0.rawValue)) does not hold for this subject" } ?? ", and no 22(2) exception is declared"
        blockAll(.admSolelyAutomatedNoException, "\(what) under '\(request.purpose)' may not be solely automated: \(why)\(objected ? "" : exception)")
    }

    /// The 22(2) ground that carries the decision for this subject, or nil.
    private func exceptionHolds(_ exception: AutomatedDecisionException, law: String?) -> String? {
        switch exception {
        case .explicitConsent:
            basis == .consent && explicitConsent ? "the subject's explicit consent (Art. 22(2)(c))" : nil
        case .contract:
            basis == .contract && facts.subject?.contractParty == true ? "the contract between the subject and the controller (Art. 22(2)(a))" : nil
        case .law:
            law.map { "\($0) (Art. 22(2)(b))" }
        }
    }
}

extension DecisionEffect {
    /// Orders effects by weight, so that a request cannot state less than its purpose declares.
    var weight: Int {
        switch self {
        case .none: 0
        case .similarlySignificant: 1
        case .legal: 2
        }
    }
}
