import ArgumentParser
import Foundation
import Custos

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check, show and test policy folders.",
        discussion: "Examples:\n  custos policy check policies/invorderingsbedrijf\n  custos policy test policies/invorderingsbedrijf",
        subcommands: [PolicyCheck.self, PolicyTest.self, PolicyShow.self]
    )
}

/// The policy folder from the argument, else `--policies` / CUSTOS_POLICIES.
private func policyDirectory(_ argument: String?, _ global: GlobalOptions) throws -> String {
    if let directory = argument ?? global.policyFolder { return try existingPolicyFolder(directory) }
    throw ValidationError("give the policy folder, e.g. 'custos policy check policies/invorderingsbedrijf', or set --policies")
}

/// A policy folder that exists; a missing one is "not found" (exit 1), never "invalid".
func existingPolicyFolder(_ path: String) throws -> String {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        StandardError.error("policy folder '\(path)' not found")
        throw ExitStatus.runtimeError
    }
    guard isFolder.boolValue else {
        StandardError.error("'\(path)' is not a policy folder (a folder of YAML files)")
        throw ExitStatus.runtimeError
    }
    return path
}

/// Prints every diagnostic to standard error, one line each.
private func report(_ diagnostics: [Diagnostic]) {
    for diagnostic in diagnostics { StandardError.write(diagnostic.description) }
}

struct PolicyCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a policy folder; every problem is reported as file:line:col.",
        discussion: "Exit 0 when the policy is valid (warnings allowed), 4 when it has errors. Dated safeguards (adequacy decisions, DPF certifications, DPAs, SCCs, TIAs) that lapsed, or lapse within 90 days of today (or --on), are warnings.\n\nExamples:\n  custos policy check policies/invorderingsbedrijf\n  custos policy check policies/mine -o json\n  custos policy check policies/invorderingsbedrijf --on 2026-09-01"
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The policy folder.", valueName: "dir"))
    var directory: String?

    @Option(name: .long, help: ArgumentHelp("The day to check dated safeguards against (YYYY-MM-DD); default today in the controller's time zone.", valueName: "date"))
    var on: String?

    func validate() throws {
        if let on, LocalDate(parsing: on) == nil { throw ValidationError("--on must be a date YYYY-MM-DD, e.g. 2026-09-01") }
    }

    func run() throws {
        let check: PolicyLoader.SafeguardCheck = on.flatMap(LocalDate.init(parsing:)).map { .on($0) } ?? .at(Instant.now)
        let loaded = Custos.checkPolicy(directory: try policyDirectory(directory, global), checkingSafeguards: check)
        switch global.output {
        case .json:
            try emit(KebabJSON.string(CheckReport(loaded)))
        case .human:
            report(loaded.diagnostics)
            let errors = loaded.diagnostics.errors.count, warnings = loaded.diagnostics.warnings.count
            let counts = "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            if let compiled = loaded.compiled {
                let policy = loaded.policy
                try emit("policy '\(policy.name)' is valid: \(policy.purposes.count) purposes, \(policy.fields.count) fields, \(policy.recipients.count) recipients; \(counts)")
                try emit("digest \(compiled.digest)")
            } else {
                try emit("policy '\(loaded.policy.name)' is invalid: \(counts)")
            }
        }
        if !loaded.isValid { throw ExitStatus.invalidPolicy }
    }
}

struct PolicyShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Summarise a policy: purposes with basis, subjects, fields, retention, recipients, transfers.",
        discussion: "Examples:\n  custos policy show policies/invorderingsbedrijf\n  custos policy show policies/invorderingsbedrijf -o json > policy.json")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The policy folder.", valueName: "dir"))
    var directory: String?

    func run() throws {
        let loaded = Custos.checkPolicy(directory: try policyDirectory(directory, global))
        guard let compiled = loaded.compiled else {
            report(loaded.diagnostics)
            StandardError.error("policy '\(loaded.policy.name)' is invalid; run 'custos policy check' for details")
            throw ExitStatus.invalidPolicy
        }
        switch global.output {
        case .json: try emit(KebabJSON.string(ShowReport(digest: compiled.digest, policy: compiled.policy)))
        case .human: try emit(PolicySummary(compiled).render(), terminator: "")
        }
    }
}

/// `policy check -o json`.
struct CheckReport: Encodable {
    struct Entry: Encodable {
        let severity: String, code: String, message: String, file: String, line: Int, column: Int
    }

    let policy: String
    let valid: Bool
    let digest: String?
    let errors: Int
    let warnings: Int
    let diagnostics: [Entry]

    init(_ loaded: LoadedPolicy) {
        policy = loaded.policy.name
        valid = loaded.isValid
        digest = loaded.compiled?.digest
        errors = loaded.diagnostics.errors.count
        warnings = loaded.diagnostics.warnings.count
        diagnostics = loaded.diagnostics.map {
            Entry(severity: $0.severity.rawValue, code: $0.code.rawValue, message: $0.message,
                  file: $0.location.file, line: $0.location.line, column: $0.location.column)
        }
    }
}

/// `policy show -o json`.
struct ShowReport: Encodable {
    let digest: String
    let policy: Policy
}
