/// A processing purpose: who it concerns, which fields, on which basis, for how long, shared
/// with whom. The unit that every decision is asked about.
public struct Purpose: Sendable, Encodable {
    public var id: Ref
    public var title: String
    /// The title in other languages, by ISO 639-1 code, for pages a data subject reads.
    package var titles: [String: String] = [:]
    public var description: String?
    public var dpv: [String]
    public var subjects: [Ref]
    public var fields: [Ref]
    public var basis: BasisAssignment
    /// Reference to the documented legitimate-interest assessment (Art. 6(1)(f)).
    public var lia: String?
    /// Laws that impose the processing (Art. 6(1)(c)).
    public var law: [String]
    /// Consent notice (Art. 7(2)); required when any basis is consent.
    public var notice: Ref?
    /// How long a consent stays valid before it must be refreshed (gdpr.md §4.2).
    public var consentValidity: CalendarDuration?
    public var profiling: Profiling?
    public var dpia: String?
    public var directMarketing: DirectMarketing?
    public var compatibleWith: Compatibility?
    /// Actors allowed to use the purpose; nil means every actor (the validator warns).
    public var actors: [Ref]?
    public var retention: Ref?
    public var recipients: [Ref]
    /// Art. 9(2) condition per special-category field.
    public var article9: [FieldCondition]
    /// Statutory authorisation per criminal (Art. 10) or national-id (Art. 87) field.
    public var authorisations: [FieldAuthorisation]
    /// The purpose serves the establishment, exercise or defence of legal claims, which
    /// overrides a 21(1) objection and is an 18(2) restriction exception.
    public var legalClaims: Bool
    /// The purpose only keeps records a law requires (archive access).
    public var statutoryRetention: Bool
    /// Subjects may be minors: an unknown birth date is then not taken as adult.
    public var mayInvolveMinors: Bool
    /// Cookies or similar device storage the purpose relies on (Tw Art. 11.7a).
    public var cookies: CookieUse?
    /// The lifecycle event with which the purpose begins for a subject (a collection file
    /// from `file-opened`). Only a purpose that has begun, or for which a value was collected,
    /// can keep data against an erasure request.
    public var startsWith: Ref?
    /// The fields this purpose obtains from others than the subject, by source: their
    /// holder must be told within Art. 14(3)'s deadlines.
    package var obtainedFrom: [IndirectCollection] = []
    /// Using the purpose means contacting the subject (a letter, a call): its first use is
    /// the "first communication" of Art. 14(3)(b). Direct marketing always is.
    package var communicatesWithSubject: Bool = false

    /// The first communication of Art. 14(3)(b) happens through this purpose.
    package var isCommunication: Bool { communicatesWithSubject || directMarketing != nil }

    /// The basis that applies to a subject category, if the purpose covers it.
    public func basis(for category: String) -> LegalBasis? {
        switch basis {
        case let .uniform(basis): subjects.contains { $0.id == category } ? basis : nil
        case let .perSubject(entries): entries.first { $0.subject.id == category }?.basis
        }
    }

    /// Of a subject's categories, the one the purpose lists first; nil when it covers none.
    /// A person who is several kinds of subject is judged under that category's basis.
    package func coveredCategory(of categories: [String]) -> String? {
        subjects.first { subject in categories.contains(subject.id) }?.id
    }

    /// The basis for a subject of these categories: that of the category the purpose lists first.
    package func basis(forAnyOf categories: [String]) -> LegalBasis? {
        coveredCategory(of: categories).flatMap(basis(for:))
    }

    /// Every basis the purpose uses, in declaration order without repeats.
    public var allBases: [LegalBasis] {
        switch basis {
        case let .uniform(basis): [basis]
        case let .perSubject(entries):
            entries.reduce(into: []) { found, entry in if !found.contains(entry.basis) { found.append(entry.basis) } }
        }
    }
}

/// A purpose's basis: one for all its subjects, or one per subject category (a client
/// under contract, a corporate client's employee under legitimate interest).
public enum BasisAssignment: Sendable, Encodable {
    case uniform(LegalBasis)
    case perSubject([SubjectBasis])

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case let .uniform(basis):
            var container = encoder.singleValueContainer()
            try container.encode(basis)
        case let .perSubject(entries):
            var container = encoder.container(keyedBy: DynamicKey.self)
            for entry in entries.sorted(by: { $0.subject.id < $1.subject.id }) {
                try container.encode(entry.basis, forKey: DynamicKey(entry.subject.id))
            }
        }
    }
}

public struct SubjectBasis: Sendable, Encodable {
    public var subject: Ref
    public var basis: LegalBasis
}

public struct Profiling: Sendable, Encodable {
    /// A decision is taken solely by automated means (Art. 22(1)).
    public var automatedDecision: Bool
    public var effect: DecisionEffect
    /// Plain-language description of the logic involved (Art. 15(1)(h)).
    public var logic: String?
    /// The 22(2) exception that lets a significant decision go without a human review.
    public var exception: AutomatedDecisionException?
    /// The law that authorises the decisions, for `exception: law` (Art. 22(2)(b)).
    public var law: String?
}

public struct DirectMarketing: Sendable, Encodable {
    public var channel: MarketingChannel
}

public struct Compatibility: Sendable, Encodable {
    public var purposes: [Ref]
    /// Reference to the documented Art. 6(4) assessment.
    public var assessment: String?
}

public struct FieldCondition: Sendable, Encodable {
    public var field: Ref
    public var condition: Article9Condition
}

public struct FieldAuthorisation: Sendable, Encodable {
    public var field: Ref
    public var law: String
}

/// Encodes maps keyed by ids.
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Purpose {
    /// The title in `language` where the policy gives one, else the title.
    package func title(in language: String) -> String { titles[language] ?? title }
}
