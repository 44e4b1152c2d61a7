@testable import Custos
import CustosTestSupport
import Foundation
import Testing

/// Request and facts JSON are read strictly on every path: a misspelt or repeated key must
/// never be ignored, because ignoring `"restrictionz"` would drop a restriction and permit
/// what should be denied.
struct WireStrictnessTests {
    static let request = #"{"actor":"collections-service","action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["email"]}"#
    static let erasedFacts = #"{"subject":{"id":"D-1","category":"debtor"},"events":[{"event":"file-opened","date":"2025-01-10"}],"erased-fields":["email"]}"#
    static let at = Instant(iso8601: "2025-06-02T09:00:00+02:00")!

    func decide(_ request: String, _ facts: String) throws(InputError) -> Decision {
        HypotheticalDecisions(policy: SeedPolicy.compiled).decide(
            request: try HypotheticalDecisions.decodeRequest(Data(request.utf8)), facts: try HypotheticalDecisions.decodeFacts(Data(facts.utf8)), defaultAt: Self.at)
    }

    @Test func theErasureDeniesAndItsMisspellingIsRefusedRatherThanIgnored() throws {
        #expect(try decide(Self.request, Self.erasedFacts).outcome == .deny)
        let misspelt = Self.erasedFacts.replacingOccurrences(of: "\"erased-fields\"", with: "\"erased-fieldz\"")
        #expect(throws: InputError.self) { try decide(Self.request, misspelt) }
        do {
            _ = try decide(Self.request, misspelt)
        } catch {
            #expect(error.message == "facts: $.erased-fieldz is not a known key; did you mean 'erased-fields'?")
        }
    }

    @Test(arguments: [
        (#"{"actor":"a","actor":"b","action":"read","purpose":"P","fields":[]}"#, "request: $.actor appears twice"),
        (#"{"actor":"a","action":"read","purpose":"P","review":{"reviewer":"x","can-override":true,"reviewer":"y"}}"#, "request: $.review.reviewer appears twice"),
        (#"{"actor":"a","action":"read","purpose":"P","fields":["email"],"feilds":["bsn"]}"#, "request: $.feilds is not a known key; did you mean 'fields'?"),
        (#"{"actor":"a","action":"read","purpose":"P","\u0061ctor":"b"}"#, "request: $.actor appears twice"),
        // Where the text stops being JSON is named by line and (character) column as well.
        (#"{"actor":"a","action":"read","purpose":"P"} x"#, "request: line 1, column 45: $: text follows the JSON value"),
        ("{\"actor\": \"é\",\n \"action\": \"read\",, \"purpose\": \"P\"}", "request: line 2, column 19: $: an object key must be a text"),
        ("{\"actor\": \"a\",\n\n \"purpose\": tru}", "request: line 3, column 13: $.purpose: not valid JSON"),
        ("{\"actor\": \"a\",\n \"purpose\": \"P\"", "request: line 2, column 16: $: expected ',' or '}'"),
    ])
    func requestsWithRepeatedOrUnknownKeysAreRefusedWithTheirPath(json: String, message: String) {
        #expect(throws: InputError.self) { try HypotheticalDecisions.decodeRequest(Data(json.utf8)) }
        do { _ = try HypotheticalDecisions.decodeRequest(Data(json.utf8)) } catch { #expect(error.message == message) }
    }

    @Test func nestedFactsKeysAreCheckedAtEveryLevel() {
        let facts = #"{"subject":{"id":"D-1","category":"debtor"},"consents":[{"purpose":"P","events":[{"state":"given","at":"2025-01-01T00:00:00Z","state":"withdrawn"}]}]}"#
        do {
            _ = try HypotheticalDecisions.decodeFacts(Data(facts.utf8))
            Issue.record("a repeated key deep in the facts was accepted")
        } catch {
            #expect(error.message == "facts: $.consents[0].events[0].state appears twice")
        }
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(Array(deep.utf8).withUnsafeBufferPointer { StrictJSON.check($0, shape: .any) }?.contains("nested deeper than 32 levels") == true)
        #expect(Array("[[1]]".utf8).withUnsafeBufferPointer { StrictJSON.check($0, shape: .any) } == nil)
    }

    @Test func aBatchLineWithARepeatedKeyIsDeniedByTheFastAndTheCodablePath() throws {
        let line = #"{"request":\#(Self.request),"facts":\#(Self.erasedFacts),"facts":{"subject":{"id":"D-1","category":"debtor"}}}"#
        let folder = try TemporaryDirectory()
        try folder.write(line + "\n" + #"{"request":\#(Self.request),"facts":\#(Self.erasedFacts.replacingOccurrences(of: "erased-fields", with: "restrictionz"))}"# + "\n", to: "in.jsonl")
        _ = FileManager.default.createFile(atPath: folder.path + "/out.jsonl", contents: nil)
        let input = try #require(FileHandle(forReadingAtPath: folder.path + "/in.jsonl"))
        let output = try #require(FileHandle(forWritingAtPath: folder.path + "/out.jsonl"))
        let summary = try HypotheticalDecisions(policy: SeedPolicy.compiled).streamBatch(from: input, to: output, defaultAt: Self.at, workers: 1)
        try output.close()
        let answers = try String(contentsOfFile: folder.path + "/out.jsonl", encoding: .utf8)
        #expect(summary.deny == 2 && summary.permit == 0)
        #expect(answers.contains("line 1 cannot be read: $.facts appears twice"))
        #expect(answers.contains("line 2 cannot be read: $.facts.restrictionz is not a known key"))
    }

    @Test func aRequestOverTheFieldLimitIsRefusedByTheReaderAndDeniedByTheEvaluator() throws {
        let fields = (0..<16_000).map { "f\($0)" }
        let json = #"{"actor":"collections-service","action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":[\#(fields.map { "\"\($0)\"" }.joined(separator: ","))]}"#
        do {
            _ = try HypotheticalDecisions.decodeRequest(Data(json.utf8))
            Issue.record("16,000 fields were accepted")
        } catch {
            #expect(error.message.contains("not more than 1000 fields"))
        }
        let request = DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: fields)
        let decision = Evaluator(policy: SeedPolicy.compiled).decide(request, facts: Facts(subject: SubjectFacts(id: "D-1", category: "debtor")), at: Self.at)
        #expect(decision.outcome == .deny && decision.reasons.contains { $0.code == .engineError && $0.explanation.description.contains("16000 fields") })
        // Under the limit, many distinct and repeated fields are deduplicated in linear time.
        let many = DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT",
                                   fields: (0..<1000).map { "f\($0 % 600)" })
        let answer = Evaluator(policy: SeedPolicy.compiled).decide(many, facts: Facts(subject: SubjectFacts(id: "D-1", category: "debtor")), at: Self.at)
        #expect(answer.fields.count == 600)
    }

    @Test func unknownIdsNameTheNearestDeclaredOne() throws {
        let request = DecisionRequest(actor: "colections-service", action: .share, subject: "D-1", purpose: "P-DEBT-COLLECT",
                                      fields: ["emial", "claim_details"], recipient: "R-CLIEN")
        let decision = Evaluator(policy: SeedPolicy.compiled).decide(request, facts: Facts(subject: SubjectFacts(id: "D-1", category: "debtor")), at: Self.at)
        let unknown = try #require(decision.reasons.first { $0.code == .unknownId })
        let text = unknown.explanation.description
        #expect(text.contains("actor 'colections-service' (did you mean 'collections-service'?)"))
        #expect(text.contains("recipient 'R-CLIEN' (did you mean 'R-CLIENT'?)"))
        #expect(text.contains("field 'emial' (did you mean 'email'?)"))
        #expect(decision.reasons.contains { $0.code == .actorNotAuthorised } && decision.reasons.contains { $0.code == .recipientNotDeclared })
    }
}

/// Found by fuzzing the server: an id with a NUL or a line end made the decision log
/// unverifiable (SQLite ends a text at NUL; the log separates fields by line ends).
struct ControlCharacterTests {
    @Test func readersRefuseIdsWithControlCharacters() {
        for json in [#"{"actor":"a","action":"read","purpose":"P\u0000","fields":[]}"#, #"{"actor":"a","action":"read","purpose":"P","fields":["e\nmail"]}"#] {
            do {
                _ = try HypotheticalDecisions.decodeRequest(Data(json.utf8))
                Issue.record("accepted \(json)")
            } catch {
                #expect(error.message.contains("control character"), "\(error.message)")
            }
        }
    }

    /// The test reads eight bytes at a time while they are printable ASCII; it answers what a
    /// byte-by-byte scan answers for a control character at every position, next to printable,
    /// DEL, non-ASCII and C1 bytes, in ids shorter and longer than a word.
    @Test func theWordAtATimeTestAnswersWhatTheByteTestAnswers() {
        func byteByByte(_ bytes: [UInt8]) -> Bool {
            var previous: UInt8 = 0
            for byte in bytes {
                if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
                previous = byte
            }
            return false
        }
        var generator = SplitMix64(seed: 0xC0_17)  // seeded: a failure is the same failure again
        let interesting: [[UInt8]] = [[0x00], [0x09], [0x0A], [0x1F], [0x20], [0x7E], [0x7F], [0xC2, 0x80], [0xC2, 0x9F], [0xC2, 0xA0],
                                      [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0x80], [0xFF], [0xC2]]
        var cases = 0, found = 0
        for length in 0...40 {
            for _ in 0..<60 {
                var bytes = (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }
                if length > 0, Bool.random(using: &generator) {
                    let insert = interesting.randomElement(using: &generator)!
                    bytes.insert(contentsOf: insert, at: Int.random(in: 0...length, using: &generator))
                }
                let expected = byteByByte(bytes)
                #expect(bytes.withUnsafeBufferPointer(DecisionRequest.hasControlCharacter) == expected, "\(bytes)")
                cases += 1
                if expected { found += 1 }
            }
        }
        #expect(found > cases / 8, "the cases hold control characters")
        #expect(DecisionRequest.hasControlCharacter(String(repeating: "a", count: 17) + "\u{85}"))
        #expect(!DecisionRequest.hasControlCharacter(String(repeating: "é", count: 9) + "collections-service"))
    }

    @Test func aLibraryCallWithControlCharactersIsDeniedAndTheLogStillVerifies() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "d1@example.nl"]), by: "officer")
        for fields in [["em\u{0}ail"], ["a\nb", "email"], ["\u{7f}"]] {
            let result = fixture.engine.read(subject: "D-1", fields: fields, purpose: "P-DEBT\u{0}-COLLECT", actor: "collections-service")
            #expect(result.decision.outcome == .deny && result.logSequence != nil && result.values.isEmpty)
        }
        let verification = try fixture.engine.verifyLog()
        #expect(verification.isIntact, "\(verification.problem ?? "")")
        #expect(verification.entries == 3)
    }
}
