public import Foundation
internal import CSV
import CustosDecision
public import CustosPolicy
import CustosStore

/// The data a subject provided, for the subject or another controller (Art. 20): JSON and CSV.
public struct PortabilityExport: Sendable, Codable {
    public struct Item: Sendable, Codable {
        public var field: String
        public var title: String
        public var value: String
        /// The consent- or contract-based purposes it is exported under.
        public var purposes: [String]
        public var source: String?
    }

    public var request: String
    public var subject: String
    public var controller: String
    public var generatedAt: Instant
    public var items: [Item]

    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(self)) ?? Data()
    }

    /// One row per field: `field,title,value,purposes,source`, RFC 4180 quoting.
    public var csv: Data {
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
    public func fulfilPortability(request id: String, by actor: String) throws -> PortabilityExport {
        let request = try actionableRequest(id, of: .portability)
        guard let facts = try store.vault.facts(of: request.subject), let category = facts.subject?.category else { throw StoreError.subjectUnknown(request.subject) }
        let now = clock()
        let stored = Set(facts.fields.map(\.field))
        let provided = Set(policy.policy.fields.filter { $0.providedBySubject && !$0.derived }.map(\.id.id)).intersection(stored)
        var purposesByField: [String: [String]] = [:]
        for purpose in policy.policy.purposes where purpose.subjects.contains(where: { $0.id == category }) {
            guard let basis = purpose.basis(for: category), basis == .consent || basis == .contract else { continue }
            let fields = purpose.fields.map(\.id).filter(provided.contains)
            guard !fields.isEmpty else { continue }
            let decision = try decideOnVault(DecisionRequest(actor: officerActor(for: purpose), action: .read, subject: request.subject,
                                                             purpose: purpose.id.id, fields: fields), facts: facts, at: now)
            _ = try store.log.append(decision, at: now)
            for field in decision.permittedFields { purposesByField[field, default: []].append(purpose.id.id) }
        }
        guard !purposesByField.isEmpty else {
            let reason = "no data the subject provided is processed on consent or contract (Art. 20(1))"
            _ = try rejectRequest(id, reasons: "\(ReasonCode.portabilityBasisNotEligible.rawValue): \(reason)", by: actor)
            throw RequestRefusal(code: .portabilityBasisNotEligible, message: "\(reason); the request is answered as rejected")
        }
        let opened = store.vault.openFields(purposesByField.keys.sorted(), of: request.subject)
        guard opened.unreadable.isEmpty else { throw StoreError.integrity("fields \(opened.unreadable.sorted().joined(separator: ", ")) of \(request.subject) do not open") }
        let provenance = Dictionary(facts.fields.map { ($0.field, $0.source) }, uniquingKeysWith: { first, _ in first })
        let items = purposesByField.keys.sorted().compactMap { field -> PortabilityExport.Item? in
            guard let value = opened.values[field] else { return nil }
            return PortabilityExport.Item(field: field, title: policy.policy.field(field)?.title ?? field, value: value,
                                          purposes: purposesByField[field] ?? [], source: provenance[field] ?? nil)
        }
        try complete(id, at: now, by: actor, outcome: "portability export of \(items.count) fields (JSON and CSV)")
        let controller = policy.policy.controller.map { "\($0.name), \($0.address), \($0.contact)" } ?? ""
        return PortabilityExport(request: id, subject: request.subject, controller: controller, generatedAt: now, items: items)
    }

    /// The actor an officer's request decision runs as: the officer when the purpose allows
    /// it, else the purpose's first actor.
    func officerActor(for purpose: Purpose) -> String {
        purpose.actors.map { actors in actors.contains { $0.id == "officer" } ? "officer" : actors.first?.id ?? "officer" } ?? "officer"
    }
}
