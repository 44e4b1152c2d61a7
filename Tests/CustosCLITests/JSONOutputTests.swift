import CustosTestSupport
import Foundation
import Testing

/// `-o json` everywhere: every command's standard output parses as JSON, and so does its
/// standard error whenever it says anything (`{"error": …}` or `{"warnings": …}`).
@Suite(.serialized)
struct JSONOutputTests {
    /// Now, to the millisecond: after anything an earlier command recorded.
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// Runs a command with `-o json` and returns its parsed answer, checking both streams.
    @discardableResult
    static func json(_ arguments: [String], in folder: TemporaryDirectory, status expected: Int32 = 0,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> Any? {
        let result = try CustosExecutable.run(arguments + ["-o", "json"], in: folder.url)
        #expect(result.status == expected, "\(arguments): exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        if !result.stderr.isEmpty {
            let error = try? JSONSerialization.jsonObject(with: Data(result.stderr.utf8))
            #expect(error is [String: Any], "\(arguments): standard error is not one JSON object: \(result.stderr)", sourceLocation: sourceLocation)
        }
        guard !result.stdout.isEmpty else {
            #expect(expected != 0, "\(arguments): no answer on standard output", sourceLocation: sourceLocation)
            return nil
        }
        let parsed = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
        #expect(parsed != nil, "\(arguments): standard output is not JSON: \(result.stdout.prefix(300))", sourceLocation: sourceLocation)
        return parsed
    }

    @Test func everyCommandAnswersInJSON() throws {
        let folder = try TemporaryDirectory()
        let policy = RepositoryPaths.seedPolicy
        try Self.json(["init", "--policies", policy], in: folder)
        try Self.json(["policy", "check", policy], in: folder)
        try Self.json(["policy", "show", policy], in: folder)
        let tests = try Self.json(["policy", "test", policy], in: folder) as? [String: Any]
        #expect((tests?["passed"] as? Int ?? 0) > 100 && tests?["failed"] as? Int == 0)
        try Self.json(["subject", "add", "--id", "D-1", "--category", "debtor", "--set", "email=d1@example.nl"], in: folder)
        try Self.json(["subject", "add", "--id", "PR-1", "--category", "prospect", "--set", "email=pr1@example.nl"], in: folder)
        try folder.write("id,category,event:file-opened,email\nD-2,debtor,2025-01-10,d2@example.nl\n", to: "people.csv")
        try Self.json(["subject", "import", "people.csv"], in: folder)
        try Self.json(["subject", "find", "--email", "d1@example.nl"], in: folder)
        try Self.json(["subject", "show", "D-1"], in: folder)
        try Self.json(["event", "record", "--subject", "D-1", "--name", "file-opened", "--effective", "2025-01-10"], in: folder)
        try Self.json(["consent", "give", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--method", "checkbox-ticked", "--channel", "web-form", "--age", "41"], in: folder)
        try Self.json(["consent", "list", "--subject", "PR-1"], in: folder)
        try Self.json(["consent", "receipt", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--out", "receipt.json"], in: folder)
        try Self.json(["consent", "verify-receipt", "receipt.json"], in: folder)
        try Self.json(["consent", "withdraw", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--channel", "e-mail"], in: folder)
        try Self.json(["read", "--subject", "D-1", "--purpose", "P-DEBT-COLLECT", "--fields", "email", "--actor", "collections-service"], in: folder)
        try Self.json(["read", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--fields", "email", "--actor", "newsletter"], in: folder, status: 2)
        try Self.json(["share", "--subject", "D-1", "--purpose", "P-DEBT-COLLECT", "--fields", "email", "--recipient", "R-CRM", "--actor", "collections-service"], in: folder)
        try folder.write(#"{"actor":"collections-service","action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["email"]}"#, to: "request.json")
        try Self.json(["decide", "--request", "request.json"], in: folder)
        let request = try #require(Self.json(["request", "open", "--subject", "D-1", "--type", "access", "--channel", "letter"], in: folder) as? [String: Any])
        let id = try #require(request["id"] as? String)
        try Self.json(["request", "list"], in: folder)
        try Self.json(["request", "show", id], in: folder)
        try Self.json(["request", "verify", id, "--method", "case number and postcode"], in: folder)
        try Self.json(["request", "extend", id, "--reasons", "complex file"], in: folder)
        let fulfilled = try Self.json(["request", "fulfil", id, "--out", "answers"], in: folder) as? [String: Any]
        #expect((fulfilled?["files"] as? [String])?.count == 2)
        let second = try #require(Self.json(["request", "open", "--subject", "D-1", "--type", "access", "--channel", "letter"], in: folder) as? [String: Any])
        try Self.json(["request", "reject", try #require(second["id"] as? String), "--reasons", "a repeat"], in: folder)
        try Self.json(["task", "list"], in: folder)
        try Self.json(["task", "done", "99"], in: folder, status: 1)
        let categorised = try #require(Self.json(["subject", "add-category", "--id", "D-1", "--category", "website_user"], in: folder) as? [String: Any])
        #expect(categorised["category"] as? String == "website_user")
        let hold = try #require(Self.json(["hold", "place", "--subject", "D-1", "--reference", "C/09/1"], in: folder) as? [String: Any])
        try Self.json(["hold", "lift", "--id", "\(try #require(hold["hold"] as? Int))"], in: folder)
        let record = try #require(Self.json(["subprocessor", "record", "--recipient", "R-CRM-SUPPORT", "--state", "objected"], in: folder) as? [String: Any])
        #expect(record["state"] as? String == "objected")
        let subs = try #require(Self.json(["subprocessor", "list"], in: folder) as? [String: Any])
        #expect((subs["sub-processors"] as? [[String: Any]])?.first { $0["recipient"] as? String == "R-CRM-SUPPORT" }?["authorised"] as? Bool == false)
        try Self.json(["subprocessor", "record", "--recipient", "R-CRM", "--state", "objected"], in: folder, status: 64)
        let objection = try #require(Self.json(["objection", "record", "--subject", "D-1", "--purpose", "P-SCORING"], in: folder) as? [String: Any])
        try Self.json(["objection", "assess", "--id", "\(try #require(objection["objection"] as? Int))", "--outcome", "upheld"], in: folder)
        let restriction = try #require(Self.json(["restriction", "place", "--subject", "D-1", "--ground", "accuracy contested"], in: folder) as? [String: Any])
        try Self.json(["restriction", "lift", "--id", "\(try #require(restriction["restriction"] as? Int))", "--informed-at", Self.now()], in: folder)
        try Self.json(["retention", "sweep", "--dry-run"], in: folder)
        try Self.json(["report", "ropa"], in: folder)
        try Self.json(["report", "activity", "--subject", "D-1", "--out", "activity.md", "--format", "md"], in: folder)
        try Self.json(["audit", "checkpoint", "--out", "head.json"], in: folder)
        let verified = try Self.json(["audit", "verify", "--checkpoint", "head.json"], in: folder) as? [String: Any]
        #expect(verified?["checkpoint"] as? String == "holds")
        let service = try Self.json(["service", "add", "--actor", "collections-service", "--name", "crm"], in: folder) as? [String: Any]
        #expect((service?["token"] as? String)?.hasPrefix("cst_") == true)
        try Self.json(["service", "list"], in: folder)
        try Self.json(["service", "revoke", "crm"], in: folder)
        try Self.json(["keys", "rotate", "--new-key-file", "new.key"], in: folder)
        // Errors are JSON too, with the exit code.
        let failed = try CustosExecutable.run(["read", "--subject", "D-1", "-o", "json"], in: folder.url)
        let error = try #require(try JSONSerialization.jsonObject(with: Data(failed.stderr.utf8)) as? [String: [String: Any]])
        #expect(failed.status == 64 && error["error"]?["exit-code"] as? Int == 64 && (error["error"]?["message"] as? String)?.contains("--purpose") == true)
    }

    @Test func batchAndDemoAnswerInJSON() throws {
        let folder = try TemporaryDirectory()
        let line = #"{"request":{"actor":"collections-service","action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["email"]},"facts":{"subject":{"id":"D-1","category":"debtor"}},"at":"2025-06-02T09:00:00+02:00"}"#
        try folder.write(line + "\n" + line + "\n", to: "requests.jsonl")
        let batch = try CustosExecutable.run(["decide", "--policies", RepositoryPaths.seedPolicy, "--batch", "requests.jsonl", "-o", "json"], in: folder.url)
        for answer in batch.stdout.split(separator: "\n") { #expect(try JSONSerialization.jsonObject(with: Data(answer.utf8)) is [String: Any]) }
        let demo = try Self.json(["demo", "--folder", "day", "--subjects", "100", "--policies", RepositoryPaths.seedPolicy], in: folder) as? [String: Any]
        #expect((demo?["summary"] as? [String])?.isEmpty == false)
    }
}
