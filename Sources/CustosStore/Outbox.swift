import Foundation
internal import GRDB
package import CustosPolicy

/// A message waiting in the outbox or sent from it: e-mail codes and letters to data subjects.
/// The address and the text are personal data: they are sealed in the vault and only opened
/// to be sent, or shown to an officer who asks for one message.
package struct OutboxMessage: Sendable, Codable, Equatable {
    package var id: Int64
    /// What the message is for (`email-code`, `status-link`), never its content.
    package var kind: String
    package var to: String
    package var subject: String
    package var body: String
    package var createdAt: Instant
    package var sentAt: Instant?
    package var attempts: Int
    package var lastError: String?
}

extension Vault {
    private struct Sealed: Codable { var to, subject, body: String }

    /// Queues a message; it is sent by `outbox send` or the server's relay.
    package func enqueue(kind: String, to: String, subject: String, body: String, at now: Instant) throws -> Int64 {
        try enqueue(kind: kind, to: to, subject: subject, body: body, at: now) { _ in }
    }

    /// Queues a message and, in the same transaction, whatever records that it was queued
    /// (a breach letter's row), so a crash leaves both or neither.
    func enqueue(kind: String, to: String, subject: String, body: String, at now: Instant,
                 alongside record: (Database) throws -> Void) throws -> Int64 {
        let sealed = try keyring.seal(try JSONEncoder().encode(Sealed(to: to, subject: subject, body: body)), domain: "outbox")
        return try pool.write { db in
            try record(db)
            // Sent mail is kept a week (to answer "did you send it?"), then goes: it holds
            // addresses and codes that serve no purpose once delivered.
            try db.execute(sql: "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", arguments: [now.millisecondsSinceEpoch - 7 * 86_400_000])
            try db.execute(sql: "INSERT INTO outbox (kind, sealed, created_at) VALUES (?, ?, ?)", arguments: [kind, sealed, now.millisecondsSinceEpoch])
            return db.lastInsertedRowID
        }
    }

    /// Messages, newest first; `pendingOnly` leaves out those already sent.
    package func outbox(pendingOnly: Bool, limit: Int = 1000) throws -> [OutboxMessage] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox \(pendingOnly ? "WHERE sent_at IS NULL" : "") ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
        return rows.map { row in
            let opened = (try? keyring.unseal(row["sealed"], domain: "outbox")).flatMap { try? JSONDecoder().decode(Sealed.self, from: $0) }
            return OutboxMessage(
                id: row["id"], kind: row["kind"], to: opened?.to ?? "", subject: opened?.subject ?? "", body: opened?.body ?? "",
                createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), sentAt: (row["sent_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
                attempts: row["attempts"], lastError: row["last_error"])
        }
    }

    /// Marks a message sent, or records why sending failed (the reason names no address).
    package func markOutbox(_ id: Int64, sentAt: Instant?, error: String?) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                           arguments: [sentAt?.millisecondsSinceEpoch, error, id])
        }
    }
}
