import ArgumentParser
import Custos
import CustosSimulation
import CustosPostgres
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a privacy officer's day on a fresh simulation vault built from the seed policy.",
        discussion: """
        Creates a simulation vault (its clock is set by the script; everything in it and in its reports is marked simulated), key and keyring in the folder, loads the policy, generates a synthetic population (debtors, clients and their contacts, prospects, website visitors with Dutch-looking names, addresses and IBANs) and its history, then runs a working day: services reading and sharing (some denied, with reasons), consents given and withdrawn, the bailiff and a foreign lawyer receiving data (one transfer refused), requests of every type, legal holds, a breach at the bailiff (the AP notified, letters written), a retention sweep, every report in every format, and a signed audit checkpoint. An earlier demo in the folder is replaced; a vault that is not a simulation is never touched.

        With --db postgres://user@host[:port]/database the vault is a PostgreSQL database (the password from CUSTOS_PG_PASSWORD_FILE or CUSTOS_PG_PASSWORD, never in the address); its keyring and key stay in the folder. The database must be empty or hold an earlier demo, which is replaced.

        Examples:
          custos demo                               # demo/ with 3000 subjects
          custos demo --folder /tmp/day --subjects 10000 --seed 7
          CUSTOS_PG_PASSWORD_FILE=pg.pass custos demo --folder demo-pg --db postgres://custos@127.0.0.1:5432/custos_demo
        """)
    @Option(help: "Folder for the vault, key, answers, reports and checkpoint.") var folder = "demo"
    @Option(help: "The policy folder.") var policies = "policies/invorderingsbedrijf"
    @Option(help: "How many synthetic subjects.") var subjects = 3_000
    @Option(help: "Seed of the synthetic population and the day (same seed, same day).") var seed: UInt64 = 20_251_006
    @Option(help: ArgumentHelp("A PostgreSQL database for the vault instead of custos.db in the folder.", valueName: "postgres-url")) var db: String?
    @Option(name: [.short, .long], help: "Output format: human or json.") var output: OutputFormat = .human

    func validate() throws {
        guard (100...1_000_000).contains(subjects) else { throw ValidationError("--subjects must be between 100 and 1000000") }
    }

    func run() throws {
        let started = Date()
        var database: PostgresAddress?
        if let db {
            do {
                database = try PostgresAddress(parsing: db, environment: ProcessInfo.processInfo.environment)
            } catch {
                StandardError.error("--db: \(error)")
                throw ExitStatus.usage
            }
        }
        let summary: DemoSummary
        do {
            summary = try OfficersDay.run(DemoOptions(folder: folder, policies: policies, subjects: subjects, seed: seed, database: database),
                                          detail: isatty(STDERR_FILENO) == 1 ? { StandardError.overwrite($0) } : nil) { line in
                if output == .human { try emit(line) }
            }
        } catch {
            throw ExitStatus.report(error)
        }
        let seconds = Date().timeIntervalSince(started)
        let vault = database == nil ? "the vault (custos.db)" : "the vault's keyring and key (the vault is in \(database?.description ?? ""))"
        let lookAround = database == nil
            ? "custos --db \(folder)/custos.db --key-file \(folder)/custos.key request list --overdue"
            : "custos --db \(database?.description ?? "") --keyring \(folder)/custos.keys.db --key-file \(folder)/custos.key request list --overdue"
        try answer(output, [
            "", "Summary of the simulated day (\(String(format: "%.1f", seconds)) s):",
        ] + summary.lines.map { "  - \($0)" } + [
            "",
            "Everything is in \(summary.folder)/: \(vault), answers/ to requests, letters/ about the breach,",
            "reports/ (\(summary.reports.count) files; open reports/ropa.html or reports/activity.html in a browser), checkpoint.json.",
            "Look around, e.g.: \(lookAround)",
        ], json: ["folder": summary.folder, "summary": summary.lines, "reports": summary.reports, "seconds": (seconds * 10).rounded() / 10])
    }
}
