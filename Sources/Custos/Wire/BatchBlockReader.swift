import Foundation

/// Reads `decide --batch` input a block ahead, on a queue of its own: each block is whole
/// lines (the part of a line that did not fit is carried into the next block), cut into
/// parts at line ends, with the number of each part's first line counted, so that the
/// thread that hands blocks to the workers has nothing left to do but hand them over.
///
/// A regular file is read in full blocks, for throughput. A pipe, socket or terminal is read
/// as a stream: a block ends as soon as the input pauses (`pause`) after a complete line, so a
/// long-running caller that writes one request and waits gets its answer at once (a sidecar),
/// while a fast producer still fills whole blocks.
///
/// The reader's state is touched by its queue while a block is being read, and by the
/// consumer only in `take`, after the semaphore that the queue signals when it is done:
/// one side at a time, in that order.
final class BatchBlockReader: @unchecked Sendable {
    struct Block {
        /// The input could not be read: no more blocks.
        static func failed(_ error: BatchInputError) -> Block {
            Block(bytes: Data(), parts: [], firstLines: [], oversized: [:], isLast: true, failure: error)
        }

        var bytes: Data
        /// Byte ranges of the parts, in order; empty once the input is exhausted.
        var parts: [Range<Int>]
        var firstLines: [Int]
        /// The lines longer than the limit, each left as an empty line: the empty line's
        /// offset in `bytes`, and the length of the line it stands for.
        var oversized: [Int: Int]
        var isLast: Bool
        var failure: BatchInputError?
    }

    private let descriptor: Int32
    private let streaming: Bool
    /// How long a stream may pause after a complete line before the block is answered.
    static let pause: Int32 = 2  // milliseconds
    private let partCount: Int
    private let blockSize: Int
    private var carried = Data()
    /// Bytes dropped so far of a line longer than the limit, until its line end; nil when no
    /// line is being dropped.
    private var dropping: Int?
    private var linesBefore = 0
    private var next: Block?
    private let queue = DispatchQueue(label: "custos.batch.reader")
    private let ready = DispatchSemaphore(value: 0)

    init(_ input: FileHandle, parts: Int, blockSize: Int) {
        descriptor = input.fileDescriptor
        var status = stat()
        streaming = fstat(input.fileDescriptor, &status) != 0 || (status.st_mode & S_IFMT) != S_IFREG
        partCount = parts
        self.blockSize = blockSize
    }

    /// Starts reading the next block.
    func start() {
        queue.async { [self] in
            next = readBlock()
            ready.signal()
        }
    }

    /// The block read since `start`; starts reading the one after it unless this one is the last.
    func take() -> Block {
        ready.wait()
        let block = next ?? Block(bytes: Data(), parts: [], firstLines: [], oversized: [:], isLast: true, failure: nil)
        next = nil
        if !block.isLast { start() }
        return block
    }

    /// Reads the next block: at least one complete line (or the end), then more while there
    /// is more, up to the block size. A file is read in whole blocks; a stream only while
    /// more arrives without a pause after a complete line.
    ///
    /// A line longer than `HypotheticalDecisions.lineByteLimit` is never held: once its
    /// unfinished part passes the limit, the reader drops what it has of it and every byte
    /// after, up to its line end, and leaves an empty line in its place, with the number of
    /// bytes dropped in `Block.oversized` under the empty line's offset, for the worker to
    /// answer. So a block never holds more than its size and one line's limit.
    private func readBlock() -> Block {
        var bytes = carried
        carried = Data()
        var oversized: [Int: Int] = [:]
        var endOfInput = false
        // Where the unfinished line begins: the carried part holds no line end.
        var lineStart = 0
        let chunk = 1 << 16
        while !endOfInput {
            if lineStart > 0 {
                if bytes.count >= blockSize { break }
                if streaming {
                    var descriptorPoll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&descriptorPoll, 1, Self.pause)
                    if ready == 0 { break }
                    if ready < 0, errno != EINTR { break }
                }
            }
            let start = bytes.count
            let got: Int
            switch append(to: &bytes, count: streaming ? chunk : max(chunk, blockSize - start), whole: !streaming) {
            case let .success(count): got = count
            case let .failure(error): return .failed(error)
            }
            if got == 0 { endOfInput = true }
            absorb(&bytes, from: start, lineStart: &lineStart, oversized: &oversized)
        }
        if endOfInput {
            if let dropped = dropping {
                // The input ended inside a line that was too long: its empty stand-in.
                oversized[bytes.count] = dropped
                bytes.append(10)
                dropping = nil
            }
            lineStart = bytes.count
        }
        if lineStart < bytes.count {
            carried = bytes.subdata(in: lineStart..<bytes.count)
        }
        let complete = lineStart
        let (parts, firstLines) = bytes.withUnsafeBytes { raw in
            cut(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[0..<complete]))
        }
        return Block(bytes: bytes, parts: parts, firstLines: firstLines, oversized: oversized, isLast: endOfInput, failure: nil)
    }

    /// Takes in the bytes just read from `start`: finishes dropping a line that was too long
    /// at its line end, moves `lineStart` past the last line end, and starts dropping the
    /// unfinished line when it passes the limit.
    private func absorb(_ bytes: inout Data, from start: Int, lineStart: inout Int, oversized: inout [Int: Int]) {
        var from = start
        if let dropped = dropping {
            guard let end = bytes[start...].firstIndex(of: 10) else {
                dropping = dropped + (bytes.count - start)
                bytes.count = start
                return
            }
            // Keep the line end: an empty line at `start` stands for the line dropped.
            oversized[start] = dropped + (end - start)
            bytes.removeSubrange(start..<end)
            dropping = nil
            lineStart = start + 1
            from = start + 1
        }
        if from < bytes.count, let last = bytes[from...].lastIndex(of: 10) { lineStart = last + 1 }
        if bytes.count - lineStart > HypotheticalDecisions.lineByteLimit {
            dropping = bytes.count - lineStart
            bytes.count = lineStart
        }
    }

    /// The block cut into at most `partCount` parts at line ends, and each part's first line number.
    private func cut(_ block: UnsafeBufferPointer<UInt8>) -> ([Range<Int>], [Int]) {
        var parts: [Range<Int>] = []
        var firstLines: [Int] = []
        var start = 0
        for part in 1...partCount where start < block.count {
            var end = part == partCount ? block.count : max(start, block.count * part / partCount)
            while end < block.count, end > 0, block[end - 1] != 10 { end += 1 }
            guard end > start else { continue }
            parts.append(start..<end)
            firstLines.append(linesBefore + 1)
            linesBefore += HypotheticalDecisions.lineCount(UnsafeBufferPointer(rebasing: block[start..<end]))
            start = end
        }
        return (parts, firstLines)
    }

    /// Reads up to `count` bytes straight into the end of `bytes` (all of them unless the input
    /// ends, when `whole`; else what is there now); the number read, or the read error's code.
    private func append(to bytes: inout Data, count: Int, whole: Bool) -> Result<Int, BatchInputError> {
        let start = bytes.count
        bytes.count = start + count
        let (got, code) = bytes.withUnsafeMutableBytes { raw in
            let got = whole ? Self.read(descriptor, into: raw.baseAddress! + start, count: count) : Self.readOnce(descriptor, into: raw.baseAddress! + start, count: count)
            return (got, errno)
        }
        bytes.count = start + max(got, 0)
        return got >= 0 ? .success(got) : .failure(BatchInputError(code: code))
    }

    /// One `read(2)`: what is there now (at least one byte, or the end); -1 on an error.
    private static func readOnce(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        while true {
            let got = Foundation.read(descriptor, buffer, count)
            if got < 0, errno == EINTR { continue }
            return got
        }
    }

    /// `read(2)` until `count` bytes or the end of the input; -1 on an error other than an interruption.
    private static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        var total = 0
        while total < count {
            let got = Foundation.read(descriptor, buffer + total, count - total)
            if got < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if got == 0 { break }
            total += got
        }
        return total
    }
}

/// The batch input could not be read.
package struct BatchInputError: Error, Sendable, CustomStringConvertible {
    package let code: Int32

    package var description: String { "cannot read the input: \(String(cString: strerror(code)))" }
}
