package import Foundation
package import CustosStore

/// What the AP notification must say (Art. 33(3)): the nature with the categories and
/// approximate numbers of people and records; the DPO's contact; the likely consequences; the
/// measures taken or proposed; and, after 72 hours, the reasons for the delay. Counts only:
/// no subject id and no value is in it.
///
/// ```swift
/// let notice = try engine.breachNotification("BR-2025-0001")
/// print(notice.markdown)
/// ```
package struct BreachNotification: Sendable {
    package var breach: Breach
    package var affected: AffectedSubjects
    package var controller: (name: String, contact: String, dpo: String?)

    package init(breach: Breach, affected: AffectedSubjects, controller: (name: String, contact: String, dpo: String?)) {
        self.breach = breach
        self.affected = affected
        self.controller = controller
    }

    /// The content as one JSON object, kebab-case keys, sorted.
    package var json: Data {
        var object: [String: Any] = [
            "breach": breach.id, "controller": controller.name, "contact": controller.contact, "dpo": controller.dpo ?? NSNull(),
            "nature": breach.nature.map(\.rawValue), "description": breach.description,
            "discovered-at": breach.discoveredAt.description, "aware-at": breach.awareAt.description, "deadline": breach.apDeadline.description,
            "window": ["from": breach.windowFrom.description, "to": breach.windowTo.description],
            "subjects-approximately": affected.subjectCount, "records-approximately": affected.records,
            "subjects-by-category": affected.byCategory, "records-by-field": affected.byField, "sensitive-data": affected.marked,
            "unintelligible": affected.unintelligible, "likely-consequences": breach.consequences ?? NSNull(), "measures": breach.measures ?? NSNull(),
            "risk": breach.risk?.rawValue ?? NSNull(), "subjects-informed": breach.risk == .high && breach.subjectsException == nil,
            "art-34-exception": breach.subjectsException?.rawValue ?? NSNull(), "late-reasons": breach.lateReasons ?? NSNull(),
            "phase": breach.apNotifiedAt == nil ? "initial" : breach.apFinal ? "final" : "follow-up",
        ]
        if let notice = breach.processorNoticeAt { object["processor-notice-at"] = notice.description }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
    }

    /// The same content as Markdown for the AP's web form or a covering e-mail.
    package var markdown: String {
        func counts(_ tally: [String: Int]) -> String { tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        let dpo = controller.dpo.map { "; data protection officer: \($0)" } ?? ""
        let processor = breach.processorNoticeAt.map { "; processor's notice: \($0)" } ?? ""
        var lines: [String] = ["# Notification of a personal data breach \(breach.id)", ""]
        lines.append("Controller: \(controller.name), \(controller.contact)\(dpo)")
        lines += ["", "## What happened (Art. 33(3)(a))", "", breach.description, ""]
        lines.append("- Nature: \(breach.nature.map(\.rawValue).joined(separator: ", "))")
        lines.append("- Discovered: \(breach.discoveredAt); controller aware: \(breach.awareAt)\(processor)")
        lines.append("- In the period \(breach.windowFrom) to \(breach.windowTo)")
        lines.append("- People affected, approximately: \(affected.subjectCount) (\(counts(affected.byCategory)))")
        lines.append("- Records affected, approximately: \(affected.records) (\(counts(affected.byField)))")
        for (kind, fields) in affected.marked.sorted(by: { $0.key < $1.key }) { lines.append("- Of which \(kind): \(fields.joined(separator: ", "))") }
        if affected.unintelligible { lines.append("- The data was encrypted and its keys were not compromised (Art. 34(3)(a)).") }
        lines += ["", "## Likely consequences (Art. 33(3)(c))", "", breach.consequences ?? "Not yet assessed.", "",
                  "## Measures taken or proposed (Art. 33(3)(d))", "", breach.measures ?? "Not yet recorded.", ""]
        if breach.risk == .high {
            lines += ["## The people affected (Art. 34)", "",
                      breach.subjectsException.map { "Not told one by one: Art. 34(3) exception \($0.rawValue)." } ?? "They are told in clear language without undue delay.", ""]
        }
        if let reasons = breach.lateReasons { lines += ["## Reasons for the delay (Art. 33(1))", "", reasons, ""] }
        return lines.joined(separator: "\n")
    }
}

extension BreachDesk {
    package func breachNotification(_ id: String) throws -> BreachNotification {
        guard let breach = try store.breach(id) else { throw BreachRefusal(LibraryWords("breach.unknown", "no breach {id}", ["id": id])) }
        return BreachNotification(breach: breach, affected: try affectedSubjects(breach), controller: controllerContacts)
    }
}
