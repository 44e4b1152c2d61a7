public import CustosPolicy

/// Everything known about one subject that can change a decision (DESIGN §2). The vault
/// loads them; policy tests and `decide --facts` supply them.
public struct Facts: Sendable, Hashable, Codable {
    public var subject: SubjectFacts?
    public var consents: [ConsentRecord]
    public var objections: [Objection]
    public var restrictions: [Restriction]
    public var legalHolds: [LegalHold]
    /// Lifecycle events with their dates (`file-closed` on 2024-03-01).
    public var events: [LifecycleEventFact]
    /// Fields whose values were destroyed.
    public var erasedFields: [String]
    /// Per-field provenance: when and for which purposes a value was collected.
    public var fields: [FieldProvenance]
    /// Earlier Art. 49 derogation transfers, for the "occasional" limit: every transfer to the
    /// recipients concerned, whichever subject it was about (the vault supplies them so for a share).
    public var transfers: [TransferRecord]
    /// The officer's records about sub-processor authorisations (the controller's, not the
    /// subject's): an objection within a general authorisation's window, an approval.
    public var subProcessors: [SubProcessorRecord]
    /// The notices whose Art. 13/14 information reached the subject, or was not owed under
    /// an Art. 14(5) exception the officer recorded.
    public var information: [InformationGiven]

    @inlinable
    public init(
        subject: SubjectFacts?, consents: [ConsentRecord] = [], objections: [Objection] = [],
        restrictions: [Restriction] = [], legalHolds: [LegalHold] = [], events: [LifecycleEventFact] = [],
        erasedFields: [String] = [], fields: [FieldProvenance] = [], transfers: [TransferRecord] = [],
        subProcessors: [SubProcessorRecord] = [], information: [InformationGiven] = []
    ) {
        self.subProcessors = subProcessors
        self.information = information
        self.subject = subject
        self.consents = consents
        self.objections = objections
        self.restrictions = restrictions
        self.legalHolds = legalHolds
        self.events = events
        self.erasedFields = erasedFields
        self.fields = fields
        self.transfers = transfers
    }

    enum CodingKeys: String, CodingKey {
        case subject, consents, objections, restrictions, legalHolds = "legal-holds", events
        case erasedFields = "erased-fields", fields, transfers, subProcessors = "sub-processors", information
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        subject = try c.decodeIfPresent(SubjectFacts.self, forKey: .subject)
        consents = try c.decodeIfPresent([ConsentRecord].self, forKey: .consents) ?? []
        objections = try c.decodeIfPresent([Objection].self, forKey: .objections) ?? []
        restrictions = try c.decodeIfPresent([Restriction].self, forKey: .restrictions) ?? []
        legalHolds = try c.decodeIfPresent([LegalHold].self, forKey: .legalHolds) ?? []
        events = try c.decodeIfPresent([LifecycleEventFact].self, forKey: .events) ?? []
        erasedFields = try c.decodeIfPresent([String].self, forKey: .erasedFields) ?? []
        fields = try c.decodeIfPresent([FieldProvenance].self, forKey: .fields) ?? []
        transfers = try c.decodeIfPresent([TransferRecord].self, forKey: .transfers) ?? []
        subProcessors = try c.decodeIfPresent([SubProcessorRecord].self, forKey: .subProcessors) ?? []
        information = try c.decodeIfPresent([InformationGiven].self, forKey: .information) ?? []
    }

    /// Every key as before `information` existed; that one only when it holds something, so
    /// facts written before it read back the same.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(subject, forKey: .subject)
        try c.encode(consents, forKey: .consents)
        try c.encode(objections, forKey: .objections)
        try c.encode(restrictions, forKey: .restrictions)
        try c.encode(legalHolds, forKey: .legalHolds)
        try c.encode(events, forKey: .events)
        try c.encode(erasedFields, forKey: .erasedFields)
        try c.encode(fields, forKey: .fields)
        try c.encode(transfers, forKey: .transfers)
        try c.encode(subProcessors, forKey: .subProcessors)
        if !information.isEmpty { try c.encode(information, forKey: .information) }
    }
}

public struct SubjectFacts: Sendable, Hashable, Codable {
    public var id: String
    /// Every kind of subject the person is for the controller (a debtor who also subscribes to
    /// the newsletter), without repeats; a purpose applies when it covers any of them.
    public var categories: [String]
    public var kind: SubjectKind
    public var consumer: Bool
    /// Unknown means adult, unless the purpose may involve minors.
    public var birthDate: LocalDate?
    /// The subject is party to a contract with this controller (Art. 6(1)(b)).
    public var contractParty: Bool

    @inlinable
    public init(id: String, category: String, kind: SubjectKind = .naturalPerson, consumer: Bool = true,
                birthDate: LocalDate? = nil, contractParty: Bool = false) {
        self.init(id: id, categories: [category], kind: kind, consumer: consumer, birthDate: birthDate, contractParty: contractParty)
    }

    @inlinable
    public init(id: String, categories: [String], kind: SubjectKind = .naturalPerson, consumer: Bool = true,
                birthDate: LocalDate? = nil, contractParty: Bool = false) {
        self.id = id
        self.categories = categories.reduce(into: []) { unique, category in if !unique.contains(category) { unique.append(category) } }
        self.kind = kind
        self.consumer = consumer
        self.birthDate = birthDate
        self.contractParty = contractParty
    }

    /// The first category, for messages about a subject of one kind.
    public var category: String { categories.first ?? "" }

    enum CodingKeys: String, CodingKey {
        case id, category, categories, kind, consumer, birthDate = "birth-date", contractParty = "contract-party"
    }

    /// `category` for one kind, `categories` for several; exactly one of them.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        let one = try c.decodeIfPresent(String.self, forKey: .category)
        let several = try c.decodeIfPresent([String].self, forKey: .categories)
        switch (one, several) {
        case let (one?, nil): categories = [one]
        case let (nil, several?) where !several.isEmpty:
            categories = several.reduce(into: []) { unique, category in if !unique.contains(category) { unique.append(category) } }
        case (nil, _):
            throw DecodingError.keyNotFound(CodingKeys.category, .init(codingPath: c.codingPath, debugDescription: "a subject needs 'category' or a non-empty 'categories'"))
        case (_?, _?):
            throw DecodingError.dataCorruptedError(forKey: .categories, in: c, debugDescription: "give 'category' or 'categories', not both")
        }
        kind = try c.decodeIfPresent(SubjectKind.self, forKey: .kind) ?? .naturalPerson
        consumer = try c.decodeIfPresent(Bool.self, forKey: .consumer) ?? true
        birthDate = try c.decodeIfPresent(LocalDate.self, forKey: .birthDate)
        contractParty = try c.decodeIfPresent(Bool.self, forKey: .contractParty) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        if categories.count == 1 { try c.encode(categories[0], forKey: .category) } else { try c.encode(categories, forKey: .categories) }
        try c.encode(kind, forKey: .kind)
        try c.encode(consumer, forKey: .consumer)
        try c.encodeIfPresent(birthDate, forKey: .birthDate)
        try c.encode(contractParty, forKey: .contractParty)
    }
}

public enum SubjectKind: String, Sendable, Hashable, Codable, CaseIterable {
    case naturalPerson = "natural-person"
    case soleTrader = "sole-trader"
}

/// The consent events of one subject for one purpose, under one notice version.
public struct ConsentRecord: Sendable, Hashable, Codable {
    public var purpose: String
    /// `NOTICE@VERSION`, e.g. `N-NEWS@2`.
    public var notice: String?
    public var events: [ConsentEvent]

    public init(purpose: String, notice: String?, events: [ConsentEvent]) {
        self.purpose = purpose
        self.notice = notice
        self.events = events
    }

    /// The notice id and version, when `notice` is well formed.
    public var noticeReference: (id: String, version: Int)? {
        // Read on every decision under consent: scanned as bytes, not parsed through Substring.
        guard var notice else { return nil }
        return notice.withUTF8 { bytes -> (String, Int)? in
            guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at + 1 < bytes.count, bytes.count - at <= 10 else { return nil }
            var version = 0
            for byte in bytes[(at + 1)...] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                version = version * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return (String(decoding: UnsafeBufferPointer(rebasing: bytes[..<at]), as: UTF8.self), version)
        }
    }

    public static func == (lhs: ConsentRecord, rhs: ConsentRecord) -> Bool {
        lhs.purpose == rhs.purpose && lhs.notice == rhs.notice && lhs.events == rhs.events
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(purpose)
        hasher.combine(notice)
        hasher.combine(events)
    }
}

public struct ConsentEvent: Sendable, Hashable, Codable {
    public var state: ConsentState
    public var at: Instant
    public var method: ConsentMethod?
    public var channel: String?
    public var by: ConsentGiver
    public var preTicked: Bool
    public var conditionalOnService: Bool
    public var parentalAuthorisation: ParentalAuthorisation?
    public var evidence: String?
    /// The age the subject declared or was verified to have when consenting; counts when the
    /// birth date is not known.
    public var ageAtConsent: Int?

    public init(state: ConsentState, at: Instant, method: ConsentMethod? = nil, channel: String? = nil,
                by: ConsentGiver = .subject, preTicked: Bool = false, conditionalOnService: Bool = false,
                parentalAuthorisation: ParentalAuthorisation? = nil, evidence: String? = nil, ageAtConsent: Int? = nil) {
        self.state = state
        self.at = at
        self.method = method
        self.channel = channel
        self.by = by
        self.preTicked = preTicked
        self.conditionalOnService = conditionalOnService
        self.parentalAuthorisation = parentalAuthorisation
        self.evidence = evidence
        self.ageAtConsent = ageAtConsent
    }

    enum CodingKeys: String, CodingKey {
        case state, at, method, channel, by, preTicked = "pre-ticked", conditionalOnService = "conditional-on-service"
        case parentalAuthorisation = "parental-authorisation", evidence, ageAtConsent = "age-at-consent"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        state = try c.decode(ConsentState.self, forKey: .state)
        at = try c.decode(Instant.self, forKey: .at)
        method = try c.decodeIfPresent(ConsentMethod.self, forKey: .method)
        channel = try c.decodeIfPresent(String.self, forKey: .channel)
        by = try c.decodeIfPresent(ConsentGiver.self, forKey: .by) ?? .subject
        preTicked = try c.decodeIfPresent(Bool.self, forKey: .preTicked) ?? false
        conditionalOnService = try c.decodeIfPresent(Bool.self, forKey: .conditionalOnService) ?? false
        parentalAuthorisation = try c.decodeIfPresent(ParentalAuthorisation.self, forKey: .parentalAuthorisation)
        evidence = try c.decodeIfPresent(String.self, forKey: .evidence)
        ageAtConsent = try c.decodeIfPresent(Int.self, forKey: .ageAtConsent)
        if let age = ageAtConsent, !(0...150).contains(age) {
            throw DecodingError.dataCorruptedError(forKey: .ageAtConsent, in: c, debugDescription: "an age from 0 to 150")
        }
    }
}

/// DPV consent states (gdpr.md §4.4).
public enum ConsentState: String, Sendable, Hashable, Codable, CaseIterable {
    case requested, given, refused, withdrawn, expired, invalidated, renewed
}

/// How consent was expressed; only a clear affirmative act counts (CJEU C-673/17 Planet49).
public enum ConsentMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case checkboxTicked = "checkbox-ticked"
    case signedForm = "signed-form"
    case explicitClick = "explicit-click"
    case verbalRecorded = "verbal-recorded"
    case emailReply = "e-mail-reply"
    case doubleOptIn = "double-opt-in"
    case preTicked = "pre-ticked"
    case silence
    case inactivity
    case browserSettings = "browser-settings"

    public var isAffirmative: Bool {
        switch self {
        case .checkboxTicked, .signedForm, .explicitClick, .verbalRecorded, .emailReply, .doubleOptIn: true
        case .preTicked, .silence, .inactivity, .browserSettings: false
        }
    }

    /// An express statement, as explicit consent needs (Art. 9(2)(a), 22(2)(c); EDPB 05/2020
    /// §4): signed, written, recorded, a click on an explicit statement, or confirmed in a
    /// second step. A ticked box alone is affirmative but not explicit.
    public var isExplicit: Bool {
        switch self {
        case .signedForm, .explicitClick, .verbalRecorded, .emailReply, .doubleOptIn: true
        default: false
        }
    }
}

public enum ConsentGiver: String, Sendable, Hashable, Codable {
    case subject, parent, guardian, agent
}

public struct ParentalAuthorisation: Sendable, Hashable, Codable {
    public var by: String
    public var verifiedVia: String

    public init(by: String, verifiedVia: String) {
        self.by = by
        self.verifiedVia = verifiedVia
    }

    enum CodingKeys: String, CodingKey { case by, verifiedVia = "verified-via" }
}

/// An objection (Art. 21). Without `purpose` it covers every purpose it can apply to.
public struct Objection: Sendable, Hashable, Codable {
    public var purpose: String?
    public var kind: ObjectionKind
    public var at: Instant
    /// The recorded Art. 21(1) assessment; absent or pending counts as upheld.
    public var assessment: ObjectionAssessment?
    public var assessmentReference: String?

    public init(purpose: String?, kind: ObjectionKind, at: Instant, assessment: ObjectionAssessment? = nil, assessmentReference: String? = nil) {
        self.purpose = purpose
        self.kind = kind
        self.at = at
        self.assessment = assessment
        self.assessmentReference = assessmentReference
    }

    enum CodingKeys: String, CodingKey {
        case purpose, kind, at, assessment, assessmentReference = "assessment-reference"
    }
}

public enum ObjectionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case general
    case directMarketing = "direct-marketing"
    /// Art. 22(3): the subject asks for human intervention in automated decisions about them;
    /// every automated decision under the purpose (or every purpose) then needs a human review.
    case automatedDecision = "automated-decision"
}

public enum ObjectionAssessment: String, Sendable, Hashable, Codable {
    case pending, upheld
    /// Compelling legitimate grounds override the objection; needs a reference.
    case overridden
}

/// A restriction of processing (Art. 18); without `fields` it covers every field.
public struct Restriction: Sendable, Hashable, Codable {
    public var fields: [String]?
    public var since: Instant
    public var lifted: Instant?
    public var ground: String?

    public init(fields: [String]?, since: Instant, lifted: Instant? = nil, ground: String? = nil) {
        self.fields = fields
        self.since = since
        self.lifted = lifted
        self.ground = ground
    }
}

/// A legal hold: data kept for pending or reasonably certain proceedings (Art. 17(3)(e)).
public struct LegalHold: Sendable, Hashable, Codable {
    public var reference: String
    public var since: LocalDate
    public var until: LocalDate?
    public var fields: [String]?
    public var purposes: [String]?

    public init(reference: String, since: LocalDate, until: LocalDate? = nil, fields: [String]? = nil, purposes: [String]? = nil) {
        self.reference = reference
        self.since = since
        self.until = until
        self.fields = fields
        self.purposes = purposes
    }
}

public struct LifecycleEventFact: Sendable, Hashable, Codable {
    public var event: String
    public var date: LocalDate

    public init(event: String, date: LocalDate) {
        self.event = event
        self.date = date
    }
}

public struct FieldProvenance: Sendable, Hashable, Codable {
    public var field: String
    public var collected: LocalDate?
    /// The purposes the value was collected for; another purpose needs compatibility.
    public var collectedFor: [String]?
    public var source: String?
    /// After an erasure request: the purposes the value is still kept for (a legal obligation,
    /// legal claims); for every other purpose it counts as erased.
    public var keptFor: [String]?

    public init(field: String, collected: LocalDate? = nil, collectedFor: [String]? = nil, source: String? = nil, keptFor: [String]? = nil) {
        self.field = field
        self.collected = collected
        self.collectedFor = collectedFor
        self.source = source
        self.keptFor = keptFor
    }

    enum CodingKeys: String, CodingKey { case field, collected, collectedFor = "collected-for", source, keptFor = "kept-for" }
}

/// A past share outside the EEA under an Art. 49 derogation.
/// The officer's record that a sub-processor is authorised, objected to, or withdrawn from
/// `at` on; the latest record up to a decision's instant overrides the policy's authorisation.
public struct SubProcessorRecord: Sendable, Hashable, Codable {
    public var recipient: String
    public var state: AuthorisationState
    public var at: Instant

    public init(recipient: String, state: AuthorisationState, at: Instant) {
        self.recipient = recipient
        self.state = state
        self.at = at
    }
}

public struct TransferRecord: Sendable, Hashable, Codable {
    public var recipient: String
    public var destination: String?
    public var procedure: String?
    public var at: Instant

    public init(recipient: String, destination: String? = nil, procedure: String? = nil, at: Instant) {
        self.recipient = recipient
        self.destination = destination
        self.procedure = procedure
        self.at = at
    }
}
