import CustosTestSupport
import Foundation
import Testing

@Suite(.serialized)
struct DecideCommandTests {
    static let policy = ["--policies", "policies/invorderingsbedrijf"]

    func write(_ folder: TemporaryDirectory, _ name: String, _ text: String) throws -> String {
        try folder.write(text, to: name)
        return folder.path + "/" + name
    }

    @Test func aPermitExitsZeroAndSaysItIsHypothetical() throws {
        let folder = try TemporaryDirectory()
        let request = try write(folder, "request.json", #"{"actor":"collections-service","action":"read","purpose":"P-DEBT-COLLECT","fields":["email","claim_details"]}"#)
        let facts = try write(folder, "facts.json", #"{"subject":{"id":"D-1","category":"debtor"},"events":[{"event":"file-opened","date":"2025-01-10"}]}"#)
        let result = try CustosExecutable.run(["decide", "--request", request, "--facts", facts, "--at", "2025-06-02T09:00:00+02:00", "-o", "json"] + Self.policy)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["outcome"] as? String == "permit")
        #expect(json["hypothetical"] as? Bool == true)
        #expect(json["subject"] as? String == "D-1")
        #expect((json["policy-digest"] as? String)?.hasPrefix("blake2b-256:") == true)
    }

    @Test func aDenyExitsTwoAndAPartialThree() throws {
        let folder = try TemporaryDirectory()
        let facts = try write(folder, "facts.json", #"{"subject":{"id":"D-1","category":"debtor"}}"#)
        let deny = try write(folder, "deny.json", #"{"actor":"marketing-service","action":"read","purpose":"P-CLIENT-MKT","fields":["email"]}"#)
        let partial = try write(folder, "partial.json", #"{"actor":"collections-service","action":"read","purpose":"P-DEBT-COLLECT","fields":["email","bsn"]}"#)
        let denied = try CustosExecutable.run(["decide", "--request", deny, "--facts", facts, "--at", "2025-06-02T09:00:00+02:00"] + Self.policy)
        #expect(denied.status == 2)
        #expect(denied.stdout.contains("DENY"))
        #expect(denied.stdout.contains("PURPOSE_NOT_DECLARED"))
        let filtered = try CustosExecutable.run(["decide", "--request", partial, "--facts", facts, "--at", "2025-06-02T09:00:00+02:00"] + Self.policy)
        #expect(filtered.status == 3)
        #expect(filtered.stdout.contains("NATIONAL_ID_NOT_PERMITTED"))
    }

    @Test func theRequestCanComeFromStandardInput() throws {
        let folder = try TemporaryDirectory()
        let facts = try write(folder, "facts.json", #"{"subject":{"id":"D-1","category":"debtor"}}"#)
        let request = try write(folder, "request.json", #"{"actor":"collections-service","action":"read","purpose":"P-DEBT-COLLECT","fields":["email"],"at":"2025-06-02T09:00:00+02:00"}"#)
        let result = try CustosExecutable.run(["decide", "--request", "-", "--facts", facts, "-o", "json"] + Self.policy, stdin: request)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func badInputNamesWhatIsWrongWithoutEchoingValues() throws {
        let folder = try TemporaryDirectory()
        let request = try write(folder, "request.json", #"{"actor":"collections-service","action":"peek","purpose":"P-DEBT-COLLECT","fields":["email"]}"#)
        let facts = try write(folder, "facts.json", #"{"subject":{"id":"D-1","category":"debtor","birth-date":"01-02-1980"}}"#)
        let result = try CustosExecutable.run(["decide", "--request", request, "--facts", facts] + Self.policy)
        #expect(result.status == 64)
        #expect(result.stderr.contains("custos: error: request: action: has a value that is not allowed here"), "\(result.stderr)")
        #expect(!result.stderr.contains("peek"))
        let badFacts = try CustosExecutable.run(["decide", "--request", try write(folder, "ok.json", #"{"actor":"a","action":"read","purpose":"P","fields":[]}"#), "--facts", facts] + Self.policy)
        #expect(badFacts.status == 64)
        #expect(badFacts.stderr.contains("facts: subject.birth-date"), "\(badFacts.stderr)")
        #expect(!badFacts.stderr.contains("01-02-1980"), "a value from the input must not be echoed")
    }

    @Test func withoutFactsTheFactsComeFromTheVault() throws {
        let folder = try TemporaryDirectory()
        let request = try write(folder, "request.json", #"{"actor":"collections-service","action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["email"]}"#)
        let missing = try CustosExecutable.run(["decide", "--request", request], in: folder.url)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("run 'custos init' first"))
        for arguments in [["init", "--policies", RepositoryPaths.seedPolicy], ["subject", "add", "--id", "D-1", "--category", "debtor", "--set", "email=v@example.nl"]] {
            #expect(try CustosExecutable.run(arguments, in: folder.url).status == 0)
        }
        let decided = try CustosExecutable.run(["decide", "--request", request, "-o", "json"], in: folder.url)
        #expect(decided.status == 0, "\(decided.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(decided.stdout.utf8)) as? [String: Any])
        #expect(json["seq"] as? Int == 1, "decisions on vault facts are logged")
        #expect((json["decision"] as? [String: Any])?["hypothetical"] as? Bool == false)
        #expect((json["values"] as? [String: Any])?.isEmpty == true, "decide releases no values")
        let backdated = try CustosExecutable.run(["decide", "--request", request, "--at", "2020-01-01T00:00:00Z"], in: folder.url)
        #expect(backdated.status == 64, "a caller cannot backdate a decision on vault facts")
    }

    @Test func aBatchAnswersEveryLineAndDeniesUnreadableOnes() throws {
        let folder = try TemporaryDirectory()
        let line = #"{"request":{"actor":"collections-service","action":"read","purpose":"P-DEBT-COLLECT","fields":["email"],"at":"2025-06-02T09:00:00+02:00"},"facts":{"subject":{"id":"D-1","category":"debtor"}}}"#
        let deny = #"{"request":{"actor":"marketing-service","action":"read","purpose":"P-CLIENT-MKT","fields":["email"]},"facts":{"subject":{"id":"D-2","category":"debtor"}},"at":"2025-06-02T09:00:00+02:00"}"#
        let input = try write(folder, "batch.jsonl", [line, "this is not json", "", deny, line].joined(separator: "\n") + "\n")
        let result = try CustosExecutable.run(["decide", "--batch", input] + Self.policy)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        let outcomes = try lines.map { line -> String in
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return json["outcome"] as? String ?? "?"
        }
        #expect(outcomes == ["permit", "deny", "deny", "permit"])
        #expect(lines[1].contains("ENGINE_ERROR") && lines[1].contains("line 2"))
        #expect(lines[2].contains("PURPOSE_NOT_DECLARED"))
        #expect(result.stderr.contains("4 decisions: 2 permit, 0 partial, 2 deny"))
    }

    @Test func policyTestRunsTheSeedCorpus() throws {
        let result = try CustosExecutable.run(["policy", "test", "policies/invorderingsbedrijf/tests"])
        #expect(result.status == 0, "\(result.stdout)")
        let last = try #require(result.stdout.split(separator: "\n").last)
        #expect(last.hasSuffix(" passed, 0 failed"))
        let passed = Int(last.split(separator: " ")[0]) ?? 0
        #expect(passed >= 80)
        // The policy folder itself runs its tests folder too.
        #expect(try CustosExecutable.run(["policy", "test", "policies/invorderingsbedrijf"]).stdout == result.stdout)
    }

    @Test func aDeliberatelyWrongExpectationExitsFourAndNamesTheCase() throws {
        let folder = try TemporaryDirectory()
        let file = try write(folder, "wrong.yaml", """
        - name: collections may read the BSN (wrong on purpose)
          at: 2025-06-02T09:00:00+02:00
          facts: {subject: {id: D-1, category: debtor}}
          request: {action: read, actor: collections-service, purpose: P-DEBT-COLLECT, fields: [bsn]}
          expect: {outcome: permit}
        """)
        let result = try CustosExecutable.run(["policy", "test", file, "--policies", "policies/invorderingsbedrijf"])
        #expect(result.status == 4)
        #expect(result.stdout.contains("wrong.yaml:1:3: FAIL collections may read the BSN (wrong on purpose): outcome deny, expected permit"))
        #expect(result.stdout.hasSuffix("0 passed, 1 failed\n"))
    }
}

/// `decide --batch -` as a sidecar: each line written to its standard input is answered
/// while the input stays open, so a long-running caller can wait for one answer at a time.
struct BatchSidecarTests {
    @Test func eachLineIsAnsweredBeforeTheNextIsWritten() throws {
        let process = Process()
        process.executableURL = CustosExecutable.executable
        process.arguments = ["decide", "--policies", RepositoryPaths.seedPolicy, "--batch", "-"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A watchdog, not a time limit on the answer: a stream that holds answers back would
        // otherwise hang the suite; it ends the process and the test fails below.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        defer { watchdog.cancel() }
        var buffered = Data()
        func nextAnswer() -> String? {
            while true {
                if let end = buffered.firstIndex(of: 10) {
                    let line = buffered[buffered.startIndex..<end]
                    buffered = Data(buffered[(end + 1)...])
                    return String(decoding: line, as: UTF8.self)
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                buffered.append(chunk)
            }
        }
        for subject in ["D-1", "D-2", "D-3"] {
            let line = #"{"request":{"actor":"collections-service","action":"read","subject":"\#(subject)","purpose":"P-DEBT-COLLECT","fields":["email"]},"facts":{"subject":{"id":"\#(subject)","category":"debtor"},"events":[{"event":"file-opened","date":"2025-01-10"}]},"at":"2025-06-02T09:00:00+02:00"}"#
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
            let answer = try #require(nextAnswer(), "no answer while the input stays open")
            #expect(answer.contains("\"outcome\":\"permit\"") && answer.hasSuffix("\"subject\":\"\(subject)\"}"))
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
