import Foundation
internal import GRDB
internal import CustosCrypto
public import CustosPolicy

/// The signed head of the decision-log entries pruned under the policy's `decision-log`
/// retention: the remaining chain starts from it, so it still verifies, and a forged start
/// needs the vault's signing key.
public struct LogAnchor: Sendable, Codable, Equatable {
    public var vault: String
    /// The last pruned entry and its hash.
    public var seq: Int64
    public var hash: String
    /// Entries older than this were pruned.
    public var prunedBefore: Instant
    public var at: Instant
    public var signature: String

    package init(vault: String, seq: Int64, hash: String, prunedBefore: Instant, at: Instant, signature: String) {
        self.vault = vault
        self.seq = seq
        self.hash = hash
        self.prunedBefore = prunedBefore
        self.at = at
        self.signature = signature
    }

    package var signedBytes: [UInt8] {
        Array("custos-log-anchor/v1|\(vault)|\(seq)|\(hash)|\(prunedBefore.millisecondsSinceEpoch)|\(at.millisecondsSinceEpoch)".utf8)
    }
}

/// What a pruning removed.
package struct LogPruning: Sendable, Codable, Equatable {
    package var entriesPruned: Int64
    package var anchor: LogAnchor?

    package init(entriesPruned: Int64, anchor: LogAnchor?) {
        self.entriesPruned = entriesPruned
        self.anchor = anchor
    }
}

extension VaultStore {
    /// The current anchor, if entries were ever pruned.
    package func logAnchor() throws -> LogAnchor? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash, pruned_before, at, signature FROM log_anchor ORDER BY seq DESC LIMIT 1").map { row in
                LogAnchor(vault: vaultId, seq: row["seq"], hash: Blake2b.hex([UInt8](row["hash"] as Data)),
                          prunedBefore: Instant(millisecondsSinceEpoch: row["pruned_before"]), at: Instant(millisecondsSinceEpoch: row["at"]),
                          signature: Blake2b.hex([UInt8](row["signature"] as Data)))
            }
        }
    }

    /// Verifies the chain from its start, or from the signed anchor of pruned entries.
    package func verifyLog() throws -> DecisionLog.Verification {
        let anchor = try logAnchor()
        if let anchor {
            guard let signature = Hex.decode(anchor.signature), verifySignature(signature, of: anchor.signedBytes) else {
                return DecisionLog.Verification(entries: 0, headSeq: anchor.seq, headHash: anchor.hash, firstBroken: anchor.seq,
                                                problem: "the signed head of the pruned entries does not verify", anchor: anchor)
            }
        }
        return try log.verify(from: anchor)
    }

    /// Prunes entries recorded before `cutoff`, after checking the whole chain (a broken log
    /// is never pruned: that would hide the break), and signs the last pruned entry as the new
    /// start. Entries are pruned, never the head: at least the newest entry stays.
    package func pruneLog(before cutoff: Instant, at now: Instant, dryRun: Bool) throws -> LogPruning {
        let verification = try verifyLog()
        guard verification.isIntact else { throw StoreError.integrity(verification.problem ?? "the decision log is broken") }
        return try pool.write { db in
            let last = try Row.fetchOne(db, sql: """
                SELECT seq, hash FROM decision_log WHERE at < ? AND seq < (SELECT MAX(seq) FROM decision_log) ORDER BY seq DESC LIMIT 1
                """, arguments: [cutoff.millisecondsSinceEpoch])
            guard let last else { return LogPruning(entriesPruned: 0, anchor: nil) }
            let seq: Int64 = last["seq"]
            let first = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM decision_log") ?? seq
            var anchor = LogAnchor(vault: vaultId, seq: seq, hash: Blake2b.hex([UInt8](last["hash"] as Data)), prunedBefore: cutoff, at: now, signature: "")
            guard !dryRun else { return LogPruning(entriesPruned: seq - first + 1, anchor: nil) }
            anchor.signature = Blake2b.hex(sign(anchor.signedBytes))
            try db.execute(sql: "DELETE FROM decision_log WHERE seq <= ?", arguments: [seq])
            let pruned = Int64(db.changesCount)
            try LogSubjectBlocks.forget(through: seq, db)
            try db.execute(sql: "DELETE FROM log_anchor")
            try db.execute(sql: "INSERT INTO log_anchor (seq, hash, pruned_before, at, signature) VALUES (?, ?, ?, ?, ?)",
                           arguments: [seq, last["hash"] as Data, cutoff.millisecondsSinceEpoch, now.millisecondsSinceEpoch,
                                       Data(Hex.decode(anchor.signature) ?? [])])
            return LogPruning(entriesPruned: pruned, anchor: anchor)
        }
    }
}
