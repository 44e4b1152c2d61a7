@testable import Custos
import CustosTestSupport
import Foundation
import Testing

/// The batch path reads lines without JSONDecoder when it can; whenever it does, the result must
/// be what the Codable path reads from the same bytes, and anything it cannot read must be left
/// to that path.
struct BatchLineReaderTests {
    struct Line: Codable {
        var request: DecisionRequest
        var facts: Facts
        var at: Instant?
    }

    static func corpusLines() throws -> [Data] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [Data] = []
        for folder in [RepositoryPaths.seedPolicyTests, RepositoryPaths.edgePolicy + "/tests"] {
            for testCase in PolicyCorpusTests.cases(in: folder) {
                lines.append(try encoder.encode(Line(request: testCase.request, facts: testCase.facts, at: testCase.at)))
            }
        }
        return lines
    }

    /// Checks one line: if the fast reader answers, the Codable path must read the same.
    static func check(_ line: Data) -> Bool? {
        let codable = try? JSONDecoder().decode(Line.self, from: line)
        guard let fast = BatchLineReader.read(line[...]) else { return nil }
        #expect(codable != nil, "the fast path read a line the Codable path rejects: \(String(decoding: line.prefix(200), as: UTF8.self))")
        #expect(fast.request == codable?.request && fast.facts == codable?.facts && fast.at == codable?.at,
                "different reading of \(String(decoding: line.prefix(300), as: UTF8.self))")
        return true
    }

    @Test func everyCorpusLineIsReadAsTheCodablePathReadsIt() throws {
        let lines = try Self.corpusLines()
        #expect(lines.count > 150)
        let read = lines.compactMap(Self.check).count
        #expect(read == lines.count, "every documented shape takes the fast path (\(read) of \(lines.count))")
    }

    /// The reader tries the key after the last one first (writers tend to keep an order): lines
    /// whose keys come in the types' declaration order, and in a dictionary's arbitrary order,
    /// must read as the Codable path reads them, and take the fast path.
    @Test func keysInAnyOrderReadAsTheCodablePathReadsThem() throws {
        let declared = JSONEncoder()
        declared.outputFormatting = [.withoutEscapingSlashes]
        var lines: [Data] = []
        for folder in [RepositoryPaths.seedPolicyTests, RepositoryPaths.edgePolicy + "/tests"] {
            for testCase in PolicyCorpusTests.cases(in: folder) {
                let line = try declared.encode(Line(request: testCase.request, facts: testCase.facts, at: testCase.at))
                lines.append(line)
                lines.append(try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: line), options: [.withoutEscapingSlashes]))
            }
        }
        let read = lines.compactMap(Self.check).count
        #expect(read == lines.count, "every line takes the fast path (\(read) of \(lines.count))")
    }

    /// A batch worker reads every line into the same value, whose lists and subject keep their
    /// storage: whatever the previous line held (a subject of several categories, consents,
    /// a line the fast path gave up on halfway), the next line must read as if fresh.
    @Test func linesReadIntoOneReusedValueReadAsIfFresh() throws {
        let lines = try Self.corpusLines()
        var random = SplitMix64(seed: 0x5EED)
        let context = BatchLineReader.Context(keepingStrings: true)  // as a batch worker's
        var reused = BatchLineReader.Line()
        var compared = 0
        for round in 0..<3_000 {
            var bytes = [UInt8](lines[Int.random(in: 0..<lines.count, using: &random)])
            // Now and then a line cut short, which the fast path leaves half read.
            if round % 7 == 3, bytes.count > 20 { bytes.removeLast(Int.random(in: 1...(bytes.count / 2), using: &random)) }
            let read = bytes.withUnsafeBufferPointer { BatchLineReader.read($0, context: context, into: &reused) }
            guard read else { continue }
            let codable = try JSONDecoder().decode(Line.self, from: Data(bytes))
            #expect(reused.request == codable.request && reused.facts == codable.facts && reused.at == codable.at,
                    "different reading after reuse of \(String(decoding: bytes.prefix(300), as: UTF8.self))")
            compared += 1
        }
        #expect(compared > 2_000)
    }

    @Test func mutatedLinesAreReadTheSameOrLeftToTheCodablePath() throws {
        let lines = try Self.corpusLines()
        var random = SplitMix64(seed: 0xBA7C4)
        let insertions = [",\"unknown\":1", "null", "\"", "\\u0041", "1.5", "true", " ", "[", "]", "{", "}", ",", ":", "\\n", "\"at\":\"2025-01-01T00:00:00Z\","]
        var fast = 0, slow = 0
        for _ in 0..<6_000 {
            var bytes = [UInt8](lines[Int.random(in: 0..<lines.count, using: &random)])
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let position = Int.random(in: 0...bytes.count, using: &random)
                switch Int.random(in: 0...2, using: &random) {
                case 0 where position < bytes.count: bytes.remove(at: position)
                case 1: bytes.insert(contentsOf: Array(insertions[Int.random(in: 0..<insertions.count, using: &random)].utf8), at: position)
                default:
                    // Swap a value's type or repeat a key.
                    if let range = String(decoding: bytes, as: UTF8.self).range(of: "\"fields\":") {
                        let offset = String(decoding: bytes, as: UTF8.self).utf8.distance(from: String(decoding: bytes, as: UTF8.self).utf8.startIndex, to: range.lowerBound)
                        bytes.insert(contentsOf: Array("\"fields\":[],".utf8), at: offset)
                    }
                }
            }
            if Self.check(Data(bytes)) == true { fast += 1 } else { slow += 1 }
        }
        #expect(fast > 100 && slow > 100, "both paths were exercised: \(fast) fast, \(slow) left to Codable")
    }

    /// The reader finds a string's end a word at a time and its last bytes one at a time: an
    /// escape or a control character at any place relative to those words, and a string ending
    /// right at the end of the bytes, must read as the Codable path reads it or be left to it.
    @Test func escapesAtEveryPlaceReadAsTheCodablePathReadsThem() throws {
        let specials = ["\\\"", "\\\\", "\\/", "\\n", "\\u0041", "\u{01}", "\t", "é"]
        var fast = 0, slow = 0
        for length in 0...20 {
            for position in 0...length {
                for special in specials {
                    var value = String(repeating: "p", count: length)
                    value.insert(contentsOf: special, at: value.index(value.startIndex, offsetBy: position))
                    for tail in ["", ",\"subject\":\"S-1\",\"fields\":[\"email\"]"] {
                        let body = "{\"actor\":\"a\",\"action\":\"read\",\"purpose\":\"\(value)\"\(tail)}"
                        let codable = try? JSONDecoder().decode(DecisionRequest.self, from: Data(body.utf8))
                        let read = Array(body.utf8).withUnsafeBufferPointer { BatchLineReader.readRequest($0, defaultActor: nil) }
                        if let read {
                            fast += 1
                            #expect(read == codable, "different reading of \(body)")
                        } else {
                            slow += 1
                        }
                    }
                }
            }
        }
        #expect(fast > 1_000 && slow > 100, "both paths were exercised: \(fast) fast, \(slow) left to Codable")
    }

    /// The reader takes the key it expects next, or a later one, when its bytes, a closing quote
    /// and a colon stand at the cursor. That is sound only while no documented key holds a byte a JSON string escapes,
    /// and a key cut short, lengthened or spelled with an escape must still be read as the
    /// Codable path reads it (refused, or left to it).
    @Test func keysCutShortLengthenedOrEscapedAreNeverTakenForTheExpectedKey() throws {
        let shapes = [WireShape.lineKeys, WireShape.requestKeys, WireShape.factsKeys, WireShape.subjectKeys, WireShape.consentRecordKeys,
                      WireShape.consentEventKeys, WireShape.lifecycleEventKeys]
        for key in shapes.joined() {
            #expect(key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }, "\(key)")
        }
        let plain = #"{"actor":"a","action":"read","subject":"S-1","purpose":"P-1","fields":["email"]}"#
        var variants = 0
        for key in WireShape.requestKeys.prefix(5) {
            let spellings = [String(key.dropLast()), key + "s", key + "\\u0041", "\\u00" + String(key.utf8.first!, radix: 16) + key.dropFirst(),
                             String(key.dropLast()) + "\\\"", key + " "]
            for written in spellings.map({ "\"\($0)\":" }) + ["\"\(key)\" :", "\"\(key)\"\t:"] {
                let body = plain.replacingOccurrences(of: "\"\(key)\":", with: written)
                #expect(body != plain)
                let codable = try? JSONDecoder().decode(DecisionRequest.self, from: Data(body.utf8))
                let read = Array(body.utf8).withUnsafeBufferPointer { BatchLineReader.readRequest($0, defaultActor: nil) }
                if let read { #expect(read == codable, "different reading of \(body)") }
                variants += 1
            }
        }
        #expect(variants == 40)
    }

    @Test func aDeeplyNestedLineIsLeftToTheCodablePathInsteadOfExhaustingTheStack() {
        let hostile = "{\"request\":" + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"
        #expect(BatchLineReader.read(Data(hostile.utf8)[...]) == nil)
        let nested = "{\"request\":{\"actor\":\"a\",\"action\":\"read\",\"purpose\":\"P\",\"fields\":[[[[[[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]]]]]},\"facts\":{}}"
        #expect(BatchLineReader.read(Data(nested.utf8)[...]) == nil)
    }

    @Test func theBatchAnswersAreTheSameEitherWay() throws {
        let lines = try Self.corpusLines()
        let decider = HypotheticalDecisions(policy: SeedPolicy.compiled)
        let folder = try TemporaryDirectory()
        let inputPath = folder.path + "/in.jsonl", outputPath = folder.path + "/out.jsonl"
        let text = lines.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n") + "\n{\"request\": not json}\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: inputPath))
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let input = try #require(FileHandle(forReadingAtPath: inputPath)), output = try #require(FileHandle(forWritingAtPath: outputPath))
        let summary = try decider.streamBatch(from: input, to: output, defaultAt: Instant(millisecondsSinceEpoch: 0))
        try output.close()
        let answers = try String(contentsOfFile: outputPath, encoding: .utf8).split(separator: "\n")
        #expect(summary.lines == lines.count + 1 && answers.count == lines.count + 1)
        for (line, answer) in zip(lines, answers) {
            let parsed = try JSONDecoder().decode(Line.self, from: line)
            var request = parsed.request
            if request.at == nil { request.at = parsed.at }
            let expected = decider.decide(request: request, facts: parsed.facts, defaultAt: Instant(millisecondsSinceEpoch: 0))
            #expect(String(answer) == String(decoding: HypotheticalDecisions.json(expected), as: UTF8.self))
        }
        #expect(answers.last?.contains("ENGINE_ERROR") == true, "an unreadable line is still answered by the Codable path's error")
    }
}
