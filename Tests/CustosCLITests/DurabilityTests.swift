import Custos
import CustosTestSupport
import Foundation
import GRDB
import Testing

/// What the decision log promises across processes: nothing acknowledged is lost when a
/// writer is killed, and two writers never see SQLITE_BUSY.
@Suite(.serialized)
struct DurabilityTests {
    /// A vault made through the CLI, with one debtor.
    static func vault() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for arguments in [
            ["init", "--policies", RepositoryPaths.seedPolicy],
            ["subject", "add", "--id", "D-1", "--category", "debtor", "--set", "email=kill@example.nl"],
            ["event", "record", "--subject", "D-1", "--name", "file-opened", "--effective", "2025-01-10"],
        ] {
            let result = try CustosExecutable.run(arguments, in: folder.url)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        return folder
    }

    static let readArguments = ["read", "--subject", "D-1", "--purpose", "P-DEBT-COLLECT", "--fields", "email", "--actor", "collections-service"]

    func logged(in folder: TemporaryDirectory) throws -> (seqs: Set<Int64>, integrity: String) {
        let queue = try DatabaseQueue(path: folder.path + "/custos.db")
        return try queue.read { db in
            (Set(try Int64.fetchAll(db, sql: "SELECT seq FROM decision_log")), try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "")
        }
    }

    @Test func everyAcknowledgedDecisionSurvivesSIGKILL() throws {
        let folder = try Self.vault()
        var acknowledged: Set<Int64> = []
        var generator = SplitMix64(seed: 42)
        for _ in 0..<12 {
            let process = Process()
            process.executableURL = CustosExecutable.executable
            process.arguments = Self.readArguments + ["--repeat-count", "100000"]
            process.currentDirectoryURL = folder.url
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let wanted = Int.random(in: 3...60, using: &generator)
            var buffer = Data()
            while buffer.filter({ $0 == 10 }).count < wanted {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            buffer.append(out.fileHandleForReading.readDataToEndOfFile())
            // Only complete lines are acknowledgements; a cut-off last line is not.
            let text = String(decoding: buffer, as: UTF8.self)
            let lines = text.hasSuffix("\n") ? text.split(separator: "\n") : text.split(separator: "\n").dropLast()
            acknowledged.formUnion(lines.compactMap { Int64($0) })
            #expect(process.terminationReason == .uncaughtSignal)
        }
        #expect(acknowledged.count >= 36)
        let (seqs, integrity) = try logged(in: folder)
        #expect(acknowledged.isSubset(of: seqs), "lost: \(acknowledged.subtracting(seqs).sorted())")
        #expect(integrity == "ok")
        let verify = try CustosExecutable.run(["audit", "verify"], in: folder.url)
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func twoProcessesWritingAtOnceNeverSeeBusy() throws {
        let folder = try Self.vault()
        let processes = try (0..<2).map { _ -> (Process, Pipe, Pipe) in
            let process = Process()
            process.executableURL = CustosExecutable.executable
            process.arguments = Self.readArguments + ["--repeat-count", "150"]
            process.currentDirectoryURL = folder.url
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            return (process, out, err)
        }
        // The library in this process and the CLI's event writes compete with the two readers.
        let engine = try PrivacyEngine.open(vault: folder.path + "/custos.db", masterKey: .file(folder.path + "/custos.key"))
        var libraryLogged: [Int64] = []
        for _ in 0..<100 {
            let result = engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(result.logSequence != nil && result.values["email"] == "kill@example.nl")
            if let seq = result.logSequence { libraryLogged.append(seq) }
        }
        for day in 11...20 {
            let result = try CustosExecutable.run(["event", "record", "--subject", "D-1", "--name", "file-opened", "--effective", "2025-01-\(day)"], in: folder.url)
            #expect(result.status == 0, "\(result.stderr)")
        }
        var all: [Int64] = []
        for (process, out, err) in processes {
            let output = out.fileHandleForReading.readDataToEndOfFile()
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(errors)")
            #expect(!errors.lowercased().contains("busy") && !errors.contains("locked"))
            all += String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { Int64($0) }
        }
        #expect(all.count == 300)
        #expect(Set(all + libraryLogged).count == 400, "no sequence number was handed out twice")
        let verify = try CustosExecutable.run(["audit", "verify"], in: folder.url)
        #expect(verify.status == 0 && verify.stdout.contains("400 entries"), "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aNewUserAddsADebtorAndReadsItBack() throws {
        let folder = try Self.vault()
        let add = try CustosExecutable.run(["subject", "add", "--id", "D-2", "--category", "debtor", "--set", "email=new.user@example.nl",
                                            "--set", "bank_account=NL91 ABNA 0417 1643 00"], in: folder.url)
        #expect(add.status == 0, "\(add.stderr)")
        _ = try CustosExecutable.run(["event", "record", "--subject", "D-2", "--name", "file-opened", "--effective", "2025-01-10"], in: folder.url)
        let read = try CustosExecutable.run(["read", "--subject", "D-2", "--purpose", "P-DEBT-COLLECT", "--fields", "email,bank_account",
                                             "--actor", "collections-service"], in: folder.url)
        #expect(read.status == 0)
        #expect(read.stdout.contains("email: new.user@example.nl") && read.stdout.contains("bank_account: NL91 ABNA 0417 1643 00"))
        let marketing = try CustosExecutable.run(["read", "--subject", "D-2", "--purpose", "P-CLIENT-MKT", "--fields", "email",
                                                  "--actor", "marketing-service"], in: folder.url)
        #expect(marketing.status == 2)
        #expect(!marketing.stdout.contains("new.user@example.nl"))
        let found = try CustosExecutable.run(["subject", "find", "--email", "New.User@example.nl"], in: folder.url)
        #expect(found.status == 0 && found.stdout == "D-2\n")
        let shown = try CustosExecutable.run(["subject", "show", "D-2"], in: folder.url)
        #expect(shown.stdout.contains("field  email") && !shown.stdout.contains("new.user"), "metadata only, never values")
    }

    @Test func aNewUserGivesAndWithdrawsNewsletterConsent() throws {
        let folder = try Self.vault()
        func run(_ arguments: [String]) throws -> CommandResult { try CustosExecutable.run(arguments, in: folder.url) }
        #expect(try run(["subject", "add", "--id", "PR-1", "--category", "prospect", "--set", "email=els@example.nl"]).status == 0)
        let read = ["read", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--fields", "email", "--actor", "newsletter"]
        let give = try run(["consent", "give", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--method", "checkbox-ticked",
                            "--channel", "web-form", "--age", "41"])
        #expect(give.status == 0 && give.stdout.contains("consent given under N-NEWS@"), "\(give.stderr)")
        let permitted = try run(read)
        #expect(permitted.status == 0 && permitted.stdout.contains("email: els@example.nl"))
        #expect(try run(["consent", "receipt", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--out", "receipt.json"]).status == 0)
        #expect(try run(["consent", "withdraw", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--channel", "e-mail"]).status == 0)
        let denied = try run(read)
        #expect(denied.status == 2 && denied.stdout.contains("CONSENT_WITHDRAWN") && !denied.stdout.contains("els@example.nl"))
        let verified = try run(["consent", "verify-receipt", "receipt.json"])
        #expect(verified.status == 0 && verified.stdout.contains("status given"), "the receipt shows the state when it was issued")
        let receipt = try String(contentsOfFile: folder.path + "/receipt.json", encoding: .utf8)
        try folder.write(receipt.replacingOccurrences(of: "\"given\"", with: "\"refused\""), to: "tampered.json")
        #expect(try run(["consent", "verify-receipt", "tampered.json"]).status == 5)
        let refused = try run(["consent", "give", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--method", "checkbox-ticked",
                               "--channel", "web-form", "--age", "41", "--pre-ticked"])
        #expect(refused.status == 2 && refused.stderr.contains("[CONSENT_INVALID_NOT_AFFIRMATIVE]"))
        let list = try run(["consent", "list", "--subject", "PR-1"])
        #expect(list.stdout.contains("withdrawn") && list.stdout.contains("refused") && !list.stdout.contains("els@example.nl"))
    }

    @Test func theRequestBookFromTheCommandLine() throws {
        let folder = try Self.vault()
        func run(_ arguments: [String]) throws -> CommandResult { try CustosExecutable.run(arguments, in: folder.url) }
        let opened = try run(["request", "open", "--subject", "D-1", "--type", "access", "--channel", "letter", "--received", "2025-01-31T10:00:00+01:00"])
        #expect(opened.status == 0 && opened.stdout.contains("RQ-2025-0001  access for D-1  awaiting-identity, due 2025-02-28"), "\(opened.stdout)\(opened.stderr)")
        let late = try run(["request", "extend", "RQ-2025-0001", "--reasons", "complex", "--notice-sent", "2025-03-01"])
        #expect(late.status == 2 && late.stderr.contains("[DSAR_EXTENSION_LATE]"))
        #expect(try run(["request", "verify", "RQ-2025-0001", "--method", "case number and postcode"]).stdout.contains("in-progress"))
        #expect(try run(["request", "list", "--overdue"]).stdout.contains("RQ-2025-0001"), "received in January 2025, so long overdue")
        let shown = try run(["request", "show", "RQ-2025-0001"])
        #expect(shown.stdout.contains("identity-verified: case number and postcode"))
        #expect(try run(["request", "open", "--subject", "D-1", "--type", "peek", "--channel", "letter"]).status == 64)
        // An erasure of a debtor whose file is open keeps the file and says why.
        let erasure = try run(["request", "open", "--subject", "D-1", "--type", "erasure", "--channel", "e-mail", "--identity-verified-by", "e-mail matches"])
        let erasureId = String(erasure.stdout.prefix { $0 != " " })
        #expect(erasure.status == 0 && erasureId.hasPrefix("RQ-"))
        let erased = try run(["request", "fulfil", erasureId, "--out", "out"])
        #expect(erased.status == 0 && erased.stdout.contains("ERASURE_PARTIAL_LEGAL_OBLIGATION") && erased.stdout.contains("kept email"), "\(erased.stdout)\(erased.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.path + "/out/\(erasureId)-erasure-certificate.json"))
        // The certificate again, byte for byte (a deterministic signature over the stored one);
        // a request that is no completed erasure has none.
        let again = try run(["request", "certificate", erasureId, "--out", "again"])
        #expect(again.status == 0, "\(again.stderr)")
        let first = FileManager.default.contents(atPath: folder.path + "/out/\(erasureId)-erasure-certificate.json")
        #expect(first != nil && first == FileManager.default.contents(atPath: folder.path + "/again/\(erasureId)-erasure-certificate.json"))
        let none = try run(["request", "certificate", "RQ-2025-0001"])
        #expect(none.status == 1 && none.stderr.contains("has no erasure certificate"), "\(none.stderr)")
        // The JSON says the outcome and the history in English; their words stay inside.
        let json = try run(["request", "show", erasureId, "-o", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["outcome"] as? String)?.hasPrefix("ERASURE_PARTIAL_LEGAL_OBLIGATION: destroyed ") == true)
        #expect(Set(object.keys).isSubset(of: ["id", "subject", "type", "purpose", "channel", "received-at", "received-on", "requester", "mandate", "identity",
                                               "identity-method", "status", "due-on", "extension-notice-on", "extension-reasons", "closed-at", "outcome", "events"]),
                "\(object.keys.sorted())")
        #expect((object["events"] as? [[String: Any]])?.allSatisfy { Set($0.keys).isSubset(of: ["at", "event", "detail", "by"]) } == true)
    }

    @Test func aWrongMasterKeyExitsFive() throws {
        let folder = try Self.vault()
        let other = folder.path + "/other.key"
        let keyBytes = (0..<32).map { UInt8($0) }
        _ = FileManager.default.createFile(atPath: other, contents: Data(keyBytes), attributes: [.posixPermissions: 0o600])
        let result = try CustosExecutable.run(Self.readArguments + ["--key-file", other], in: folder.url)
        #expect(result.status == 5)
        #expect(result.stderr.contains("the master key does not open this keyring"))
    }

    @Test func aKeyFileOpenToOthersIsRefusedWithTheFix() throws {
        let folder = try Self.vault()
        chmod(folder.path + "/custos.key", 0o644)
        let result = try CustosExecutable.run(Self.readArguments, in: folder.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("chmod 600"))
    }

    @Test func theFirstBrokenEntryIsNamedWithExitFive() throws {
        let folder = try Self.vault()
        for _ in 0..<3 { _ = try CustosExecutable.run(Self.readArguments, in: folder.url) }
        try DatabaseQueue(path: folder.path + "/custos.db").write { db in try db.execute(sql: "UPDATE decision_log SET outcome = 'deny' WHERE seq = 2") }
        let result = try CustosExecutable.run(["audit", "verify"], in: folder.url)
        #expect(result.status == 5)
        #expect(result.stderr.contains("decision log broken at entry 2"))
    }

    @Test func aCheckpointCatchesDeletedNewestEntries() throws {
        let folder = try Self.vault()
        for _ in 0..<4 { _ = try CustosExecutable.run(Self.readArguments, in: folder.url) }
        let written = try CustosExecutable.run(["audit", "checkpoint", "--out", "head.json"], in: folder.url)
        #expect(written.status == 0)
        #expect(try CustosExecutable.run(["audit", "verify", "--checkpoint", "head.json"], in: folder.url).status == 0)
        try DatabaseQueue(path: folder.path + "/custos.db").write { db in try db.execute(sql: "DELETE FROM decision_log WHERE seq = 4") }
        let result = try CustosExecutable.run(["audit", "verify", "--checkpoint", "head.json"], in: folder.url)
        #expect(result.status == 5)
        #expect(result.stderr.contains("newer entries were deleted"))
    }
}
