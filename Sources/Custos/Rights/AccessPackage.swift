package import Foundation
import CustosDecision
package import CustosPolicy
import CustosStore

/// The answer to an access request (Art. 15; gdpr.md §6): a copy of every field, with what it
/// is used for, on which basis, who received it (by name), how long it is kept, where it came
/// from, the logic of automated decisions, transfer safeguards and the consent history.
package struct AccessPackage: Sendable, Codable {
    package struct Field: Sendable, Codable {
        package var field: String
        package var title: String
        package var value: String?
        package var category: String?
        package var source: String?
        package var collectedAt: Instant?
        package var derived: Bool
        package var purposes: [String]
        package var retention: [String]
        /// Free text that may mention others (Art. 15(4)): the officer reviews it before release.
        package var reviewBeforeRelease: Bool
    }

    package struct PurposeEntry: Sendable, Codable {
        package var id: String
        package var title: String
        package var basis: String
        package var assessment: String?
        package var law: [String]
    }

    package struct RecipientEntry: Sendable, Codable {
        package var recipient: String
        package var name: String
        package var role: String
        /// The purpose the data was shared for.
        package var purpose: String
        package var fields: [String]
        package var at: Instant
        package var destination: String?
        /// The Chapter V safeguard of a transfer outside the EEA (Art. 15(2)).
        package var safeguard: String?
        /// The transfer mechanism behind `safeguard` (`scc`, `adequacy-dpf`, …).
        package var mechanism: String?
        package var procedure: String?
    }

    package struct AutomatedDecision: Sendable, Codable {
        package var purpose: String
        package var effect: String
        package var logic: String
    }

    package var subject: String
    package var category: String
    package var request: String?
    package var controller: String
    package var generatedAt: Instant
    package var fields: [Field]
    package var purposes: [PurposeEntry]
    package var recipients: [RecipientEntry]
    package var sources: [String]
    package var automatedDecisions: [AutomatedDecision]
    package var consentHistory: [ConsentLedgerEvent]
    package var unreadableFields: [String]
    package var rights: String

    package var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(self)) ?? Data()
    }
}

extension PrivacyEngine {
    /// Builds the access package of a subject (`RightsDesk.accessPackage`).
    package func accessPackage(subject: String, request: String? = nil) throws -> AccessPackage {
        try rightsDesk.accessPackage(subject: subject, request: request)
    }

    /// Fulfils a verified access request (`RightsDesk.fulfilAccess`).
    package func fulfilAccess(request id: String, by actor: String, language: String? = nil, templates: URL? = nil) throws -> (package: AccessPackage, html: String) {
        try rightsDesk.fulfilAccess(request: id, by: actor, language: language, templates: templates)
    }
}

extension RightsDesk {
    /// Builds the access package of a subject. Callers outside a verified request should not
    /// use it; `fulfilAccess` checks the request first.
    package func accessPackage(subject: String, request: String? = nil) throws -> AccessPackage {
        guard let facts = try facts(of: subject), let subjectFacts = facts.subject else { throw StoreError.subjectUnknown(subject) }
        let (values, unreadable) = try store.openFields(Array(Set(facts.fields.map(\.field))).sorted(), of: subject)
        let provenance = Dictionary(facts.fields.map { ($0.field, $0) }, uniquingKeysWith: { first, _ in first })
        // Only the purposes that hold each field today: started, consented to, within their
        // retention (Art. 15(1)(a): the purposes of the processing, not every possible one).
        let schedule = RetentionSchedule(policy: policy)
        let today = policy.localDate(of: clock())
        let holding = Dictionary(facts.fields.map { ($0.field, schedule.purposesHolding($0, facts: facts, on: today)) }, uniquingKeysWith: { first, _ in first })
        let covering = policy.policy.purposes.filter { purpose in holding.values.contains { $0.contains { $0.id == purpose.id } } }
        let stored = Set(facts.fields.map(\.field))
        let fields = policy.policy.fields.filter { stored.contains($0.id.id) }.map { definition -> AccessPackage.Field in
            let purposes = holding[definition.id.id] ?? []
            let retention = purposes.compactMap { purpose in
                purpose.retention.flatMap { policy.policy.retentionRule($0.id) }.map { "\(purpose.id.id): \($0.keep) from \($0.from.id) (\($0.ground))" }
            }
            let record = provenance[definition.id.id]
            return AccessPackage.Field(
                field: definition.id.id, title: definition.title, value: values[definition.id.id], category: definition.category,
                source: record?.source, collectedAt: record?.collected.map { Instant(millisecondsSinceEpoch: Int64($0.daysSinceEpoch) * 86_400_000) },
                derived: definition.derived, purposes: purposes.map(\.id.id), retention: retention,
                reviewBeforeRelease: definition.mayContainThirdPartyData)
        }
        let recipients = try store.disclosures(of: subject).map { disclosure -> AccessPackage.RecipientEntry in
            let recipient = policy.policy.recipient(disclosure.recipient)
            let outside = disclosure.destination.map { !policy.policy.referenceData.isEEA($0) } ?? false
            return AccessPackage.RecipientEntry(
                recipient: disclosure.recipient, name: disclosure.recipientName ?? recipient?.name ?? disclosure.recipient, role: recipient?.role.rawValue ?? "unknown",
                purpose: disclosure.purpose, fields: disclosure.fields, at: disclosure.at, destination: disclosure.destination,
                safeguard: outside ? Self.safeguardText(disclosure.mechanism, procedure: disclosure.procedure) : nil,
                mechanism: outside ? disclosure.mechanism : nil, procedure: outside ? disclosure.procedure : nil)
        }
        let controller = policy.policy.controller
        return AccessPackage(
            subject: subject, category: subjectFacts.categories.joined(separator: ", "), request: request, controller: controller.map { "\($0.name), \($0.address), \($0.contact)" } ?? "",
            generatedAt: clock(), fields: fields,
            purposes: covering.filter { purpose in purpose.fields.contains { stored.contains($0.id) } }.map { purpose in
                let basis = purpose.basis(forAnyOf: subjectFacts.categories)
                return AccessPackage.PurposeEntry(id: purpose.id.id, title: purpose.title, basis: basis.map { "\($0.rawValue) (\($0.article))" } ?? "none",
                                                  assessment: purpose.lia, law: purpose.law)
            },
            recipients: recipients,
            sources: Array(Set(facts.fields.compactMap(\.source))).sorted(),
            automatedDecisions: covering.compactMap { purpose in
                guard let profiling = purpose.profiling, let logic = profiling.logic else { return nil }
                return AccessPackage.AutomatedDecision(purpose: purpose.id.id, effect: profiling.effect.rawValue, logic: logic)
            },
            consentHistory: try store.consentHistory(of: subject),
            unreadableFields: unreadable.sorted(),
            rights: "You may ask for rectification, erasure, restriction and portability, object to processing (always to direct marketing), withdraw consent at any time, and complain to the Autoriteit Persoonsgegevens.")
    }

    static func safeguardText(_ mechanism: String?, procedure: String?) -> String {
        switch mechanism {
        case "adequacy": "adequacy decision (Art. 45)"
        case "adequacy-dpf": "EU-US Data Privacy Framework (Art. 45)"
        case "scc": "standard contractual clauses (Art. 46(2)(c)); a copy is available on request"
        case "bcr": "binding corporate rules (Art. 46(2)(b))"
        case "art-49-1-e": "derogation for legal claims (Art. 49(1)(e)) in procedure \(procedure ?? "?")"
        default: "not recorded"
        }
    }

    /// Fulfils a verified access request: the package as JSON and HTML, and the request
    /// completed. Refused before identity verification (nothing is disclosed before).
    ///
    /// The readable page is in `language` (`nl` or `en`; default the language the request was
    /// made in through the privacy centre, else Dutch), from the built-in template or one of
    /// the same name in `templates`.
    package func fulfilAccess(request id: String, by actor: String, language: String? = nil, templates: URL? = nil) throws -> (package: AccessPackage, html: String) {
        let request = try actionableRequest(id, of: .access)
        let package = try accessPackage(subject: request.subject, request: id)
        let html = try AccessPackageHTML(templates: templates).render(package, policy: policy, language: language ?? Self.answerLanguage(of: request))
        let now = clock()
        // Kept, sealed under the subject's key, for the privacy centre's status page and the
        // officer's console; stored before the request is completed, so a completed request
        // never lacks it. A package with fields to review before release (other people's
        // data) is held: only the console offers it, and the officer sends it after the review.
        try store.storeAnswer(try keyring.sealAnswer(request: id, subject: request.subject, html: html, json: package.json), request: id,
                              heldForReview: package.fields.contains(where: \.reviewBeforeRelease), at: now)
        let review = package.fields.filter(\.reviewBeforeRelease).map(\.field)
        let counts = ["fields": "\(package.fields.count)", "disclosures": "\(package.recipients.count)"]
        try complete(id, at: now, by: actor, outcome: review.isEmpty
            ? LibraryWords("outcome.access", "access package with {fields} fields and {disclosures} disclosures", counts)
            : LibraryWords("outcome.accessReview", "access package with {fields} fields and {disclosures} disclosures; review before release: {review}",
                           counts.merging(["review": review.joined(separator: ", ")]) { $1 }, fieldLists: ["review"]))
        return (package, html)
    }
}

extension RightsDesk {
    /// The language a request was made in: the privacy centre records it with the request.
    static func answerLanguage(of request: RightsRequest) -> String {
        request.events.last { $0.event == RequestEvent.language.rawValue }?.detail ?? "nl"
    }
}
