@testable import Custos
import CustosTestSupport
import Foundation
import Testing

/// The batch stream reads blocks ahead, cuts them into parts for several threads and writes
/// the answers on another: the answers must still come out one per line, in input order, with
/// every unreadable line named by its true line number, however the lines fall across blocks.
struct BatchStreamTests {
    static func line(subject: String) -> String {
        #"{"request":{"actor":"collections-service","action":"read","subject":"\#(subject)","purpose":"P-DEBT-COLLECT","fields":["email"]},"#
            + #""facts":{"subject":{"id":"\#(subject)","category":"debtor"},"events":[{"event":"file-opened","date":"2025-01-10"}]},"at":"2025-10-06T09:00:00+02:00"}"#
    }

    @Test(arguments: [1, 2, 3])
    func answersKeepInputOrderAndTrueLineNumbersAcrossBlocks(workers: Int) throws {
        // About 30,000 lines (several blocks), with unreadable lines, blank lines, a CRLF line
        // and one line longer than a block (a subject id of 6 MB) among them.
        var lines: [String] = []
        var unreadable: Set<Int> = []
        var blank: Set<Int> = []
        for number in 1...30_000 {
            switch number {
            case 7, 12_345, 29_999: lines.append("{\"request\": not json}"); unreadable.insert(number)
            case 100, 20_000: lines.append("   "); blank.insert(number)
            case 15_000: lines.append(Self.line(subject: "S-" + String(repeating: "9", count: 6_000_000)))
            case 15_001: lines.append(Self.line(subject: "S-\(number)") + "\r")
            default: lines.append(Self.line(subject: "S-\(number)"))
            }
        }
        let folder = try TemporaryDirectory()
        let inputPath = folder.path + "/in.jsonl", outputPath = folder.path + "/out.jsonl"
        try Data((lines.joined(separator: "\n")).utf8).write(to: URL(fileURLWithPath: inputPath))  // no final line end
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let input = try #require(FileHandle(forReadingAtPath: inputPath)), output = try #require(FileHandle(forWritingAtPath: outputPath))
        let summary = try HypotheticalDecisions(policy: SeedPolicy.compiled)
            .streamBatch(from: input, to: output, defaultAt: Instant(millisecondsSinceEpoch: 0), workers: workers)
        try output.close()
        let answers = try String(contentsOfFile: outputPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(summary.lines == 30_000 - blank.count)
        #expect(answers.count == 30_000 - blank.count)
        var answerIndex = 0
        for number in 1...30_000 where !blank.contains(number) {
            let answer = answers[answers.startIndex + answerIndex]
            answerIndex += 1
            if unreadable.contains(number) {
                #expect(answer.contains("line \(number) cannot be read"), "line \(number)")
            } else if number == 15_000 {
                #expect(answer.hasSuffix("\"subject\":\"S-" + String(repeating: "9", count: 6_000_000) + "\"}"))
            } else {
                #expect(answer.hasSuffix("\"subject\":\"S-\(number)\"}"), "line \(number)")
            }
        }
    }
}
