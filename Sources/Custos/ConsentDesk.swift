import Foundation
import CustosDecision
package import CustosPolicy
package import CustosStore

/// The rules of consent over any store (gdpr.md §4): the door a consent passes, the ledger's
/// events, withdrawal on any channel. `PrivacyEngine` runs it over its vault; the same rules run
/// over a PostgreSQL vault.
///
/// ```swift
/// let desk = ConsentDesk(policy: compiled, clock: { .now }, decisions: store, consents: store)
/// try desk.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", evidence: nil, effective: nil, by: "web")
/// ```
package struct ConsentDesk: Sendable {
    package let policy: CompiledPolicy
    package let clock: @Sendable () -> Instant
    package let decisions: any DecisionStore
    package let consents: any ConsentStore

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, decisions: any DecisionStore, consents: any ConsentStore) {
        self.policy = policy
        self.clock = clock
        self.decisions = decisions
        self.consents = consents
    }

    /// Records a consent per purpose after the checks at the door (gdpr.md §4.1): the purpose
    /// rests on consent for this subject, the notice version exists and discloses it, the act
    /// is affirmative and not a condition of a service, and someone under 16 has verified
    /// parental authorisation. A refusal is recorded with its code and changes no state.
    ///
    /// ```swift
    /// let outcomes = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"],
    ///                                                    method: .checkboxTicked, channel: "web-form", ageAtConsent: 34),
    ///                                       by: "web-portal")
    /// ```
    package func giveConsent(_ grant: ConsentGrant, by actor: String) throws -> [ConsentOutcome] {
        try LabelText.check(grant.channel, LibraryWords("what.consentChannel", "a consent's channel (where it was given: web-form, letter, …)"))
        // What proves the consent and who authorised it are records the officer reads and a
        // receipt carries: each says something, on one line.
        if let evidence = grant.evidence { try LabelText.check(evidence, LibraryWords("what.consentEvidence", "a consent's evidence reference")) }
        // A blank parent or verification authorised nothing: Art. 8's check refuses it below,
        // and the refusal is recorded; a control character is no one's name or method.
        if let parental = grant.parentalAuthorisation, DecisionRequest.hasControlCharacter(parental.by) || DecisionRequest.hasControlCharacter(parental.verifiedVia) {
            throw StoreError.invalidInput("a parental authorisation's parent and verification may not hold control characters: each is one line of text")
        }
        // The age decides Art. 8's check: one no person has is a typing error, not an age.
        if let age = grant.ageAtConsent, !(0...150).contains(age) { throw StoreError.invalidInput("an age at consent is a whole number from 0 to 150") }
        if let language = grant.noticeLanguage, !LanguageCode.isWellFormed(language) {
            throw StoreError.invalidInput("a notice's language is a two-letter ISO 639-1 code such as nl or en")
        }
        let now = clock()
        let effective = grant.effective ?? now
        guard effective <= now else { throw ConsentError.effectiveInFuture }
        try refuseTooEarly(effective)
        try refuseUnknownPurposes(grant.purposes)
        guard let facts = try decisions.factsAndCiphertexts(of: grant.subject, fields: []).facts, let subject = facts.subject else { throw StoreError.subjectUnknown(grant.subject) }
        let birthDate = try decisions.openFields(["birth_date"], of: grant.subject).values["birth_date"].flatMap(LocalDate.init(parsing:))
        let current = try consents.consentState(of: grant.subject)
        var outcomes: [ConsentOutcome] = []
        var accepted: [ConsentLedgerEvent] = []
        // A purpose named twice is one consent: the ledger gets one event for it, not two.
        for purposeId in Self.once(grant.purposes) {
            switch check(grant, purposeId: purposeId, categories: subject.categories, birthDate: birthDate, effective: effective) {
            case let .failure(refusal):
                try consents.recordConsentRefusal(ConsentRefusal(subject: grant.subject, purpose: purposeId, code: refusal.code, at: now), by: actor)
                outcomes.append(.refused(purpose: purposeId, code: refusal.code, message: refusal.message))
            case let .success((version, shown)):
                let purpose = policy.policy.purpose(purposeId)!
                let notice = policy.policy.notice(purpose.notice!.id)!
                let previous = current[purposeId]?.state
                let state: ConsentState = previous == .given || previous == .renewed ? .renewed : .given
                let age = birthDate.map { $0.completedYears(until: policy.localDate(of: effective)) } ?? grant.ageAtConsent
                accepted.append(ConsentLedgerEvent(
                    subject: grant.subject, purpose: purposeId, state: state, noticeId: notice.id.id, noticeVersion: version.version,
                    noticeHash: shown.contentHash, language: shown.language, method: grant.method, channel: grant.channel,
                    evidence: grant.evidence, expressedBy: grant.by, parentalAuthorisation: grant.parentalAuthorisation, ageAtConsent: age,
                    presentedSeparately: grant.presentedSeparately, preTicked: grant.preTicked, conditionalOnService: grant.conditionalOnService,
                    recordedAt: now, effectiveAt: effective, recordedBy: actor))
                outcomes.append(.recorded(purpose: purposeId, state: state, notice: "\(notice.id.id)@\(version.version)"))
            }
        }
        try consents.appendConsentEvents(accepted)
        return outcomes
    }

    /// Throws for the first purpose id the policy does not declare at all.
    package func refuseUnknownPurposes(_ purposes: [String]) throws {
        for purpose in purposes where policy.purposes.id(purpose) == nil {
            throw ConsentError.unknownPurpose(purpose, suggestion: closestMatch(to: purpose, in: policy.purposes.names))
        }
    }

    private struct Refusal: Error {
        let code: ReasonCode
        let message: String
    }

    /// The door: the notice version the consent is given under and the text of it that was
    /// shown, or why it is refused.
    private func check(_ grant: ConsentGrant, purposeId: String, categories: [String], birthDate: LocalDate?, effective: Instant)
        -> Result<(NoticeVersion, NoticeText), Refusal> {
        guard let purpose = policy.policy.purpose(purposeId) else {
            return .failure(Refusal(code: .purposeNotDeclared, message: "purpose '\(purposeId)' is not declared in the policy"))
        }
        guard purpose.basis(forAnyOf: categories) == .consent else {
            let basis = purpose.basis(forAnyOf: categories).map { "\($0.rawValue) (\($0.article))" } ?? "nothing: it does not cover '\(categories.joined(separator: "', '"))'"
            return .failure(Refusal(code: .consentNotTheBasis, message: "purpose '\(purposeId)' rests on \(basis) for this subject, not on consent; asking for consent would mislead (EDPB 05/2020)"))
        }
        let date = policy.localDate(of: effective)
        guard let noticeRef = purpose.notice, let notice = policy.policy.notice(noticeRef.id),
              let version = grant.noticeVersion.map({ number in notice.versions.first { $0.version == number } }) ?? notice.version(inForceOn: date),
              version.scope(of: purposeId) != nil else {
            return .failure(Refusal(code: .consentUnprovable, message: "no version\(grant.noticeVersion.map { " \($0)" } ?? " in force") of the purpose's notice discloses '\(purposeId)'"))
        }
        // What the person was shown must be a text the policy holds, or the consent could not
        // show what it was given on (Art. 7(1)).
        guard let shown = grant.noticeLanguage.map({ version.text(exactly: $0) }) ?? version.ownText else {
            let languages = version.languages.joined(separator: ", ")
            return .failure(Refusal(code: .consentUnprovable, message: grant.noticeLanguage.map {
                "version \(version.version) of notice '\(noticeRef.id)' has no text in '\($0)' (it has \(languages))"
            } ?? "version \(version.version) of notice '\(noticeRef.id)' has no text the policy could read"))
        }
        if grant.preTicked || !grant.method.isAffirmative {
            return .failure(Refusal(code: .consentInvalidNotAffirmative, message: "consent must be a clear affirmative act; \(grant.preTicked ? "a pre-ticked box" : "'\(grant.method.rawValue)'") is not"))
        }
        if grant.conditionalOnService {
            return .failure(Refusal(code: .consentNotFreelyGiven, message: "consent may not be a condition of a service that does not need it (Art. 7(4))"))
        }
        let age = birthDate.map { $0.completedYears(until: date) } ?? grant.ageAtConsent
        let parental = grant.parentalAuthorisation.map { !BlankText.isBlank($0.by) && !BlankText.isBlank($0.verifiedVia) } ?? false
        if !parental {
            if let age, age < 16 {
                return .failure(Refusal(code: .consentUnderage, message: "the subject is under 16: a holder of parental responsibility must give or authorise it, with a verification method"))
            }
            if age == nil, purpose.mayInvolveMinors {
                return .failure(Refusal(code: .consentUnderage, message: "the subject's age is unknown and '\(purposeId)' may involve minors: record the birth date, give the age at consent, or parental authorisation"))
            }
        }
        return .success((version, shown))
    }

    /// Withdraws consent for purposes, on any channel. When this returns the withdrawal is
    /// durable, and no decision that starts afterwards, in any process, permits on it.
    package func withdrawConsent(subject: String, purposes: [String], channel: String, evidence: String? = nil,
                                effective: Instant? = nil, by actor: String) throws {
        try LabelText.check(channel, LibraryWords("what.withdrawalChannel", "a withdrawal's channel (where it was said: web-form, letter, …)"))
        if let evidence { try LabelText.check(evidence, LibraryWords("what.withdrawalEvidence", "a withdrawal's evidence reference")) }
        let now = clock()
        let at = min(effective ?? now, now)  // a withdrawal is effective no later than when it is recorded
        try refuseTooEarly(at)
        try refuseUnknownPurposes(purposes)
        let current = try consents.consentState(of: subject)
        for purpose in purposes {
            if let consent = current[purpose], consent.state == .given, at < consent.effectiveAt {
                throw ConsentError.withdrawalBeforeConsent(purpose: purpose, given: consent.effectiveAt, effective: at)
            }
        }
        try consents.appendConsentEvents(Self.once(purposes).map { purpose in
            ConsentLedgerEvent(subject: subject, purpose: purpose, state: .withdrawn, channel: channel, evidence: evidence,
                               recordedAt: now, effectiveAt: at, recordedBy: actor)
        })
        // Retention rules may count from the end of consent (the seed's RET-NEWSLETTER).
        if policy.policy.lifecycleEvents.contains(where: { $0.id.id == Self.consentEndedEvent }) {
            try consents.recordEvent(subject: subject, event: Self.consentEndedEvent, effective: policy.localDate(of: at), at: now, by: actor)
        }
    }

    /// An instant before 1900 is a slip of the year; the withdrawal's `consent-ended` event
    /// would carry it too, which `LifecycleEventDates` refuses for every event.
    private func refuseTooEarly(_ effective: Instant) throws(ConsentError) {
        if effective < policy.startOfDay(LifecycleEventDates.earliest) { throw .effectiveTooEarly(effective) }
    }

    /// The purposes in the order given, each once.
    static func once(_ purposes: [String]) -> [String] {
        var seen = Set<String>()
        return purposes.filter { seen.insert($0).inserted }
    }

    /// The lifecycle event a withdrawal records when the policy declares it.
    package static let consentEndedEvent = "consent-ended"

    /// The consent history and the current state per purpose.
    package func consents(for subject: String) throws -> (history: [ConsentLedgerEvent], current: [String: ConsentLedgerEvent], refusals: [ConsentRefusal]) {
        (try consents.consentHistory(of: subject), try consents.consentState(of: subject), try consents.consentRefusals(of: subject))
    }
}
