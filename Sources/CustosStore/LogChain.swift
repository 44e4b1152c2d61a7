import CustosCrypto

/// The decision log's hash chain, apart from the database that stores it: every backend hashes
/// an entry with `LogEntry.hash(previous:)` from `LogChain.genesis` and checks a stored chain
/// with `LogChainCheck`, so SQLite and PostgreSQL logs verify by the same rule.
package enum LogChain {
    /// The previous hash of the first entry.
    package static let genesis = [UInt8](repeating: 0, count: 32)
}

/// Reads a stored chain entry by entry, in sequence order, and names the first entry that does
/// not hold: a gap in the sequence, a previous hash that is not the entry before's, or a hash
/// that is not the entry's own.
package struct LogChainCheck {
    private var previous: [UInt8]
    private var expected: Int64
    private var count: Int64 = 0
    private var problem: String?
    private let anchor: LogAnchor?

    /// From the first entry, or from the signed anchor of pruned entries.
    package init(from anchor: LogAnchor?) {
        self.anchor = anchor
        previous = anchor.flatMap { Hex.decode($0.hash) } ?? LogChain.genesis
        expected = (anchor?.seq ?? 0) + 1
    }

    /// Feeds the next stored entry; false once the chain is broken (read no further).
    package mutating func next(_ entry: LogEntry, storedPrevious: [UInt8], storedHash: [UInt8]) -> Bool {
        guard problem == nil else { return false }
        if entry.seq != expected { problem = "entry \(expected) is missing (next is \(entry.seq))" }
        else if storedPrevious != previous { problem = "entry \(entry.seq) does not follow the entry before it" }
        else if storedHash != entry.hash(previous: previous) { problem = "entry \(entry.seq) was changed after it was written" }
        guard problem == nil else { return false }
        previous = storedHash
        expected += 1
        count += 1
        return true
    }

    package var result: LogVerification {
        LogVerification(entries: count, headSeq: expected - 1, headHash: Blake2b.hex(previous),
                        firstBroken: problem == nil ? nil : expected, problem: problem, anchor: anchor)
    }
}
