import ArgumentParser
import Custos
import Foundation

struct Decide: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Decide a request: may this actor process these fields for this purpose?",
        discussion: """
        With --facts the decision is hypothetical (not logged) and --at or the request's 'at' sets the instant. --batch reads JSON Lines, one {"request": …, "facts": …} per line, and writes one decision per line (a line over 1 MiB is denied unread). Exit 0 permit, 2 deny, 3 partial; --batch exits 0 when every line was answered (an unreadable line is answered with a deny naming its line number) and 1 when the input cannot be read or the output written. See docs/decisions.md.

        Examples:
          custos decide --policies policies/invorderingsbedrijf --request \\
              examples/creditor-update.request.json --facts \\
              examples/debtor.facts.json --at 2025-06-02T09:00:00+02:00
          custos decide --policies policies/invorderingsbedrijf --batch \\
              requests.jsonl > decisions.jsonl
        """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The request as JSON: a file, or - for standard input.", valueName: "file"))
    var request: String?

    @Option(name: .long, help: ArgumentHelp("Facts about the subject as JSON (hypothetical decision).", valueName: "file"))
    var facts: String?

    @Option(name: .long, help: ArgumentHelp("Instant of a hypothetical decision, ISO 8601 with offset.", valueName: "instant"))
    var at: String?

    @Flag(name: .long, help: "Read JSON Lines (request with facts) and write one decision per line.")
    var batch = false

    @Argument(help: ArgumentHelp("With --batch: the input file, or - (default) for standard input.", valueName: "file"))
    var input: String?

    func validate() throws {
        if batch, request != nil || facts != nil { throw ValidationError("--batch takes its requests and facts from the input lines") }
        if !batch, input != nil { throw ValidationError("a file argument is only for --batch; use --request FILE") }
        if let at, Instant(iso8601: at) == nil { throw ValidationError("--at must be an ISO 8601 instant with offset, e.g. 2025-06-02T09:00:00+02:00") }
    }

    func run() throws {
        if !batch, facts == nil {
            try decideOnVault()
            return
        }
        guard let folder = global.policyFolder else {
            throw ValidationError("give the policy with --policies DIR (or CUSTOS_POLICIES)")
        }
        let loaded = Custos.checkPolicy(directory: try existingPolicyFolder(folder))
        guard let compiled = loaded.compiled else {
            for diagnostic in loaded.diagnostics.errors { StandardError.write(diagnostic.description) }
            StandardError.error("policy '\(folder)' is invalid")
            throw ExitStatus.invalidPolicy
        }
        let decider = HypotheticalDecisions(policy: compiled)
        let defaultAt = at.flatMap(Instant.init(iso8601:)) ?? Instant.now
        if batch {
            try runBatch(decider, defaultAt: defaultAt)
            return
        }
        guard let requestPath = request else { throw ValidationError("give --request FILE (or - for standard input)") }
        guard let factsPath = facts else { throw ValidationError("give --facts FILE") }
        let parsedRequest: DecisionRequest
        let parsedFacts: Facts
        do {
            parsedRequest = try HypotheticalDecisions.decodeRequest(try read(requestPath, what: "--request"))
            parsedFacts = try HypotheticalDecisions.decodeFacts(try read(factsPath, what: "--facts"))
        } catch let error as InputError {
            StandardError.error(error.message)
            throw ExitStatus.usage
        }
        let decision = decider.decide(request: parsedRequest, facts: parsedFacts, defaultAt: defaultAt)
        if global.output == .human {
            try emit(DecisionSummary(decision).render(), terminator: "")
        } else {
            try StandardOutput.write(HypotheticalDecisions.json(decision, pretty: true))
            try emit()
        }
        switch decision.outcome {
        case .permit: return
        case .deny: throw ExitStatus.denied
        case .partial: throw ExitStatus.partial
        }
    }

    /// Without --facts the facts come from the vault: the engine's clock decides, and the
    /// decision is logged.
    private func decideOnVault() throws {
        guard let requestPath = request else { throw ValidationError("give --request FILE (or - for standard input)") }
        if at != nil { throw ValidationError("--at is only for hypothetical decisions (with --facts); the vault's clock decides") }
        let parsed: DecisionRequest
        do {
            parsed = try HypotheticalDecisions.decodeRequest(try read(requestPath, what: "--request"))
        } catch let error as InputError {
            StandardError.error(error.message)
            throw ExitStatus.usage
        }
        let engine = try global.openServiceEngine()
        try finish(engine.decide(parsed), output: global.output)
    }

    private func runBatch(_ decider: HypotheticalDecisions, defaultAt: Instant) throws {
        let source: FileHandle
        if let input, input != "-" {
            guard let handle = FileHandle(forReadingAtPath: input) else {
                StandardError.error("--batch: cannot read '\(input)': no such file, or not readable")
                throw ExitStatus.runtimeError
            }
            source = handle
        } else {
            source = FileHandle.standardInput
        }
        let interactive = isatty(STDERR_FILENO) == 1
        let summary: BatchSummary
        do {
            summary = try decider.streamBatch(from: source, to: FileHandle.standardOutput, defaultAt: defaultAt,
                                              progress: interactive ? { StandardError.overwrite("decided \($0) lines") } : nil)
        } catch {
            let reason = (error as? BatchInputError)?.description ?? "cannot write the decisions to standard output: \(error.localizedDescription)"
            StandardError.error("the batch stopped: \(reason)")
            throw ExitStatus.runtimeError
        }
        if interactive, summary.lines >= 100_000 { StandardError.write("") }
        StandardError.write("custos: \(summary.lines) decisions: \(summary.permit) permit, \(summary.partial) partial, \(summary.deny) deny")
    }

    private func read(_ path: String, what: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: path) else {
            StandardError.error("\(what): cannot read '\(path)': no such file, or not readable")
            throw ExitStatus.runtimeError
        }
        return data
    }
}

/// `decide -o human`: the outcome, fields and reasons, one per line.
struct DecisionSummary {
    let decision: Decision
    init(_ decision: Decision) { self.decision = decision }

    func render() -> String {
        var out = "\(decision.outcome.rawValue.uppercased())  \(decision.action.rawValue) \(decision.purpose) by \(decision.actor)"
        if let recipient = decision.recipient { out += " to \(recipient)" }
        out += decision.hypothetical ? "  (hypothetical, not logged)\n" : "\n"
        if let basis = decision.basis { out += "  basis       \(basis.rawValue) (\(basis.article))\n" }
        for field in decision.fields {
            out += "  \(field.outcome == .permit ? "permit" : "deny  ")      \(field.field)"
            out += field.reasons.isEmpty ? "\n" : "  \(field.reasons.map(\.rawValue).joined(separator: ", "))\n"
        }
        for reason in decision.reasons {
            out += "  \(reason.code.rawValue) [\(reason.article)] \(reason.explanation)\n"
        }
        if !decision.obligations.isEmpty { out += "  obligations \(decision.obligations.map(\.rawValue).joined(separator: ", "))\n" }
        out += "  policy      \(decision.policyDigest)\n"
        return out
    }
}
