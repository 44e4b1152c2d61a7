/// Cross-element checks on a decoded policy: references resolve, and every purpose has what
/// the law asks of it before processing can rest on it (gdpr.md §3, §4, §10, §12). Each
/// finding carries a stable code; none stops the others from being found.
struct PolicyValidator {
    let policy: Policy
    let sink: DiagnosticSink
    /// Where whole-policy problems (no controller) are reported.
    let anchor: SourceLocation

    /// The declared ids, built once: per-purpose sets made a 10,000-purpose policy quadratic.
    let known: KnownIds

    init(policy: Policy, sink: DiagnosticSink, anchor: SourceLocation) {
        self.policy = policy
        self.sink = sink
        self.anchor = anchor
        known = KnownIds(policy)
    }

    struct KnownIds {
        let subjects, fields, notices, retentionRules, lifecycleEvents, recipients, actors, purposes, dataSources: Set<String>
        let recipientsById: [String: Recipient]

        init(_ policy: Policy) {
            func ids<T>(_ items: [T], _ id: (T) -> Ref) -> Set<String> { Set(items.map { id($0).id }) }
            subjects = ids(policy.subjectCategories, \.id)
            fields = ids(policy.fields, \.id)
            notices = ids(policy.notices, \.id)
            retentionRules = ids(policy.retentionRules, \.id)
            lifecycleEvents = ids(policy.lifecycleEvents, \.id).union(["collected"])
            recipients = ids(policy.recipients, \.id)
            actors = ids(policy.actors, \.id)
            purposes = ids(policy.purposes, \.id)
            dataSources = ids(policy.dataSources, \.id)
            recipientsById = Dictionary(policy.recipients.map { ($0.id.id, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    private var fieldsById: [String: FieldDefinition] { Dictionary(policy.fields.map { ($0.id.id, $0) }, uniquingKeysWith: { a, _ in a }) }

    func validate() {
        if policy.controller == nil {
            sink.error(.controllerMissing, "the policy declares no controller; add a 'controller:' section", at: anchor)
        }
        if let controller = policy.controller, policy.referenceData.holidayCalendar(named: controller.holidayCalendar) == nil {
            sink.error(.unknownReference, "holiday calendar '\(controller.holidayCalendar)' is not in the reference data", at: controller.location)
        }
        let fields = fieldsById
        for purpose in policy.purposes { validate(purpose, fields: fields) }
        for notice in policy.notices { validate(notice) }
        for recipient in policy.recipients { validate(recipient) }
        for category in policy.subjectCategories { resolve(category.identityCheck.map(\.field), in: known.fields, kind: "field") }
        for rule in policy.retentionRules {
            resolve([rule.from], in: known.lifecycleEvents, kind: "lifecycle event")
        }
        warnAboutUnused()
    }

    // MARK: Art. 14 sources

    /// Data obtained from others is told to the subject through the purpose's notice, and
    /// only fields the purpose processes can be obtained for it.
    private func validateIndirectCollection(of purpose: Purpose) {
        guard !purpose.obtainedFrom.isEmpty else { return }
        resolve(purpose.obtainedFrom.map(\.source), in: known.dataSources, kind: "data source")
        let processed = Set(purpose.fields.map(\.id))
        for collection in purpose.obtainedFrom {
            for field in collection.fields where !processed.contains(field.id) {
                if known.fields.contains(field.id) {
                    sink.error(.invalidValue, "field '\(field.id)' is obtained from '\(collection.source.id)' for purpose '\(purpose.id)', which does not list it in 'fields'", at: field.location)
                } else {
                    resolve([field], in: known.fields, kind: "field")
                }
            }
        }
        if purpose.notice == nil {
            sink.error(.invalidValue, "purpose '\(purpose.id)' obtains data from others but names no 'notice' to inform the subject with (Art. 14)", at: purpose.id.location)
        }
    }

    // MARK: references


    /// Reports every reference whose id is not declared, with a suggestion for near misses.
    private func resolve(_ refs: [Ref], in known: Set<String>, kind: String) {
        for ref in refs where !known.contains(ref.id) && !policy.unreadableIds.contains(ref.id) {
            var message = "unknown \(kind) '\(ref.id)'"
            if let near = closestMatch(to: ref.id, in: known.sorted()) { message += "; did you mean '\(near)'?" }
            sink.error(.unknownReference, message, at: ref.location)
        }
    }

    // MARK: purposes

    private func validate(_ purpose: Purpose, fields: [String: FieldDefinition]) {
        let where_ = purpose.id.location
        let name = "purpose '\(purpose.id)'"
        resolve(purpose.subjects, in: known.subjects, kind: "subject category")
        resolve(purpose.fields, in: known.fields, kind: "field")
        if let notice = purpose.notice { resolve([notice], in: known.notices, kind: "notice") }
        if let retention = purpose.retention { resolve([retention], in: known.retentionRules, kind: "retention rule") }
        if let start = purpose.startsWith { resolve([start], in: known.lifecycleEvents, kind: "lifecycle event") }
        resolve(purpose.recipients, in: known.recipients, kind: "recipient")
        validateIndirectCollection(of: purpose)
        if let actors = purpose.actors {
            resolve(actors, in: known.actors, kind: "actor")
        } else {
            sink.warning(.purposeOpenToAllActors, "\(name) lists no 'actors', so every actor may use it", at: where_)
        }
        if let compatibility = purpose.compatibleWith {
            resolve(compatibility.purposes, in: known.purposes, kind: "purpose")
            if compatibility.assessment == nil, !compatibility.purposes.isEmpty {
                sink.error(.compatibilityWithoutAssessment, "\(name) claims Art. 6(4) compatibility without an 'assessment' reference", at: where_)
            }
        }

        // Legal basis per subject category.
        if case let .perSubject(entries) = purpose.basis {
            for entry in entries where !purpose.subjects.contains(entry.subject) {
                sink.error(.unknownReference, "the basis names '\(entry.subject.id)', which is not among the subjects of \(name)", at: entry.subject.location)
            }
            for subject in purpose.subjects where !entries.contains(where: { $0.subject == subject }) {
                sink.error(.basisMissingForSubject, "\(name) gives no legal basis for subject category '\(subject.id)'", at: subject.location)
            }
        }
        let bases = purpose.allBases
        if bases.contains(.consent) || purpose.article9.contains(where: { $0.condition == .explicitConsent }) {
            if let noticeRef = purpose.notice {
                if let notice = policy.notice(noticeRef.id), !notice.versions.contains(where: { $0.scope(of: purpose.id.id) != nil }) {
                    sink.error(.noticeDoesNotCoverPurpose, "no version of notice '\(notice.id)' discloses \(name), so no consent under it can cover the purpose", at: noticeRef.location)
                }
            } else {
                sink.error(.consentWithoutNotice, "\(name) rests on consent but names no 'notice' (Art. 7(2), 13)", at: where_)
            }
        }
        if bases.contains(.legitimateInterest), purpose.lia == nil {
            sink.error(.legitimateInterestWithoutLIA, "\(name) rests on legitimate interest but names no 'lia' assessment (Art. 6(1)(f))", at: where_)
        }
        if bases.contains(.legalObligation), purpose.law.isEmpty {
            sink.error(.legalObligationWithoutLaw, "\(name) rests on a legal obligation but names no 'law' (Art. 6(3))", at: where_)
        }
        if purpose.cookies == .tracking, bases != [.consent] {
            sink.error(.trackingCookiesWithoutConsent, "\(name) uses tracking cookies, which always need consent (Tw Art. 11.7a; CJEU C-673/17)", at: where_)
        }
        if purpose.retention == nil {
            sink.error(.purposeWithoutRetention, "\(name) has no 'retention' rule (Art. 5(1)(e), 13(2)(a))", at: where_)
        }
        if let profiling = purpose.profiling {
            if profiling.logic == nil {
                sink.error(.automatedDecisionWithoutLogic, "\(name) profiles but does not describe its 'logic' in plain language (Art. 15(1)(h))", at: where_)
            }
            automatedDecisionException(profiling, of: purpose, name: name, bases: bases, at: where_)
            if purpose.dpia == nil {
                sink.warning(.profilingWithoutDPIA, "\(name) profiles without a 'dpia' reference (Art. 35(3)(a))", at: where_)
            }
        }

        // Prohibited data needs a condition or an authorisation per field.
        let purposeFieldIds = Set(purpose.fields.map(\.id))
        for entry in purpose.article9 {
            resolve([entry.field], in: purposeFieldIds, kind: "field of \(name)")
        }
        for entry in purpose.authorisations {
            resolve([entry.field], in: purposeFieldIds, kind: "field of \(name)")
        }
        for ref in purpose.fields {
            guard let field = fields[ref.id] else { continue }
            if let category = field.specialCategory, !purpose.article9.contains(where: { $0.field == ref }) {
                sink.error(.specialCategoryWithoutCondition, "field '\(ref.id)' is special-category data (\(category.rawValue)) but \(name) gives no Art. 9(2) condition under 'art9'", at: ref.location)
            }
            if field.nationalId, !purpose.authorisations.contains(where: { $0.field == ref }) {
                sink.error(.nationalIdWithoutAuthorisation, "field '\(ref.id)' is a national identification number but \(name) names no law under 'authorised-by' (Art. 87; UAVG Art. 46)", at: ref.location)
            }
            if field.criminal, !purpose.authorisations.contains(where: { $0.field == ref }) {
                sink.error(.criminalDataWithoutAuthorisation, "field '\(ref.id)' is criminal-offence data but \(name) names no law under 'authorised-by' (Art. 10)", at: ref.location)
            }
        }

        for recipientRef in purpose.recipients {
            guard let recipient = known.recipientsById[recipientRef.id], let dpa = recipient.dpa,
                  recipient.role == .processor || recipient.role == .subProcessor else { continue }
            if !dpa.purposes.contains(purpose.id) {
                sink.warning(.dpaScopeExcludesPurpose, "processor '\(recipient.id)' is a recipient of \(name) but its DPA does not cover the purpose; shares will be denied", at: recipientRef.location)
            }
        }
    }

    // MARK: notices

    private func validate(_ notice: Notice) {
        let purposeIds = known.purposes
        let fieldIds = known.fields
        let recipientIds = known.recipients
        for version in notice.versions {
            for scope in version.purposes {
                resolve([scope.purpose], in: purposeIds, kind: "purpose")
                resolve(scope.fields, in: fieldIds, kind: "field")
                resolve(scope.recipients, in: recipientIds, kind: "recipient")
            }
        }
    }

    // MARK: recipients

    private func validate(_ recipient: Recipient) {
        let name = "recipient '\(recipient.id)'"
        let fieldIds = known.fields
        let recipientIds = known.recipients
        resolve(recipient.fields ?? [], in: fieldIds, kind: "field")
        resolve(recipient.subProcessors, in: recipientIds, kind: "recipient")
        if let dpa = recipient.dpa {
            resolve(dpa.purposes, in: known.purposes, kind: "purpose")
            resolve(dpa.fields, in: fieldIds, kind: "field")
        }
        switch recipient.role {
        case .processor, .subProcessor:
            if recipient.dpa == nil {
                sink.error(.processorWithoutDPA, "\(name) is a \(recipient.role.rawValue) but has no 'dpa' (Art. 28(3))", at: recipient.id.location)
            }
        case .controller, .jointController, .publicAuthority:
            break
        }
        if recipient.role == .subProcessor {
            if let processorRef = recipient.engagedBy {
                resolve([processorRef], in: recipientIds, kind: "recipient")
                if let processor = known.recipientsById[processorRef.id], !processor.subProcessors.contains(recipient.id) {
                    sink.error(.subProcessorWithoutProcessor, "\(name) is engaged by '\(processorRef.id)', which does not list it under 'sub-processors' (Art. 28(2))", at: processorRef.location)
                }
            } else {
                sink.error(.subProcessorWithoutProcessor, "\(name) is a sub-processor but names no processor under 'engaged-by'", at: recipient.id.location)
            }
            if recipient.authorisation == nil {
                sink.warning(.subProcessorWithoutAuthorisation, "\(name) has no 'authorisation' (specific, or general with an objection window): shares to its processor will be refused until the officer records one (Art. 28(2))", at: recipient.id.location)
            }
        } else if recipient.authorisation != nil {
            sink.error(.invalidValue, "\(name) is not a sub-processor; only a sub-processor has an 'authorisation' (Art. 28(2))", at: recipient.id.location)
        }
        validateTransfer(recipient, name: name)
    }

    private func validateTransfer(_ recipient: Recipient, name: String) {
        let instruments = recipient.transfer ?? TransferInstruments()
        for (tia, instrument) in [(instruments.scc.map { $0.tia }, "SCC"), (instruments.bcr.map { $0.tia }, "BCR")] {
            if case .some(.none) = tia {
                sink.warning(.transferWithoutTIA, "the \(instrument) of \(name) has no 'tia'; transfers under it will be denied (Schrems II)", at: recipient.id.location)
            }
        }
        switch recipient.country {
        case .perDisclosure:
            if instruments.isEmpty {
                sink.warning(.thirdCountryWithoutInstrument, "\(name) receives data in countries given per disclosure but has no transfer instrument; only EEA and adequate destinations will be permitted", at: recipient.id.location)
            }
        case let .fixed(country):
            thirdCountry(country, of: recipient, name: name, instruments: instruments, how: "is in")
        }
        for country in recipient.accessFrom {
            guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                sink.error(.invalidValue, "'access-from' of \(name) must list ISO 3166 alpha-2 codes, found '\(country)'", at: recipient.id.location)
                continue
            }
            thirdCountry(country, of: recipient, name: name, instruments: instruments, how: "is reached remotely from")
        }
    }

    /// A third country the recipient's data goes to (where it sits, or where its staff reach
    /// it from) needs adequacy or an instrument.
    private func thirdCountry(_ country: String, of recipient: Recipient, name: String, instruments: TransferInstruments, how: String) {
        let data = policy.referenceData
        guard !data.isEEA(country) else { return }
        let adequacy = data.adequacyDecision(for: country)
        let adequacyNeedsDPF = adequacy?.requires.contains("dpf-certified") ?? false
        let covered = (adequacy != nil && !adequacyNeedsDPF) || (adequacyNeedsDPF && instruments.dpf != nil)
            || instruments.scc != nil || instruments.bcr != nil || instruments.derogation != nil
        if !covered {
            let why = adequacyNeedsDPF ? "adequacy for \(country) needs a DPF certification ('transfer: dpf')" : "\(country) has no adequacy decision"
            sink.error(.thirdCountryWithoutInstrument, "\(name) \(how) \(country), outside the EEA, with no transfer instrument: \(why); add SCC, BCR or a derogation (Art. 44-49)", at: recipient.id.location)
        }
    }

    // MARK: unused definitions

    private func warnAboutUnused() {
        let usedFields = Set(policy.purposes.flatMap { $0.fields.map(\.id) })
        // Prohibited fields are declared so that requests for them are recognised and refused.
        for field in policy.fields where !usedFields.contains(field.id.id) && !field.isProhibitedByDefault {
            sink.warning(.unusedDefinition, "field '\(field.id)' is in no purpose", at: field.id.location)
        }
        let usedRecipients = Set(policy.purposes.flatMap { $0.recipients.map(\.id) } + policy.recipients.flatMap { $0.subProcessors.map(\.id) })
        for recipient in policy.recipients where !usedRecipients.contains(recipient.id.id) {
            sink.warning(.unusedDefinition, "recipient '\(recipient.id)' is in no purpose", at: recipient.id.location)
        }
        let usedRules = Set(policy.purposes.compactMap { $0.retention?.id })
        for rule in policy.retentionRules where !usedRules.contains(rule.id.id) {
            sink.warning(.unusedDefinition, "retention rule '\(rule.id)' is used by no purpose", at: rule.id.location)
        }
        let usedNotices = Set(policy.purposes.compactMap { $0.notice?.id })
        for notice in policy.notices where !usedNotices.contains(notice.id.id) {
            sink.warning(.unusedDefinition, "notice '\(notice.id)' is named by no purpose", at: notice.id.location)
        }
    }
}

extension PolicyValidator {
    /// An Art. 22(2) exception must rest on what the purpose declares: explicit consent on a
    /// consent basis, a contract on a contract basis, a law by name; and only automated
    /// decisions need one.
    fileprivate func automatedDecisionException(_ profiling: Profiling, of purpose: Purpose, name: String, bases: [LegalBasis], at location: SourceLocation) {
        guard let exception = profiling.exception else {
            if profiling.law != nil {
                sink.error(.automatedDecisionExceptionUnfounded, "\(name) names a 'law' for its automated decisions but no 'exception: law'", at: location)
            }
            return
        }
        let problem: String? = switch exception {
        case _ where !profiling.automatedDecision: "claims an Art. 22(2) exception but declares no 'automated-decision'"
        case .explicitConsent where bases != [.consent]: "claims the explicit-consent exception (Art. 22(2)(c)) but does not rest on consent for every subject category"
        case .contract where bases != [.contract]: "claims the contract exception (Art. 22(2)(a)) but does not rest on a contract with the subject for every subject category"
        case .law where (profiling.law ?? "").isEmpty: "claims the law exception (Art. 22(2)(b)) but names no 'law'"
        default: nil
        }
        if let problem { sink.error(.automatedDecisionExceptionUnfounded, "\(name) \(problem)", at: location) }
    }
}
