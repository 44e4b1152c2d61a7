package import Foundation
import CustosDecision
import CustosPolicy
import Synchronization

extension HypotheticalDecisions {
    /// Streams JSON Lines from `input` to `output`, one decision per line and in input order,
    /// in bounded memory. A line that cannot be read is answered with a deny (`ENGINE_ERROR`)
    /// naming its line number, and the stream goes on; blank lines are skipped. A line longer
    /// than `lineByteLimit` is denied the same way without being held in memory.
    ///
    /// Three things overlap: a reader queue reads the next block of lines and cuts it into
    /// parts; `workers` threads read, decide and write the parts of this block (decisions share
    /// nothing but the compiled policy, and each part has an evaluator of its own); a writer
    /// queue writes the previous block's answers, in order.
    /// `progress` is called with the number of lines answered, about every 100,000 lines.
    /// Throws when `input` cannot be read or `output` cannot be written.
    ///
    /// ```swift
    /// let summary = try decider.streamBatch(from: .standardInput, to: .standardOutput, defaultAt: now)
    /// ```
    package func streamBatch(from input: FileHandle, to output: FileHandle, defaultAt: Instant,
                            workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                            progress: ((Int) -> Void)? = nil) throws -> BatchSummary {
        // More parts than threads, so a thread that finishes early takes another part
        // instead of waiting for the slowest.
        let partCount = max(1, min(workers, 64)) * 16
        let parts = (0..<partCount).map { _ in BatchWorker(decider: self, defaultAt: defaultAt) }
        // A part's answers go into one of two buffers; a buffer is filled again only after the
        // writer has written it.
        let writer = DispatchQueue(label: "custos.batch.writer")
        let written = [DispatchSemaphore(value: 1), DispatchSemaphore(value: 1)]
        let writeFailure = Mutex<(any Error)?>(nil)
        // 32 KiB of input a part (1 MiB a block on two cores): two blocks of input and two of
        // answers stay a few MiB, and a million lines run in under 64 MB. Blocks of 16 MiB
        // were no faster and took 200 MB (measured side by side, BENCHMARKS.md).
        let reader = BatchBlockReader(input, parts: partCount, blockSize: partCount << 15)
        reader.start()
        var summary = BatchSummary()
        var reported = 0
        var blockNumber = 0
        while true {
            if let failure = writeFailure.withLock({ $0 }) { throw failure }
            let block = reader.take()
            if let failure = block.failure { throw failure }
            if block.parts.isEmpty { break }
            let slot = blockNumber & 1
            written[slot].wait()
            block.bytes.withUnsafeBytes { raw in
                let shares = BlockShares(bytes: raw.bindMemory(to: UInt8.self), parts: block.parts, firstLines: block.firstLines,
                                         oversized: block.oversized)
                DispatchQueue.concurrentPerform(iterations: shares.parts.count) { index in
                    let range = shares.parts[index]
                    parts[index].answer(UnsafeBufferPointer(rebasing: shares.bytes[range]), at: range.lowerBound,
                                        firstLine: shares.firstLines[index], oversized: shares.oversized, into: slot)
                }
            }
            for part in parts {
                summary.add(part.summary)
                part.summary = BatchSummary()
            }
            writer.async {
                do {
                    for part in parts { try part.flush(slot, to: output) }
                } catch {
                    writeFailure.withLock { $0 = $0 ?? error }
                }
                written[slot].signal()
            }
            blockNumber += 1
            if summary.lines / 100_000 > reported {
                reported = summary.lines / 100_000
                progress?(summary.lines)
            }
            if block.isLast { break }
        }
        writer.sync {}
        if let failure = writeFailure.withLock({ $0 }) { throw failure }
        return summary
    }

    /// The number of lines in `bytes`, a last line without a line end included.
    static func lineCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var count = 0
        var position = base
        let end = base + bytes.count
        while position < end, let found = memchr(position, 10, end - position) {
            count += 1
            position = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return bytes.last == 10 ? count : count + 1
    }
}

/// A block's bytes, the ranges of its parts and the number of each part's first line,
/// handed to the worker threads. The pointer is into the block, which `streamBatch` keeps
/// alive and unchanged until every worker has returned; the workers only read it.
private struct BlockShares: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    let parts: [Range<Int>]
    let firstLines: [Int]
    let oversized: [Int: Int]
}

/// One part of each batch block: its reading context, its evaluator, its answers and their counts.
/// A worker answers on one thread at a time; `streamBatch` reads its counts only after
/// `concurrentPerform` has returned, and the writer queue reads a buffer only between the
/// block that filled it and the semaphore that lets it be filled again, which orders every
/// access.
final class BatchWorker: @unchecked Sendable {
    let decider: HypotheticalDecisions
    let defaultAt: Instant
    let context: BatchLineReader.Context
    let digest: DecisionJSON.DigestMember
    /// Two answer buffers: one being filled, one being written.
    let outs = [ByteBuffer(capacity: 1 << 16), ByteBuffer(capacity: 1 << 16)]
    var summary = BatchSummary()

    init(decider: HypotheticalDecisions, defaultAt: Instant) {
        // An evaluator of its own (same policy): its strings are counted by this thread alone.
        self.decider = HypotheticalDecisions(policy: decider.evaluator.policy)
        self.defaultAt = defaultAt
        context = BatchLineReader.Context(keepingStrings: true)
        digest = DecisionJSON.DigestMember(decider.evaluator.policy.digest)
    }

    /// Answers the lines of `part`, which begins at `offset` in its block; `oversized` holds
    /// the block's lines that were too long to read, by the offset of the empty line left in
    /// their place.
    func answer(_ part: UnsafeBufferPointer<UInt8>, at offset: Int, firstLine: Int, oversized: [Int: Int], into slot: Int) {
        let out = outs[slot]
        // One line value for the whole part, read into again and again: no request or facts
        // is made or copied per line (a local, so calls borrow it rather than copy it).
        var read = BatchLineReader.Line()
        // Likewise one decision, decided into again and again: its lists keep their storage.
        var decision = Decision.blank(.read, hypothetical: true)
        var start = 0
        var number = firstLine
        while start < part.count {
            let end = memchr(part.baseAddress! + start, 10, part.count - start)
                .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - part.baseAddress! } ?? part.count
            let line = UnsafeBufferPointer(rebasing: part[start..<end])
            if line.count > HypotheticalDecisions.lineByteLimit {
                answerOversized(number: number, length: line.count, into: out)
            } else if line.isEmpty, let length = oversized[offset + start] {
                answerOversized(number: number, length: length, into: out)
            } else {
                answer(line: line, number: number, reading: &read, deciding: &decision, into: out)
            }
            start = end + 1
            number += 1
        }
    }

    private func answer(line: UnsafeBufferPointer<UInt8>, number: Int, reading read: inout BatchLineReader.Line,
                        deciding decision: inout Decision, into out: ByteBuffer) {
        let trimmed = line.last == 13 ? UnsafeBufferPointer(rebasing: line.dropLast()) : line
        guard trimmed.contains(where: { $0 != 32 && $0 != 9 }) else { return }
        summary.lines += 1
        // The documented shapes are read directly; anything else, and every error, takes the
        // Codable path.
        if BatchLineReader.read(trimmed, context: context, into: &read) {
            if read.request.at == nil { read.request.at = read.at }
            decider.decide(request: read.request, facts: read.facts, defaultAt: defaultAt, into: &decision)
        } else {
            do {
                if let problem = StrictJSON.check(trimmed, shape: .batchLine) { throw InputError(message: problem) }
                let parsed = try JSONDecoder().decode(HypotheticalDecisions.BatchLine.self, from: Data(trimmed))
                var request = parsed.request
                if request.at == nil { request.at = parsed.at }
                decider.decide(request: request, facts: parsed.facts, defaultAt: defaultAt, into: &decision)
            } catch {
                decision = HypotheticalDecisions.unreadable(line: number, error: error, digest: decider.evaluator.policy.digest)
            }
        }
        summary.count(decision.outcome)
        DecisionJSON.append(decision, to: out, digest: digest)
        out.append(10)
    }

    /// A line longer than the limit: denied by its number and length, never read.
    private func answerOversized(number: Int, length: Int, into out: ByteBuffer) {
        summary.lines += 1
        let decision = HypotheticalDecisions.oversized(line: number, length: length, digest: decider.evaluator.policy.digest)
        summary.count(decision.outcome)
        DecisionJSON.append(decision, to: out, digest: digest)
        out.append(10)
    }

    func flush(_ slot: Int, to output: FileHandle) throws {
        let out = outs[slot]
        defer { out.removeAll() }
        guard out.count > 0 else { return }
        try output.write(contentsOf: Data(bytesNoCopy: out.base, count: out.count, deallocator: .none))
    }
}
