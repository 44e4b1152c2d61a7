/// A validated-or-not policy as read from a folder of YAML files. Every element keeps the
/// location it was declared at; collections keep declaration order. `CompiledPolicy` is the
/// form the evaluator runs on.
package struct Policy: Sendable, Encodable {
    /// The folder name, e.g. `invorderingsbedrijf`.
    package var name: String
    package var controller: Controller?
    package var actors: [Actor] = []
    package var lifecycleEvents: [LifecycleEvent] = []
    package var subjectCategories: [SubjectCategory] = []
    package var fields: [FieldDefinition] = []
    package var purposes: [Purpose] = []
    package var notices: [Notice] = []
    package var recipients: [Recipient] = []
    package var retentionRules: [RetentionRule] = []
    /// Where data not obtained from the subject comes from (Art. 14).
    package var dataSources: [DataSource] = []
    /// How long decision-log entries are kept; absent = kept for ever.
    package var decisionLog: DecisionLogRetention?
    /// How long the minimal proof of an erased subject's consents is kept; absent = as long
    /// as the decision log, or for ever when that has no limit either.
    package var consentProof: DecisionLogRetention?
    /// Built-in reference data with the policy's overrides applied.
    package var referenceData: ReferenceData
    /// Ids declared in entries that could not be read; references to them are not reported
    /// again as unknown.
    var unreadableIds: Set<String> = []

    private enum CodingKeys: String, CodingKey {
        case name, controller, actors, lifecycleEvents, subjectCategories, fields, purposes, notices, recipients, retentionRules, dataSources, decisionLog, consentProof, referenceData
    }

    package init(name: String, referenceData: ReferenceData) {
        self.name = name
        self.referenceData = referenceData
    }

    package func purpose(_ id: String) -> Purpose? { purposes.first { $0.id.id == id } }
    package func field(_ id: String) -> FieldDefinition? { fields.first { $0.id.id == id } }
    package func recipient(_ id: String) -> Recipient? { recipients.first { $0.id.id == id } }
    package func notice(_ id: String) -> Notice? { notices.first { $0.id.id == id } }
    package func dataSource(_ id: String) -> DataSource? { dataSources.first { $0.id.id == id } }
    package func retentionRule(_ id: String) -> RetentionRule? { retentionRules.first { $0.id.id == id } }
    package func lifecycleEvent(_ id: String) -> LifecycleEvent? { lifecycleEvents.first { $0.id.id == id } }
    package func subjectCategory(_ id: String) -> SubjectCategory? { subjectCategories.first { $0.id.id == id } }
}

/// The controller (Art. 4(7)) the policy speaks for.
package struct Controller: Sendable, Encodable {
    package var name: String
    package var address: String
    package var contact: String
    package var dpo: DataProtectionOfficer?
    /// ISO 3166 alpha-2.
    package var country: String
    /// IANA zone in which dates and deadlines are counted, e.g. `Europe/Amsterdam`.
    package var timezone: String
    /// Name of the holiday calendar for deadlines; defaults to the country.
    package var holidayCalendar: String
    /// Art. 30(1)(g) general description of technical and organisational measures.
    package var measures: String
    package var registrations: [String]
    package var location: SourceLocation

    private enum CodingKeys: String, CodingKey {
        case name, address, contact, dpo, country, timezone, holidayCalendar, measures, registrations
    }
}

package struct DataProtectionOfficer: Sendable, Encodable {
    package var name: String
    package var contact: String
}

/// A service or person that asks for decisions; purposes list which actors may use them.
package struct Actor: Sendable, Encodable {
    package var id: Ref
    package var kind: ActorKind
    package var description: String?
}

/// An event from which retention is counted (`file-closed`, `relationship-ended`, …).
package struct LifecycleEvent: Sendable, Encodable {
    package var id: Ref
    package var description: String?
    /// The description in other languages, by ISO 639-1 code, for pages a data subject reads.
    package var descriptions: [String: String] = [:]

    /// The description in `language` where the policy gives one, else the description.
    package func description(in language: String) -> String? { descriptions[language] ?? description }
}

/// A category of data subjects (`debtor`, `client`, …).
package struct SubjectCategory: Sendable, Encodable {
    package var id: Ref
    package var title: String
    /// The title in other languages, by ISO 639-1 code, for the console and the reports.
    package var titles: [String: String] = [:]
    package var description: String?
    /// What a person of this category gives, besides an e-mail code, to open a rights request
    /// through the privacy centre (Art. 12(6): data already held, not a copy of an ID).
    package var identityCheck: [IdentityCheckItem] = []

    /// The title in `language` where the policy gives one, else the title.
    package func title(in language: String) -> String { titles[language] ?? title }

    private enum CodingKeys: String, CodingKey { case id, title, titles, description, identityCheck }

    /// As the synthesised encoding, but without `titles` where there are none, so that a
    /// policy that gives none keeps the digest it had before categories could have them.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        if !titles.isEmpty { try c.encode(titles, forKey: .titles) }
        try c.encodeIfPresent(description, forKey: .description)
        try c.encode(identityCheck, forKey: .identityCheck)
    }
}

/// One thing a requester must give that matches what the vault holds: a field's value, or
/// the postcode inside an address field.
package struct IdentityCheckItem: Sendable, Encodable, Equatable {
    package enum Part: String, Sendable, Encodable, CaseIterable { case postcode }
    package var field: Ref
    package var part: Part?
}

/// A personal-data field and the flags that change how it may be processed.
package struct FieldDefinition: Sendable, Encodable {
    package var id: Ref
    package var title: String
    /// The title in other languages, by ISO 639-1 code, for pages a data subject reads.
    package var titles: [String: String] = [:]
    /// The data category for the Art. 30 record, e.g. `contact details`.
    package var category: String?
    /// DPV personal-data term, e.g. `pd:EmailAddress`.
    package var dpv: String?
    package var specialCategory: SpecialCategory?
    package var criminal: Bool
    package var nationalId: Bool
    /// Inferred or computed (scores): excluded from portability.
    package var derived: Bool
    /// Declared or observed data the subject provided: included in portability.
    package var providedBySubject: Bool
    /// Free text that may mention other people: flagged for review before an access copy.
    package var mayContainThirdPartyData: Bool
    package var blindIndex: BlindIndexKind?
    /// A minimal entry kept to honour an objection to direct marketing (Art. 21(3)).
    package var suppressionEntry: Bool

    /// Special-category, criminal and national-id data are prohibited unless authorised.
    package var isProhibitedByDefault: Bool { specialCategory != nil || criminal || nationalId }

    /// The title in `language` where the policy gives one, else the title.
    package func title(in language: String) -> String { titles[language] ?? title }
}
