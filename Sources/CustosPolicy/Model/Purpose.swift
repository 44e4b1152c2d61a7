/// A processing purpose: who it concerns, which fields, on which basis, for how long, shared
/// with whom. The unit that every decision is asked about.
package struct Purpose: Sendable, Encodable {
    package var id: Ref
    package var title: String
    /// The title in other languages, by ISO 639-1 code, for pages a data subject reads.
    package var titles: [String: String] = [:]
    package var description: String?
    package var dpv: [String]
    package var subjects: [Ref]
    package var fields: [Ref]
    package var basis: BasisAssignment
    /// Reference to the documented legitimate-interest assessment (Art. 6(1)(f)).
    package var lia: String?
    /// Laws that impose the processing (Art. 6(1)(c)).
    package var law: [String]
    /// Consent notice (Art. 7(2)); required when any basis is consent.
    package var notice: Ref?
    /// How long a consent stays valid before it must be refreshed (gdpr.md §4.2).
    package var consentValidity: CalendarDuration?
    package var profiling: Profiling?
    package var dpia: String?
    package var directMarketing: DirectMarketing?
    package var compatibleWith: Compatibility?
    /// Actors allowed to use the purpose; nil means every actor (the validator warns).
    package var actors: [Ref]?
    package var retention: Ref?
    package var recipients: [Ref]
    /// Art. 9(2) condition per special-category field.
    package var article9: [FieldCondition]
    /// Statutory authorisation per criminal (Art. 10) or national-id (Art. 87) field.
    package var authorisations: [FieldAuthorisation]
    /// The purpose serves the establishment, exercise or defence of legal claims, which
    /// overrides a 21(1) objection and is an 18(2) restriction exception.
    package var legalClaims: Bool
    /// The purpose only keeps records a law requires (archive access).
    package var statutoryRetention: Bool
    /// Subjects may be minors: an unknown birth date is then not taken as adult.
    package var mayInvolveMinors: Bool
    /// Cookies or similar device storage the purpose relies on (Tw Art. 11.7a).
    package var cookies: CookieUse?
    /// The lifecycle event with which the purpose begins for a subject (a collection file
    /// from `file-opened`). Only a purpose that has begun, or for which a value was collected,
    /// can keep data against an erasure request.
    package var startsWith: Ref?
    /// The fields this purpose obtains from others than the subject, by source: their
    /// holder must be told within Art. 14(3)'s deadlines.
    package var obtainedFrom: [IndirectCollection] = []
    /// Using the purpose means contacting the subject (a letter, a call): its first use is
    /// the "first communication" of Art. 14(3)(b). Direct marketing always is.
    package var communicatesWithSubject: Bool = false

    /// The first communication of Art. 14(3)(b) happens through this purpose.
    package var isCommunication: Bool { communicatesWithSubject || directMarketing != nil }

    /// The basis that applies to a subject category, if the purpose covers it.
    package func basis(for category: String) -> LegalBasis? {
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
    package var allBases: [LegalBasis] {
        switch basis {
        case let .uniform(basis): [basis]
        case let .perSubject(entries):
            entries.reduce(into: []) { found, entry in if !found.contains(entry.basis) { found.append(entry.basis) } }
        }
    }
}

/// A purpose's basis: one for all its subjects, or one per subject category (a client
/// under contract, a corporate client's employee under legitimate interest).
package enum BasisAssignment: Sendable, Encodable {
    case uniform(LegalBasis)
    case perSubject([SubjectBasis])

    package func encode(to encoder: any Encoder) throws {
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

package struct SubjectBasis: Sendable, Encodable {
    package var subject: Ref
    package var basis: LegalBasis
}

package struct Profiling: Sendable, Encodable {
    /// A decision is taken solely by automated means (Art. 22(1)).
    package var automatedDecision: Bool
    package var effect: DecisionEffect
    /// Plain-language description of the logic involved (Art. 15(1)(h)).
    package var logic: String?
    /// The logic in other languages, by ISO 639-1 code, for the access answer a person reads.
    package var logics: [String: String] = [:]
    /// The 22(2) exception that lets a significant decision go without a human review.
    package var exception: AutomatedDecisionException?
    /// The law that authorises the decisions, for `exception: law` (Art. 22(2)(b)).
    package var law: String?

    /// The logic in `language` where the policy gives it, else the logic.
    package func logic(in language: String) -> String? { logics[language] ?? logic }

    private enum CodingKeys: String, CodingKey { case automatedDecision, effect, logic, logics, exception, law }

    /// As the synthesised encoding, but without `logics` where there are none, so that a
    /// policy that gives none keeps the digest it had before.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(automatedDecision, forKey: .automatedDecision)
        try c.encode(effect, forKey: .effect)
        try c.encodeIfPresent(logic, forKey: .logic)
        if !logics.isEmpty { try c.encode(logics, forKey: .logics) }
        try c.encodeIfPresent(exception, forKey: .exception)
        try c.encodeIfPresent(law, forKey: .law)
    }
}

package struct DirectMarketing: Sendable, Encodable {
    package var channel: MarketingChannel
}

package struct Compatibility: Sendable, Encodable {
    package var purposes: [Ref]
    /// Reference to the documented Art. 6(4) assessment.
    package var assessment: String?
}

package struct FieldCondition: Sendable, Encodable {
    package var field: Ref
    package var condition: Article9Condition
}

package struct FieldAuthorisation: Sendable, Encodable {
    package var field: Ref
    package var law: String
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
