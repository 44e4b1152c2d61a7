import CustosTestSupport
import Foundation
import GRDB
import Testing

/// What a new user meets on the way through the README: commands that say what they did,
/// refuse what they cannot do, and never record what did not happen.
@Suite(.serialized)
struct NewcomerPathTests {
    static func vault() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for arguments in [
            ["init", "--policies", RepositoryPaths.seedPolicy],
            ["subject", "add", "--id", "D-1", "--category", "debtor", "--set", "email=d1@example.nl", "--set", "claim_details=Invoice 7"],
            ["event", "record", "--subject", "D-1", "--name", "file-opened", "--effective", "2025-01-10"],
        ] {
            let result = try CustosExecutable.run(arguments, in: folder.url)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        return folder
    }

    static func disclosures(_ folder: TemporaryDirectory) throws -> [String] {
        try DatabaseQueue(path: folder.path + "/custos.db").read { db in try String.fetchAll(db, sql: "SELECT fields FROM disclosures ORDER BY id") }
    }

    @Test func decideRecordsNoDisclosureAndAShareRecordsOnlyWhatItReleased() throws {
        let folder = try Self.vault()
        try folder.write(#"{"actor":"collections-service","action":"share","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["claim_details","payment_history"],"recipient":"R-CLIENT","recipient-name":"Energie Noord B.V."}"#, to: "share.json")
        let decided = try CustosExecutable.run(["decide", "--request", "share.json"], in: folder.url)
        #expect(decided.status == 0 && decided.stdout.contains("logged"), "\(decided.stdout)\(decided.stderr)")
        #expect(try Self.disclosures(folder).isEmpty, "a decision is not a disclosure: nothing was sent")
        let shared = try CustosExecutable.run(["share", "--subject", "D-1", "--purpose", "P-DEBT-COLLECT", "--fields", "claim_details,payment_history",
                                               "--recipient", "R-CLIENT", "--recipient-name", "Energie Noord B.V.", "--actor", "collections-service"], in: folder.url)
        #expect(shared.status == 0)
        #expect(try Self.disclosures(folder) == ["claim_details"], "payment_history is permitted but the vault holds none: it was not sent")
    }

    @Test func keyRotationRefusesAnExistingFileAndSaysWhichKeyOpensTheVault() throws {
        let folder = try Self.vault()
        try Data(repeating: 7, count: 32).write(to: folder.url.appendingPathComponent("taken.key"))
        chmod(folder.path + "/taken.key", 0o600)
        let refused = try CustosExecutable.run(["keys", "rotate", "--new-key-file", "taken.key"], in: folder.url)
        #expect(refused.status == 1 && refused.stderr.contains("taken.key already exists"))
        let rotated = try CustosExecutable.run(["keys", "rotate", "--new-key-file", "new.key"], in: folder.url)
        #expect(rotated.status == 0)
        #expect(rotated.stdout.contains("the vault now opens with the key file new.key"))
        #expect(rotated.stdout.contains("the old key file ./custos.key no longer opens this keyring"))
        #expect(try CustosExecutable.run(["audit", "verify"], in: folder.url).status == 5, "the old key no longer opens it")
        let read = try CustosExecutable.run(["read", "--key-file", "new.key", "--subject", "D-1", "--purpose", "P-DEBT-COLLECT", "--fields", "email",
                                             "--actor", "collections-service"], in: folder.url)
        #expect(read.stdout.contains("email: d1@example.nl"))
        let again = try CustosExecutable.run(["keys", "rotate", "--key-file", "new.key", "--new-key-file", "new.key", "--resume"], in: folder.url)
        #expect(again.status == 0 && again.stdout.contains("the rotation is complete"))
    }

    @Test func aConsentToAnUnknownPurposeIsRefusedBeforeAnythingIsStored() throws {
        let folder = try Self.vault()
        #expect(try CustosExecutable.run(["subject", "add", "--id", "PR-1", "--category", "prospect", "--set", "email=p@example.nl"], in: folder.url).status == 0)
        let given = try CustosExecutable.run(["consent", "give", "--subject", "PR-1", "--purpose", "P-NEWSLETER-EMAIL", "--method", "checkbox-ticked",
                                              "--channel", "web-form", "--age", "41"], in: folder.url)
        #expect(given.status == 2 && given.stderr.contains("[UNKNOWN_ID]") && given.stderr.contains("did you mean 'P-NEWSLETTER-EMAIL'?"))
        let stored = try DatabaseQueue(path: folder.path + "/custos.db").read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM consent_events") ?? -1) + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM consent_refusals") ?? -1)
        }
        #expect(stored == 0)
    }

    @Test func aKeyFileOfAnotherUserIsRefusedAndAnOpenFolderWarned() throws {
        let folder = try Self.vault()
        #expect(chown(folder.path + "/custos.key", 4242, 4242) == 0)
        let foreign = try CustosExecutable.run(["audit", "verify"], in: folder.url)
        #expect(foreign.status == 1 && foreign.stderr.contains("belongs to user 4242"))
        #expect(chown(folder.path + "/custos.key", getuid(), getgid()) == 0)
        chmod(folder.path, 0o777)
        let open = try CustosExecutable.run(["audit", "verify"], in: folder.url)
        #expect(open.status == 0 && open.stderr.contains("warning: the master key file ./custos.key lies in") && open.stderr.contains("which others may write"))
    }

    @Test func tasksAndMissingFilesSayWhatIsWrong() throws {
        let folder = try Self.vault()
        let done = try CustosExecutable.run(["task", "done", "3"], in: folder.url)
        #expect(done.status == 1 && done.stderr == "custos: error: no such task #3\n")
        for arguments in [["decide", "--request", "missing.json"], ["subject", "import", "missing.csv"],
                          ["decide", "--policies", RepositoryPaths.seedPolicy, "--batch", "missing.jsonl"],
                          ["decide", "--policies", RepositoryPaths.seedPolicy, "--request", "missing.json", "--facts", "missing.json"]] {
            let missing = try CustosExecutable.run(arguments, in: folder.url)
            #expect(missing.status == 1 && missing.stderr.contains("cannot read 'missing."), "\(arguments): \(missing.status) \(missing.stderr)")
        }
        let receipt = try CustosExecutable.run(["consent", "verify-receipt", "missing.json"], in: folder.url)
        #expect(receipt.status == 1 && receipt.stderr.contains("cannot read 'missing.json'"))
        let report = try CustosExecutable.run(["report", "ropa", "--templates", "no-such-folder"], in: folder.url)
        #expect(report.status == 1 && report.stderr.contains("templates folder 'no-such-folder' not found"))
        let unknown = try CustosExecutable.run(["report", "activity", "--subject", "D-404"], in: folder.url)
        #expect(unknown.status == 1 && unknown.stderr.contains("D-404 is neither in the vault nor in the decision log"))
        _ = try CustosExecutable.run(["subject", "add", "--id", "D-2", "--category", "debtor", "--set", "email=d2@example.nl"], in: folder.url)
        for subject in ["D-1", "D-2"] {
            _ = try CustosExecutable.run(["read", "--subject", subject, "--purpose", "P-DEBT-COLLECT", "--fields", "email", "--actor", "collections-service"], in: folder.url)
        }
        let trail = try CustosExecutable.run(["report", "activity", "--subject", "D-1", "--format", "csv"], in: folder.url)
        #expect(trail.status == 0 && trail.stdout.contains("summary,outcomes,1,Decisions,1\n"), "only that subject's one decision, not D-2's: \(trail.stdout.prefix(800))")
    }
}
