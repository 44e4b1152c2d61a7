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
        // one line longer than the block of one worker (a subject id of 400 kB, written twice) and one
        // over the line limit (6 MB, denied unread) among them.
        var lines: [String] = []
        var unreadable: Set<Int> = []
        var blank: Set<Int> = []
        for number in 1...30_000 {
            switch number {
            case 7, 12_345, 29_999: lines.append("{\"request\": not json}"); unreadable.insert(number)
            case 100, 20_000: lines.append("   "); blank.insert(number)
            case 15_000: lines.append(Self.line(subject: "S-" + String(repeating: "9", count: 400_000)))
            case 15_002: lines.append(Self.line(subject: "S-" + String(repeating: "8", count: 6_000_000))); unreadable.insert(number)
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
            if number == 15_002 {
                #expect(answer.contains("line 15002 cannot be read: it is \(Self.line(subject: "S-" + String(repeating: "8", count: 6_000_000)).utf8.count) bytes long"))
            } else if unreadable.contains(number) {
                #expect(answer.contains("line \(number) cannot be read"), "line \(number)")
            } else if number == 15_000 {
                #expect(answer.hasSuffix("\"subject\":\"S-" + String(repeating: "9", count: 400_000) + "\"}"))
            } else {
                #expect(answer.hasSuffix("\"subject\":\"S-\(number)\"}"), "line \(number)")
            }
        }
    }

    /// A line longer than the limit, through a pipe (read as a stream) and in a file, with the
    /// last one unfinished: each is denied by its number and length, the lines around it are
    /// answered, and no block ever holds it.
    @Test(arguments: [false, true])
    func aLineOverTheLimitIsDeniedWithoutBeingHeld(throughAPipe: Bool) throws {
        let limit = HypotheticalDecisions.lineByteLimit
        let long = Self.line(subject: "S-" + String(repeating: "7", count: 3 * limit))
        let unfinished = Self.line(subject: "S-" + String(repeating: "6", count: 2 * limit))
        let text = [Self.line(subject: "S-1"), long, Self.line(subject: "S-3"), unfinished].joined(separator: "\n")
        let folder = try TemporaryDirectory()
        let input: FileHandle
        if throughAPipe {
            let pipe = Pipe()
            input = pipe.fileHandleForReading
            let writer = pipe.fileHandleForWriting
            Thread.detachNewThread {
                // In pieces smaller than a read, so the long line arrives across many reads.
                let bytes = Data(text.utf8)
                var offset = 0
                while offset < bytes.count {
                    let end = min(offset + 40_000, bytes.count)
                    try? writer.write(contentsOf: bytes[offset..<end])
                    offset = end
                }
                try? writer.close()
            }
        } else {
            try folder.write(text, to: "in.jsonl")
            input = try #require(FileHandle(forReadingAtPath: folder.path + "/in.jsonl"))
        }
        // The reader alone: no block holds more than its size, one line's limit and one read.
        let blockSize = 16 << 15
        let reader = BatchBlockReader(input, parts: 16, blockSize: blockSize)
        reader.start()
        var oversized: [Int] = []
        var blocks = 0
        while true {
            let block = reader.take()
            #expect(block.failure == nil)
            #expect(block.bytes.count <= blockSize + limit + (1 << 16), "a block held \(block.bytes.count) bytes")
            oversized += block.oversized.values.sorted()
            blocks += 1
            if block.isLast || blocks > 1_000 { break }
        }
        #expect(oversized == [long.utf8.count, unfinished.utf8.count])
    }

    @Test func aLineOverTheLimitIsDeniedByNumberAndLength() throws {
        let limit = HypotheticalDecisions.lineByteLimit
        let long = Self.line(subject: "S-" + String(repeating: "7", count: limit))
        let lines = [Self.line(subject: "S-1"), long, "", Self.line(subject: "S-4"), long]
        let folder = try TemporaryDirectory()
        try folder.write(lines.joined(separator: "\n"), to: "in.jsonl")
        _ = FileManager.default.createFile(atPath: folder.path + "/out.jsonl", contents: nil)
        let input = try #require(FileHandle(forReadingAtPath: folder.path + "/in.jsonl"))
        let output = try #require(FileHandle(forWritingAtPath: folder.path + "/out.jsonl"))
        let summary = try HypotheticalDecisions(policy: SeedPolicy.compiled)
            .streamBatch(from: input, to: output, defaultAt: Instant(millisecondsSinceEpoch: 0), workers: 1)
        try output.close()
        let answers = try String(contentsOfFile: folder.path + "/out.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(summary.lines == 4 && summary.deny == 2 && answers.count == 4)
        let expected = "cannot be read: it is \(long.utf8.count) bytes long, over the limit of \(limit) bytes"
        #expect(answers[0].hasSuffix("\"subject\":\"S-1\"}") && answers[2].hasSuffix("\"subject\":\"S-4\"}"))
        #expect(answers[1].contains("line 2 " + expected) && answers[3].contains("line 5 " + expected))
        #expect(!answers[1].contains("7777"), "the line's content is never echoed")
    }
}
