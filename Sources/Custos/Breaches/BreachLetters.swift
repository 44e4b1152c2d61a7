package import Foundation
import CustosPolicy
package import CustosStore
internal import Mustache

/// The letters to the people at high risk (Art. 34(2)): in clear language, Dutch or English,
/// from `breach-letter.txt.mustache` and `breach-letter.<language>.json` (each replaceable by a
/// file of the same name in a folder of the organisation's), with the Art. 33(3)(b)–(d)
/// content. Each letter names only its own subject's fields, by their titles: no value and
/// nothing of another person.
package struct BreachLetter: Sendable, Equatable {
    package var subject: String
    package var text: String
}

/// What `sendBreachLetters` did: who was written to by e-mail through the outbox, and the
/// letters left for the post (no address held, or reading it was refused).
package struct BreachLetterRun: Sendable {
    package var emailed: [String]
    package var postal: [BreachLetter]
    /// Affected people erased since, who cannot be written to.
    package var erased: Int
    /// People skipped because an earlier run already sent theirs by e-mail.
    package var alreadyEmailed: Int
}

extension PrivacyEngine {
    /// The purpose under which the officer reads a person's e-mail address to send a breach
    /// letter (the seed's `P-BREACH-NOTICE`, a legal obligation under Art. 34).
    package static let breachNoticePurpose = "P-BREACH-NOTICE"
}

extension ConsoleBackend {
    /// Queues a letter by e-mail for everyone whose address `actor` may read under `purpose`
    /// (a gated, logged read through this vault's service engine), on either backend; see
    /// `BreachDesk.sendBreachLetters`.
    ///
    /// ```swift
    /// let run = try engine.consoleBackend.sendBreachLetters("BR-2025-0001", by: "officer")
    /// ```
    package func sendBreachLetters(_ id: String, language: String = "nl", templates: URL? = nil, purpose: String = PrivacyEngine.breachNoticePurpose,
                                   actor: String = "officer", by recorder: String) throws -> BreachLetterRun {
        try breaches.sendBreachLetters(id, language: language, templates: templates, purpose: purpose, by: recorder) { subject in
            service.read(subject: subject, fields: ["email"], purpose: purpose, actor: actor)
        }
    }
}

/// The letters' rules on either backend.
extension BreachDesk {
    /// Queues a letter by e-mail through the outbox for everyone whose address `readAddress`
    /// releases (the caller's gated, logged read of the subject's `email` under `purpose`),
    /// and returns the rest for the post. The e-mails are recorded in the breach's history
    /// here; the post, once written, with `recordBreachLetters`.
    package func sendBreachLetters(_ id: String, language: String, templates: URL?, purpose: String, by recorder: String,
                                   readAddress: (_ subject: String) -> GatedResult) throws -> BreachLetterRun {
        let (_, letters, erased, texts) = try composeBreachLetters(id, language: language, templates: templates)
        guard policy.policy.purpose(purpose) != nil else {
            throw BreachRefusal(description: "'\(purpose)' is not a purpose in the policy; the e-mail address is read under a purpose for Art. 34 letters")
        }
        var run = BreachLetterRun(emailed: [], postal: [], erased: erased, alreadyEmailed: 0)
        let subjectLine = texts["emailSubject"] ?? "A breach of the security of your data"
        // A rerun (after a crash, or for people added to the breach since) skips everyone
        // who already has theirs by e-mail: each is recorded with its outbox message.
        let sent = try store.breachLetterSubjects(id, channel: "email")
        for letter in letters {
            if sent.contains(letter.subject) {
                run.alreadyEmailed += 1
                continue
            }
            guard let address = readAddress(letter.subject).values["email"], !address.isEmpty else {
                run.postal.append(letter)
                continue
            }
            try store.enqueueBreachLetter(BreachLetterEntry(breach: id, subject: letter.subject, language: language, by: recorder), to: address,
                                          subjectLine: "\(subjectLine) (\(id))", body: letter.text, at: clock())
            run.emailed.append(letter.subject)
        }
        if !run.emailed.isEmpty {
            _ = try store.updateBreach(id, at: clock(), by: recorder) { current in
                (current, "letters-emailed", "\(run.emailed.count) by e-mail through the outbox (\(language))")
            }
        }
        return run
    }

    /// One letter per affected subject still in the vault, nothing recorded: the caller
    /// records what it did with them (`recordBreachLetters`). Refused unless the breach was
    /// assessed as a high risk without an Art. 34(3) exception.
    package func breachLetters(_ id: String, language: String = "nl", templates: URL? = nil) throws -> (letters: [BreachLetter], erased: Int) {
        let (_, letters, erased, _) = try composeBreachLetters(id, language: language, templates: templates)
        return (letters, erased)
    }

    /// Records letters written for the post, per person, after they were written.
    package func recordBreachLetters(_ id: String, written subjects: [String], language: String, erased: Int, by actor: String) throws {
        try store.recordBreachLetters(id, subjects: subjects, channel: "post", language: language, event: "letters-written",
                                            detail: "\(subjects.count) letters (\(language))" + (erased > 0 ? "; \(erased) people erased since, not written to" : ""),
                                            at: clock(), by: actor)
    }

    /// How many people were sent a letter, per channel (`email`, `post`).
    package func breachLetterCounts(_ id: String) throws -> [String: Int] { try store.breachLetterCounts(id) }

    package func composeBreachLetters(_ id: String, language: String, templates: URL?) throws -> (Breach, [BreachLetter], Int, [String: String]) {
        guard let breach = try store.breach(id) else { throw BreachRefusal(description: "no breach \(id)") }
        guard breach.risk == .high, breach.subjectsException == nil else {
            throw BreachRefusal(description: "letters go to the people when the risk is high and no Art. 34(3) exception applies; assess the breach first")
        }
        let language = AccessPackageHTML.languages.contains(language) ? language : "nl"
        let renderer = try BreachLetterTemplate(templates: templates)
        let affected = try affectedSubjects(breach)
        let fields = Dictionary(uniqueKeysWithValues: policy.policy.fields.map { ($0.id.id, $0) })
        let contacts = controllerContacts
        let texts = renderer.texts[language] ?? [:]
        // Only people still in the vault can be written to: an erased person's address is gone.
        let reachable = try store.categories(of: Set(affected.subjects.keys))
        let letters = affected.subjects.keys.sorted().filter { reachable[$0] != nil }.map { subject -> BreachLetter in
            var values: [String: Any] = [
                "t": texts, "controller": contacts.name, "controllerContact": contacts.contact, "breach": breach.id, "subject": subject,
                "description": breach.description,
                "fields": (affected.subjects[subject] ?? []).map { fields[$0]?.title(in: language) ?? $0 },
                "consequences": breach.consequences ?? texts["notAssessed"] ?? "", "measures": breach.measures ?? texts["notAssessed"] ?? "",
            ]
            if let dpo = contacts.dpo { values["dpo"] = dpo }
            return BreachLetter(subject: subject, text: renderer.template.render(values))
        }
        return (breach, letters, affected.subjects.count - letters.count, texts)
    }
}

/// The letter's template and catalogues, found as the access package's are.
struct BreachLetterTemplate {
    let template: MustacheTemplate
    let texts: [String: [String: String]]

    init(templates: URL?) throws {
        func file(_ name: String) throws -> Data {
            for folder in [templates, AccessPackageHTML.bundled].compactMap({ $0 }) {
                if let data = try? Data(contentsOf: folder.appendingPathComponent(name)) { return data }
            }
            throw BreachRefusal(description: "the letter's file '\(name)' is missing; the built-in ones travel in 'Custos_Custos.resources/Templates' next to the executable")
        }
        do { template = try MustacheTemplate(string: String(decoding: try file("breach-letter.txt.mustache"), as: UTF8.self)) } catch let refusal as BreachRefusal {
            throw refusal
        } catch {
            throw BreachRefusal(description: "breach-letter.txt.mustache: \(error)")
        }
        var texts: [String: [String: String]] = [:]
        for language in AccessPackageHTML.languages {
            guard let catalogue = try JSONSerialization.jsonObject(with: try file("breach-letter.\(language).json")) as? [String: String] else {
                throw BreachRefusal(description: "breach-letter.\(language).json is not an object of texts")
            }
            texts[language] = catalogue
        }
        self.texts = texts
    }
}
