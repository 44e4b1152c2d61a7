@testable import CustosDecision
@testable import CustosPolicy
import Foundation

/// A naive evaluator, written straight from gdpr.md §15 on the policy model: strings, linear
/// searches, no interning, no bitsets, no shared helpers with the real evaluator beyond the
/// value types and date arithmetic (tested on their own). Slow and obviously right; the
/// property test holds the compiled evaluator to it.
struct ReferenceEvaluator {
    let policy: Policy
    let digest: String
    let zone: TimeZone

    init(_ policy: Policy, digest: String) {
        self.policy = policy
        self.digest = digest
        zone = TimeZone(identifier: policy.controller?.timezone ?? "UTC") ?? TimeZone(identifier: "UTC")!
    }

    /// The semantic content of a decision: everything but the explanation texts.
    struct Summary: Equatable, CustomStringConvertible {
        var outcome: Outcome
        var fields: [String]
        var reasons: [String]
        var obligations: [Obligation]
        var basis: LegalBasis?
        var description: String { "\(outcome) fields=\(fields) reasons=\(reasons) obligations=\(obligations) basis=\(String(describing: basis))" }

        init(_ decision: Decision) {
            outcome = decision.outcome
            fields = decision.fields.map { "\($0.field):\($0.outcome.rawValue):\($0.reasons.map(\.rawValue).joined(separator: "+"))" }
            reasons = decision.reasons.map { "\($0.code.rawValue)\($0.fields.isEmpty ? "" : "[" + $0.fields.joined(separator: ",") + "]")" }
            obligations = decision.obligations
            basis = decision.basis
        }
    }

    func localDate(_ instant: Instant) -> LocalDate {
        let seconds = Double(instant.millisecondsSinceEpoch) / 1000
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: seconds.rounded(.down)))
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    func decide(_ request: DecisionRequest, facts: Facts, at: Instant) -> Decision {
        var state = State(fields: request.fields.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
        let date = localDate(at)
        let purpose = policy.purposes.first { $0.id.id == request.purpose }
        // A person may be several kinds of subject: every category must be declared, and the
        // purpose is judged under the one of them it lists first (else the first, and step 3 denies).
        let category: SubjectCategory? = facts.subject.flatMap { subject in
            let declared = subject.categories.map { name in policy.subjectCategories.first { $0.id.id == name } }
            guard !declared.isEmpty, !declared.contains(where: { $0 == nil }) else { return nil }
            let chosen = purpose?.subjects.first { ref in subject.categories.contains(ref.id) }?.id ?? subject.categories[0]
            return policy.subjectCategories.first { $0.id.id == chosen }
        }
        let action = request.action

        // 1
        if purpose == nil { state.all(.purposeNotDeclared) }
        // UNKNOWN_ID: ids the policy does not declare at all, beside the legal codes.
        let unknownFields = state.fields.filter { field in !policy.fields.contains { $0.id.id == field } }
        let unknownRecipient = action == .share && request.recipient.map { name in !policy.recipients.contains { $0.id.id == name } } == true
        if purpose == nil || !policy.actors.contains(where: { $0.id.id == request.actor }) || unknownRecipient {
            state.all(.unknownId)
        } else {
            for field in unknownFields { state.one(field, .unknownId) }
        }
        if let subject = facts.subject {
            if subject.id != request.subject || category == nil { state.all(.subjectUnknown) }
        } else {
            state.all(.subjectUnknown)
        }
        if state.fields.isEmpty { state.all(.dataCategoryNotInPurpose) }
        if action != .erase {
            for field in state.fields {
                let kept = facts.fields.first { $0.field == field }?.keptFor
                if facts.erasedFields.contains(field) || (kept != nil && !kept!.contains(request.purpose)) { state.one(field, .fieldErased) }
            }
        }
        // 2
        if action != .erase {
            for field in state.fields {
                guard let definition = policy.fields.first(where: { $0.id.id == field }) else { continue }
                if definition.specialCategory != nil {
                    let condition = purpose?.article9.first { $0.field.id == field }?.condition
                    if condition == nil { state.one(field, .specialCategoryNoCondition) }
                    if condition == .legalClaims { state.one(field, .specialCategoryLegalClaims) }
                }
                // An authorisation counts only for a field the policy declares.
                let authorised = purpose?.authorisations.contains { $0.field.id == field } ?? false
                if definition.criminal && !authorised { state.one(field, .criminalDataNotAuthorised) }
                if definition.nationalId && !authorised { state.one(field, .nationalIdNotPermitted) }
            }
        }
        guard let purpose, let category else { return state.decision(request, basis: nil, digest: digest) }
        let categoryId = category.id.id

        // 3
        if !purpose.subjects.contains(where: { $0.id == categoryId }) { state.all(.purposeNotDeclared) }
        if action != .erase {
            for field in state.fields {
                let declared = policy.fields.contains { $0.id.id == field }
                if !declared || !purpose.fields.contains(where: { $0.id == field }) { state.one(field, .dataCategoryNotInPurpose) }
            }
        }
        if let actors = purpose.actors {
            let declared = policy.actors.contains { $0.id.id == request.actor }
            if !declared || !actors.contains(where: { $0.id == request.actor }) { state.all(.actorNotAuthorised) }
        }
        if !purpose.allBases.contains(.consent), !purpose.allBases.contains(.legalObligation), !facts.fields.isEmpty {
            for field in state.fields {
                guard let provenance = facts.fields.first(where: { $0.field == field }), let sources = provenance.collectedFor,
                      !sources.isEmpty, !sources.contains(request.purpose) else { continue }
                let assessed = purpose.compatibleWith?.purposes.map(\.id) ?? []
                let ok = sources.contains { source in assessed.contains(source) && policy.purposes.contains { $0.id.id == source } }
                if !ok { state.one(field, .purposeIncompatible) }
            }
        }
        let rule = purpose.retention.flatMap { ref in policy.retentionRules.first { $0.id.id == ref.id } }
        if action == .erase {
            erasure(&state, purpose: purpose, rule: rule, facts: facts, date: date, request: request)
            return state.decision(request, basis: nil, digest: digest)
        }

        // 4
        var basisValid = false
        let basis = purpose.basis(for: categoryId)
        if let basis {
            var valid = true
            switch basis {
            case .consent: valid = consentValid(&state, purpose: purpose, facts: facts, at: at, date: date, request: request)
            case .contract:
                if facts.subject?.contractParty != true { state.all(.noLegalBasis); valid = false }
            case .legitimateInterest:
                if purpose.lia == nil { state.all(.noLegalBasis); valid = false }
            default: break
            }
            if valid { state.all(.allowLegalBasis) }
            basisValid = valid
            let dmObjected = facts.objections.contains { $0.at <= at && $0.kind == .directMarketing }
            if purpose.directMarketing == nil, dmObjected {
                for field in state.fields where policy.fields.first(where: { $0.id.id == field })?.suppressionEntry == true {
                    state.one(field, .suppressionAllowed)
                }
            }
            let objections = facts.objections.filter { $0.at <= at && $0.kind != .automatedDecision && ($0.purpose == nil || $0.purpose == request.purpose) }
            if !objections.isEmpty {
                if purpose.directMarketing != nil {
                    state.all(.objectionDirectMarketing)
                } else if basis == .legitimateInterest || basis == .publicTask {
                    let general = objections.filter { $0.kind == .general }
                    if !general.isEmpty {
                        if purpose.legalClaims {
                            state.all(.objectionOverriddenLegalClaims)
                        } else if general.contains(where: { $0.assessment != .overridden || $0.assessmentReference == nil }) {
                            state.all(.objectionNoCompellingGrounds)
                        }
                    }
                }
            }
            if let channel = purpose.directMarketing?.channel, channel == .email || channel == .sms {
                if basis != .consent {
                    state.all(facts.subject?.contractParty == true ? .softOptIn : .marketingElectronicNoOptIn)
                } else if !valid {
                    state.all(.marketingElectronicNoOptIn)
                }
            }
            if purpose.cookies == .tracking, basis != .consent { state.all(.cookieConsentRequired) }
        }

        // 5
        if let rule {
            for field in state.fields {
                guard let start = start(field, rule: rule, facts: facts, date: date) else { continue }
                let end = start.adding(rule.keep)
                if date > end {
                    state.one(field, hold(field, facts: facts, date: date, purpose: request.purpose) != nil ? .retentionLegalHold : .retentionExpired)
                }
            }
        }
        // 6
        if action != .store {
            let active = facts.restrictions.filter { $0.since <= at && ($0.lifted == nil || at < $0.lifted!) }
            let consentOK = basis == .consent && !state.reasons.contains { code in
                [ReasonCode.consentMissing, .consentRefused, .consentWithdrawn, .consentExpired, .consentNoticeVersionMismatch,
                 .consentInvalidNotAffirmative, .consentNotFreelyGiven, .consentUnprovable, .consentUnderage].contains(code.code)
            }
            for field in state.fields where active.contains(where: { $0.fields == nil || $0.fields!.contains(field) }) {
                if purpose.legalClaims {
                    state.one(field, .restrictionExceptionLegalClaims)
                } else if !consentOK {
                    state.one(field, .restrictedStorageOnly)
                }
            }
        }
        // 7: Art. 22 looks at the decision, whatever its purpose is called (gdpr.md §9).
        if action == .decide {
            let humanRequested = facts.objections.contains { objection in
                objection.kind == .automatedDecision && objection.at <= at && (objection.purpose ?? request.purpose) == request.purpose
            }
            let declares = purpose.profiling?.automatedDecision == true
            var effect = request.effect
            if declares {
                let declared = purpose.profiling!.effect
                if effect == nil {
                    effect = declared == .legal ? .legal : .similarlySignificant
                } else if effect == DecisionEffect.none || (effect == .similarlySignificant && declared == .legal) {
                    if declared != DecisionEffect.none { effect = declared }
                }
            }
            if let effect {
                let significant = effect == .legal || effect == .similarlySignificant
                if significant || humanRequested {
                    var exceptionHolds = false
                    if !humanRequested, let exception = purpose.profiling?.exception {
                        switch exception {
                        case .explicitConsent:
                            exceptionHolds = basis == .consent && basisValid && explicitConsentMethod(facts: facts, at: at, purpose: request.purpose)
                        case .contract:
                            exceptionHolds = basis == .contract && facts.subject?.contractParty == true
                        case .law:
                            exceptionHolds = purpose.profiling?.law != nil
                        }
                    }
                    if let review = request.review, review.canOverride, !review.reviewer.isEmpty {
                        state.all(.admHumanReview)
                        state.obligations.append(.humanReview)
                    } else if exceptionHolds {
                        state.all(.admException)
                    } else {
                        state.all(.admSolelyAutomatedNoException)
                    }
                }
            } else {
                state.all(.admEffectNotStated)
            }
        }
        // 8, 9
        if action == .share { share(&state, purpose: purpose, request: request, facts: facts, at: at, date: date) }
        return state.decision(request, basis: basis, digest: digest)
    }

    // MARK: consent

    /// The latest consent event for the purpose was an express statement.
    private func explicitConsentMethod(facts: Facts, at: Instant, purpose: String) -> Bool {
        let explicit: Set<ConsentMethod> = [.signedForm, .explicitClick, .verbalRecorded, .emailReply, .doubleOptIn]
        var latest: ConsentEvent?
        for record in facts.consents where record.purpose == purpose {
            for event in record.events where event.at <= at && (latest == nil || !(event.at < latest!.at)) { latest = event }
        }
        return latest?.method.map(explicit.contains) ?? false
    }

    private func consentValid(_ state: inout State, purpose: Purpose, facts: Facts, at: Instant, date: LocalDate, request: DecisionRequest) -> Bool {
        var best: (ConsentEvent, ConsentRecord)?
        for record in facts.consents where record.purpose == request.purpose {
            for event in record.events where event.at <= at {
                if best == nil || !(event.at < best!.0.at) { best = (event, record) }
            }
        }
        guard let (event, record) = best else {
            // A purpose that a later version of its notice introduced, for someone who
            // consented under an earlier version of that notice (gdpr.md §4.3).
            let notice = policy.notices.first { $0.id.id == purpose.notice?.id }
            let current = notice?.versions.filter { $0.effective <= date }.sorted { $0.effective < $1.effective }.last
            var introducedLater = false
            if let notice, let current, current.scope(of: request.purpose) != nil {
                for record in facts.consents {
                    guard let text = record.notice, let sign = text.lastIndex(of: "@"), String(text[..<sign]) == notice.id.id,
                          let number = Int(text[text.index(after: sign)...]), number < current.version,
                          let version = notice.versions.first(where: { $0.version == number }), version.scope(of: request.purpose) == nil else { continue }
                    if record.events.contains(where: { !(at < $0.at) && ($0.state == .given || $0.state == .renewed) }) { introducedLater = true }
                }
            }
            state.all(introducedLater ? .consentNoticeVersionMismatch : .consentMissing)
            return false
        }
        switch event.state {
        case .withdrawn: state.all(.consentWithdrawn); return false
        case .refused: state.all(.consentRefused); return false
        case .expired: state.all(.consentExpired); return false
        case .invalidated, .requested: state.all(.consentMissing); return false
        case .given, .renewed: break
        }
        var ok = true
        var noticeId: String?, versionNumber: Int?
        if let text = record.notice, let at = text.lastIndex(of: "@") {
            noticeId = String(text[..<at])
            versionNumber = Int(text[text.index(after: at)...])
        }
        let notice = policy.notices.first { $0.id.id == purpose.notice?.id }
        let given = notice?.versions.first { $0.version == versionNumber && notice?.id.id == noticeId }
        if given == nil { state.all(.consentUnprovable); ok = false }
        let affirmative: Set<ConsentMethod> = [.checkboxTicked, .signedForm, .explicitClick, .verbalRecorded, .emailReply, .doubleOptIn]
        if event.preTicked || event.method == nil || !affirmative.contains(event.method!) { state.all(.consentInvalidNotAffirmative); ok = false }
        if event.conditionalOnService { state.all(.consentNotFreelyGiven); ok = false }
        if let validity = purpose.consentValidity, date > localDate(event.at).adding(validity) { state.all(.consentExpired); ok = false }
        if let notice, let given {
            let inForce = notice.versions.filter { $0.effective <= date }.sorted { $0.effective < $1.effective }.last
            if let current = inForce, current.version > given.version, let now = current.scope(of: request.purpose) {
                var mismatch = false
                if let then = given.scope(of: request.purpose) {
                    let material = notice.versions.contains { $0.version > given.version && $0.version <= current.version && $0.materialChange }
                    // Only what the request needs counts: fields, recipient, destination.
                    let declaredFields = Set(policy.fields.map(\.id.id))
                    var needsAdded = state.fields.contains { f in declaredFields.contains(f) && now.fields.contains { $0.id == f } && !then.fields.contains { $0.id == f } }
                    if request.action == .share, let name = request.recipient, let recipient = policy.recipients.first(where: { $0.id.id == name }) {
                        if now.recipients.contains(where: { $0.id == name }) && !then.recipients.contains(where: { $0.id == name }) { needsAdded = true }
                        var destination = request.destination
                        if case let .fixed(country) = recipient.country { destination = country }
                        if let destination, now.transfers.contains(destination), !then.transfers.contains(destination) { needsAdded = true }
                    }
                    mismatch = material && needsAdded
                } else {
                    mismatch = true
                }
                if mismatch { state.all(.consentNoticeVersionMismatch); ok = false }
            }
        }
        var minor = event.ageAtConsent.map { $0 < 16 } ?? purpose.mayInvolveMinors
        if let birth = facts.subject?.birthDate {
            let then = localDate(event.at)
            var age = then.year - birth.year
            if then.month < birth.month || (then.month == birth.month && then.day < birth.day) { age -= 1 }
            minor = age < 16
        }
        let parental = event.parentalAuthorisation.map { !$0.by.isEmpty && !$0.verifiedVia.isEmpty } ?? false
        if minor && !parental { state.all(.consentUnderage); ok = false }
        return ok
    }

    // MARK: retention and erasure

    private func start(_ field: String, rule: RetentionRule, facts: Facts, date: LocalDate) -> LocalDate? {
        var found: LocalDate?
        if rule.from.id == "collected", let provenance = facts.fields.first(where: { $0.field == field }), let collected = provenance.collected {
            found = collected
        } else {
            for event in facts.events where event.event == rule.from.id && event.date <= date {
                if found == nil || found! < event.date { found = event.date }
            }
        }
        guard let found else { return nil }
        return rule.fromYearEnd ? LocalDate(year: found.year, month: 12, day: 31)! : found
    }

    private func hold(_ field: String, facts: Facts, date: LocalDate, purpose: String) -> LegalHold? {
        facts.legalHolds.first { hold in
            hold.since <= date && (hold.until == nil || date <= hold.until!)
                && (hold.fields == nil || hold.fields!.contains(field)) && (hold.purposes == nil || hold.purposes!.contains(purpose))
        }
    }

    private func erasure(_ state: inout State, purpose: Purpose, rule: RetentionRule?, facts: Facts, date: LocalDate, request: DecisionRequest) {
        guard let rule else { return }
        let startEvent = purpose.startsWith?.id ?? rule.from.id
        let begun = startEvent == "collected" ? !facts.fields.isEmpty : facts.events.contains { $0.event == startEvent && !(date < $0.date) }
        for field in state.fields where state.blocked[field]!.isEmpty && purpose.fields.contains(where: { $0.id == field })
            && policy.fields.contains(where: { $0.id.id == field }) {
            let collectedForIt = facts.fields.first { $0.field == field }?.collectedFor?.contains(request.purpose) ?? false
            if !begun && !collectedForIt { continue }
            if hold(field, facts: facts, date: date, purpose: request.purpose) != nil {
                state.one(field, .erasurePartialLegalClaims)
                continue
            }
            let begin = start(field, rule: rule, facts: facts, date: date)
            let expired = begin != nil && date > begin!.adding(rule.keep)
            if let minimum = rule.minimum, begin == nil || date <= begin!.adding(minimum) {
                state.one(field, .erasurePartialLegalObligation)
            } else if !expired && purpose.allBases.contains(.legalObligation) {
                state.one(field, .erasurePartialLegalObligation)
            }
            if !expired && purpose.legalClaims { state.one(field, .erasurePartialLegalClaims) }
        }
        if state.fields.contains(where: { state.blocked[$0]!.isEmpty }) { state.obligations.append(.notifyRecipients) }
    }

    // MARK: recipients and transfers

    private func share(_ state: inout State, purpose: Purpose, request: DecisionRequest, facts: Facts, at: Instant, date: LocalDate) {
        guard let name = request.recipient else { state.all(.recipientNotDeclared); return }
        guard let recipient = policy.recipients.first(where: { $0.id.id == name }) else { state.all(.recipientNotDeclared); return }
        let declared = purpose.recipients.contains(where: { $0.id == name })
        if !declared { state.all(.recipientNotDeclared) }
        if recipient.namedPerDisclosure && (request.recipientName ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            state.all(.recipientNotDeclared)
        }
        if recipient.role == .processor || recipient.role == .subProcessor {
            processor(&state, recipient, purpose: purpose, facts: facts, at: at, date: date)
        }
        guard declared else { return }
        if let allowed = recipient.fields {
            for field in state.fields where !(allowed.contains { $0.id == field } && policy.fields.contains { $0.id.id == field }) {
                state.one(field, .dataCategoryNotInPurpose)
            }
        }
        transfer(&state, recipient, request: request, facts: facts, at: at, date: date)
        for country in recipient.accessFrom where !policy.referenceData.eea.contains(country) {
            thirdCountryTransfer(&state, recipient, destination: country, request: request, facts: facts, at: at, date: date)
        }
        if recipient.role == .processor {
            for reference in recipient.subProcessors {
                guard let sub = policy.recipients.first(where: { $0.id.id == reference.id }) else { continue }
                if !authorised(sub, facts: facts, at: at, date: date) { state.all(.subprocessorNotAuthorised) }
                if let dpa = sub.dpa {
                    let holds = dpa.status == .active && (dpa.signed.map { !(date < $0) } ?? true) && (dpa.expires.map { !($0 < date) } ?? true)
                    if !holds {
                        state.all(.processorAgreementMissing)
                    } else if !dpa.purposes.contains(where: { $0.id == purpose.id.id }) {
                        state.all(.processorScopeExceeded)
                    } else {
                        for field in state.fields where !(dpa.fields.contains { $0.id == field } && policy.fields.contains { $0.id.id == field }) {
                            state.one(field, .processorScopeExceeded)
                        }
                    }
                } else {
                    state.all(.processorAgreementMissing)
                }
                if case let .fixed(country) = sub.country, !policy.referenceData.eea.contains(country) {
                    thirdCountryTransfer(&state, sub, destination: country, request: request, facts: facts, at: at, date: date)
                }
                for country in sub.accessFrom where !policy.referenceData.eea.contains(country) {
                    thirdCountryTransfer(&state, sub, destination: country, request: request, facts: facts, at: at, date: date)
                }
            }
        }
        state.obligations.append(.recordDisclosure)
    }

    /// gdpr.md §10: the officer's latest record decides; else the policy's authorisation.
    private func authorised(_ sub: Recipient, facts: Facts, at: Instant, date: LocalDate) -> Bool {
        let records = facts.subProcessors.filter { $0.recipient == sub.id.id && !(at < $0.at) }
        if let latest = records.reversed().max(by: { $0.at < $1.at }) { return latest.state == .authorised }
        guard let authorisation = sub.authorisation, let since = authorisation.since else { return false }
        if authorisation.kind == .specific { return !(date < since) }
        guard let window = authorisation.objectionWindow else { return false }
        return since.adding(window) < date
    }

    private func processor(_ state: inout State, _ recipient: Recipient, purpose: Purpose, facts: Facts, at: Instant, date: LocalDate) {
        guard let dpa = recipient.dpa, dpa.status == .active, dpa.signed.map({ !(date < $0) }) ?? true,
              dpa.expires.map({ !($0 < date) }) ?? true else { state.all(.processorAgreementMissing); return }
        if recipient.role == .subProcessor {
            let processor = recipient.engagedBy.flatMap { ref in policy.recipients.first { $0.id.id == ref.id } }
            if !(processor?.subProcessors.contains { $0.id == recipient.id.id } ?? false) { state.all(.subprocessorNotAuthorised); return }
            if !authorised(recipient, facts: facts, at: at, date: date) { state.all(.subprocessorNotAuthorised); return }
        }
        guard dpa.purposes.contains(where: { $0.id == purpose.id.id }) else { state.all(.processorScopeExceeded); return }
        var outside = 0
        for field in state.fields where !(dpa.fields.contains { $0.id == field } && policy.fields.contains { $0.id.id == field }) {
            state.one(field, .processorScopeExceeded)
            outside += 1
        }
        if outside < state.fields.count { state.all(.processorUnderArt28) }
    }

    private func transfer(_ state: inout State, _ recipient: Recipient, request: DecisionRequest, facts: Facts, at: Instant, date: LocalDate) {
        var destination: String
        switch recipient.country {
        case let .fixed(country):
            if let given = request.destination, given != country { state.all(.transferNoMechanism); return }
            destination = country
        case .perDisclosure:
            guard let given = request.destination else { state.all(.transferNoMechanism); return }
            destination = given
        }
        if policy.referenceData.eea.contains(destination) { state.all(.intraEEA); return }
        thirdCountryTransfer(&state, recipient, destination: destination, request: request, facts: facts, at: at, date: date)
    }

    private func thirdCountryTransfer(_ state: inout State, _ recipient: Recipient, destination: String, request: DecisionRequest, facts: Facts, at: Instant, date: LocalDate) {
        let data = policy.referenceData
        if request.foreignOrder { state.all(.art48ForeignOrderNotBasis); return }
        var refusals: [ReasonCode] = []
        if let decision = data.adequacy.first(where: { $0.country == destination }) {
            let inForce = (decision.validFrom == nil || !(date < decision.validFrom!)) && (decision.validUntil == nil || !(decision.validUntil! < date))
            let dpfActive: Bool = {
                guard let dpf = recipient.transfer?.dpf, dpf.status == .active else { return false }
                if let certified = dpf.certified, date < certified { return false }
                if let expires = dpf.expires, date > expires { return false }
                return true
            }()
            let missing = decision.requires.first { $0 == "dpf-certified" ? !dpfActive : !recipient.attributes.contains($0) }
            if !inForce {
                refusals.append(.transferAdequacyNotInForce)
            } else if let missing {
                refusals.append(missing == "dpf-certified" ? .transferDPFNotCertified : .transferAdequacyOutOfScope)
            } else if decision.excludes.contains(where: { recipient.attributes.contains($0) }) {
                refusals.append(.transferAdequacyOutOfScope)
            } else {
                state.all(decision.requires.contains("dpf-certified") ? .transferDPF : .transferAdequacy)
                state.obligations.append(.recordTransfer)
                return
            }
        }
        if let scc = recipient.transfer?.scc {
            let clausesHold = scc.expires.map { !($0 < date) } ?? true
            let assessed = scc.tia != nil && (scc.tiaExpires.map { !($0 < date) } ?? true)
            if clausesHold && assessed { state.all(.transferSCC); state.obligations.append(.recordTransfer); return }
            refusals.append(clausesHold ? .transferTIAMissing : .transferNoMechanism)
        }
        if let bcr = recipient.transfer?.bcr {
            if bcr.tia != nil && (bcr.tiaExpires.map { !($0 < date) } ?? true) { state.all(.transferBCR); state.obligations.append(.recordTransfer); return }
            refusals.append(.transferTIAMissing)
        }
        if let derogation = recipient.transfer?.derogation {
            if derogation.ground != .legalClaims {
                refusals.append(.transferNoMechanism)
            } else {
                var own: [ReasonCode] = []
                let procedure = request.procedure.flatMap { $0.isEmpty ? nil : $0 }
                if procedure == nil { own.append(.transferDerogationNoProceeding) }
                if request.bulk {
                    own.append(.transferDerogationNotOccasional)
                } else if let limit = derogation.occasional {
                    let since = date.adding(CalendarDuration(-limit.per.amount, limit.per.unit))
                    var procedures: [String] = []
                    for record in facts.transfers where record.recipient == recipient.id.id && record.at <= at && localDate(record.at) > since {
                        if let earlier = record.procedure, !procedures.contains(earlier) { procedures.append(earlier) }
                    }
                    let known = procedure.map { procedures.contains($0) } ?? false
                    if !known && procedures.count >= limit.max { own.append(.transferDerogationNotOccasional) }
                }
                if own.isEmpty {
                    state.all(.transferDerogationLegalClaims)
                    state.obligations.append(.recordTransfer)
                    return
                }
                refusals += own
            }
        }
        if !refusals.contains(.transferNoMechanism) { refusals.append(.transferNoMechanism) }
        for code in refusals { state.all(code) }
    }

    // MARK: accumulated state

    struct State {
        let fields: [String]
        var blocked: [String: [ReasonCode]]
        var reasons: [(code: ReasonCode, fields: [String])] = []
        var obligations: [Obligation] = []

        init(fields: [String]) {
            self.fields = fields
            blocked = Dictionary(uniqueKeysWithValues: fields.map { ($0, []) })
        }

        mutating func all(_ code: ReasonCode) {
            if let index = reasons.firstIndex(where: { $0.code == code }) {
                reasons[index].fields = []
            } else {
                reasons.append((code, []))
            }
            if code.isBlocking { for field in fields where !blocked[field]!.contains(code) { blocked[field]!.append(code) } }
        }

        mutating func one(_ field: String, _ code: ReasonCode) {
            if let index = reasons.firstIndex(where: { $0.code == code }) {
                if !reasons[index].fields.isEmpty, !reasons[index].fields.contains(field) { reasons[index].fields.append(field) }
            } else {
                reasons.append((code, [field]))
            }
            if code.isBlocking, !blocked[field]!.contains(code) { blocked[field]!.append(code) }
        }

        func decision(_ request: DecisionRequest, basis: LegalBasis?, digest: String) -> Decision {
            var reasons = self.reasons.map { Reason(code: $0.code, explanation: "", fields: $0.fields) }
            let outcomes = fields.map { FieldOutcome(field: $0, outcome: blocked[$0]!.isEmpty ? .permit : .deny, reasons: blocked[$0]!) }
            let permitted = outcomes.filter { $0.outcome == .permit }.count
            let outcome: Outcome = permitted == 0 ? .deny : permitted == outcomes.count ? .permit : .partial
            if outcome == .deny, !reasons.contains(where: { $0.code.isBlocking }) { reasons.append(Reason(code: .engineError, explanation: "")) }
            if outcome == .partial {
                reasons.append(Reason(code: .minimisationFieldsFiltered, explanation: "", fields: outcomes.filter { $0.outcome == .deny }.map(\.field)))
            }
            var unique: [Obligation] = []
            for obligation in obligations where !unique.contains(obligation) { unique.append(obligation) }
            return Decision(outcome: outcome, action: request.action, subject: request.subject, purpose: request.purpose, actor: request.actor,
                            recipient: request.action == .share ? request.recipient : nil, fields: outcomes, basis: basis,
                            reasons: reasons, obligations: outcome == .deny ? [] : unique, policyDigest: digest, hypothetical: false)
        }
    }
}
