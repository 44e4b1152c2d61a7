package import Foundation
package import CustosStore

/// What the AP notification must say (Art. 33(3)): the nature with the categories and
/// approximate numbers of people and records; the DPO's contact; the likely consequences; the
/// measures taken or proposed; and, after 72 hours, the reasons for the delay. Counts only:
/// no subject id and no value is in it. The Markdown is in Dutch or English, from
/// `breach-notification.<language>.json` (replaceable like the letters' texts); the JSON is
/// the same in every language.
///
/// ```swift
/// let notice = try engine.breachNotification("BR-2025-0001", language: "nl")
/// print(notice.markdown)
/// ```
package struct BreachNotification: Sendable {
    package var breach: Breach
    package var affected: AffectedSubjects
    package var controller: (name: String, contact: String, dpo: String?)
    /// The Markdown's texts (`texts(language:templates:)`).
    package var texts: [String: String]
    /// The policy's titles of subject categories and of fields in the Markdown's language, by
    /// id: the AP reads "Schuldenaar 54", not the policy's "debtor 54". An id without one is
    /// said as itself; the JSON keeps the ids.
    package var titles: (categories: [String: String], fields: [String: String])

    package init(breach: Breach, affected: AffectedSubjects, controller: (name: String, contact: String, dpo: String?), texts: [String: String],
                 titles: (categories: [String: String], fields: [String: String]) = ([:], [:])) {
        self.breach = breach
        self.affected = affected
        self.controller = controller
        self.texts = texts
        self.titles = titles
    }

    /// Every text the Markdown says; a catalogue holds these and no others.
    static let keys: Set<String> = Set(["title", "controller", "dpo", "processorNotice", "whatHappened", "nature", "discovered", "period", "people", "records",
                                        "marked", "marked.special", "unintelligible", "consequences", "notAssessed", "measures", "notRecorded",
                                        "peopleTold", "exception", "toldClearly", "lateReasons", "cause", "memberStates", "memberStates.none",
                                        "pending", "phase", "phase.initial", "phase.follow-up", "phase.final"]
        + Breach.Cause.allCases.map { "cause.\($0.rawValue)" }
        + Breach.Nature.allCases.map { "nature.\($0.rawValue)" } + Breach.SubjectsException.allCases.map { "exception.\($0.rawValue)" }
        + AffectedSubjects.plainKinds.map { "marked.\($0.replacingOccurrences(of: " ", with: "-"))" })

    /// The texts in `language`: the built-in `breach-notification.<language>.json`, with the
    /// one in `templates` laid over it, so that an operator rewords some texts without copying
    /// every one and keeps the texts a later version adds (this one added the phase). A
    /// built-in catalogue must hold every text; any catalogue holding one the notification does
    /// not say (a misspelt key), or not JSON, is refused naming its file.
    package static func texts(language: String, templates: URL? = nil) throws -> [String: String] {
        let name = "breach-notification.\(language).json"
        guard AccessPackageHTML.languages.contains(language) else {
            throw BreachRefusal(LibraryWords("notification.language", "the notification is written in {languages}, not '{language}'",
                                             ["languages": AccessPackageHTML.languages.sorted().joined(separator: " or "), "language": language]))
        }
        do throws(OperatorTemplates.Failure) {
            // The notification's texts are all the code's own: every one must be held, and
            // an operator's catalogue may hold no other.
            let texts = try OperatorTemplates.texts(name, templates: templates, named: keys, by: nil)
            let unknown = Set(texts.keys).subtracting(keys)
            guard unknown.isEmpty else { throw OperatorTemplates.Failure(description: "the built-in \(name): unknown \(unknown.sorted().joined(separator: ", "))") }
            return texts
        } catch {
            throw BreachRefusal(.english(error.description))
        }
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
            "phase": phase,
            "cause": breach.cause?.rawValue ?? NSNull(), "other-member-states": breach.otherMemberStates ?? NSNull(),
        ]
        if let notice = breach.processorNoticeAt { object["processor-notice-at"] = notice.description }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
    }

    /// Which notification this is, as the AP's form asks: the first, a follow-up to one
    /// already made (Art. 33(4): the information may come in phases), or the final one.
    package var phase: String { breach.apNotifiedAt == nil ? "initial" : breach.apFinal ? "final" : "follow-up" }

    /// The same content as Markdown for the AP's web form or a covering e-mail.
    package var markdown: String {
        func t(_ key: String, _ values: [String: String] = [:]) -> String { LibraryWords.fill(texts[key] ?? key) { values[$0] } }
        // A semicolon between entries: a title may hold a comma ("Vordering: opdrachtgever, factuur, …").
        func counts(_ tally: [String: Int], _ titles: [String: String]) -> String {
            tally.sorted { $0.key < $1.key }.map { "\(titles[$0.key] ?? $0.key) \($0.value)" }.joined(separator: "; ")
        }
        func kind(_ marked: String) -> String {
            if let special = AffectedSubjects.specialCategory(of: marked) { return t("marked.special", ["kind": special]) }
            return t("marked.\(marked.replacingOccurrences(of: " ", with: "-"))")
        }
        let dpo = controller.dpo.map { t("dpo", ["dpo": $0]) } ?? ""
        let processor = breach.processorNoticeAt.map { t("processorNotice", ["at": "\($0)"]) } ?? ""
        var lines: [String] = [t("title", ["id": breach.id]), "", t("phase", ["phase": t("phase.\(phase)")]), ""]
        lines.append(t("controller", ["name": controller.name, "contact": controller.contact]) + dpo)
        lines += ["", t("whatHappened"), "", breach.description, ""]
        lines.append(t("nature", ["nature": breach.nature.map { t("nature.\($0.rawValue)") }.joined(separator: ", ")]))
        lines.append(t("discovered", ["discovered": "\(breach.discoveredAt)", "aware": "\(breach.awareAt)", "processor": processor]))
        lines.append(t("period", ["from": "\(breach.windowFrom)", "to": "\(breach.windowTo)"]))
        // The AP's form asks both; one not yet assessed says so rather than leaving it out.
        lines.append(t("cause", ["cause": breach.cause.map { t("cause.\($0.rawValue)") } ?? t("pending")]))
        let states = breach.otherMemberStates.map { $0.isEmpty ? t("memberStates.none") : $0.joined(separator: ", ") } ?? t("pending")
        lines.append(t("memberStates", ["states": states]))
        lines.append(t("people", ["count": "\(affected.subjectCount)", "byCategory": counts(affected.byCategory, titles.categories)]))
        lines.append(t("records", ["count": "\(affected.records)", "byField": counts(affected.byField, titles.fields)]))
        for (marked, fields) in affected.marked.sorted(by: { $0.key < $1.key }) {
            lines.append(t("marked", ["kind": kind(marked), "fields": fields.map { titles.fields[$0] ?? $0 }.joined(separator: "; ")]))
        }
        if affected.unintelligible { lines.append(t("unintelligible")) }
        lines += ["", t("consequences"), "", breach.consequences ?? t("notAssessed"), "", t("measures"), "", breach.measures ?? t("notRecorded"), ""]
        if breach.risk == .high {
            lines += [t("peopleTold"), "", breach.subjectsException.map { t("exception", ["exception": t("exception.\($0.rawValue)")]) } ?? t("toldClearly"), ""]
        }
        if let reasons = breach.lateReasons { lines += [t("lateReasons"), "", reasons, ""] }
        return lines.joined(separator: "\n")
    }
}

extension BreachDesk {
    /// The AP notification of breach `id`, its Markdown in `language` (`nl` or `en`).
    package func breachNotification(_ id: String, language: String = "en", templates: URL? = nil) throws -> BreachNotification {
        let texts = try BreachNotification.texts(language: language, templates: templates)
        guard let breach = try store.breach(id) else { throw BreachRefusal(LibraryWords("breach.unknown", "no breach {id}", ["id": id])) }
        let model = policy.policy
        let categories = Dictionary(model.subjectCategories.map { ($0.id.id, $0.title(in: language)) }) { first, _ in first }
        let fields = Dictionary(model.fields.map { ($0.id.id, $0.title(in: language)) }) { first, _ in first }
        return BreachNotification(breach: breach, affected: try affectedSubjects(breach), controller: controllerContacts, texts: texts, titles: (categories, fields))
    }
}
