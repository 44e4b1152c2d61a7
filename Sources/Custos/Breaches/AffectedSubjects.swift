import Foundation
package import CustosStore

/// Who a breach touches (Art. 33(3)(a)), computed from what Custos recorded: the disclosure
/// ledger for a recipient or processor (and, for a sub-processor, what went to the processor
/// that engaged it), the decision log for an actor (the fields it was permitted to read or
/// share), the vault for the vault itself. Only inside the breach's window, and only the
/// fields it names when it names some.
package struct AffectedSubjects: Sendable, Equatable {
    /// How many people (the "approximate number of data subjects"), those erased since
    /// included. Who they are is not kept here: a breach of the whole vault touches every
    /// subject, so the people are read one at a time with `forEachAffectedSubject`.
    package var subjectCount: Int
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

    /// The kinds in `marked` other than a special category, which is
    /// `special category (KIND)`.
    package static let plainKinds = ["criminal", "national id", "financial"]
    static let specialCategoryPrefix = "special category ("

    /// The special category a kind in `marked` names (`health` for `special category
    /// (health)`), or nil for another kind.
    package static func specialCategory(of kind: String) -> String? {
        kind.hasPrefix(specialCategoryPrefix) && kind.hasSuffix(")") ? String(kind.dropFirst(specialCategoryPrefix.count).dropLast()) : nil
    }
}

extension BreachDesk {
    /// The breach's numbers for the notification (Art. 33(3)(a)): people and records, by
    /// category and field, counted as `forEachAffectedSubject` reads them.
    ///
    /// ```swift
    /// let affected = try desk.affectedSubjects(breach)
    /// print(affected.subjectCount, affected.byCategory)
    /// ```
    package func affectedSubjects(_ breach: Breach) throws -> AffectedSubjects {
        var subjectCount = 0
        var byCategory: [String: Int] = [:], byField: [String: Int] = [:]
        try forEachAffectedSubject(breach) { _, fields, category in
            subjectCount += 1
            byCategory[category ?? "erased", default: 0] += 1
            for field in fields { byField[field, default: 0] += 1 }
        }
        var marked: [String: [String]] = [:]
        for field in byField.keys.sorted() {
            guard let definition = policy.policy.field(field) else { continue }
            if let special = definition.specialCategory { marked[AffectedSubjects.specialCategoryPrefix + "\(special.rawValue))", default: []].append(field) }
            if definition.criminal { marked["criminal", default: []].append(field) }
            if definition.nationalId { marked["national id", default: []].append(field) }
            if definition.category == "financial" { marked["financial", default: []].append(field) }
        }
        return AffectedSubjects(subjectCount: subjectCount, byCategory: byCategory, byField: byField, marked: marked,
                                records: byField.values.reduce(0, +), unintelligible: breach.scope == .vault && !breach.keysCompromised)
    }

    /// Calls `body` once for every person the breach touches, with the fields involved
    /// (sorted) and the person's category, `nil` for someone erased since (what reached a
    /// recipient stays reached, so they are still counted). A breach of the vault reads the
    /// vault a page at a time, in the backend's order of ids, and holds one page; a recipient's
    /// or an actor's breach gathers what it reached from the ledger or the log (bounded by the
    /// window's disclosures or decisions) and calls in the order of ids.
    ///
    /// ```swift
    /// try desk.forEachAffectedSubject(breach) { subject, fields, category in
    ///     if category != nil { print(subject, fields) }   // still in the vault: can be written to
    /// }
    /// ```
    package func forEachAffectedSubject(_ breach: Breach, pageSize: Int = KeysetPages.size,
                                        _ body: (_ subject: String, _ fields: [String], _ category: String?) throws -> Void) throws {
        let only = breach.fields.map(Set.init)
        // What reached a recipient or an actor, gathered per subject before it is counted.
        var involved: [String: Set<String>] = [:]
        switch breach.scope {
        case let .recipient(recipient):
            // A sub-processor receives what its processor receives.
            var reached: Set<String> = [recipient]
            if let engagedBy = policy.policy.recipient(recipient)?.engagedBy?.id { reached.insert(engagedBy) }
            try store.forEachDisclosure(from: breach.windowFrom, to: breach.windowTo) { entry in
                if reached.contains(entry.disclosure.recipient) { involved[entry.subject, default: []].formUnion(entry.disclosure.fields) }
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
            // The vault's own subjects, each with its category and its fields already sorted,
            // handed on as their page comes: nothing of the vault is held but one page.
            try store.forEachHeldSubject(pageSize: pageSize) { subject, category, held in
                let fields = only.map { only in held.filter(only.contains) } ?? held
                if !fields.isEmpty { try body(subject, fields, category) }
            }
            return
        }
        if let only { involved = involved.compactMapValues { fields in fields.intersection(only).nilIfEmpty } }
        let categories = try store.categories(of: Set(involved.keys))
        for subject in involved.keys.sorted() { try body(subject, involved[subject, default: []].sorted(), categories[subject]) }
    }
}

private extension Set {
    var nilIfEmpty: Set? { isEmpty ? nil : self }
}
