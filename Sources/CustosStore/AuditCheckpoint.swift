import Foundation
internal import GRDB
internal import CustosCrypto
public import CustosPolicy

/// A signed statement of the log head (sequence and hash) at a time, meant to be kept away
/// from the vault: if the newest entries are later deleted, the log no longer reaches the
/// checkpointed head and verification says so.
public struct AuditCheckpoint: Sendable, Codable, Equatable {
    public var vault: String
    public var seq: Int64
    public var hash: String
    public var at: Instant
    public var publicKey: String
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case vault, seq, hash, at, publicKey = "public-key", signature
    }

    var signedBytes: [UInt8] { Array("custos-checkpoint/v1|\(vault)|\(seq)|\(hash)|\(at.millisecondsSinceEpoch)".utf8) }
}

/// The result of checking the log against a checkpoint.
public enum CheckpointVerification: Sendable, Equatable {
    case holds
    case signatureInvalid
    case otherVault
    /// The log has fewer entries than the checkpoint saw: the newest were deleted.
    case entriesMissing(logHead: Int64, checkpoint: Int64)
    /// The entry at the checkpointed sequence has another hash: the log was rewritten.
    case headDiffers(Int64)
    /// The checkpointed entry was pruned under the log's retention; the signed anchor of the
    /// pruned entries is at `anchor`.
    case pruned(anchor: Int64)
}

/// The checkpoint's rules, the same on either backend: what is signed, and how a log is judged
/// against a checkpoint given three reads of it.
extension AuditCheckpoint {
    /// A checkpoint of the head `seq`/`hash` of `vault`'s log, signed with the keyring's key.
    package static func signed(vault: String, seq: Int64, hash: String, at now: Instant, keyring: Keyring) -> AuditCheckpoint {
        var checkpoint = AuditCheckpoint(vault: vault, seq: seq, hash: hash, at: now, publicKey: Blake2b.hex(keyring.signingPublicKey), signature: "")
        checkpoint.signature = Blake2b.hex(keyring.sign(checkpoint.signedBytes))
        return checkpoint
    }

    /// Judges a log against this checkpoint: `hashAt` reads the stored hash of an entry (nil when
    /// there is none), `anchor` the signed head of entries pruned under retention (nil when
    /// none were), `head` the newest sequence number.
    package func verification(vault: String, keyring: Keyring, hashAt: (Int64) throws -> [UInt8]?, anchor: () throws -> LogAnchor?,
                              head: () throws -> Int64) throws -> CheckpointVerification {
        guard let signature = Hex.decode(self.signature), keyring.verifySignature(signature, of: signedBytes) else { return .signatureInvalid }
        guard self.vault == vault else { return .otherVault }
        guard let stored = try hashAt(seq) else {
            if let anchor = try anchor(), seq <= anchor.seq {
                // Pruned under the log's retention: only the anchor's own entry can still be compared.
                return seq == anchor.seq ? (anchor.hash == hash ? .holds : .headDiffers(seq)) : .pruned(anchor: anchor.seq)
            }
            return .entriesMissing(logHead: try head(), checkpoint: seq)
        }
        return Blake2b.hex(stored) == hash ? .holds : .headDiffers(seq)
    }
}
