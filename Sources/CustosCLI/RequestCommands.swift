import ArgumentParser
import Custos
import Foundation

struct RequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "The request book: data-subject requests against their Art. 12(3) deadlines.",
        subcommands: [RequestOpen.self, RequestList.self, RequestShow.self, RequestVerify.self, RequestExtend.self, RequestFulfil.self, RequestReject.self])
}

/// Refusals of request operations exit 2 with their DSAR code.
private func perform<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let refusal as RequestRefusal {
        StandardError.write("custos: refused: \(refusal)")
        throw ExitStatus.denied
    } catch {
        throw ExitStatus.report(error)
    }
}

private func printRequest(_ request: RightsRequest, output: OutputFormat, events: Bool) {
    if output == .json {
        print(KebabJSON.string(request))
        return
    }
    print("\(request.id)  \(request.type.rawValue)\(request.purpose.map { " (\($0))" } ?? "") for \(request.subject)  \(request.status.rawValue), due \(request.dueOn)")
    guard events else { return }
    print("  received   \(request.receivedAt) (\(request.receivedOn)) via \(request.channel), from \(request.requester)\(request.mandate.map { ", mandate \($0)" } ?? "")")
    print("  identity   \(request.identity.rawValue)\(request.identityMethod.map { " (\($0))" } ?? "")")
    if let reasons = request.extensionReasons { print("  extended   told \(request.extensionNoticeOn?.description ?? "?"): \(reasons)") }
    if let outcome = request.outcome { print("  outcome    \(outcome)") }
    for event in request.events { print("  \(event.at)  \(event.event)\(event.detail.map { ": \($0)" } ?? "")  (\(event.by))") }
}

struct RequestOpen: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Record a request the moment it reached any channel.")
    @OptionGroup var global: GlobalOptions
    @Option var subject: String
    @Option(help: "access, rectification, erasure, restriction, portability, objection, objection-direct-marketing, objection-automated-decision")
    var type: String
    @Option(help: "The purpose an objection or restriction concerns.") var purpose: String?
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
        let engine = try global.openEngine()
        let request = try perform {
            try engine.openRequest(subject: subject, type: requestType, purpose: purpose, channel: channel, receivedAt: receivedAt,
                                   requester: requester, mandate: mandate, identityVerifiedBy: identityVerifiedBy, by: operatingSystemUser)
        }
        printRequest(request, output: global.output, events: false)
    }
}

struct RequestList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List open requests.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only requests past their due date.") var overdue = false
    @Option(help: "Only requests due within this many days, e.g. 7d.") var dueWithin: String?

    func run() throws {
        let days = try dueWithin.map { text -> Int in
            guard let days = Int(text.hasSuffix("d") ? String(text.dropLast()) : text), days >= 0 else { throw ValidationError("--due-within takes days, e.g. 7d") }
            return days
        }
        let engine = try global.openEngine()
        let requests = try perform { try engine.openRequests(overdue: overdue, dueWithinDays: days) }
        if global.output == .json { print(KebabJSON.string(requests)); return }
        if requests.isEmpty { print("no open requests"); return }
        for request in requests { printRequest(request, output: .human, events: false) }
    }
}

struct RequestShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a request and its history.")
    @OptionGroup var global: GlobalOptions
    @Argument var id: String

    func run() throws {
        let engine = try global.openEngine()
        guard let request = try perform({ try engine.request(id) }) else { StandardError.error("no request \(id)"); throw ExitStatus.runtimeError }
        printRequest(request, output: global.output, events: true)
    }
}

struct RequestVerify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Record a proportionate identity check.")
    @OptionGroup var global: GlobalOptions
    @Argument var id: String
    @Option(help: "How: e.g. 'e-mail matches data held', 'case number and postcode'.") var method: String

    func run() throws {
        let engine = try global.openEngine()
        printRequest(try perform { try engine.verifyIdentity(request: id, method: method, by: operatingSystemUser) }, output: global.output, events: false)
    }
}

struct RequestExtend: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extend", abstract: "Extend by two months, with reasons, telling the subject by the first deadline.")
    @OptionGroup var global: GlobalOptions
    @Argument var id: String
    @Option(help: "Why: complexity or number of requests.") var reasons: String
    @Option(help: "When the subject was told (YYYY-MM-DD); default today.") var noticeSent: String?

    func run() throws {
        let sent = try parseDate(noticeSent, option: "notice-sent")
        let engine = try global.openEngine()
        printRequest(try perform { try engine.extendRequest(id, reasons: reasons, noticeSentOn: sent, by: operatingSystemUser) }, output: global.output, events: false)
    }
}

struct RequestFulfil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fulfil", abstract: "Fulfil a verified request (access: a package as JSON and HTML; erasure: a signed certificate).",
        discussion: "Refused (exit 2) before the requester's identity is verified or without a representative's mandate. This version fulfils access and erasure requests; the other rights are recorded and tracked against their deadline, and their fulfilment arrives with the rest of the rights-request work.")
    @OptionGroup var global: GlobalOptions
    @Argument var id: String
    @Option(help: "Folder for the package files.") var out: String = "."

    func run() throws {
        let engine = try global.openEngine()
        guard let request = try perform({ try engine.request(id) }) else { StandardError.error("no request \(id)"); throw ExitStatus.runtimeError }
        // The folder exists before anything is fulfilled: an erasure cannot be undone, so its
        // certificate must have somewhere to go.
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            StandardError.error("cannot create '\(out)'; nothing was fulfilled")
            throw ExitStatus.runtimeError
        }
        if request.type == .erasure {
            let certificate = try perform { try engine.fulfilErasure(request: id, by: operatingSystemUser) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let data = (try? encoder.encode(certificate)) ?? Data()
            let path = URL(fileURLWithPath: out).appendingPathComponent("\(id)-erasure-certificate.json").path
            guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                StandardError.error("the erasure is done but its certificate could not be written to '\(out)'; it follows on standard output")
                print(String(decoding: data, as: UTF8.self))
                throw ExitStatus.runtimeError
            }
            print("\(id) fulfilled: \(certificate.outcome.rawValue); destroyed \(certificate.destroyed.joined(separator: ", ")); kept \(certificate.kept.map(\.field).joined(separator: ", "))\(certificate.subjectKeyDestroyed ? "; subject key destroyed" : "")")
            for task in certificate.notifications { print("task: \(task.kind.rawValue) \(task.recipient) about \(task.fields.joined(separator: ", "))") }
            print("certificate: \(path)")
            return
        }
        guard request.type == .access else {
            StandardError.error("fulfilling \(request.type.rawValue) requests is not built yet; the request stays open against its deadline (\(request.dueOn))")
            throw ExitStatus.runtimeError
        }
        let (package, html) = try perform { try engine.fulfilAccess(request: id, by: operatingSystemUser) }
        let base = URL(fileURLWithPath: out).appendingPathComponent("\(id)-access")
        do {
            try package.json.write(to: base.appendingPathExtension("json"), options: .atomic)
            try Data(html.utf8).write(to: base.appendingPathExtension("html"), options: .atomic)
            for url in [base.appendingPathExtension("json"), base.appendingPathExtension("html")] { chmod(url.path, 0o600) }
        } catch {
            StandardError.error("cannot write the package to '\(out)'")
            throw ExitStatus.runtimeError
        }
        print("\(id) fulfilled: \(package.fields.count) fields, \(package.recipients.count) disclosures; \(base.path).json and .html (mode 0600)")
        let review = package.fields.filter(\.reviewBeforeRelease).map(\.field)
        if !review.isEmpty { print("review before release: \(review.joined(separator: ", ")) may contain other people's data") }
    }
}

struct RequestReject: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject with reasons; the answer names the right to complain to the AP.")
    @OptionGroup var global: GlobalOptions
    @Argument var id: String
    @Option var reasons: String

    func run() throws {
        let engine = try global.openEngine()
        printRequest(try perform { try engine.rejectRequest(id, reasons: reasons, by: operatingSystemUser) }, output: global.output, events: true)
    }
}

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "task", abstract: "Art. 19 notifications and processor instructions owed.",
                                                    subcommands: [TaskList.self, TaskDone.self])
}

struct TaskList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List open tasks (--all for done ones too).")
    @OptionGroup var global: GlobalOptions
    @Flag var all = false

    func run() throws {
        let engine = try global.openEngine()
        let tasks = try perform { try engine.tasks(openOnly: !all) }
        if global.output == .json { print(KebabJSON.string(tasks)); return }
        if tasks.isEmpty { print("no open tasks"); return }
        for task in tasks {
            print("#\(task.id) \(task.kind.rawValue) \(task.recipient): \(task.action) \(task.fields.joined(separator: ", ")) of \(task.subject)\(task.request.map { " (\($0))" } ?? "")\(task.doneAt.map { ", done \($0)" } ?? "")")
        }
    }
}

struct TaskDone: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "done", abstract: "Mark a task done.")
    @OptionGroup var global: GlobalOptions
    @Argument var id: Int64

    func run() throws {
        let engine = try global.openEngine()
        try perform { try engine.completeTask(id, by: operatingSystemUser) }
        print("task #\(id) done")
    }
}
