import Foundation
internal import GRDB
internal import CustosCrypto
import CustosPolicy

/// One erasure as the keyring remembers it: a salted hash of the subject id, and the field
/// destroyed or kept (nil: the whole subject).
struct LedgerEntry: Sendable {
    var saltedHash: Data
    var field: String?
    /// Set for a field kept after an erasure only for these purposes; nil for a destroyed one.
    var keptFor: [String]?
    var at: Instant
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

/// The erasure ledger lives in the keyring: a vault restored from a backup made before an
/// erasure meets a keyring that remembers it, and the erasure is applied again (DESIGN §4).
/// Whole-subject erasures destroy the subject's key in the same keyring transaction.
extension Keyring {
    func ledgerHash(_ subject: String) -> Data {
        Data(Blake2b.hash(ledgerSalt + Array("custos/erasure-ledger\0\(subject)".utf8)))
    }

    /// Records erasures and destroys the keys of whole subjects, in one transaction; returns
    /// the ledger's new size, which the vault stores as replayed.
    func recordErasures(_ records: [ErasureRecord], at now: Instant) throws -> Int64 {
        let count = try pool.write { db -> Int64 in
            for record in records {
                let hash = ledgerHash(record.subject)
                if record.wholeSubject {
                    try db.execute(sql: "DELETE FROM subject_keys WHERE subject_id = ?", arguments: [record.subject])
                    try db.execute(sql: "INSERT INTO erasure_ledger (salted_hash, field, kept_for, at) VALUES (?, NULL, NULL, ?)",
                                   arguments: [hash, now.millisecondsSinceEpoch])
                    continue
                }
                for field in record.destroyed {
                    try db.execute(sql: "INSERT INTO erasure_ledger (salted_hash, field, kept_for, at) VALUES (?, ?, NULL, ?)",
                                   arguments: [hash, field, now.millisecondsSinceEpoch])
                }
                for (field, purposes) in record.kept.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT INTO erasure_ledger (salted_hash, field, kept_for, at) VALUES (?, ?, ?, ?)",
                                   arguments: [hash, field, purposes.joined(separator: "\n"), now.millisecondsSinceEpoch])
                }
            }
            return try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM erasure_ledger") ?? 0
        }
        if records.contains(where: \.wholeSubject) {
            // No page of a destroyed key may linger in the write-ahead log.
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        return count
    }

    func ledgerCount() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM erasure_ledger") ?? 0 }
    }

    /// Every ledger entry, by salted hash, in the order they were recorded.
    func ledgerEntries() throws -> [Data: [LedgerEntry]] {
        try pool.read { db in
            var entries: [Data: [LedgerEntry]] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT salted_hash, field, kept_for, at FROM erasure_ledger ORDER BY id")
            while let row = try cursor.next() {
                let entry = LedgerEntry(saltedHash: row["salted_hash"], field: row["field"],
                                        keptFor: (row["kept_for"] as String?).map { $0.split(separator: "\n").map(String.init) },
                                        at: Instant(millisecondsSinceEpoch: row["at"]))
                entries[entry.saltedHash, default: []].append(entry)
            }
            return entries
        }
    }
}
