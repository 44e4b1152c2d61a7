import Foundation
internal import GRDB
package import CustosPolicy

/// An Art. 19 notification or an Art. 28(3) processor instruction owed after a rectification,
/// erasure or restriction.
package struct RecipientTask: Sendable, Hashable, Codable {
    package enum Kind: String, Sendable, Hashable, Codable {
        case notifyRecipient = "notify-recipient"
        case instructProcessor = "instruct-processor"
    }

    package var id: Int64
    package var kind: Kind
    package var subject: String
    package var request: String?
    package var recipient: String
    package var action: String
    package var fields: [String]
    package var createdAt: Instant
    package var doneAt: Instant?
    package var doneBy: String?

    package init(kind: Kind, subject: String, request: String?, recipient: String, action: String, fields: [String], createdAt: Instant) {
        id = 0
        self.kind = kind
        self.subject = subject
        self.request = request
        self.recipient = recipient
        self.action = action
        self.fields = fields
        self.createdAt = createdAt
    }
}

extension Vault {
    /// An erasure request's last step (`ErasureApplication`): the keyring's erasure ledger
    /// first (the subject's key destroyed with it when nothing is kept), so a crash before the
    /// vault's commit, or a backup restored later, is completed when the vault is next opened;
    /// then one vault transaction destroys the fields (with secure delete) or the whole subject,
    /// marks the kept fields, records the tasks and closes the request. The WAL is then
    /// checkpointed and truncated, so no destroyed page lingers there.
    package func applyErasure(_ erasure: ErasureApplication, at now: Instant) throws {
        let appended = try keyring.recordErasures([erasure.ledgerRecord], at: now)
        try pool.write { db in
            if erasure.wholeSubject {
                try Self.keepConsentProof(db, subject: erasure.subject, hash: keyring.ledgerHash(erasure.subject), at: now)
                try db.execute(sql: "DELETE FROM subjects WHERE id = ?", arguments: [erasure.subject])
            } else {
                // Whatever is destroyed or kept only for other purposes, an answer given before
                // the erasure no longer reflects what the subject may be shown: it goes.
                try db.execute(sql: "DELETE FROM request_answers WHERE subject_id = ?", arguments: [erasure.subject])
                try db.execute(sql: "DELETE FROM request_statements WHERE subject_id = ?", arguments: [erasure.subject])
                try Self.destroyFields(db, subject: erasure.subject, fields: erasure.destroy, at: now)
                for (field, purposes) in erasure.keep {
                    try db.execute(sql: "UPDATE fields SET kept_for = ? WHERE subject_id = ? AND field = ?",
                                   arguments: [purposes.joined(separator: "\n"), erasure.subject, field])
                }
            }
            try Self.insertTasks(db, erasure.tasks)
            try VaultStore.markApplied(db, appended)
            try closeFulfilled(db, erasure.closing, at: now)
        }
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    static func destroyFields(_ db: Database, subject: String, fields: [String], at now: Instant) throws {
        // A stored answer (an access package) holds the values: it goes with any of them.
        if !fields.isEmpty {
            try db.execute(sql: "DELETE FROM request_answers WHERE subject_id = ?", arguments: [subject])
            // So may the subject's own words with a rectification request.
            try db.execute(sql: "DELETE FROM request_statements WHERE subject_id = ?", arguments: [subject])
        }
        for field in fields {
            try db.execute(sql: "DELETE FROM fields WHERE subject_id = ? AND field = ?", arguments: [subject, field])
            try db.execute(sql: "DELETE FROM blind_index WHERE subject_id = ? AND field = ?", arguments: [subject, field])
            try db.execute(sql: "INSERT OR IGNORE INTO erased_fields (subject_id, field, at) VALUES (?, ?, ?)", arguments: [subject, field, now.millisecondsSinceEpoch])
        }
    }

    static func insertTasks(_ db: Database, _ tasks: [RecipientTask]) throws {
        for task in tasks {
            try db.execute(sql: "INSERT INTO tasks (kind, subject_id, request_id, recipient, action, fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [task.kind.rawValue, task.subject, task.request, task.recipient, task.action, task.fields.joined(separator: "\n"),
                                       task.createdAt.millisecondsSinceEpoch])
        }
    }

    package func tasks(openOnly: Bool) throws -> [RecipientTask] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tasks \(openOnly ? "WHERE done_at IS NULL" : "") ORDER BY id").map { row in
                var task = RecipientTask(kind: RecipientTask.Kind(rawValue: row["kind"]) ?? .notifyRecipient, subject: row["subject_id"], request: row["request_id"],
                                         recipient: row["recipient"], action: row["action"], fields: (row["fields"] as String).split(separator: "\n").map(String.init),
                                         createdAt: Instant(millisecondsSinceEpoch: row["created_at"]))
                task.id = row["id"]
                task.doneAt = (row["done_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:))
                task.doneBy = row["done_by"]
                return task
            }
        }
    }

    package func completeTask(_ id: Int64, at now: Instant, by actor: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE tasks SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL", arguments: [now.millisecondsSinceEpoch, actor, id])
            guard db.changesCount == 1 else {
                let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM tasks WHERE id = ?", arguments: [id]) ?? false
                throw exists ? StoreError.invalidInput("task #\(id) is already done") : StoreError.invalidInput("no such task #\(id)")
            }
        }
    }
}
