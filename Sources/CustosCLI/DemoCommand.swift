import ArgumentParser
import Custos
import CustosSimulation
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a privacy officer's day on a fresh simulation vault built from the seed policy.",
        discussion: """
        Creates a simulation vault (its clock is set by the script; everything in it and in its reports is marked simulated), key and keyring in the folder, loads the policy, generates a synthetic population (debtors, clients and their contacts, prospects, website visitors with Dutch-looking names, addresses and IBANs) and its history, then runs a working day: services reading and sharing (some denied, with reasons), consents given and withdrawn, the bailiff and a foreign lawyer receiving data (one transfer refused), requests of every type, legal holds, a breach at the bailiff (the AP notified, letters written), a retention sweep, every report in every format, and a signed audit checkpoint. An earlier demo in the folder is replaced; a vault that is not a simulation is never touched.

        Examples:
          custos demo                               # demo/ with 3000 subjects
          custos demo --folder /tmp/day --subjects 10000 --seed 7
        """)
    @Option(help: "Folder for the vault, key, answers, reports and checkpoint.") var folder = "demo"
    @Option(help: "The policy folder.") var policies = "policies/invorderingsbedrijf"
    @Option(help: "How many synthetic subjects.") var subjects = 3_000
    @Option(help: "Seed of the synthetic population and the day (same seed, same day).") var seed: UInt64 = 20_251_006
    @Option(name: [.short, .long], help: "Output format: human or json.") var output: OutputFormat = .human

    func validate() throws {
        guard (100...1_000_000).contains(subjects) else { throw ValidationError("--subjects must be between 100 and 1000000") }
    }

    func run() throws {
        let started = Date()
        let summary: DemoSummary
        do {
            summary = try OfficersDay.run(DemoOptions(folder: folder, policies: policies, subjects: subjects, seed: seed),
                                          detail: isatty(STDERR_FILENO) == 1 ? { StandardError.overwrite($0) } : nil) { line in
                if output == .human { try emit(line) }
            }
        } catch {
            throw ExitStatus.report(error)
        }
        let seconds = Date().timeIntervalSince(started)
        try answer(output, [
            "", "Summary of the simulated day (\(String(format: "%.1f", seconds)) s):",
        ] + summary.lines.map { "  - \($0)" } + [
            "",
            "Everything is in \(summary.folder)/: the vault (custos.db), its keyring and key, answers/ to requests, letters/ about the breach,",
            "reports/ (\(summary.reports.count) files; open reports/ropa.html or reports/activity.html in a browser), checkpoint.json.",
            "Look around, e.g.: custos --db \(folder)/custos.db --key-file \(folder)/custos.key request list --overdue",
        ], json: ["folder": summary.folder, "summary": summary.lines, "reports": summary.reports, "seconds": (seconds * 10).rounded() / 10])
    }
}
