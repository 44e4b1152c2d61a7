import ArgumentParser
import Custos
import CustosStore
import Foundation

struct BreachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breach", abstract: "The breach register: every breach, who it touches, the 72-hour clock (Art. 33-34).",
        discussion: """
        Examples:
          custos breach record --nature confidentiality --recipient R-CRM --aware-at 2025-10-06T09:00:00+02:00 \\
              --from 2025-09-29T00:00:00+02:00 --to 2025-10-06T00:00:00+02:00 --description "CRM export on a public share"
          custos breach list --due-within 24h
          custos breach show BR-2025-0001
        """,
        subcommands: [BreachRecord.self, BreachList.self, BreachShow.self, BreachAssess.self, BreachNotification.self, BreachNotify.self, BreachLetters.self,
                      BreachInformed.self, BreachClose.self])
}

/// `24h` or `7d` as seconds, for the --due-within of breaches and notices.
func parseWithin(_ text: String, option: String) throws -> Int64 {
    guard let value = Int64(text.dropLast()), value >= 0, value < 100_000, let unit = text.last, ["h", "d"].contains(unit) else {
        throw ValidationError("--\(option) is hours or days, e.g. 24h or 3d, not '\(text)'")
    }
    return value * (unit == "h" ? 3600 : 86_400)
}


/// One step on a breach (assess, notify, informed, close): the engine call as the OS user,
/// then the breach as it now stands.
private func step(_ global: GlobalOptions, _ change: (BreachDesk, String) throws -> Breach) throws {
    let engine = try global.openOffice().breaches
    let breach = try refusable { try change(engine, operatingSystemUser) }
    try answer(global.output, lines(breach), json: json(breach))
}

private func lines(_ breach: Breach, affected: AffectedSubjects? = nil) -> [String] {
    var lines = ["\(breach.id)  \(breach.nature.map(\.rawValue).joined(separator: ", "))  aware \(breach.awareAt), AP due \(breach.apDeadline)"
                 + (breach.apNotifiedAt.map { ", notified \($0)\(breach.apFinal ? " (final)" : "")" } ?? "")
                 + (breach.closedAt.map { ", closed \($0)" } ?? "")]
    let scope: String = switch breach.scope {
    case let .recipient(recipient): "recipient \(recipient)"
    case let .actor(actor): "actor \(actor)"
    case .vault: "the vault" + (breach.keysCompromised ? " with its keys" : " (keys not compromised)")
    }
    lines.append("  scope      \(scope), \(breach.windowFrom) to \(breach.windowTo)" + (breach.fields.map { ", fields \($0.joined(separator: ", "))" } ?? ""))
    if let notice = breach.processorNoticeAt { lines.append("  processor  told us at \(notice)") }
    if let risk = breach.risk { lines.append("  risk       \(risk.rawValue)" + (breach.subjectsException.map { ", Art. 34(3) exception: \($0.rawValue)" } ?? "")) }
    if let cause = breach.cause { lines.append("  cause      \(cause.rawValue)") }
    if let states = breach.otherMemberStates { lines.append("  states     other EEA member states: \(states.isEmpty ? "none" : states.joined(separator: ", "))") }
    if let reasons = breach.lateReasons { lines.append("  late       \(reasons)") }
    if let affected {
        lines.append("  affected   \(affected.subjectCount) subjects, \(affected.records) field values"
                     + (affected.unintelligible ? " (unintelligible: ciphertext, keys not compromised)" : ""))
        for (category, count) in affected.byCategory.sorted(by: { $0.key < $1.key }) { lines.append("             \(category): \(count)") }
        for (kind, fields) in affected.marked.sorted(by: { $0.key < $1.key }) { lines.append("  marked     \(kind): \(fields.joined(separator: ", "))") }
    }
    return lines
}

private func json(_ breach: Breach, affected: AffectedSubjects? = nil) -> [String: Any] {
    var object: [String: Any] = [
        "id": breach.id, "nature": breach.nature.map(\.rawValue), "aware-at": breach.awareAt.description, "discovered-at": breach.discoveredAt.description,
        "ap-deadline": breach.apDeadline.description, "ap-notified-at": breach.apNotifiedAt?.description ?? NSNull(), "ap-final": breach.apFinal,
        "risk": breach.risk?.rawValue ?? NSNull(), "exception": breach.subjectsException?.rawValue ?? NSNull(),
        "cause": breach.cause?.rawValue ?? NSNull(), "other-member-states": breach.otherMemberStates ?? NSNull(),
        "closed-at": breach.closedAt?.description ?? NSNull(), "window": [breach.windowFrom.description, breach.windowTo.description],
        "events": breach.events.map { ["at": $0.at.description, "event": $0.event, "detail": $0.detail ?? NSNull(), "by": $0.by] as [String: Any] },
    ]
    if let affected {
        object["affected"] = ["subjects": affected.subjectCount, "records": affected.records, "by-category": affected.byCategory,
                              "by-field": affected.byField, "marked": affected.marked, "unintelligible": affected.unintelligible] as [String: Any]
    }
    return object
}

struct BreachRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record a breach: its nature, awareness, what it touched and when; documented whether or not it is notified.",
        discussion: """
        The 72 hours for the AP run from --aware-at (the controller's awareness), in clock hours. A processor's notice to us (--processor-notice-at) is kept apart from it. Name what the breach touched: --recipient (what was disclosed to that recipient or processor in the window), --actor (what that actor read or shared in the window) or --vault (everything held; ciphertext unless --keys-compromised).

        Example:
          custos breach record --nature confidentiality --recipient R-CRM --aware-at 2025-10-06T09:00:00+02:00 \\
              --from 2025-09-29T00:00:00+02:00 --to 2025-10-06T00:00:00+02:00 --description "CRM export on a public share"
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "confidentiality, integrity and/or availability (comma-separated).") var nature: String
    @Option(help: "When the controller became aware (ISO 8601 with offset; default now).") var awareAt: String?
    @Option(help: "When it was discovered, if earlier (default: the awareness).") var discoveredAt: String?
    @Option(help: "When the processor told us (Art. 33(2)), kept apart from our awareness.") var processorNoticeAt: String?
    @Option(help: "A recipient or processor of the policy the data reached.") var recipient: String?
    @Option(help: "A policy actor whose reads and shares are involved.") var actor: String?
    @Flag(help: "The vault itself.") var vault = false
    @Flag(help: "With --vault: the master key or subject keys were compromised too.") var keysCompromised = false
    @Option(help: "Only these fields (comma-separated).") var fields: String?
    @Option(help: "Start of the window in which it happened (ISO 8601 with offset).") var from: String
    @Option(help: "End of the window (default: the awareness).") var to: String?
    @Option(help: "What happened (no personal data).") var description: String
    @Option(help: "Measures taken or proposed.") var measures: String?

    func run() throws {
        let natures = fieldList(nature).map { ($0, Breach.Nature(rawValue: $0)) }
        if let wrong = natures.first(where: { $0.1 == nil }) { throw ValidationError("--nature: '\(wrong.0)' is not confidentiality, integrity or availability") }
        let scopes = [recipient.map { Breach.Scope.recipient($0) }, actor.map { Breach.Scope.actor($0) }, vault ? .vault : nil].compactMap { $0 }
        guard scopes.count == 1, let scope = scopes.first else { throw ValidationError("name exactly one of --recipient, --actor or --vault") }
        if keysCompromised, !vault { throw ValidationError("--keys-compromised goes with --vault") }
        let engine = try global.openOffice().breaches
        let aware = try parseInstant(awareAt, option: "aware-at") ?? engine.now
        let report = BreachDesk.BreachReport(
            nature: natures.compactMap(\.1), discoveredAt: try parseInstant(discoveredAt, option: "discovered-at"), awareAt: aware,
            processorNoticeAt: try parseInstant(processorNoticeAt, option: "processor-notice-at"), scope: scope, fields: fields.map(fieldList),
            window: (try parseInstant(from, option: "from")!, try parseInstant(to, option: "to") ?? aware), description: description, measures: measures,
            keysCompromised: keysCompromised)
        let breach = try refusable { try engine.recordBreach(report, by: operatingSystemUser) }
        let affected = try refusable { try engine.affectedSubjects(breach) }
        try answer(global.output, lines(breach, affected: affected), json: json(breach, affected: affected))
    }
}

struct BreachList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List breaches; --due-within shows those whose AP deadline is near or past.",
                                                    discussion: "Examples:\n  custos breach list\n  custos breach list --due-within 24h")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only open breaches not yet notified whose 72 hours end within this (e.g. 24h, 3d).") var dueWithin: String?

    func run() throws {
        let seconds = try dueWithin.map { try parseWithin($0, option: "due-within") }
        let engine = try global.openOffice().breaches
        let breaches = try refusable { try engine.breaches(dueWithinSeconds: seconds) }
        try answer(global.output, breaches.isEmpty ? ["no breaches"] : breaches.map { lines($0)[0] }, json: ["breaches": breaches.map { json($0) }])
    }
}

struct BreachShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a breach, who it touches and its history.",
                                                    discussion: "Example:\n  custos breach show BR-2025-0001")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The breach number.") var id: String

    func run() throws {
        let engine = try global.openOffice().breaches
        guard let breach = try refusable({ try engine.breach(id) }) else { StandardError.error("no breach \(id)"); throw ExitStatus.runtimeError }
        let affected = try refusable { try engine.affectedSubjects(breach) }
        let letters = try refusable { try engine.breachLetterCounts(id) }
        let sent = letters.isEmpty ? [] : ["  letters    " + letters.sorted { $0.key < $1.key }.map { "\($0.value) by \($0.key)" }.joined(separator: ", ")]
        let history = breach.events.map { "  \($0.at)  \($0.event)\($0.detail.map { ": \($0)" } ?? "") (\($0.by))" }
        var object = json(breach, affected: affected)
        object["letters"] = letters
        try answer(global.output, lines(breach, affected: affected) + sent + ["  history"] + history, json: object)
    }
}

struct BreachAssess: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assess", abstract: "Record the risk (none, risk, high), for a high risk an Art. 34(3) exception, and the cause and other member states the AP asks.",
        discussion: """
        Examples:
          custos breach assess BR-2025-0001 --risk high --cause wrong-recipient --member-states none
          custos breach assess BR-2025-0002 --risk high --exception unintelligible --cause hacking --member-states BE,DE
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The breach number.") var id: String
    @Option(help: "none, risk or high.") var risk: String
    @Option(help: "unintelligible, measures or disproportionate (Art. 34(3)(a)-(c)).") var exception: String?
    @Option(help: "Measures taken or proposed.") var measures: String?
    @Option(help: "The likely consequences for the people (Art. 33(3)(c)).") var consequences: String?
    @Option(help: "How it came about: \(Breach.Cause.allCases.map(\.rawValue).joined(separator: ", ")).") var cause: String?
    @Option(help: "The other EEA member states whose residents it touched (e.g. BE,DE), or none.") var memberStates: String?

    func run() throws {
        guard let level = Breach.Risk(rawValue: risk) else { throw ValidationError("--risk is none, risk or high") }
        let ground = try exception.map { text -> Breach.SubjectsException in
            guard let ground = Breach.SubjectsException(rawValue: text) else { throw ValidationError("--exception is unintelligible, measures or disproportionate") }
            return ground
        }
        let how = try cause.map { text -> Breach.Cause in
            guard let how = Breach.Cause(rawValue: text) else {
                throw ValidationError("--cause is one of \(Breach.Cause.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return how
        }
        // The desk trims and upper-cases each code; an empty one between commas is refused there.
        let states = memberStates.map { $0 == "none" ? [] : $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        try step(global) { engine, user in
            try engine.assessBreach(id, risk: level, exception: ground, measures: measures, consequences: consequences, cause: how, otherMemberStates: states, by: user)
        }
    }
}

struct BreachNotify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify", abstract: "Record the notification to the AP (phased: again with --final); late ones give their reasons.",
        discussion: "Example:\n  custos breach notify BR-2025-0001 --at 2025-10-07T11:00:00+02:00")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The breach number.") var id: String
    @Option(help: "When it was sent (default now).") var at: String?
    @Flag(help: "The final notification (after an initial one, Art. 33(4)).") var final = false
    @Option(help: "Why it came after the 72 hours (required then).") var lateReasons: String?

    func run() throws {
        let sent = try parseInstant(at, option: "at")
        try step(global) { engine, user in try engine.notifyAuthority(id, at: sent, final: final, lateReasons: lateReasons, by: user) }
    }
}

struct BreachInformed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "informed", abstract: "Record that the people at high risk were told (Art. 34(1)).",
                                                    discussion: "Example:\n  custos breach informed BR-2025-0001 --count 37")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The breach number.") var id: String
    @Option(help: "How many people were told.") var count: Int

    func run() throws {
        try step(global) { engine, user in try engine.recordSubjectsInformed(id, count: count, by: user) }
    }
}

struct BreachClose: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "close", abstract: "Close a breach once its duties are done; its documentation stays.",
                                                    discussion: "Example:\n  custos breach close BR-2025-0001")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The breach number.") var id: String

    func run() throws {
        try step(global) { engine, user in try engine.closeBreach(id, by: user) }
    }
}

struct BreachNotification: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notification", abstract: "The AP notification's content (Art. 33(3)) as Markdown or JSON: counts, never a person.",
        discussion: "Examples:\n  custos breach notification BR-2025-0001\n  custos breach notification BR-2025-0001 --language nl\n  custos breach notification BR-2025-0001 --format json --out ap.json")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The breach number.") var id: String
    @Option(help: "md or json.") var format = "md"
    @Option(help: "The Markdown's language: en or nl (the JSON is the same in both).") var language = "en"
    @Option(help: ArgumentHelp("A folder whose breach-notification.<language>.json is laid over the built-in texts (a misspelt text is refused).", valueName: "dir")) var templates: String?
    @Option(help: "Write to this file (mode 0600) instead of standard output.") var out: String?

    func run() throws {
        guard ["md", "json"].contains(format) else { throw ValidationError("--format is md or json") }
        let engine = try global.openOffice().breaches
        let notification = try refusable { try engine.breachNotification(id, language: language, templates: templates.map { URL(fileURLWithPath: $0) }) }
        let data = format == "json" ? notification.json : Data(notification.markdown.utf8)
        guard let out else { try emit(String(decoding: data, as: UTF8.self)); return }
        do { try PrivateFile.write(data, to: out) } catch {
            StandardError.error("cannot write '\(out)': \(error)")
            throw ExitStatus.runtimeError
        }
        try answer(global.output, ["AP notification for \(id): \(out)"], json: ["breach": id, "file": out])
    }
}

struct BreachLetters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "letters", abstract: "Write the letters to the people at high risk (Art. 34) in clear language: by e-mail through the outbox, or to a folder for the post.",
        discussion: """
        Each letter names its own subject's data by the fields' titles, never a value or another person. With --outbox, everyone whose e-mail address the officer may read under P-BREACH-NOTICE (a gated, logged read) gets the letter through the outbox (`custos outbox send`, or the server's relay); the others' letters go to --out for the post. The files (mode 0600) are named BREACH-SUBJECT.txt; each batch is recorded in the breach's history once written.

        Examples:
          custos breach letters BR-2025-0001 --out letters/ --language nl
          custos breach letters BR-2025-0002 --outbox --out letters/ --language en
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The breach number.") var id: String
    @Option(help: "The folder for the letters that go by post.") var out: String
    @Option(help: "nl or en.") var language = "nl"
    @Flag(help: "Send by e-mail through the outbox where an address is held.") var outbox = false
    @Option(help: "With --outbox: the purpose the e-mail address is read under.") var purpose = PrivacyEngine.breachNoticePurpose
    @Option(help: ArgumentHelp("A folder whose breach-letter.txt.mustache replaces the built-in one and whose breach-letter.<language>.json is laid over the built-in texts.", valueName: "dir")) var templates: String?

    func run() throws {
        guard ["nl", "en"].contains(language) else { throw ValidationError("--language is nl or en") }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            StandardError.error("cannot create '\(out)'; no letter was written")
            throw ExitStatus.runtimeError
        }
        let engine = try global.openOffice().breaches
        let folder = templates.map { URL(fileURLWithPath: $0) }
        // Each letter is written as it is composed (a breach of the whole vault writes to
        // every subject), the folder's file system synced once after the last, and only then
        // recorded: the history never claims a letter that is not on disk.
        var files: [String] = []
        func write(_ letter: BreachLetter) throws {
            let path = URL(fileURLWithPath: out).appendingPathComponent("\(id)-\(letter.subject).txt").path
            do { try PrivateFile.writeUnsynced(Data(letter.text.utf8), to: path) } catch {
                throw LetterNotWritten(path: path, reason: String(describing: error), written: files.count)
            }
            files.append(path)
        }
        var postal: [String] = [], emailed: [String] = [], erased = 0, skipped = 0
        if outbox {
            let run = try refusable { try global.sendBreachLetters(id, language: language, templates: folder, purpose: purpose, by: operatingSystemUser, post: write) }
            (postal, emailed, erased, skipped) = (run.postal, run.emailed, run.erased, run.alreadyEmailed)
        } else {
            erased = try refusable {
                try engine.forEachBreachLetter(id, language: language, templates: folder) { letter in
                    try write(letter)
                    postal.append(letter.subject)
                }
            }
        }
        do { try PrivateFile.syncFileSystem(containing: out) } catch {
            StandardError.error("\(error); \(files.count) letters were written and not recorded")
            throw ExitStatus.runtimeError
        }
        if !postal.isEmpty || (emailed.isEmpty && skipped == 0) {
            try refusable { try engine.recordBreachLetters(id, written: postal, language: language, erased: erased, by: operatingSystemUser) }
        }
        let line = (outbox ? "\(emailed.count) by e-mail through the outbox, " : "") + "\(postal.count) letters for \(id) in \(out)"
            + (skipped > 0 ? " (\(skipped) already sent by e-mail earlier)" : "")
        try answer(global.output, [line], json: ["breach": id, "emailed": emailed.count, "letters": postal.count, "already-emailed": skipped, "files": files])
    }
}

/// A letter for the post that could not be written: the run stops, and the letters written
/// before it are on disk but not recorded.
private struct LetterNotWritten: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var written: Int

    var description: String { "cannot write '\(path)': \(reason); \(written) letters were written and not recorded" }
}
