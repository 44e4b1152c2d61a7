import Foundation
internal import GRDB
package import CustosDecision
package import CustosPolicy

/// One officer's record about a sub-processor authorisation, with who recorded it.
package struct StoredSubProcessorRecord: Sendable, Hashable {
    package var id: Int64
    package var record: SubProcessorRecord
    package var note: String?
    package var recordedBy: String
    package var recordedAt: Instant

    package init(id: Int64, record: SubProcessorRecord, note: String?, recordedBy: String, recordedAt: Instant) {
        self.id = id
        self.record = record
        self.note = note
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}

extension Vault {
    /// Records that the controller authorised, objected to, or withdrew a sub-processor from
    /// `effective` on (Art. 28(2)). Records are never changed; the latest up to a decision's
    /// instant decides, over the policy's authorisation.
    package func recordSubProcessor(_ record: SubProcessorRecord, note: String?, at now: Instant, by actor: String) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO subprocessor_records (recipient, state, at, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [record.recipient, record.state.rawValue, record.at.millisecondsSinceEpoch, note, actor, now.millisecondsSinceEpoch])
            return db.lastInsertedRowID
        }
    }

    /// Every record, oldest first.
    package func subProcessorRecords() throws -> [StoredSubProcessorRecord] {
        try pool.read { db in try Self.subProcessorRows(db) }
    }

    static func subProcessorRows(_ db: Database) throws -> [StoredSubProcessorRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM subprocessor_records ORDER BY id")).compactMap { row in
            guard let state = AuthorisationState(rawValue: row["state"]) else { return nil }
            return StoredSubProcessorRecord(
                id: row["id"], record: SubProcessorRecord(recipient: row["recipient"], state: state, at: Instant(millisecondsSinceEpoch: row["at"])),
                note: row["note"], recordedBy: row["recorded_by"], recordedAt: Instant(millisecondsSinceEpoch: row["recorded_at"]))
        }
    }
}

extension VaultTransaction {
    /// The records as facts: a share's data reaches its processor's sub-processors.
    package func subProcessorRecords() throws -> [SubProcessorRecord] {
        try Vault.subProcessorRows(db).map(\.record)
    }
}
