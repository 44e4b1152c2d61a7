@testable import CustosDecision
@testable import CustosPolicy
import CustosTestSupport

/// Seeded generator of random policies, facts and requests for the property tests. Every
/// run with the same seed builds the same world, so a failure names its seed.
struct RandomWorld {
    var rng: SplitMix64
    static let location = SourceLocation(file: "random", line: 1, column: 1)
    static let countries = ["NL", "BE", "DE", "US", "IN", "CH", "BR", "CA", "CN", "TR", "KR"]

    /// How many fields a policy declares, and the share of them a request names. Wide worlds
    /// (twenty to thirty fields, most of them asked for) reach the paths a decision takes for
    /// more fields than it keeps inline.
    let fieldCounts: ClosedRange<Int>
    let requestedShare: Double

    init(seed: UInt64, wide: Bool = false) {
        rng = SplitMix64(seed: seed)
        fieldCounts = wide ? 20...30 : 3...8
        requestedShare = wide ? 0.8 : 0.4
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    mutating func subset<T>(_ items: [T], _ p: Double = 0.5) -> [T] { items.filter { _ in chance(p) } }
    func ref(_ id: String) -> Ref { Ref(id, at: Self.location) }
    mutating func date(_ years: ClosedRange<Int> = 2022...2027) -> LocalDate {
        LocalDate(daysSinceEpoch: int(LocalDate(year: years.lowerBound, month: 1, day: 1)!.daysSinceEpoch...LocalDate(year: years.upperBound, month: 12, day: 31)!.daysSinceEpoch))
    }
    mutating func instant(_ years: ClosedRange<Int> = 2022...2027) -> Instant {
        Instant(millisecondsSinceEpoch: Int64(date(years).daysSinceEpoch) * 86_400_000 + Int64(int(0...86_399_999)))
    }
    mutating func duration() -> CalendarDuration {
        pick([CalendarDuration(0, .day), CalendarDuration(30, .day), CalendarDuration(6, .month), CalendarDuration(1, .year),
              CalendarDuration(2, .year), CalendarDuration(5, .year)])
    }

    // MARK: policy

    mutating func policy(reference: ReferenceData) -> Policy {
        var policy = Policy(name: "random", referenceData: reference)
        policy.controller = Controller(name: "R", address: "A", contact: "C", dpo: nil, country: "NL", timezone: "Europe/Amsterdam",
                                       holidayCalendar: "NL", measures: "M", registrations: [], location: Self.location)
        let subjects = (0..<int(2...3)).map { "s\($0)" }
        let fields = (0..<int(fieldCounts)).map { "f\($0)" }
        let actors = ["a0", "a1", "a2"]
        let events = ["e0", "e1"]
        let purposes = (0..<int(2...5)).map { "P\($0)" }
        let recipients = (0..<int(1...6)).map { "R\($0)" }
        policy.subjectCategories = subjects.map { SubjectCategory(id: ref($0), title: $0, description: nil) }
        policy.actors = actors.map { Actor(id: ref($0), kind: .service, description: nil) }
        policy.lifecycleEvents = events.map { LifecycleEvent(id: ref($0), description: nil) }
        policy.fields = fields.map { id in
            FieldDefinition(id: ref(id), title: id, category: nil, dpv: nil,
                            specialCategory: chance(0.15) ? .health : nil, criminal: chance(0.08), nationalId: chance(0.08),
                            derived: chance(0.2), providedBySubject: chance(0.5), mayContainThirdPartyData: false,
                            blindIndex: nil, suppressionEntry: chance(0.1))
        }
        policy.retentionRules = (0..<3).map { index in
            let keep = duration()
            let minimum: CalendarDuration? = chance(0.3) ? pick([CalendarDuration(0, .day), keep]) : nil
            return RetentionRule(id: ref("r\(index)"), keep: keep, from: ref(pick(events + ["collected"])), fromYearEnd: chance(0.2),
                                 minimum: minimum, ground: "g", minimumGround: nil, onExpiry: .delete)
        }
        policy.recipients = recipients.map { id in
            let role = pick(RecipientRole.allCases)
            let country: RecipientCountry = chance(0.25) ? .perDisclosure : .fixed(pick(Self.countries))
            var transfer = TransferInstruments()
            if chance(0.3) {
                let certified = date(2022...2024)
                transfer.dpf = DPFCertification(status: pick(CertificationStatus.allCases), certified: certified, checked: nil,
                                                expires: chance(0.5) ? certified.adding(months: int(6...40)) : nil, covers: .nonHR)
            }
            if chance(0.25) {
                transfer.scc = StandardContractualClauses(module: 1, signed: nil, expires: chance(0.3) ? date(2024...2027) : nil,
                                                          tia: chance(0.7) ? "TIA" : nil, tiaExpires: chance(0.3) ? date(2024...2027) : nil)
            }
            if chance(0.1) { transfer.bcr = BindingCorporateRules(reference: "BCR", tia: chance(0.7) ? "TIA" : nil, tiaExpires: chance(0.3) ? date(2024...2027) : nil) }
            if chance(0.35) {
                transfer.derogation = Derogation(ground: chance(0.85) ? .legalClaims : .explicitConsent,
                                                 occasional: chance(0.8) ? OccasionalLimit(max: int(1...3), per: CalendarDuration(12, .month)) : nil)
            }
            let isProcessor = role == .processor || role == .subProcessor
            return Recipient(
                id: ref(id), name: id, role: role, country: country,
                fields: chance(0.4) ? subset(fields, 0.6).map(ref) : nil,
                dpa: isProcessor && chance(0.85) ? ProcessorAgreement(reference: "DPA", signed: chance(0.2) ? date(2023...2026) : nil,
                                                                       expires: chance(0.3) ? date(2024...2027) : nil, status: chance(0.85) ? .active : .terminated,
                                                                       purposes: subset(purposes, 0.7).map(ref), fields: subset(fields, 0.7).map(ref)) : nil,
                subProcessors: subset(recipients, 0.3).map(ref), engagedBy: role == .subProcessor ? ref(pick(recipients)) : nil,
                arrangement: nil, attributes: subset(["commercial-organisation", "fsc-supervised-credit-information"], 0.4),
                transfer: transfer.isEmpty ? nil : transfer, namedPerDisclosure: chance(0.2),
                authorisation: role == .subProcessor && chance(0.85)
                    ? SubProcessorAuthorisation(kind: pick(AuthorisationKind.allCases), since: chance(0.9) ? date(2023...2026) : nil,
                                                objectionWindow: chance(0.8) ? CalendarDuration(int(14...60), .day) : nil) : nil,
                accessFrom: chance(0.15) ? subset(["IN", "US", "BE"], 0.5) : [])
        }
        policy.purposes = purposes.map { id in
            var chosenSubjects = subset(subjects, 0.6)
            if chosenSubjects.isEmpty { chosenSubjects = [pick(subjects)] }
            let purposeFields = subset(fields, 0.6)
            let basis: BasisAssignment = chance(0.7) ? .uniform(pick(LegalBasis.allCases))
                : .perSubject(chosenSubjects.map { SubjectBasis(subject: ref($0), basis: pick(LegalBasis.allCases)) })
            let special = purposeFields.filter { f in policy.fields.first { $0.id.id == f }?.specialCategory != nil }
            let prohibited = purposeFields.filter { f in policy.fields.first { $0.id.id == f }.map { $0.criminal || $0.nationalId } ?? false }
            return Purpose(
                id: ref(id), title: id, description: nil, dpv: [], subjects: chosenSubjects.map(ref), fields: purposeFields.map(ref),
                basis: basis, lia: chance(0.85) ? "LIA" : nil, law: chance(0.8) ? ["law"] : [],
                notice: chance(0.8) ? ref(pick(["n0", "n1"])) : nil,
                consentValidity: chance(0.5) ? pick([CalendarDuration(6, .month), CalendarDuration(24, .month)]) : nil,
                profiling: chance(0.3) ? Profiling(automatedDecision: chance(0.7), effect: pick(DecisionEffect.allCases), logic: "l",
                                                         exception: chance(0.5) ? pick(AutomatedDecisionException.allCases) : nil, law: chance(0.7) ? "law" : nil) : nil,
                dpia: nil, directMarketing: chance(0.25) ? DirectMarketing(channel: pick(MarketingChannel.allCases)) : nil,
                compatibleWith: chance(0.3) ? Compatibility(purposes: subset(purposes + ["P-GHOST"], 0.4).map(ref), assessment: "CA") : nil,
                actors: chance(0.2) ? nil : subset(actors + ["a-undeclared"], 0.6).map(ref),
                retention: chance(0.9) ? ref(pick(["r0", "r1", "r2"])) : nil, recipients: subset(recipients, 0.5).map(ref),
                article9: special.filter { _ in chance(0.6) }.map { FieldCondition(field: ref($0), condition: chance(0.6) ? .legalClaims : .explicitConsent) },
                authorisations: prohibited.filter { _ in chance(0.5) }.map { FieldAuthorisation(field: ref($0), law: "law") },
                legalClaims: chance(0.3), statutoryRetention: chance(0.1), mayInvolveMinors: chance(0.2),
                cookies: chance(0.15) ? pick(CookieUse.allCases) : nil,
                startsWith: chance(0.4) ? ref(pick(events + ["collected"])) : nil)
        }
        policy.notices = ["n0", "n1"].map { id in
            var effective = date(2022...2024)
            let versions = (1...int(1...3)).map { number -> NoticeVersion in
                defer { effective = effective.adding(days: int(30...500)) }
                let scopes = subset(purposes, 0.7).map { p in
                    NoticeScope(purpose: ref(p), fields: subset(fields, 0.6).map(ref), recipients: subset(recipients, 0.5).map(ref),
                                transfers: subset(["US", "IN"], 0.3))
                }
                return NoticeVersion(version: number, effective: effective, text: "t", contentHash: nil, language: "nl", content: nil, translations: [],
                                     materialChange: chance(0.5), purposes: scopes, location: Self.location)
            }
            return Notice(id: ref(id), title: id, language: "nl", versions: versions)
        }
        return policy
    }

    // MARK: facts and requests

    mutating func facts(for policy: Policy, subject: String) -> Facts {
        let purposes = policy.purposes.map(\.id.id)
        let fields = policy.fields.map(\.id.id)
        var facts = Facts(subject: nil)
        if chance(0.92) {
            facts.subject = SubjectFacts(
                id: chance(0.95) ? subject : "S-OTHER",
                categories: chance(0.95) ? (chance(0.35) ? subset(policy.subjectCategories.map(\.id.id), 0.6) + [pick(policy.subjectCategories.map(\.id.id))]
                                                         : [pick(policy.subjectCategories.map(\.id.id))])
                                         : (chance(0.5) ? ["ghost"] : [pick(policy.subjectCategories.map(\.id.id)), "ghost"]),
                birthDate: chance(0.5) ? date(1950...2015) : nil, contractParty: chance(0.5))
        }
        for purpose in purposes where chance(0.45) {
            let notice = chance(0.9) ? "\(pick(["n0", "n1"]))@\(int(1...4))" : nil
            let events = (0..<int(1...3)).map { _ in
                ConsentEvent(state: chance(0.6) ? .given : pick(ConsentState.allCases), at: instant(),
                             method: chance(0.9) ? pick(ConsentMethod.allCases) : nil, by: .subject, preTicked: chance(0.1),
                             conditionalOnService: chance(0.1),
                             parentalAuthorisation: chance(0.2) ? ParentalAuthorisation(by: "parent", verifiedVia: chance(0.8) ? "id" : "") : nil,
                             ageAtConsent: chance(0.3) ? int(10...60) : nil)
            }
            facts.consents.append(ConsentRecord(purpose: purpose, notice: notice, events: events))
        }
        for _ in 0..<int(0...2) where chance(0.5) {
            facts.objections.append(Objection(purpose: chance(0.4) ? nil : pick(purposes + ["P-GHOST"]), kind: pick(ObjectionKind.allCases),
                                              at: instant(), assessment: chance(0.5) ? pick([.pending, .upheld, .overridden]) : nil,
                                              assessmentReference: chance(0.5) ? "OBJ" : nil))
        }
        if chance(0.3) { facts.restrictions.append(Restriction(fields: chance(0.5) ? nil : subset(fields, 0.4), since: instant(), lifted: chance(0.3) ? instant() : nil)) }
        if chance(0.25) {
            let since = date()
            facts.legalHolds.append(LegalHold(reference: "H", since: since, until: chance(0.4) ? since.adding(days: int(1...900)) : nil,
                                              fields: chance(0.5) ? nil : subset(fields, 0.5), purposes: chance(0.7) ? nil : subset(purposes, 0.5)))
        }
        for event in ["e0", "e1", "collected"] where chance(0.6) {
            facts.events.append(LifecycleEventFact(event: event, date: date(2015...2027)))
        }
        facts.erasedFields = subset(fields, 0.08)
        for field in fields where chance(0.3) {
            facts.fields.append(FieldProvenance(field: field, collected: chance(0.7) ? date(2018...2027) : nil,
                                                collectedFor: chance(0.6) ? subset(purposes, 0.4) : nil,
                                                keptFor: chance(0.1) ? subset(purposes, 0.4) : nil))
        }
        for _ in 0..<int(0...4) {
            facts.transfers.append(TransferRecord(recipient: pick(policy.recipients.map(\.id.id)), destination: pick(Self.countries),
                                                  procedure: chance(0.9) ? pick(["X1", "X2", "X3", "X4"]) : nil, at: instant()))
        }
        for recipient in policy.recipients where recipient.role == .subProcessor && chance(0.3) {
            facts.subProcessors.append(SubProcessorRecord(recipient: recipient.id.id, state: pick(AuthorisationState.allCases), at: instant()))
        }
        return facts
    }

    mutating func request(for policy: Policy, subject: String) -> DecisionRequest {
        var fields = subset(policy.fields.map(\.id.id), requestedShare)
        if chance(0.05) { fields.append("ghost_field") }
        if chance(0.05), let first = fields.first { fields.append(first) }
        if fields.isEmpty, chance(0.8) { fields = [pick(policy.fields.map(\.id.id))] }
        return DecisionRequest(
            actor: chance(0.95) ? pick(policy.actors.map(\.id.id)) : "ghost",
            action: pick(Action.allCases), subject: subject,
            purpose: chance(0.95) ? pick(policy.purposes.map(\.id.id)) : "P-GHOST", fields: fields,
            recipient: chance(0.9) ? pick(policy.recipients.map(\.id.id) + ["R-GHOST"]) : nil,
            recipientName: chance(0.5) ? pick(["Avukat Bürosu Yılmaz", " ", ""]) : nil,
            destination: chance(0.5) ? pick(Self.countries) : nil, procedure: chance(0.6) ? pick(["X1", "X2", "X3", "X5"]) : nil,
            bulk: chance(0.1), foreignOrder: chance(0.05),
            review: chance(0.4) ? HumanReview(reviewer: chance(0.9) ? "rev" : "", canOverride: chance(0.7)) : nil,
            effect: chance(0.7) ? pick(DecisionEffect.allCases) : nil)
    }
}
