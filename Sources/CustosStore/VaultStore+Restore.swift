import Foundation
internal import GRDB
import CustosPolicy

/// What opening a vault re-applied from the keyring's erasure ledger: a vault restored from a
/// backup made before an erasure (or a crash between the ledger and the vault write) gets
/// the erasure again before it serves any request.
package struct LedgerReplay: Sendable, Equatable {
    package var subjectsShredded = 0
    package var fieldsDestroyed = 0
    package var fieldsRestricted = 0

    package init(subjectsShredded: Int = 0, fieldsDestroyed: Int = 0, fieldsRestricted: Int = 0) {
        self.subjectsShredded = subjectsShredded
        self.fieldsDestroyed = fieldsDestroyed
        self.fieldsRestricted = fieldsRestricted
    }

    package var changedAnything: Bool { subjectsShredded + fieldsDestroyed + fieldsRestricted > 0 }
}

extension VaultStore {
    /// Replays the ledger when the vault has not seen all of it. A subject created after an
    /// erasure of the same id is a new subject: only entries recorded after its creation apply.
    static func replayErasureLedger(pool: DatabasePool, keyring: Keyring) throws -> LedgerReplay {
        let ledgerSize = try keyring.ledgerCount()
        let seen = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'ledger-replayed'") }.flatMap { Int64($0) } ?? 0
        guard ledgerSize != seen else { return LedgerReplay() }
        // The entries before the mark are applied (`LedgerAppend`): a kill between two writes
        // leaves a handful after it, where reading the whole ledger held years of erasures.
        let ledger = try keyring.ledgerEntries(after: min(seen, ledgerSize))
        var replay = LedgerReplay()
        try pool.write { db in
            // Only the subjects the ledger names are kept while the table is read: a replay of
            // a vault of a million held every row (250 MB).
            var named: [(id: String, entries: [LedgerEntry])] = []
            let subjects = try Row.fetchCursor(db, sql: "SELECT id, created_at FROM subjects")
            while let row = try subjects.next() {
                let id: String = row[0]
                let created = Instant(millisecondsSinceEpoch: row[1])
                guard let entries = ledger[keyring.ledgerHash(id)]?.filter({ $0.at >= created }), !entries.isEmpty else { continue }
                named.append((id, entries))
            }
            for (id, entries) in named {
                if let erasure = entries.first(where: { $0.field == nil }) {
                    // The backup predates the proof the erasure left; leave it again.
                    try db.execute(sql: "DELETE FROM consent_proofs WHERE subject_hash = ? AND erased_at = ?",
                                   arguments: [erasure.saltedHash, erasure.at.millisecondsSinceEpoch])
                    try Vault.keepConsentProof(db, subject: id, hash: erasure.saltedHash, at: erasure.at)
                    try db.execute(sql: "DELETE FROM subjects WHERE id = ?", arguments: [id])
                    replay.subjectsShredded += 1
                    continue
                }
                for entry in entries {
                    guard let field = entry.field else { continue }
                    if let purposes = entry.keptFor {
                        try db.execute(sql: "UPDATE fields SET kept_for = ? WHERE subject_id = ? AND field = ? AND kept_for IS NOT ?",
                                       arguments: [purposes.joined(separator: "\n"), id, field, purposes.joined(separator: "\n")])
                        replay.fieldsRestricted += db.changesCount
                    } else {
                        try db.execute(sql: "DELETE FROM fields WHERE subject_id = ? AND field = ?", arguments: [id, field])
                        replay.fieldsDestroyed += db.changesCount
                        try Vault.destroyFields(db, subject: id, fields: [field], at: entry.at)
                    }
                }
            }
            try markReplayed(db, ledgerSize)
        }
        if replay.changedAnything {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        return replay
    }
}
