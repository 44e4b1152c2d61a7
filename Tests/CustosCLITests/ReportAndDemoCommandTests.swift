import CustosTestSupport
import Foundation
import Testing

/// `custos report` and `custos demo` as a new user runs them.
struct ReportAndDemoCommandTests {
    @Test func reportsFromTheCommandLine() throws {
        let folder = try DurabilityTests.vault()
        func run(_ arguments: [String]) throws -> CommandResult { try CustosExecutable.run(arguments, in: folder.url) }
        _ = try run(DurabilityTests.readArguments)
        let written = try run(["report", "ropa", "--format", "html", "--out", "ropa.html"])
        #expect(written.status == 0 && written.stdout.contains("ropa report written to ropa.html"), "\(written.stderr)")
        let html = try String(contentsOfFile: folder.path + "/ropa.html", encoding: .utf8)
        #expect(html.contains("<h1>Record of processing activities</h1>") && !html.contains("<script"))
        let mode = try FileManager.default.attributesOfItem(atPath: folder.path + "/ropa.html")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let pinned = ["report", "activity", "--format", "json", "--at", "2030-01-01T00:00:00Z"]
        let first = try run(pinned), second = try run(pinned)
        #expect(first.status == 0 && first.stdout == second.stdout && first.stdout.contains("\"report\" : \"activity\""))
        #expect(try run(["report", "activity", "--from", "2025-02-01", "--to", "2025-01-01"]).status == 64)
        #expect(try run(["report", "ropa", "--subject", "D-1"]).status == 64)
        #expect(try run(["report", "nonsense"]).status == 64)
        let trail = try run(["report", "activity", "--subject", "D-1", "--format", "csv"])
        #expect(trail.stdout.hasPrefix("section,table,row,column,value") && trail.stdout.contains("trail,trail,1,Actor,collections-service"))

        try FileManager.default.createDirectory(atPath: folder.path + "/templates", withIntermediateDirectories: true)
        try Data("ours: {{title}}\n".utf8).write(to: URL(fileURLWithPath: folder.path + "/templates/report.md.mustache"))
        #expect(try run(["report", "requests", "--templates", "templates"]).stdout == "ours: Data-subject requests\n")
        try Data("{{#broken}".utf8).write(to: URL(fileURLWithPath: folder.path + "/templates/report.md.mustache"))
        let broken = try run(["report", "requests", "--templates", "templates"])
        #expect(broken.status == 1 && broken.stderr.contains("report.md.mustache"))

        // In Dutch: the headings and notes in Dutch, the codes as they are; a language the
        // reports are not written in is the caller's mistake. An operator's catalogue rewords
        // what it holds; one with a text no report says is refused, named by its file.
        let dutch = try run(["report", "ropa", "--language", "nl", "--format", "html"])
        #expect(dutch.status == 0 && dutch.stdout.contains("<html lang=\"nl\">") && dutch.stdout.contains("<h1>Register van verwerkingsactiviteiten</h1>")
            && dutch.stdout.contains("P-DEBT-COLLECT") && !dutch.stdout.contains("Record of processing"), "\(dutch.stderr)")
        let german = try run(["report", "ropa", "--language", "de"])
        #expect(german.status == 64 && german.stderr.contains("--language") && german.stderr.contains("'de'"))
        try Data("{\"ropa.title\": \"Verwerkingen van het kantoor\"}".utf8).write(to: URL(fileURLWithPath: folder.path + "/templates/report-texts.nl.json"))
        let reworded = try run(["report", "ropa", "--language", "nl", "--format", "json", "--templates", "templates"])
        #expect(reworded.status == 0 && reworded.stdout.contains("\"title\" : \"Verwerkingen van het kantoor\"") && reworded.stdout.contains("Verwerkingsverantwoordelijke"),
                "\(reworded.stderr)")
        try Data("{\"ropa.titel\": \"Verwerkingen\"}".utf8).write(to: URL(fileURLWithPath: folder.path + "/templates/report-texts.nl.json"))
        let misspelt = try run(["report", "ropa", "--language", "nl", "--format", "json", "--templates", "templates"])
        #expect(misspelt.status == 1 && misspelt.stderr.contains("templates/report-texts.nl.json") && misspelt.stderr.contains("unknown ropa.titel"), "\(misspelt.stderr)")
    }

    @Test func anExecutableCopiedWithoutItsTemplatesExplainsInsteadOfCrashing() throws {
        let folder = try DurabilityTests.vault()
        let alone = folder.url.appendingPathComponent("bin/custos")
        try FileManager.default.createDirectory(at: alone.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CustosExecutable.executable, to: alone)
        let markdown = try CustosExecutable.run(["report", "ropa"], in: folder.url, binary: alone)
        #expect(markdown.status == 1 && markdown.stderr.contains("--templates"), "\(markdown.stderr)")
        let json = try CustosExecutable.run(["report", "ropa", "--format", "json"], in: folder.url, binary: alone)
        #expect(json.status == 0 && json.stdout.contains("\"report\" : \"ropa\""), "CSV and JSON need no template")
    }

    @Test func theDemoRunsAnOfficersDayAndLeavesEveryReport() throws {
        let folder = try TemporaryDirectory()
        let result = try CustosExecutable.run(["demo", "--folder", "day", "--subjects", "300", "--policies", RepositoryPaths.seedPolicy], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Summary of the simulated day"))
        for phrase in ["collections-service reads", "scoring-service", "bailiff", "Turkish lawyer", "refused", "newsletter sign-ups", "requests answered",
                       "breach BR-", "letters in letters/", "retention sweep", "reports written", "checkpoint #", "verified"] {
            #expect(result.stdout.contains(phrase), "\(phrase)")
        }
        let reports = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/day/reports")
        #expect(reports.count == 24, "six reports in four formats")
        let activity = try String(contentsOfFile: folder.path + "/day/reports/activity.md", encoding: .utf8)
        #expect(activity.contains("every record in this vault is simulated"))
        #expect(FileManager.default.fileExists(atPath: folder.path + "/day/checkpoint.json"))
        let requests = try CustosExecutable.run(["--db", "day/custos.db", "--key-file", "day/custos.key", "request", "list", "--overdue"], in: folder.url)
        #expect(requests.status == 0 && requests.stdout.contains("erasure"), "\(requests.stdout)\(requests.stderr)")

        // A second run replaces the demo; a real vault in the folder is never touched.
        #expect(try CustosExecutable.run(["demo", "--folder", "day", "--subjects", "100", "--policies", RepositoryPaths.seedPolicy], in: folder.url).status == 0)
        try FileManager.default.createDirectory(atPath: folder.path + "/real", withIntermediateDirectories: true)
        #expect(try CustosExecutable.run(["--db", "real/custos.db", "--key-file", "real/custos.key", "init", "--policies", RepositoryPaths.seedPolicy],
                                         in: folder.url).status == 0)
        let refused = try CustosExecutable.run(["demo", "--folder", "real", "--policies", RepositoryPaths.seedPolicy], in: folder.url)
        #expect(refused.status == 1 && refused.stderr.contains("not a simulation"))
        #expect(FileManager.default.fileExists(atPath: folder.path + "/real/custos.db"))

        // A master key or keyring beside no vault may open a real vault elsewhere (a keyring
        // named with --keyring, a PostgreSQL vault): the demo does not delete it.
        for name in ["custos.key", "custos.keys.db"] {
            let lone = folder.path + "/lone-\(name)"
            try FileManager.default.createDirectory(atPath: lone, withIntermediateDirectories: true)
            try Data("not a demo's".utf8).write(to: URL(fileURLWithPath: lone + "/" + name))
            let kept = try CustosExecutable.run(["demo", "--folder", lone, "--subjects", "100", "--policies", RepositoryPaths.seedPolicy], in: folder.url)
            #expect(kept.status == 1 && kept.stderr.contains("never deletes a master key or keyring"), "\(kept.stderr)")
            #expect(FileManager.default.contents(atPath: lone + "/" + name) == Data("not a demo's".utf8))
        }
    }
}
