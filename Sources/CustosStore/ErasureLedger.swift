package import Foundation
internal import CustosCrypto
package import CustosPolicy

/// One erasure as the keyring remembers it: a salted hash of the subject id, and the field
/// destroyed or kept (nil: the whole subject).
package struct LedgerEntry: Sendable, Equatable {
    package var saltedHash: Data
    package var field: String?
    /// Set for a field kept after an erasure only for these purposes; nil for a destroyed one.
    package var keptFor: [String]?
    package var at: Instant

    package init(saltedHash: Data, field: String?, keptFor: [String]?, at: Instant) {
        self.saltedHash = saltedHash
        self.field = field
        self.keptFor = keptFor
        self.at = at
    }
}

/// What an erasure does to a subject, as recorded in the ledger before the vault changes.
package struct ErasureRecord: Sendable {
    package var subject: String
    /// True when the whole subject goes (its key is destroyed).
    package var wholeSubject: Bool
    package var destroyed: [String]
    package var kept: [String: [String]]

    package init(subject: String, wholeSubject: Bool, destroyed: [String] = [], kept: [String: [String]] = [:]) {
        self.subject = subject
        self.wholeSubject = wholeSubject
        self.destroyed = destroyed
        self.kept = kept
    }
}

/// Where one erasure's entries went in the ledger: after the first `before` entries, up to
/// `after`. The storage appends one erasure at a time, so no other entry lies in between.
///
/// A vault notes how much of the ledger it has applied, and an erasure moves that mark from
/// `before` to `after` only when the mark stood at `before`: with two erasures at once (a
/// server and the CLI), the one that finishes must not mark as applied the other's entry,
/// whose vault write a kill may still stop. The next open then replays the whole ledger.
///
/// ```swift
/// let appended = try keyring.recordErasures([ErasureRecord(subject: "D-1", wholeSubject: true)], at: now)
/// // in the vault's transaction: set the mark to appended.after where it is appended.before
/// ```
package struct LedgerAppend: Sendable, Equatable {
    package var before: Int64
    package var after: Int64

    package init(before: Int64, after: Int64) {
        self.before = before
        self.after = after
    }
}

/// The erasure ledger lives in the keyring: a vault restored from a backup made before an
/// erasure meets a keyring that remembers it, and the erasure is applied again (DESIGN §4).
/// Whole-subject erasures destroy the subject's key in the same keyring transaction.
extension Keyring {
    package func ledgerHash(_ subject: String) -> Data {
        Data(Blake2b.hash(ledgerSalt + Array("custos/erasure-ledger\0\(subject)".utf8)))
    }

    /// Records erasures and destroys the keys of whole subjects, in one transaction; returns
    /// where the entries went, which the vault's own write then notes as applied.
    package func recordErasures(_ records: [ErasureRecord], at now: Instant) throws -> LedgerAppend {
        var entries: [LedgerEntry] = []
        for record in records {
            let hash = ledgerHash(record.subject)
            if record.wholeSubject {
                entries.append(LedgerEntry(saltedHash: hash, field: nil, keptFor: nil, at: now))
                continue
            }
            for field in record.destroyed { entries.append(LedgerEntry(saltedHash: hash, field: field, keptFor: nil, at: now)) }
            for (field, purposes) in record.kept.sorted(by: { $0.key < $1.key }) {
                entries.append(LedgerEntry(saltedHash: hash, field: field, keptFor: purposes, at: now))
            }
        }
        let after = try storage.recordErasures(entries, destroyingKeysOf: records.filter(\.wholeSubject).map(\.subject))
        return LedgerAppend(before: after - Int64(entries.count), after: after)
    }

    package func ledgerCount() throws -> Int64 { try storage.ledgerCount() }

    /// The ledger entries after the first `position` (all of them from 0), by salted hash, in
    /// the order they were recorded. A vault whose mark stands at `position` has applied the
    /// entries before it (`LedgerAppend`), so a replay reads only those after.
    package func ledgerEntries(after position: Int64 = 0) throws -> [Data: [LedgerEntry]] {
        Dictionary(grouping: try storage.ledgerEntries(after: position), by: \.saltedHash)
    }
}
