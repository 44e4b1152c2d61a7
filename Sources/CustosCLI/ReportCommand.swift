import ArgumentParser
import Custos
import Foundation
import CustosReports

extension ReportKind: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write an auditor's report: ropa, activity, transfers, requests, consent or breaches.",
        discussion: """
        ropa       the Art. 30(1) record of processing, from the policy
        activity   decisions by purpose, actor, action and outcome; denials by
                   reason code; unusual denial rates; with --subject, that
                   subject's whole access trail
        transfers  disclosures outside the EEA by country, recipient and
                   mechanism; use of Art. 49 derogations
        requests   open, overdue and due-soon requests; share on time;
                   handling time; Art. 19 tasks outstanding
        consent    given, withdrawn, expired and refused per purpose and
                   notice version, per month
        breaches   the register: each breach with its 72-hour clock, the AP
                   notification and the people told (Art. 33(5))

        Every report states the policy digest, engine and SQLite versions, the decision log's verification and last checkpoint, and the period. With --at the same vault gives byte-identical output. HTML is self-contained (inline CSS and SVG, no scripts).

        Examples:
          custos report ropa --format html --out ropa.html
          custos report activity --from 2025-01-01 --to 2025-03-31 \\
              --format csv --out q1.csv
          custos report activity --subject D-1001 --format md
          custos report requests --format json --at 2025-06-30T18:00:00+02:00
          custos report ropa --language nl --format html --out register.html
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "ropa, activity, transfers, requests, consent or breaches.") var name: ReportKind
    @Option(help: "md, html, csv or json; default md, or json under -o json.") var format: ReportFormat?
    @Option(help: "Write to this file (mode 0600) instead of standard output.") var out: String?
    @Option(help: "First day of the period (YYYY-MM-DD, inclusive).") var from: String?
    @Option(help: "Last day of the period (YYYY-MM-DD, inclusive).") var to: String?
    @Option(help: "activity: the access trail of this subject.") var subject: String?
    @Option(help: "The instant the report speaks of (ISO 8601); default now.") var at: String?
    @Option(help: "A folder with report.md.mustache / report.html.mustache to use instead of the built-in ones, and report-texts.<language>.json to reword some texts.") var templates: String?
    @Option(help: "The report's language: en (default) or nl. Codes (purposes, reason codes, outcomes) stay codes.") var language = "en"

    func run() throws {
        let period = ReportPeriod(from: try parseDate(from, option: "from"), to: try parseDate(to, option: "to"))
        if let from = period.from, let to = period.to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
        if subject != nil, name != .activity { throw ValidationError("--subject applies to the activity report only") }
        let instant = try parseInstant(at, option: "at")
        if let templates {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: templates, isDirectory: &isFolder), isFolder.boolValue else {
                StandardError.error("templates folder '\(templates)' not found")
                throw ExitStatus.runtimeError
            }
        }
        let format = format ?? (global.output == .json ? .json : .md)
        let folder = templates.map { URL(fileURLWithPath: $0) }
        let texts: ReportTexts
        do {
            texts = try ReportTexts.load(language: language, templates: folder)
        } catch let failure as ReportTexts.Failure {
            if case .language = failure { throw ValidationError("--language: \(failure)") }
            StandardError.error("\(failure)")
            throw ExitStatus.runtimeError
        }
        let renderer = ReportRenderer(templates: folder)
        let data: Data
        if let address = try global.postgresVault() {
            let engine = try global.openPostgresEngine(address, at: instant, changesVault: false)
            do {
                data = try renderer.render(try engine.report(name, period: period, subject: subject, generatedAt: instant, texts: texts), as: format)
            } catch {
                throw ExitStatus.report(error)
            }
        } else {
            let engine = try global.openEngine(at: instant, changesVault: false)
            do {
                data = try renderer.render(try engine.report(name, period: period, subject: subject, generatedAt: instant, texts: texts), as: format)
            } catch {
                throw ExitStatus.report(error)
            }
        }
        guard let out else {
            try StandardOutput.write(data)
            return
        }
        try writePrivateFile(data, to: out)
        try answer(global.output, ["\(name.rawValue) report written to \(out) (\(data.count) bytes, \(format.rawValue))"],
                   json: ["report": name.rawValue, "file": out, "bytes": data.count, "format": format.rawValue])
    }
}
