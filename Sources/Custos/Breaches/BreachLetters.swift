package import Foundation
import CustosPolicy
import CustosStore
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

/// What `sendBreachLetters` did: who was written to by e-mail through the outbox, and whose
/// letters were handed over for the post (no address held, or reading it was refused). Ids
/// only: the letters themselves are composed one at a time and never held together.
package struct BreachLetterRun: Sendable {
    package var emailed: [String]
    package var postal: [String]
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
    /// (a gated, logged read through this vault's service engine), on either backend, and
    /// hands the others' letters to `post`; see `BreachDesk.sendBreachLetters`.
    ///
    /// ```swift
    /// let run = try engine.consoleBackend.sendBreachLetters("BR-2025-0001", by: "officer") { letter in
    ///     try PrivateFile.write(Data(letter.text.utf8), to: "letters/\(letter.subject).txt")
    /// }
    /// ```
    package func sendBreachLetters(_ id: String, language: String = "nl", templates: URL? = nil, purpose: String = PrivacyEngine.breachNoticePurpose,
                                   actor: String = "officer", by recorder: String, pageSize: Int = BreachDesk.lettersPerPage,
                                   post: (BreachLetter) throws -> Void) throws -> BreachLetterRun {
        try breaches.sendBreachLetters(id, language: language, templates: templates, purpose: purpose, by: recorder, pageSize: pageSize, readAddress: { [service] subject in
            service.read(subject: subject, fields: ["email"], purpose: purpose, actor: actor)
        }, post: post)
    }
}

/// The letters' rules on either backend. A letter is composed when its person's turn comes and
/// handed on at once: a breach of the whole vault writes to every subject, and a million
/// letters held together would take gigabytes.
extension BreachDesk {
    /// Queues a letter by e-mail through the outbox for everyone whose address `readAddress`
    /// releases (the caller's gated, logged read of the subject's `email` under `purpose`),
    /// and hands each of the rest to `post` as it is composed. The e-mails are recorded in the
    /// breach's history here, each with its outbox message; the post, once written, with
    /// `recordBreachLetters`. A throw from `post` stops the run: what was queued stays queued
    /// and recorded, and a rerun skips it.
    ///
    /// The letters go a page at a time: the page's addresses are read on several threads at
    /// once, so their log entries share commits, and the e-mails between two letters for the
    /// post are queued in one transaction. The order is kept: an e-mail after a letter for the
    /// post is queued only once that letter was handed over.
    package func sendBreachLetters(_ id: String, language: String, templates: URL?, purpose: String, by recorder: String,
                                   pageSize: Int = BreachDesk.lettersPerPage, readAddress: @escaping @Sendable (_ subject: String) -> GatedResult,
                                   post: (BreachLetter) throws -> Void) throws -> BreachLetterRun {
        let composer = try breachLetterComposer(id, language: language, templates: templates)
        guard policy.policy.purpose(purpose) != nil else {
            throw BreachRefusal(LibraryWords("letters.unknownPurpose", "'{purpose}' is not a purpose in the policy; the e-mail address is read under a purpose for Art. 34 letters", ["purpose": purpose]))
        }
        var run = BreachLetterRun(emailed: [], postal: [], erased: 0, alreadyEmailed: 0)
        let subjectLine = "\(composer.texts["emailSubject"] ?? "A breach of the security of your data") (\(id))"
        // A rerun (after a crash, or for people added to the breach since) skips everyone
        // who already has theirs by e-mail: each is recorded with its outbox message.
        let sent = try store.breachLetterSubjects(id, channel: "email")
        func recordEmailed() throws {
            guard !run.emailed.isEmpty else { return }
            _ = try store.updateBreach(id, at: clock(), by: recorder) { current in
                (current, .lettersEmailed, LibraryWords("breachEvent.emailed", "{count} by e-mail through the outbox ({language})",
                                                        ["count": "\(run.emailed.count)", "language": composer.language]))
            }
        }
        var page: [BreachLetter] = []
        func send() throws {
            let addresses = BlockingFanOut.map(page.map(\.subject), width: Self.addressReaders) { subject in readAddress(subject).values["email"] }
            var emails: [(entry: BreachLetterEntry, address: String, body: String)] = []
            func queue() throws {
                try store.enqueueBreachLetters(emails, subjectLine: subjectLine, at: clock())
                run.emailed += emails.map(\.entry.subject)
                emails.removeAll(keepingCapacity: true)
            }
            for (letter, address) in zip(page, addresses) {
                if let address, !address.isEmpty {
                    emails.append((BreachLetterEntry(breach: id, subject: letter.subject, language: composer.language, by: recorder), address, letter.text))
                } else {
                    try queue()
                    try post(letter)
                    run.postal.append(letter.subject)
                }
            }
            try queue()
            page.removeAll(keepingCapacity: true)
        }
        do {
            run.erased = try forEachLetter(composer) { letter in
                if sent.contains(letter.subject) {
                    run.alreadyEmailed += 1
                    return
                }
                page.append(letter)
                if page.count >= pageSize { try send() }
            }
            try send()
        } catch {
            // The e-mails queued before the failure are in the outbox: the history says so.
            try? recordEmailed()
            throw error
        }
        try recordEmailed()
        return run
    }

    /// Letters whose addresses are read together and whose e-mails are queued in one
    /// transaction (about half a megabyte of letters held at once).
    package static let lettersPerPage = 256
    /// Threads reading a page's addresses at once: enough waiting reads to fill a commit.
    static let addressReaders = 16

    /// Hands `body` one letter per affected subject still in the vault, composed as its turn
    /// comes, nothing recorded: the caller records what it did with them
    /// (`recordBreachLetters`). Refused unless the breach was assessed as a high risk without
    /// an Art. 34(3) exception. Returns how many affected people were erased since.
    ///
    /// ```swift
    /// let erased = try desk.forEachBreachLetter("BR-2025-0001", language: "en") { letter in print(letter.subject) }
    /// ```
    package func forEachBreachLetter(_ id: String, language: String = "nl", templates: URL? = nil, _ body: (BreachLetter) throws -> Void) throws -> Int {
        try forEachLetter(try breachLetterComposer(id, language: language, templates: templates), body)
    }

    /// Records letters written for the post, per person, after they were written.
    package func recordBreachLetters(_ id: String, written subjects: [String], language: String, erased: Int, by actor: String) throws {
        let counts = ["count": "\(subjects.count)", "language": language, "erased": "\(erased)"]
        try store.recordBreachLetters(id, subjects: subjects, channel: "post", language: language, event: .lettersWritten, detail: erased > 0
            ? LibraryWords("breachEvent.writtenSomeErased", "{count} letters ({language}); {erased} people erased since, not written to", counts)
            : subjects.count == 1 ? LibraryWords("breachEvent.writtenOne", "{count} letter ({language})", counts)
            : LibraryWords("breachEvent.written", "{count} letters ({language})", counts), at: clock(), by: actor)
    }

    /// How many people were sent a letter, per channel (`email`, `post`).
    package func breachLetterCounts(_ id: String) throws -> [String: Int] { try store.breachLetterCounts(id) }

    private func forEachLetter(_ composer: BreachLetterComposer, _ body: (BreachLetter) throws -> Void) throws -> Int {
        var composer = composer, erased = 0
        try forEachAffectedSubject(composer.breach) { subject, fields, category in
            // Only people still in the vault can be written to: an erased person's address is gone.
            guard category != nil else {
                erased += 1
                return
            }
            try body(composer.letter(to: subject, about: fields))
        }
        return erased
    }

    private func breachLetterComposer(_ id: String, language: String, templates: URL?) throws -> BreachLetterComposer {
        guard let breach = try store.breach(id) else { throw BreachRefusal(LibraryWords("breach.unknown", "no breach {id}", ["id": id])) }
        guard breach.risk == .high, breach.subjectsException == nil else {
            throw BreachRefusal(LibraryWords("letters.notOwed", "letters go to the people when the risk is high and no Art. 34(3) exception applies; assess the breach first"))
        }
        return BreachLetterComposer(breach: breach, language: AccessPackageHTML.languages.contains(language) ? language : "nl",
                                    template: try BreachLetterTemplate(templates: templates), policy: policy.policy, contacts: controllerContacts)
    }
}

/// Everything a breach's letters share, prepared once; `letter(to:about:)` fills in one person.
private struct BreachLetterComposer {
    let breach: Breach
    let language: String
    let template: BreachLetterTemplate
    let texts: [String: String]
    let fieldTitles: [String: String]
    let contacts: (name: String, contact: String, dpo: String?)
    /// Letters differ only in their person's id and fields, and a render costs about 110 µs
    /// here (a vault-wide breach writes a million letters): each list of fields' titles is
    /// rendered once with a marker where the id goes, and a letter is that text cut at the
    /// markers and joined by the id. Kept for at most `keptRenders` lists.
    private var cut: [[String]: [String]] = [:]
    private static let keptRenders = 1_024
    /// Set once the markers did not cut alike: the template does something with the id, and
    /// every letter is rendered in full from then on (not three times, as the check would).
    private var rendersInFull = false
    /// Two markers of different lengths and characters (from Unicode's private use area): a
    /// template that transforms the id, tests it or measures it renders them differently, and
    /// is then rendered in full for every letter.
    private static let markers = ("\u{E000}custos-subject\u{E001}", "\u{E002}id\u{E003}")

    init(breach: Breach, language: String, template: BreachLetterTemplate, policy: Policy, contacts: (name: String, contact: String, dpo: String?)) {
        self.breach = breach
        self.language = language
        self.template = template
        texts = template.texts[language] ?? [:]
        fieldTitles = Dictionary(uniqueKeysWithValues: policy.fields.map { ($0.id.id, $0.title(in: language)) })
        self.contacts = contacts
    }

    mutating func letter(to subject: String, about fields: [String]) -> BreachLetter {
        let titles = fields.map { fieldTitles[$0] ?? $0 }
        // An id with a character a template might escape is always rendered in full.
        let plain = subject.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard plain, !rendersInFull else { return BreachLetter(subject: subject, text: render(subject, titles)) }
        if let pieces = cut[titles] { return BreachLetter(subject: subject, text: pieces.joined(separator: subject)) }
        let (first, second) = Self.markers
        let pieces = render(first, titles).components(separatedBy: first)
        guard pieces == render(second, titles).components(separatedBy: second) else {
            rendersInFull = true
            return BreachLetter(subject: subject, text: render(subject, titles))
        }
        if cut.count < Self.keptRenders { cut[titles] = pieces }
        return BreachLetter(subject: subject, text: pieces.joined(separator: subject))
    }

    private func render(_ subject: String, _ titles: [String]) -> String {
        var values: [String: Any] = [
            "t": texts, "controller": contacts.name, "controllerContact": contacts.contact, "breach": breach.id, "subject": subject,
            "description": breach.description, "fields": titles,
            "consequences": breach.consequences ?? texts["notAssessed"] ?? "", "measures": breach.measures ?? texts["notAssessed"] ?? "",
        ]
        if let dpo = contacts.dpo { values["dpo"] = dpo }
        return template.template.render(values)
    }
}

/// The letter's template and catalogues, found as the access package's are.
struct BreachLetterTemplate {
    let template: MustacheTemplate
    let texts: [String: [String: String]]

    /// The texts the letters' code says itself, besides those the template names.
    static let textsSaidByTheCode: Set<String> = ["emailSubject", "notAssessed"]

    /// The template and, per language, the texts (`OperatorTemplates.texts`): a letter to a
    /// person must not lose a line quietly.
    init(templates: URL?) throws(BreachRefusal) {
        do {
            (template, texts) = try OperatorTemplates.template("breach-letter.txt.mustache", texts: { "breach-letter.\($0).json" },
                                                               languages: AccessPackageHTML.languages, saidByTheCode: Self.textsSaidByTheCode, templates: templates)
        } catch {
            throw BreachRefusal(.english(error.description))
        }
    }
}
