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
