public import Foundation
import CustosDecision
import CustosPolicy
import Synchronization

extension HypotheticalDecisions {
    /// Streams JSON Lines from `input` to `output`, one decision per line and in input order,
    /// in bounded memory. A line that cannot be read is answered with a deny (`ENGINE_ERROR`)
    /// naming its line number, and the stream goes on; blank lines are skipped.
    ///
    /// Lines are read in blocks; each block is split at line ends among `workers` threads,
    /// which read, decide and write their lines independently (decisions share nothing but
    /// the compiled policy), and the block's answers are written in order.
    /// `progress` is called with the number of lines answered, about every 100,000 lines.
    /// Throws when `output` cannot be written.
    ///
    /// ```swift
    /// let summary = try decider.streamBatch(from: .standardInput, to: .standardOutput, defaultAt: now)
    /// ```
    public func streamBatch(from input: FileHandle, to output: FileHandle, defaultAt: Instant,
                            workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                            progress: ((Int) -> Void)? = nil) throws -> BatchSummary {
        let workers = (0..<max(1, min(workers, 64))).map { _ in BatchWorker(decider: self, defaultAt: defaultAt) }
        // Answers go out on a writer queue while the workers decide the next block: each
        // worker writes into one of two buffers, and a buffer is reused only after the writer
        // has written it.
        let writer = DispatchQueue(label: "custos.batch.writer")
        let written = [DispatchSemaphore(value: 1), DispatchSemaphore(value: 1)]
        let writeFailure = Mutex<(any Error)?>(nil)
        // The next block is read on its own queue while this one is decided.
        let reader = InputPrefetch(input)
        var summary = BatchSummary()
        var linesBefore = 0
        var pending = Data()
        var blockSize = workers.count << 21
        var reported = 0
        var endOfInput = false
        var block = 0
        reader.request(blockSize)
        while !endOfInput {
            if let failure = writeFailure.withLock({ $0 }) { throw failure }
            while pending.count < blockSize {
                let chunk = reader.take()
                guard !chunk.isEmpty else {
                    endOfInput = true
                    break
                }
                pending.append(chunk)
                reader.request(blockSize)
            }
            let complete = endOfInput ? pending.count : pending.lastIndex(of: 10).map { pending.distance(from: pending.startIndex, to: $0) + 1 } ?? 0
            if complete == 0 {
                // One line longer than a block: read more before splitting.
                if !endOfInput { blockSize *= 2 }
                continue
            }
            let slot = block & 1
            written[slot].wait()
            pending.withUnsafeBytes { raw in
                let bytes = UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[0..<complete])
                let parts = Self.split(bytes, into: workers.count)
                var firstLines: [Int] = []
                var line = linesBefore
                for part in parts {
                    firstLines.append(line + 1)
                    line += Self.lineCount(part)
                }
                linesBefore = line
                let shares = BlockShares(parts: parts, firstLines: firstLines)
                DispatchQueue.concurrentPerform(iterations: shares.parts.count) { index in
                    workers[index].answer(shares.parts[index], firstLine: shares.firstLines[index], into: slot)
                }
            }
            pending.removeSubrange(pending.startIndex..<pending.index(pending.startIndex, offsetBy: complete))
            for worker in workers {
                summary.add(worker.summary)
                worker.summary = BatchSummary()
            }
            writer.async {
                do {
                    for worker in workers { try worker.flush(slot, to: output) }
                } catch {
                    writeFailure.withLock { $0 = $0 ?? error }
                }
                written[slot].signal()
            }
            block += 1
            if summary.lines / 100_000 > reported {
                reported = summary.lines / 100_000
                progress?(summary.lines)
            }
        }
        writer.sync {}
        if let failure = writeFailure.withLock({ $0 }) { throw failure }
        return summary
    }

    /// `block` cut into at most `count` parts, each ending at a line end (or the block's end).
    static func split(_ block: UnsafeBufferPointer<UInt8>, into count: Int) -> [UnsafeBufferPointer<UInt8>] {
        var parts: [UnsafeBufferPointer<UInt8>] = []
        var start = 0
        for part in 1...count where start < block.count {
            var end = part == count ? block.count : max(start, block.count * part / count)
            while end < block.count, end > 0, block[end - 1] != 10 { end += 1 }
            if end > start { parts.append(UnsafeBufferPointer(rebasing: block[start..<end])) }
            start = end
        }
        return parts
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

/// Reads ahead: `request` starts reading up to a number of bytes on a queue of its own,
/// `take` waits for them (empty at the end of the input or on a read error, which ends the
/// stream like the end of the input does).
private final class InputPrefetch: Sendable {
    private let input: FileHandle
    private let queue = DispatchQueue(label: "custos.batch.reader")
    private let ready = DispatchSemaphore(value: 0)
    private let chunk = Mutex(Data())

    init(_ input: FileHandle) {
        self.input = input
    }

    func request(_ count: Int) {
        queue.async { [self] in
            let data = (try? input.read(upToCount: count)) ?? Data()
            chunk.withLock { $0 = data }
            ready.signal()
        }
    }

    func take() -> Data {
        ready.wait()
        return chunk.withLock { chunk in
            defer { chunk = Data() }
            return chunk
        }
    }
}

/// A block's parts and the number of each part's first line, handed to the worker threads.
/// The pointers are into the block, which `streamBatch` keeps alive and unchanged until every
/// worker has returned; the workers only read them.
private struct BlockShares: @unchecked Sendable {
    let parts: [UnsafeBufferPointer<UInt8>]
    let firstLines: [Int]
}

/// One thread's share of a batch block: its reading context, its answers and their counts.
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
    let outs = [ByteBuffer(capacity: 1 << 22), ByteBuffer(capacity: 1 << 22)]
    var summary = BatchSummary()

    init(decider: HypotheticalDecisions, defaultAt: Instant) {
        // An evaluator of its own (same policy): its strings are counted by this thread alone.
        self.decider = HypotheticalDecisions(policy: decider.evaluator.policy)
        self.defaultAt = defaultAt
        context = BatchLineReader.Context()
        digest = DecisionJSON.DigestMember(decider.evaluator.policy.digest)
    }

    func answer(_ part: UnsafeBufferPointer<UInt8>, firstLine: Int, into slot: Int) {
        let out = outs[slot]
        var start = 0
        var number = firstLine
        while start < part.count {
            let end = memchr(part.baseAddress! + start, 10, part.count - start)
                .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - part.baseAddress! } ?? part.count
            answer(line: UnsafeBufferPointer(rebasing: part[start..<end]), number: number, into: out)
            start = end + 1
            number += 1
        }
    }

    private func answer(line: UnsafeBufferPointer<UInt8>, number: Int, into out: ByteBuffer) {
        let trimmed = line.last == 13 ? UnsafeBufferPointer(rebasing: line.dropLast()) : line
        guard trimmed.contains(where: { $0 != 32 && $0 != 9 }) else { return }
        summary.lines += 1
        let decision: Decision
        // The documented shapes are read directly; anything else, and every error, takes the
        // Codable path.
        if var fast = BatchLineReader.read(trimmed, context: context) {
            if fast.request.at == nil { fast.request.at = fast.at }
            decision = decider.decide(request: fast.request, facts: fast.facts, defaultAt: defaultAt)
        } else {
            do {
                let parsed = try JSONDecoder().decode(HypotheticalDecisions.BatchLine.self, from: Data(trimmed))
                var request = parsed.request
                if request.at == nil { request.at = parsed.at }
                decision = decider.decide(request: request, facts: parsed.facts, defaultAt: defaultAt)
            } catch {
                decision = HypotheticalDecisions.unreadable(line: number, error: error, digest: decider.evaluator.policy.digest)
            }
        }
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
