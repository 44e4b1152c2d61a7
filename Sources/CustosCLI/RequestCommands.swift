import ArgumentParser
import Custos
import Foundation
import CustosStore

struct RequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "The request book: data-subject requests against their Art. 12(3) deadlines.",
        discussion: "Examples:\n  custos request open --subject D-1001 --type access --channel letter\n  custos request list --overdue",
        subcommands: [RequestOpen.self, RequestList.self, RequestShow.self, RequestVerify.self, RequestExtend.self, RequestFulfil.self, RequestReject.self,
                      RequestCertificate.self, RequestStatement.self])
}


private func printRequest(_ request: RightsRequest, output: OutputFormat, events: Bool) throws {
    if output == .json {
        try emit(KebabJSON.string(request))
        return
    }
    try emit("\(request.id)  \(request.type.rawValue)\(request.purpose.map { " (\($0))" } ?? "") for \(request.subject)  \(request.status.rawValue), due \(request.dueOn)")
    guard events else { return }
    try emit("  received   \(request.receivedAt) (\(request.receivedOn)) via \(request.channel), from \(request.requester)\(request.mandate.map { ", mandate \($0)" } ?? "")")
    try emit("  identity   \(request.identity.rawValue)\(request.identityMethod.map { " (\($0))" } ?? "")")
    if let reasons = request.extensionReasons { try emit("  extended   told \(request.extensionNoticeOn?.description ?? "?"): \(reasons)") }
    if let outcome = request.outcome { try emit("  outcome    \(outcome)") }
    for event in request.events { try emit("  \(event.at)  \(event.event)\(event.detail.map { ": \($0)" } ?? "")  (\(event.by))") }
}

struct RequestOpen: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Record a request the moment it reached any channel.",
        discussion: "Examples:\n  custos request open --subject D-1001 --type access --channel letter \\\n      --received 2025-01-31T10:00:00+01:00\n  custos request open --subject D-1001 --type objection --purpose \\\n      P-SCORING --channel e-mail --identity-verified-by \"e-mail matches \\\n      data held\"")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(help: "access, rectification, erasure, restriction, portability, objection, objection-direct-marketing, objection-automated-decision")
    var type: String
    @Option(help: "The purpose an objection concerns (left out: every purpose it applies to); only an objection names one.") var purpose: String?
    @Option(help: "letter, e-mail, phone, web-form, employee, …") var channel: String
    @Option(help: "When it reached the controller (ISO 8601); default now.") var received: String?
    @Option(help: "subject or representative (names are not stored).") var requester = "subject"
    @Option(help: "Reference of the representative's proof of mandate.") var mandate: String?
    @Option(help: "How identity was already verified, if it was (e.g. 'e-mail matches data held').") var identityVerifiedBy: String?

    func run() throws {
        guard let requestType = RightsRequestType(rawValue: type) else {
            throw ValidationError("--type must be one of \(RightsRequestType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let receivedAt = try parseInstant(received, option: "received")
        let engine = try global.openOffice().requests
        let request = try refusable {
            try engine.openRequest(subject: subject, type: requestType, purpose: purpose, channel: channel, receivedAt: receivedAt,
                                   requester: requester, mandate: mandate, identityVerifiedBy: identityVerifiedBy, by: operatingSystemUser)
        }
        try printRequest(request, output: global.output, events: false)
    }
}

struct RequestList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List open requests.",
        discussion: "Examples:\n  custos request list --overdue\n  custos request list --due-within 7d -o json")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only requests past their due date.") var overdue = false
    @Option(help: "Only requests due within this many days, e.g. 7d.") var dueWithin: String?

    func run() throws {
        let days = try dueWithin.map { text -> Int in
            guard let days = Int(text.hasSuffix("d") ? String(text.dropLast()) : text), days >= 0 else { throw ValidationError("--due-within takes days, e.g. 7d") }
            return days
        }
        let engine = try global.openOffice().requests
        let requests = try refusable { try engine.openRequests(overdue: overdue, dueWithinDays: days) }
        if global.output == .json { try emit(KebabJSON.string(requests)); return }
        if requests.isEmpty { try emit("no open requests"); return }
        for request in requests { try printRequest(request, output: .human, events: false) }
    }
}

struct RequestShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a request and its history.",
        discussion: "Example:\n  custos request show RQ-2025-0001")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request number, e.g. RQ-2025-0001.") var id: String

    func run() throws {
        let engine = try global.openOffice().requests
        guard let request = try refusable({ try engine.request(id) }) else { StandardError.error("no request \(id)"); throw ExitStatus.runtimeError }
        try printRequest(request, output: global.output, events: true)
    }
}

struct RequestVerify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Record a proportionate identity check.",
        discussion: "Example:\n  custos request verify RQ-2025-0001 --method \"case number and postcode\"")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request number, e.g. RQ-2025-0001.") var id: String
    @Option(help: "How: e.g. 'e-mail matches data held', 'case number and postcode'.") var method: String

    func run() throws {
        let engine = try global.openOffice().requests
        try printRequest(try refusable { try engine.verifyIdentity(request: id, method: method, by: operatingSystemUser) }, output: global.output, events: false)
    }
}

struct RequestExtend: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extend", abstract: "Extend by two months, with reasons, telling the subject by the first deadline.",
        discussion: "Example:\n  custos request extend RQ-2025-0001 --reasons \"three creditors and two \\\n      bailiffs involved\" --notice-sent 2025-02-20")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request number, e.g. RQ-2025-0001.") var id: String
    @Option(help: "Why: complexity or number of requests.") var reasons: String
    @Option(help: "When the subject was told (YYYY-MM-DD); default today.") var noticeSent: String?

    func run() throws {
        let sent = try parseDate(noticeSent, option: "notice-sent")
        let engine = try global.openOffice().requests
        try printRequest(try refusable { try engine.extendRequest(id, reasons: reasons, noticeSentOn: sent, by: operatingSystemUser) }, output: global.output, events: false)
    }
}

struct RequestFulfil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fulfil", abstract: "Fulfil a verified request, by its right.",
        discussion: """
        access: a package as JSON and HTML in --out. erasure: a signed certificate in --out. portability: JSON and CSV of the data the subject provided, in --out (refused with PORTABILITY_BASIS_NOT_ELIGIBLE unless a purpose rests on consent or contract). rectification: the corrected values from --values (a JSON object of field names and values, read from a file or '-' for standard input, so values never appear in the process list). restriction: --ground (and --fields, default all). objections: completes the request once the objection's assessment is on record. Refused (exit 2) before the requester's identity is verified or without a representative's mandate. Files are written with mode 0600.

        Examples:
          custos request fulfil RQ-2025-0001 --out answers/
          custos request fulfil RQ-2025-0001 --out answers/ --language en
          echo '{"postal_address": "Kerkstraat 1, 2611 GX Delft"}' | \\
              custos request fulfil RQ-2025-0002 --values -
          custos request fulfil RQ-2025-0003 --ground accuracy-contested \\
              --fields postal_address
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request number, e.g. RQ-2025-0001.") var id: String
    @Option(help: "Folder for the files an access, portability or erasure request produces.") var out: String = "."
    @Option(help: "Rectification: a JSON object of corrected values, from a file or '-' (standard input).") var values: String?
    @Option(help: "Restriction: \(RestrictionGround.allCases.map(\.rawValue).joined(separator: ", ")).") var ground: String?
    @Option(help: "Restriction: only these fields (comma-separated); default every field.") var fields: String?
    @Option(help: "Access: the language of the readable page, nl or en (default: the language of the request, else nl).") var language: String?
    @Option(help: ArgumentHelp("Access: a folder whose access-package.html.mustache replaces the built-in one and whose access-package.<language>.json is laid over the built-in texts.", valueName: "dir")) var templates: String?

    func validate() throws {
        if let language, !["nl", "en"].contains(language) { throw ValidationError("--language: '\(language)' is not nl or en") }
    }

    func run() throws {
        let desk = try global.openOffice().rights
        guard let request = try refusable({ try desk.store.request(id) }) else { StandardError.error("no request \(id)"); throw ExitStatus.runtimeError }
        var result = Fulfilled(request: id)
        switch request.type {
        case .access: try fulfilAccess(desk, &result)
        case .portability: try fulfilPortability(desk, &result)
        case .erasure: try fulfilErasure(desk, &result)
        case .rectification: try fulfilRectification(desk, &result)
        case .restriction:
            guard let ground, let parsed = RestrictionGround(rawValue: ground) else {
                throw ValidationError("--ground is one of \(RestrictionGround.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let outcome = try refusable { try desk.fulfilRestriction(request: id, fields: fields.map(fieldList), ground: parsed, by: operatingSystemUser) }
            result.say("\(id) fulfilled: \(outcome.outcome)", ["outcome": outcome.outcome])
            result.tasks(outcome.notifications)
        case .objection, .objectionDirectMarketing, .objectionAutomatedDecision:
            let outcome = try refusable { try desk.fulfilObjection(request: id, by: operatingSystemUser) }
            result.say("\(id) fulfilled: \(outcome.outcome)", ["outcome": outcome.outcome])
        }
        try answer(global.output, result.lines, json: result.json)
    }

    /// The folder exists before anything is fulfilled: an erasure cannot be undone, so its
    /// certificate must have somewhere to go.
    private func outputFolder() throws -> URL {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            StandardError.error("cannot create '\(out)'; nothing was fulfilled")
            throw ExitStatus.runtimeError
        }
        return URL(fileURLWithPath: out)
    }

    private func write(_ files: [(URL, Data)], what: String) throws {
        do {
            for (url, data) in files { try PrivateFile.write(data, to: url.path) }
        } catch {
            StandardError.error("cannot write the \(what) to '\(out)': \(error)")
            throw ExitStatus.runtimeError
        }
    }

    private func fulfilErasure(_ desk: RightsDesk, _ result: inout Fulfilled) throws {
        let folder = try outputFolder()
        let certificate = try refusable { try desk.fulfilErasure(request: id, by: operatingSystemUser) }
        guard let path = ErasureCertificateFile.write(certificate, in: folder) else {
            StandardError.error("the erasure is done but its certificate could not be written to '\(out)'; it follows on standard output "
                + "(and 'custos request certificate \(id)' gives it again)")
            try emit(String(decoding: certificate.fileBytes, as: UTF8.self))
            throw ExitStatus.runtimeError
        }
        result.say("\(id) fulfilled: \(certificate.outcome.rawValue); destroyed \(certificate.destroyed.joined(separator: ", ")); kept \(certificate.kept.map(\.field).joined(separator: ", "))\(certificate.subjectKeyDestroyed ? "; subject key destroyed" : "")",
                   ["outcome": certificate.outcome.rawValue, "destroyed": certificate.destroyed, "kept": certificate.kept.map(\.field),
                    "subject-key-destroyed": certificate.subjectKeyDestroyed])
        result.tasks(certificate.notifications)
        result.say("certificate: \(path)", ["files": [path]])
    }

    private func fulfilAccess(_ desk: RightsDesk, _ result: inout Fulfilled) throws {
        let folder = try outputFolder()
        let (package, html) = try refusable {
            try desk.fulfilAccess(request: id, by: operatingSystemUser, language: language, templates: templates.map { URL(fileURLWithPath: $0) })
        }
        let base = folder.appendingPathComponent("\(id)-access")
        try write([(base.appendingPathExtension("json"), package.json), (base.appendingPathExtension("html"), Data(html.utf8))], what: "package")
        result.say("\(id) fulfilled: \(package.fields.count) fields, \(package.recipients.count) disclosures; \(base.path).json and .html (mode 0600)",
                   ["fields": package.fields.count, "disclosures": package.recipients.count, "files": [base.path + ".json", base.path + ".html"]])
        let review = package.fields.filter(\.reviewBeforeRelease).map(\.field)
        if !review.isEmpty { result.say("review before release: \(review.joined(separator: ", ")) may contain other people's data", ["review-before-release": review]) }
    }

    private func fulfilPortability(_ desk: RightsDesk, _ result: inout Fulfilled) throws {
        let folder = try outputFolder()
        let export = try refusable { try desk.fulfilPortability(request: id, by: operatingSystemUser) }
        let base = folder.appendingPathComponent("\(id)-portability")
        try write([(base.appendingPathExtension("json"), export.json), (base.appendingPathExtension("csv"), export.csv)], what: "export")
        let leftOut = export.leftOut.isEmpty ? "" : "; \(export.code?.rawValue ?? ""): left out \(export.leftOut.map { "\($0.field) (\($0.reason.rawValue))" }.joined(separator: ", "))"
        result.say("\(id) fulfilled: \(export.items.count) fields the subject provided\(leftOut); \(base.path).json and .csv (mode 0600)",
                   ["fields": export.items.count, "left-out": export.leftOut.map(\.field), "files": [base.path + ".json", base.path + ".csv"]])
    }

    private func fulfilRectification(_ desk: RightsDesk, _ result: inout Fulfilled) throws {
        guard let values else { throw ValidationError("a rectification needs --values FILE (a JSON object of field names and corrected values; '-' reads standard input)") }
        let data: Data?
        if values == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else { data = FileManager.default.contents(atPath: values) }
        guard let data else { StandardError.error("cannot read '\(values)': no such file, or not readable"); throw ExitStatus.runtimeError }
        // The messages never echo the input: it holds the subject's values. A field named twice
        // is refused (by its path), not settled by whichever value the decoder kept.
        do { try StrictJSON.check(data, shape: .any, what: "--values '\(values)'") } catch {
            StandardError.error(error.message)
            throw ExitStatus.usage
        }
        guard let parsed = try? JSONDecoder().decode([String: String].self, from: data) else {
            StandardError.error("--values '\(values)' must be a JSON object of field names and string values")
            throw ExitStatus.usage
        }
        let rectified = try refusable { try desk.fulfilRectification(request: id, values: parsed, by: operatingSystemUser) }
        result.say("\(id) fulfilled: rectified \(rectified.rectified.joined(separator: ", "))\(rectified.completed.isEmpty ? "" : "; completed \(rectified.completed.joined(separator: ", "))")",
                   ["rectified": rectified.rectified, "completed": rectified.completed])
        result.tasks(rectified.notifications)
    }
}

/// What `request fulfil` did: lines for a person, one object under `-o json`.
private struct Fulfilled {
    var lines: [String] = []
    var json: [String: Any]

    init(request: String) { json = ["request": request] }

    mutating func say(_ line: String, _ values: [String: Any]) {
        lines.append(line)
        json.merge(values) { _, new in new }
    }

    mutating func tasks(_ tasks: [RecipientTask]) {
        lines += tasks.map { "task: \($0.kind.rawValue) \($0.recipient) about \($0.fields.joined(separator: ", "))" }
        json["tasks"] = tasks.map { ["kind": $0.kind.rawValue, "recipient": $0.recipient, "fields": $0.fields] as [String: Any] }
    }
}

struct RequestCertificate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate", abstract: "Write a completed erasure request's signed certificate again.",
        discussion: """
        The certificate 'request fulfil' wrote, byte for byte (the signature is deterministic): for a subject who lost it, an auditor, or a fulfilment whose file could not be written. Erasures completed before 5 December kept no certificate.

        Example:
          custos request certificate RQ-2025-0001 --out answers/
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request number, e.g. RQ-2025-0001.") var id: String
    @Option(help: "Folder for the certificate.") var out: String = "."

    func run() throws {
        let desk = try global.openOffice().rights
        guard let certificate = try refusable({ try desk.erasureCertificate(request: id) }) else {
            StandardError.error("request \(id) has no erasure certificate: it is not an erasure request completed since certificates are kept")
            throw ExitStatus.runtimeError
        }
        try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let path = ErasureCertificateFile.write(certificate, in: URL(fileURLWithPath: out)) else {
            StandardError.error("cannot write the certificate to '\(out)'")
            throw ExitStatus.runtimeError
        }
        try answer(global.output, ["certificate: \(path)"], json: ["request": id, "files": [path]])
    }
}

struct RequestStatement: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement", abstract: "Read, or record, what the subject says is wrong with a rectification request.",
        discussion: """
        A rectification request from the privacy centre carries the subject's own words (Art. 16: what is wrong and what it should say). They are kept sealed under the subject's key and go with any erasure of the subject's data. --set records words that came by letter or phone, read from a file or '-' for standard input (never from the command line, which a shell's history keeps).

        Examples:
          custos request statement RQ-2025-0007
          custos request statement RQ-2025-0007 --set letter.txt
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request number, e.g. RQ-2025-0007.") var id: String
    @Option(help: "Record the words in this file ('-': standard input), replacing any kept before.") var set: String?

    func run() throws {
        let office = try global.openOffice()
        let door = office.door
        guard try refusable({ try office.requests.request(id) }) != nil else { StandardError.error("no request \(id)"); throw ExitStatus.runtimeError }
        if let set {
            // At most four bytes a character: anything longer cannot be kept, and is not read whole.
            let limit = PublicDoor.statementLimit * 4 + 1
            var data: Data?
            if let handle = set == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: set) {
                do { data = try handle.read(upToCount: limit) ?? Data() } catch { data = nil }   // a folder cannot be read
            }
            guard let data, let text = String(data: data, encoding: .utf8) else {
                StandardError.error(set == "-" ? "standard input is not UTF-8 text" : "cannot read '\(set)' as UTF-8 text")
                throw ExitStatus.runtimeError
            }
            guard data.count < limit else {
                StandardError.error("the subject's words in '\(set)' are longer than \(PublicDoor.statementLimit) characters")
                throw ExitStatus.runtimeError
            }
            _ = try refusable { try door.recordStatement(text, request: id, by: operatingSystemUser) }
            try answer(global.output, ["statement kept with \(id)"], json: ["request": id, "kept": true])
            return
        }
        guard let words = try refusable({ try door.statement(request: id) }) else {
            StandardError.error("request \(id) has no statement: none was given, or an erasure of the subject's data took it")
            throw ExitStatus.runtimeError
        }
        try answer(global.output, [words], json: ["request": id, "statement": words])
    }
}

/// An erasure certificate as the CLI writes it: `<request>-erasure-certificate.json`, sorted
/// keys, mode 0600.
enum ErasureCertificateFile {
    /// The file's path, or nil when it could not be written.
    static func write(_ certificate: ErasureCertificate, in folder: URL) -> String? {
        let path = folder.appendingPathComponent("\(certificate.request)-erasure-certificate.json").path
        return (try? PrivateFile.write(certificate.fileBytes, to: path)) != nil ? path : nil
    }
}

struct RequestReject: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject with reasons; the answer names the right to complain to the AP.",
        discussion: "Example:\n  custos request reject RQ-2025-0004 --reasons \"the fourth identical \\\n      request this month (Art. 12(5))\"")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request number, e.g. RQ-2025-0001.") var id: String
    @Option(help: "Why the request is rejected; the answer quotes it.") var reasons: String

    func run() throws {
        let engine = try global.openOffice().requests
        try printRequest(try refusable { try engine.rejectRequest(id, reasons: reasons, by: operatingSystemUser) }, output: global.output, events: true)
    }
}

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "task", abstract: "Art. 19 notifications and processor instructions owed.",
                                                    discussion: "Examples:\n  custos task list\n  custos task done 3",
        subcommands: [TaskList.self, TaskDone.self])
}

struct TaskList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List open tasks (--all for done ones too).",
        discussion: "Examples:\n  custos task list\n  custos task list --all -o json")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Include tasks already done.") var all = false

    func run() throws {
        let engine = try global.openOffice().rights
        let tasks = try refusable { try engine.tasks(openOnly: !all) }
        if global.output == .json { try emit(KebabJSON.string(tasks)); return }
        if tasks.isEmpty { try emit("no open tasks"); return }
        for task in tasks {
            try emit("#\(task.id) \(task.kind.rawValue) \(task.recipient): \(task.action) \(task.fields.joined(separator: ", ")) of \(task.subject)\(task.request.map { " (\($0))" } ?? "")\(task.doneAt.map { ", done \($0)" } ?? "")")
        }
    }
}

struct TaskDone: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "done", abstract: "Mark a task done.",
        discussion: "Example:\n  custos task done 3")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The task number 'custos task list' shows.") var id: Int64

    func run() throws {
        let engine = try global.openOffice().rights
        try refusable { try engine.completeTask(id, by: operatingSystemUser) }
        try answer(global.output, ["task #\(id) done"], json: ["task": id, "done": true])
    }
}
