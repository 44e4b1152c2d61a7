import CustosTestSupport
import Foundation
import Testing

/// The rights-request and retention commands as an officer types them.
struct RightsAndRetentionCommandTests {
    func simulationVault() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for arguments in [
            ["init", "--simulation", "--policies", RepositoryPaths.seedPolicy],
            ["subject", "add", "--id", "D-1", "--category", "debtor", "--set", "email=d1@example.nl", "--set", "bank_account=NL91ABNA0417164300",
             "--set", "recoverability_score=0.2"],
            ["event", "record", "--subject", "D-1", "--name", "file-opened", "--effective", "2024-01-10"],
            ["event", "record", "--subject", "D-1", "--name", "file-closed", "--effective", "2025-01-10"],
        ] {
            let result = try CustosExecutable.run(arguments, in: folder.url)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        return folder
    }

    func requestId(_ result: CommandResult) -> String { String(result.stdout.prefix { $0 != " " }) }

    @Test func rectificationPortabilityAndRestrictionFromTheCommandLine() throws {
        let folder = try simulationVault()
        func run(_ arguments: [String], stdin: String? = nil) throws -> CommandResult { try CustosExecutable.run(arguments, in: folder.url, stdin: stdin) }
        let verified = ["--channel", "letter", "--identity-verified-by", "file number and postcode"]
        let rectification = requestId(try run(["request", "open", "--subject", "D-1", "--type", "rectification"] + verified))
        let missing = try run(["request", "fulfil", rectification])
        #expect(missing.status == 64 && missing.stderr.contains("--values"))
        let badFile = folder.path + "/bad.txt", fixFile = folder.path + "/fix.json"
        try Data("not json d1-secret".utf8).write(to: URL(fileURLWithPath: badFile))
        try Data(#"{"email": "new-d1@example.nl"}"#.utf8).write(to: URL(fileURLWithPath: fixFile))
        let bad = try run(["request", "fulfil", rectification, "--values", badFile])
        #expect(bad.status == 64 && !bad.stderr.contains("d1-secret"), "the input is never echoed")
        // A field named twice is refused by its path, not settled by whichever value a decoder kept.
        let twiceFile = folder.path + "/twice.json"
        try Data(#"{"email": "d1-secret@example.nl", "email": "d1-other-secret@example.nl"}"#.utf8).write(to: URL(fileURLWithPath: twiceFile))
        let twice = try run(["request", "fulfil", rectification, "--values", twiceFile])
        #expect(twice.status == 64 && twice.stderr.contains("$.email appears twice") && !twice.stderr.contains("secret"), "\(twice.stderr)")
        let fixed = try run(["request", "fulfil", rectification, "--values", "-"], stdin: fixFile)
        #expect(fixed.status == 0 && fixed.stdout.contains("rectified email"), "\(fixed.stdout)\(fixed.stderr)")
        #expect(!fixed.stdout.contains("new-d1@example.nl"))

        let portability = requestId(try run(["request", "open", "--subject", "D-1", "--type", "portability"] + verified))
        let refused = try run(["request", "fulfil", portability, "--out", "answers"])
        #expect(refused.status == 2 && refused.stderr.contains("[PORTABILITY_BASIS_NOT_ELIGIBLE]"))

        let restriction = requestId(try run(["request", "open", "--subject", "D-1", "--type", "restriction"] + verified))
        #expect(try run(["request", "fulfil", restriction, "--ground", "maybe"]).status == 64)
        // A field named twice (and an empty item) is one field: the record lists it once.
        let restricted = try run(["request", "fulfil", restriction, "--ground", "accuracy-contested", "--fields", "email, email,"])
        #expect(restricted.status == 0 && restricted.stdout.contains("Art. 18(1)(a)"), "\(restricted.stdout)\(restricted.stderr)")
        #expect(restricted.stdout.contains("restriction #1 on email (") && !restricted.stdout.contains("email, email"), "\(restricted.stdout)")
    }

    @Test func theRetentionSweepFromTheCommandLine() throws {
        let folder = try simulationVault()
        func run(_ arguments: [String]) throws -> CommandResult { try CustosExecutable.run(arguments, in: folder.url) }
        let dryRun = try run(["retention", "sweep", "--dry-run"])
        #expect(dryRun.status == 0 && dryRun.stdout.contains("D-1: would destroy recoverability_score: P-SCORING: RET-SCORE ended on 2025-01-10"), "\(dryRun.stdout)\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("dry run: 1 subjects examined"))
        let future = try run(["retention", "sweep", "--dry-run", "--at", "2030-02-01T09:00:00+01:00", "-o", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(future.stdout.utf8)) as? [String: Any])
        #expect(report["subjects-shredded"] as? Int == 1, "five years after closing nothing remains")
        let refused = try run(["retention", "sweep"])
        #expect(refused.status == 2 && refused.stderr.contains("--confirm 1"), "one field of a one-subject vault is more than 5 %: \(refused.stderr)")
        #expect(dryRun.stdout.contains("custos retention sweep --confirm 1"))
        #expect(try run(["retention", "sweep", "--confirm", "2"]).status == 2, "a count that is not the dry run's is refused")
        let swept = try run(["retention", "sweep", "--confirm", "1"])
        #expect(swept.status == 0 && swept.stdout.contains("D-1: destroyed recoverability_score") && swept.stdout.contains("1 fields destroyed"))
        #expect(try run(["audit", "verify"]).status == 0)
        let later = try run(["retention", "sweep", "--at", "2030-02-01T09:00:00+01:00", "--max-share", "100"])
        #expect(later.status == 0 && later.stdout.contains("destroyed the subject key"), "a simulation vault may set its clock")
    }

    @Test func onlyADryRunOrASimulationVaultMaySetTheClock() throws {
        let folder = try TemporaryDirectory()
        #expect(try CustosExecutable.run(["init", "--policies", RepositoryPaths.seedPolicy], in: folder.url).status == 0)
        let refused = try CustosExecutable.run(["retention", "sweep", "--at", "2030-02-01T09:00:00+01:00"], in: folder.url)
        #expect(refused.status == 64 && refused.stderr.contains("simulation"))
        #expect(try CustosExecutable.run(["retention", "sweep", "--dry-run", "--at", "2030-02-01T09:00:00+01:00"], in: folder.url).status == 0)
    }
}
