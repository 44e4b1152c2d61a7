package import Foundation

/// A validated policy in the form decisions run on: every id interned to an integer, field,
/// subject, actor and recipient sets as bitsets, per-subject bases as arrays. Built once per
/// load; a decision then costs lookups, not string work. A class: every decision holds it, and
/// passing a reference costs one retain where copying the struct retained every member.
public final class CompiledPolicy: Sendable {
    /// `blake2b-256:` + hex of the canonical form; goes into every decision.
    package let digest: String
    package let policy: Policy
    package let subjects: Interner
    package let fields: Interner
    package let purposes: Interner
    package let recipients: Interner
    package let actors: Interner
    package let fieldFlags: [FieldFlags]
    package let compiledPurposes: [CompiledPurpose]
    package let compiledRecipients: [CompiledRecipient]
    /// The controller's time zone; dates and deadlines are counted in it (gdpr.md §5.1).
    package let timeZone: TimeZone
    /// The controller's holiday calendar (empty when the policy names none).
    package let holidayCalendar: HolidayCalendar
    /// UTC offsets of the controller's time zone, precomputed so a decision's date costs a
    /// binary search rather than a time-zone database lookup.
    let offsets: ZoneOffsets
    /// The EEA member states of the reference data, for a lookup per share.
    let eeaCountries: Interner
    /// The countries (and organisations) of the adequacy decisions, in the reference data's
    /// order: a share outside the EEA finds its decision by a lookup, not a scan that copied
    /// every decision it passed.
    let adequacyCountries: Interner

    package init(_ policy: Policy) {
        self.policy = policy
        digest = policy.digest
        timeZone = Self.timeZone(of: policy)
        offsets = ZoneOffsets(timeZone)
        holidayCalendar = Self.holidayCalendar(of: policy)
        subjects = Interner(policy.subjectCategories.map(\.id.id))
        fields = Interner(policy.fields.map(\.id.id))
        purposes = Interner(policy.purposes.map(\.id.id))
        recipients = Interner(policy.recipients.map(\.id.id))
        actors = Interner(policy.actors.map(\.id.id))
        fieldFlags = policy.fields.map(FieldFlags.init)
        eeaCountries = Interner(policy.referenceData.eea)
        adequacyCountries = Interner(policy.referenceData.adequacy.map(\.country))
        let (subjects, fields, purposes, recipients, actors) = (subjects, fields, purposes, recipients, actors)
        let notices = Interner(policy.notices.map(\.id.id))
        let rules = Interner(policy.retentionRules.map(\.id.id))
        compiledPurposes = policy.purposes.map { purpose in
            CompiledPurpose(
                purpose: purpose,
                subjects: subjects.set(purpose.subjects),
                fields: fields.set(purpose.fields),
                actors: purpose.actors.map { actors.set($0) },
                recipients: recipients.set(purpose.recipients),
                basisBySubject: subjects.names.map { purpose.basis(for: $0) },
                article9Fields: fields.set(purpose.article9.map(\.field)),
                article9Conditions: Self.article9Conditions(of: purpose, fields: fields),
                authorisedFields: fields.set(purpose.authorisations.map(\.field)),
                compatibleWith: purposes.set(purpose.compatibleWith?.purposes ?? []),
                consentNotice: purpose.notice.flatMap { notices.id($0.id) }.map { CompiledNotice(policy.notices[$0]) },
                retention: purpose.retention.flatMap { rules.id($0.id) }.map { CompiledRetention(policy.retentionRules[$0]) },
                legalClaims: purpose.legalClaims,
                statutoryRetention: purpose.statutoryRetention,
                hasLIA: purpose.lia != nil,
                indirectFields: Self.indirectFields(of: purpose, in: policy))
        }
        compiledRecipients = policy.recipients.map { recipient in
            CompiledRecipient(
                recipient: recipient,
                role: recipient.role,
                allowedFields: recipient.fields.map { fields.set($0) },
                dpaPurposes: recipient.dpa.map { purposes.set($0.purposes) },
                dpaFields: recipient.dpa.map { fields.set($0.fields) },
                subProcessors: recipients.set(recipient.subProcessors))
        }
    }

    package func purpose(_ id: Int) -> Purpose { policy.purposes[id] }

    /// A purpose by its id, compiled and held by reference: reading `policy.purpose(_:)` on the
    /// decision path copied the whole policy (a retain of every member) and scanned its purposes.
    package func compiledPurpose(_ id: String) -> CompiledPurpose? { purposes.id(id).map { compiledPurposes[$0] } }

    /// A recipient by its id, compiled and held by reference (as `compiledPurpose(_:)`).
    package func compiledRecipient(_ id: String) -> CompiledRecipient? { recipients.id(id).map { compiledRecipients[$0] } }

    /// Per special-category field a purpose names, its Art. 9(2) condition (the first, as
    /// `Purpose.article9` lists them).
    static func article9Conditions(of purpose: Purpose, fields: Interner) -> [Int: Article9Condition] {
        var conditions: [Int: Article9Condition] = [:]
        for use in purpose.article9 {
            guard let id = fields.id(use.field.id), conditions[id] == nil else { continue }
            conditions[id] = use.condition
        }
        return conditions
    }

    /// Per provenance value the vault records, the fields a purpose obtains that way.
    static func indirectFields(of purpose: Purpose, in policy: Policy) -> [String: Set<String>] {
        var byProvenance: [String: Set<String>] = [:]
        for collection in purpose.obtainedFrom {
            guard let source = policy.dataSource(collection.source.id) else { continue }
            for provenance in source.recordedAs { byProvenance[provenance, default: []].formUnion(collection.fields.map(\.id)) }
        }
        return byProvenance
    }

    /// Whether a country (ISO 3166 alpha-2) is in the EEA, per the policy's reference data.
    package func isEEA(_ country: String) -> Bool { eeaCountries.id(country) != nil }

    /// The reference data's adequacy decision for a country, the first one listed (as
    /// `ReferenceData.adequacyDecision(for:)`).
    package func adequacyDecision(for country: String) -> AdequacyDecision? {
        adequacyCountries.id(country).map { policy.referenceData.adequacy[$0] }
    }
}

/// Per-field flags, indexed by field id.
package struct FieldFlags: Sendable, Hashable {
    package let specialCategory: Bool
    package let criminal: Bool
    package let nationalId: Bool
    package let derived: Bool
    package let providedBySubject: Bool
    /// Kept on a suppression list after an objection to direct marketing.
    package let suppressionEntry: Bool

    init(_ field: FieldDefinition) {
        specialCategory = field.specialCategory != nil
        criminal = field.criminal
        nationalId = field.nationalId
        derived = field.derived
        providedBySubject = field.providedBySubject
        suppressionEntry = field.suppressionEntry
    }
}

/// A purpose in the form the evaluator reads: its model and its sets as bitsets. A class, so
/// that a decision holds a purpose with one retain instead of copying every member.
package final class CompiledPurpose: Sendable {
    package let purpose: Purpose
    package let subjects: IdSet
    package let fields: IdSet
    /// nil: open to every actor.
    package let actors: IdSet?
    package let recipients: IdSet
    /// Indexed by subject id; nil where the purpose does not cover the category.
    package let basisBySubject: [LegalBasis?]
    package let article9Fields: IdSet
    /// By field id, the Art. 9(2) condition the purpose gives a special-category field.
    package let article9Conditions: [Int: Article9Condition]
    package let authorisedFields: IdSet
    package let compatibleWith: IdSet
    /// The purpose's consent notice, held by reference.
    package let consentNotice: CompiledNotice?
    /// The purpose's retention rule, held by reference.
    package let retention: CompiledRetention?
    package let legalClaims: Bool
    package let statutoryRetention: Bool
    package let directMarketing: Bool
    package let hasLIA: Bool
    /// Some subject category's basis is consent.
    package let usesConsent: Bool
    /// Some subject category's basis is a legal obligation.
    package let usesLegalObligation: Bool
    /// Per provenance value recorded in the vault, the fields this purpose obtains from that
    /// source and not from the subject (Art. 14); empty for most purposes.
    package let indirectFields: [String: Set<String>]
    /// A use of the purpose is a communication with the subject (Art. 14(3)(b)).
    package let isCommunication: Bool

    /// Whether a stored value of `field` with this provenance came to the purpose from
    /// someone other than the subject.
    package func obtainedIndirectly(_ field: String, provenance: String?) -> Bool {
        guard let provenance, let fields = indirectFields[provenance] else { return false }
        return fields.contains(field)
    }

    /// Whether a subject of these categories is processed on consent under this purpose (the
    /// basis of the category the purpose lists first). Most purposes use no consent at all and
    /// answer without reading the purpose's model.
    package func restsOnConsent(forAnyOf categories: [String]) -> Bool {
        usesConsent && purpose.basis(forAnyOf: categories) == .consent
    }

    init(purpose: Purpose, subjects: IdSet, fields: IdSet, actors: IdSet?, recipients: IdSet, basisBySubject: [LegalBasis?],
         article9Fields: IdSet, article9Conditions: [Int: Article9Condition], authorisedFields: IdSet, compatibleWith: IdSet, consentNotice: CompiledNotice?,
         retention: CompiledRetention?, legalClaims: Bool, statutoryRetention: Bool, hasLIA: Bool,
         indirectFields: [String: Set<String>]) {
        self.purpose = purpose
        self.subjects = subjects
        self.fields = fields
        self.actors = actors
        self.recipients = recipients
        self.basisBySubject = basisBySubject
        self.article9Fields = article9Fields
        self.article9Conditions = article9Conditions
        self.authorisedFields = authorisedFields
        self.compatibleWith = compatibleWith
        self.consentNotice = consentNotice
        self.retention = retention
        self.legalClaims = legalClaims
        self.statutoryRetention = statutoryRetention
        directMarketing = purpose.directMarketing != nil
        self.hasLIA = hasLIA
        usesConsent = purpose.allBases.contains(.consent)
        usesLegalObligation = purpose.allBases.contains(.legalObligation)
        self.indirectFields = indirectFields
        isCommunication = purpose.isCommunication
    }
}

/// A notice as the evaluator reads it: by reference, as decisions on consent read it on every call.
package final class CompiledNotice: Sendable {
    package let notice: Notice

    init(_ notice: Notice) {
        self.notice = notice
    }

    /// `Notice.versionIndex(of:notice:)` on the notice where it lies: a decision under consent
    /// asks it, and reading the notice out of this class to ask copied it.
    package func versionIndex(of version: Int, notice id: some StringProtocol) -> Int? {
        notice.versionIndex(of: version, notice: id)
    }

    /// `Notice.versionIndex(inForceOn:)`, the same way.
    package func versionIndex(inForceOn date: LocalDate) -> Int? {
        notice.versionIndex(inForceOn: date)
    }
}

/// A retention rule as the evaluator reads it: by reference, and with its start event
/// already compared against "collected".
package final class CompiledRetention: Sendable {
    package let rule: RetentionRule
    /// The period starts when each value was collected, not at a lifecycle event.
    package let fromCollected: Bool

    init(_ rule: RetentionRule) {
        self.rule = rule
        fromCollected = rule.from.id == "collected"
    }
}

/// A recipient in the form the evaluator reads; a class for the same reason as `CompiledPurpose`.
package final class CompiledRecipient: Sendable {
    package let recipient: Recipient
    package let role: RecipientRole
    package let allowedFields: IdSet?
    package let dpaPurposes: IdSet?
    package let dpaFields: IdSet?
    package let subProcessors: IdSet

    init(recipient: Recipient, role: RecipientRole, allowedFields: IdSet?, dpaPurposes: IdSet?, dpaFields: IdSet?, subProcessors: IdSet) {
        self.recipient = recipient
        self.role = role
        self.allowedFields = allowedFields
        self.dpaPurposes = dpaPurposes
        self.dpaFields = dpaFields
        self.subProcessors = subProcessors
    }
}
