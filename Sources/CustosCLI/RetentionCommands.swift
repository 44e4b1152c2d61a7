import ArgumentParser
import Custos
import Foundation

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retention", abstract: "Storage limitation: destroy what no purpose still needs.",
                                                    discussion: "Example:\n  custos retention sweep --dry-run",
        subcommands: [RetentionSweepCommand.self])
}

struct RetentionSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Destroy every field whose every purpose's retention has ended, and prune the decision log.",
        discussion: """
        A field goes only when no purpose that holds it still may (start events, statutory minimums and legal holds count); a subject with nothing left loses its key (crypto-shredding). Recipients of destroyed fields get Art. 19 tasks ('custos task list'). Each subject's destruction is logged. Decision-log entries older than the policy's 'decision-log' retention are pruned and the pruned head is signed, so 'custos audit verify' still holds.

        A sweep that would destroy more than --max-share of the vault's fields or subjects (default 5 %) is refused unless --confirm names the number of fields its dry run printed: a sweep that large is almost always a mistake, such as an import without lifecycle events.

        Examples:
          custos retention sweep --dry-run    # what would go, and why
          custos retention sweep
          custos retention sweep --confirm 412    # after a dry run that said 412 fields
        """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "List what would be destroyed and why, without changing anything.") var dryRun = false
    @Option(help: "Sweep as of this instant (dry runs, or simulation vaults).") var at: String?
    @Option(help: ArgumentHelp("The number of fields the dry run said would be destroyed; needed above --max-share.", valueName: "fields")) var confirm: Int?
    @Option(help: ArgumentHelp("The share of fields or subjects one sweep may destroy unconfirmed, in percent.", valueName: "percent")) var maxShare: Double = 5

    func validate() throws {
        guard (0...100).contains(maxShare) else { throw ValidationError("--max-share must be a percentage from 0 to 100") }
        if let confirm, confirm < 0 { throw ValidationError("--confirm must be a count of fields") }
    }

    func run() throws {
        let instant = try parseInstant(at, option: "at")
        let sweeper: RetentionSweeper
        if let address = try global.postgresVault() {
            sweeper = try global.openPostgresEngine(address, at: instant, changesVault: !dryRun).sweeper
        } else {
            sweeper = try global.openEngine(at: instant, changesVault: !dryRun).retentionSweeper
        }
        let interactive = isatty(STDERR_FILENO) == 1
        let report: RetentionSweepReport
        do {
            var progress: (@Sendable (Int) -> Void)?
            if interactive {
                progress = { (count: Int) -> Void in StandardError.overwrite("sweeping: \(count) subjects examined") }
            }
            report = try sweeper.sweepRetention(dryRun: dryRun, by: operatingSystemUser,
                                               safety: SweepSafety(maximumShare: maxShare / 100, confirmedFields: confirm), progress: progress)
            if interactive { StandardError.write("") }
        } catch {
            throw ExitStatus.report(error)
        }
        if global.output == .json { try emit(KebabJSON.string(report)); return }
        let verb = dryRun ? "would destroy" : "destroyed"
        for subject in report.subjects {
            for field in subject.destroyed {
                try emit("\(subject.subject): \(verb) \(field.field)\(field.anonymise ? " (anonymise)" : ""): \(field.why.joined(separator: "; "))")
            }
            if subject.subjectKeyDestroyed { try emit("\(subject.subject): \(dryRun ? "would destroy" : "destroyed") the subject key: nothing remains") }
            for skipped in subject.skipped { try emit("\(subject.subject): left alone: \(skipped)") }
        }
        let summary = dryRun
            ? "\(report.fieldsDestroyed) fields would be destroyed, \(report.subjectsShredded) subjects shredded, \(report.tasks) Art. 19 tasks owed"
            : "\(report.fieldsDestroyed) fields destroyed, \(report.subjectsShredded) subjects shredded, \(report.tasks) Art. 19 tasks written"
        try emit("\(dryRun ? "dry run: " : "")\(report.subjectsExamined) subjects examined on \(report.date); \(summary)")
        if let retention = report.logRetention, let log = report.log {
            try emit("decision log kept \(retention): \(log.entriesPruned) entries \(dryRun ? "would be" : "were") pruned\(log.anchor.map { "; signed head #\($0.seq)" } ?? "")")
        } else {
            try emit("decision log: the policy sets no retention (decision-log); nothing pruned")
        }
        if dryRun, report.confirmationNeeded {
            try emit("this is more than \(maxShare.formatted()) % of the vault: to run it, 'custos retention sweep --confirm \(report.fieldsDestroyed)'")
        }
        if report.consentProofsPruned > 0 {
            try emit("consent proofs of erased subjects past their period: \(report.consentProofsPruned) \(dryRun ? "would be" : "were") removed")
        }
    }
}
