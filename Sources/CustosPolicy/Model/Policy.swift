/// A validated-or-not policy as read from a folder of YAML files. Every element keeps the
/// location it was declared at; collections keep declaration order. `CompiledPolicy` is the
/// form the evaluator runs on.
public struct Policy: Sendable, Encodable {
    /// The folder name, e.g. `invorderingsbedrijf`.
    public var name: String
    public var controller: Controller?
    public var actors: [Actor] = []
    public var lifecycleEvents: [LifecycleEvent] = []
    public var subjectCategories: [SubjectCategory] = []
    public var fields: [FieldDefinition] = []
    public var purposes: [Purpose] = []
    public var notices: [Notice] = []
    public var recipients: [Recipient] = []
    public var retentionRules: [RetentionRule] = []
    /// Where data not obtained from the subject comes from (Art. 14).
    package var dataSources: [DataSource] = []
    /// How long decision-log entries are kept; absent = kept for ever.
    public var decisionLog: DecisionLogRetention?
    /// How long the minimal proof of an erased subject's consents is kept; absent = as long
    /// as the decision log, or for ever when that has no limit either.
    public var consentProof: DecisionLogRetention?
    /// Built-in reference data with the policy's overrides applied.
    public var referenceData: ReferenceData
    /// Ids declared in entries that could not be read; references to them are not reported
    /// again as unknown.
    var unreadableIds: Set<String> = []

    private enum CodingKeys: String, CodingKey {
        case name, controller, actors, lifecycleEvents, subjectCategories, fields, purposes, notices, recipients, retentionRules, dataSources, decisionLog, consentProof, referenceData
    }

    public init(name: String, referenceData: ReferenceData) {
        self.name = name
        self.referenceData = referenceData
    }

    public func purpose(_ id: String) -> Purpose? { purposes.first { $0.id.id == id } }
    public func field(_ id: String) -> FieldDefinition? { fields.first { $0.id.id == id } }
    public func recipient(_ id: String) -> Recipient? { recipients.first { $0.id.id == id } }
    public func notice(_ id: String) -> Notice? { notices.first { $0.id.id == id } }
    package func dataSource(_ id: String) -> DataSource? { dataSources.first { $0.id.id == id } }
    public func retentionRule(_ id: String) -> RetentionRule? { retentionRules.first { $0.id.id == id } }
}

/// The controller (Art. 4(7)) the policy speaks for.
public struct Controller: Sendable, Encodable {
    public var name: String
    public var address: String
    public var contact: String
    public var dpo: DataProtectionOfficer?
    /// ISO 3166 alpha-2.
    public var country: String
    /// IANA zone in which dates and deadlines are counted, e.g. `Europe/Amsterdam`.
    public var timezone: String
    /// Name of the holiday calendar for deadlines; defaults to the country.
    public var holidayCalendar: String
    /// Art. 30(1)(g) general description of technical and organisational measures.
    public var measures: String
    public var registrations: [String]
    public var location: SourceLocation

    private enum CodingKeys: String, CodingKey {
        case name, address, contact, dpo, country, timezone, holidayCalendar, measures, registrations
    }
}

public struct DataProtectionOfficer: Sendable, Encodable {
    public var name: String
    public var contact: String
}

/// A service or person that asks for decisions; purposes list which actors may use them.
public struct Actor: Sendable, Encodable {
    public var id: Ref
    public var kind: ActorKind
    public var description: String?
}

/// An event from which retention is counted (`file-closed`, `relationship-ended`, …).
public struct LifecycleEvent: Sendable, Encodable {
    public var id: Ref
    public var description: String?
    /// The description in other languages, by ISO 639-1 code, for pages a data subject reads.
    package var descriptions: [String: String] = [:]

    /// The description in `language` where the policy gives one, else the description.
    package func description(in language: String) -> String? { descriptions[language] ?? description }
}

/// A category of data subjects (`debtor`, `client`, …).
public struct SubjectCategory: Sendable, Encodable {
    public var id: Ref
    public var title: String
    public var description: String?
    /// What a person of this category gives, besides an e-mail code, to open a rights request
    /// through the privacy centre (Art. 12(6): data already held, not a copy of an ID).
    package var identityCheck: [IdentityCheckItem] = []
}

/// One thing a requester must give that matches what the vault holds: a field's value, or
/// the postcode inside an address field.
package struct IdentityCheckItem: Sendable, Encodable, Equatable {
    package enum Part: String, Sendable, Encodable, CaseIterable { case postcode }
    package var field: Ref
    package var part: Part?
}

/// A personal-data field and the flags that change how it may be processed.
public struct FieldDefinition: Sendable, Encodable {
    public var id: Ref
    public var title: String
    /// The title in other languages, by ISO 639-1 code, for pages a data subject reads.
    package var titles: [String: String] = [:]
    /// The data category for the Art. 30 record, e.g. `contact details`.
    public var category: String?
    /// DPV personal-data term, e.g. `pd:EmailAddress`.
    public var dpv: String?
    public var specialCategory: SpecialCategory?
    public var criminal: Bool
    public var nationalId: Bool
    /// Inferred or computed (scores): excluded from portability.
    public var derived: Bool
    /// Declared or observed data the subject provided: included in portability.
    public var providedBySubject: Bool
    /// Free text that may mention other people: flagged for review before an access copy.
    public var mayContainThirdPartyData: Bool
    public var blindIndex: BlindIndexKind?
    /// A minimal entry kept to honour an objection to direct marketing (Art. 21(3)).
    public var suppressionEntry: Bool

    /// Special-category, criminal and national-id data are prohibited unless authorised.
    public var isProhibitedByDefault: Bool { specialCategory != nil || criminal || nationalId }

    /// The title in `language` where the policy gives one, else the title.
    package func title(in language: String) -> String { titles[language] ?? title }
}
