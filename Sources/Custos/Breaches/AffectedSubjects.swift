import Foundation
package import CustosStore

/// Who a breach touches (Art. 33(3)(a)), computed from what Custos recorded: the disclosure
/// ledger for a recipient or processor (and, for a sub-processor, what went to the processor
/// that engaged it), the decision log for an actor (the fields it was permitted to read or
/// share), the vault for the vault itself. Only inside the breach's window, and only the
/// fields it names when it names some.
package struct AffectedSubjects: Sendable, Equatable {
    /// Each subject with the fields involved.
    package var subjects: [String: [String]]
    /// Subjects per category (`erased` for those no longer in the vault).
    package var byCategory: [String: Int]
    /// Subjects per field.
    package var byField: [String: Int]
    /// The fields of the kinds Art. 33 and the EDPB single out: special categories, criminal
    /// data, national identification numbers, financial data.
    package var marked: [String: [String]]
    /// Field values involved in all (the "approximate number of records").
    package var records: Int
    /// Ciphertext whose keys were not compromised (Art. 34(3)(a)).
    package var unintelligible: Bool
}

extension BreachDesk {
    package func affectedSubjects(_ breach: Breach) throws -> AffectedSubjects {
        let only = breach.fields.map(Set.init)
        // Each subject with the fields involved, sorted.
        var subjects: [String: [String]] = [:]
        var byCategory: [String: Int] = [:], byField: [String: Int] = [:]
        func count(_ subject: String, _ fields: [String], category: String?) {
            subjects[subject] = fields
            byCategory[category ?? "erased", default: 0] += 1
            for field in fields { byField[field, default: 0] += 1 }
        }
        // What reached a recipient or an actor, gathered per subject before it is counted.
        var involved: [String: Set<String>] = [:]
        switch breach.scope {
        case let .recipient(recipient):
            // A sub-processor receives what its processor receives.
            var reached: Set<String> = [recipient]
            if let engagedBy = policy.policy.recipient(recipient)?.engagedBy?.id { reached.insert(engagedBy) }
            for entry in try store.disclosures(from: breach.windowFrom, to: breach.windowTo) where reached.contains(entry.disclosure.recipient) {
                involved[entry.subject, default: []].formUnion(entry.disclosure.fields)
            }
        case let .actor(actor):
            try store.forEachLogEntry(from: breach.windowFrom, to: breach.windowTo, subject: nil) { entry in
                guard entry.actor == actor, ["read", "share"].contains(entry.action) else { return }
                let permitted = entry.fields.compactMap { field -> String? in
                    let parts = field.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 && parts[1] == "permit" ? String(parts[0]) : nil
                }
                if !permitted.isEmpty { involved[entry.subject, default: []].formUnion(permitted) }
            }
        case .vault:
            // The vault's own subjects a page at a time, each with its category and its fields
            // already sorted, counted as they come: nothing of the vault is held but the answer.
            try store.forEachHeldSubject { subject, category, held in
                let fields = only.map { only in held.filter(only.contains) } ?? held
                if !fields.isEmpty { count(subject, fields, category: category) }
            }
        }
        if let only { involved = involved.compactMapValues { fields in fields.intersection(only).nilIfEmpty } }
        // Erased subjects are still counted: what reached a recipient stays reached.
        let categories = try store.categories(of: Set(involved.keys))
        for (subject, fields) in involved { count(subject, fields.sorted(), category: categories[subject]) }
        var marked: [String: [String]] = [:]
        for field in byField.keys.sorted() {
            guard let definition = policy.policy.fields.first(where: { $0.id.id == field }) else { continue }
            if let special = definition.specialCategory { marked["special category (\(special.rawValue))", default: []].append(field) }
            if definition.criminal { marked["criminal", default: []].append(field) }
            if definition.nationalId { marked["national id", default: []].append(field) }
            if definition.category == "financial" { marked["financial", default: []].append(field) }
        }
        return AffectedSubjects(subjects: subjects, byCategory: byCategory, byField: byField, marked: marked,
                                records: byField.values.reduce(0, +), unintelligible: breach.scope == .vault && !breach.keysCompromised)
    }
}

private extension Set {
    var nilIfEmpty: Set? { isEmpty ? nil : self }
}
