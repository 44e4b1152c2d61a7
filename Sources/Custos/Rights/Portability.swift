package import Foundation
internal import CSV
import CustosDecision
package import CustosPolicy
import CustosStore

/// The data a subject provided, for the subject or another controller (Art. 20): JSON and CSV.
package struct PortabilityExport: Sendable, Codable {
    package struct Item: Sendable, Codable {
        package var field: String
        package var title: String
        package var value: String
        /// The consent- or contract-based purposes it is exported under.
        package var purposes: [String]
        package var source: String?
    }

    /// A field held about the subject that the export does not include, and why.
    package struct LeftOut: Sendable, Codable {
        package enum Reason: String, Sendable, Codable {
            /// Computed by the controller (a score, a category): not provided by the subject.
            case derived
            /// Obtained from someone else (a client, a register), not from the subject.
            case notProvidedBySubject = "not-provided-by-subject"
            /// Processed only on a basis other than consent or contract (Art. 20(1)(a)).
            case otherBasis = "other-basis"
            /// An eligible purpose's decision withheld it (withdrawn consent, retention, restriction).
            case withheld
        }
        package var field: String
        package var title: String
        package var reason: Reason
        package var explanation: String
    }

    package var request: String
    package var subject: String
    package var controller: String
    package var generatedAt: Instant
    package var items: [Item]
    /// `PORTABILITY_PROVIDED_DATA_ONLY` when anything held was left out, else nil.
    package var code: ReasonCode?
    package var leftOut: [LeftOut]

    package var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(self)) ?? Data()
    }

    /// One row per field: `field,title,value,purposes,source`, RFC 4180 quoting.
    package var csv: Data {
        guard let writer = try? CSVWriter(stream: .toMemory()) else { return Data() }
        try? writer.write(row: ["field", "title", "value", "purposes", "source"])
        for item in items {
            try? writer.write(row: [item.field, item.title, item.value, item.purposes.joined(separator: " "), item.source ?? ""])
        }
        writer.stream.close()
        return writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }
}

extension PrivacyEngine {
    /// Fulfils a verified portability request (`RightsDesk.fulfilPortability`).
    package func fulfilPortability(request id: String, by actor: String) throws -> PortabilityExport {
        try rightsDesk.fulfilPortability(request: id, by: actor)
    }
}

extension RightsDesk {
    /// Fulfils a verified portability request (Art. 20): only data the subject provided (not
    /// derived data such as scores), and only under purposes whose basis for the subject is
    /// consent (while it is given) or contract. Each such purpose is decided (and logged) as a
    /// read of those fields, so a withdrawn consent, an ended retention or a restriction is
    /// honoured. With no such purpose the request is answered with
    /// `PORTABILITY_BASIS_NOT_ELIGIBLE`: recorded as rejected, with the right to complain.
    ///
    /// ```swift
    /// let export = try engine.fulfilPortability(request: "RQ-2025-0007", by: "officer")
    /// try export.json.write(to: URL(fileURLWithPath: "export.json"))
    /// ```
    package func fulfilPortability(request id: String, by actor: String) throws -> PortabilityExport {
        let request = try actionableRequest(id, of: .portability)
        guard let facts = try facts(of: request.subject), let categories = facts.subject?.categories else { throw StoreError.subjectUnknown(request.subject) }
        let now = clock()
        let stored = Set(facts.fields.map(\.field))
        let provided = Set(policy.policy.fields.filter { $0.providedBySubject && !$0.derived }.map(\.id.id)).intersection(stored)
        var purposesByField: [String: [String]] = [:]
        var withheld: [String: [String]] = [:]
        for purpose in policy.policy.purposes where purpose.coveredCategory(of: categories) != nil {
            guard let basis = purpose.basis(forAnyOf: categories), basis == .consent || basis == .contract else { continue }
            let fields = purpose.fields.map(\.id).filter(provided.contains)
            guard !fields.isEmpty else { continue }
            let decision = try gate.decideOnVault(DecisionRequest(actor: officerActor(for: purpose), action: .read, subject: request.subject,
                                                             purpose: purpose.id.id, fields: fields), facts: facts, at: now)
            _ = try store.append(decision, at: now)
            for field in decision.permittedFields { purposesByField[field, default: []].append(purpose.id.id) }
            for outcome in decision.fields where outcome.outcome == .deny {
                withheld[outcome.field, default: []].append("\(purpose.id.id): \(outcome.reasons.filter(\.isBlocking).map(\.rawValue).joined(separator: ", "))")
            }
        }
        guard !purposesByField.isEmpty else {
            let reasonWords = LibraryWords("request.portabilityNoBasis", "no data the subject provided is processed on consent or contract (Art. 20(1))")
            _ = try requests.rejectRequest(id, because: LibraryWords("outcome.coded", "{code}: {reason}", ["code": ReasonCode.portabilityBasisNotEligible.rawValue],
                                                                     phrases: ["reason": reasonWords]), by: actor)
            throw RequestRefusal(code: .portabilityBasisNotEligible, LibraryWords("request.portabilityNotEligible", "{reason}; the request is answered as rejected", phrases: ["reason": reasonWords]))
        }
        let opened = try store.openFields(purposesByField.keys.sorted(), of: request.subject)
        guard opened.unreadable.isEmpty else { throw StoreError.integrity("fields \(opened.unreadable.sorted().joined(separator: ", ")) of \(request.subject) do not open") }
        let provenance = Dictionary(facts.fields.map { ($0.field, $0.source) }, uniquingKeysWith: { first, _ in first })
        let items = purposesByField.keys.sorted().compactMap { field -> PortabilityExport.Item? in
            guard let value = opened.values[field] else { return nil }
            return PortabilityExport.Item(field: field, title: policy.policy.field(field)?.title ?? field, value: value,
                                          purposes: purposesByField[field] ?? [], source: provenance[field] ?? nil)
        }
        let leftOut = leftOutFields(stored: stored, exported: Set(items.map(\.field)), withheld: withheld, sources: provenance)
        try complete(id, at: now, by: actor, outcome: leftOut.isEmpty
            ? LibraryWords("outcome.portability", "portability export of {fields} fields (JSON and CSV)", ["fields": "\(items.count)"])
            : LibraryWords("outcome.portabilityLeftOut", "portability export of {fields} fields (JSON and CSV); {code}: {left} fields left out",
                           ["fields": "\(items.count)", "code": ReasonCode.portabilityProvidedDataOnly.rawValue, "left": "\(leftOut.count)"]))
        let controller = policy.policy.controller.map { "\($0.name), \($0.address), \($0.contact)" } ?? ""
        return PortabilityExport(request: id, subject: request.subject, controller: controller, generatedAt: now, items: items,
                                 code: leftOut.isEmpty ? nil : .portabilityProvidedDataOnly, leftOut: leftOut)
    }

    /// Every field held about the subject that the export leaves out, with the reason: the
    /// subject learns what exists beyond the export (Art. 20 covers provided data on consent
    /// or contract only; the rest is for an access request, Art. 15).
    private func leftOutFields(stored: Set<String>, exported: Set<String>, withheld: [String: [String]], sources: [String: String?]) -> [PortabilityExport.LeftOut] {
        stored.subtracting(exported).sorted().map { name in
            let field = policy.policy.field(name)
            let title = field?.title ?? name
            let (reason, explanation): (PortabilityExport.LeftOut.Reason, String)
            if field?.derived ?? false {
                (reason, explanation) = (.derived, "derived by the controller, not provided by the subject")
            } else if !(field?.providedBySubject ?? false) {
                let source = (sources[name] ?? nil).map { " (obtained from \($0))" } ?? ""
                (reason, explanation) = (.notProvidedBySubject, "not provided by the subject\(source)")
            } else if let decisions = withheld[name] {
                (reason, explanation) = (.withheld, "withheld by the decision for \(decisions.joined(separator: "; "))")
            } else {
                (reason, explanation) = (.otherBasis, "processed on a basis other than consent or contract (Art. 20(1)(a)); an access request (Art. 15) gives it")
            }
            return PortabilityExport.LeftOut(field: name, title: title, reason: reason, explanation: explanation)
        }
    }
}
