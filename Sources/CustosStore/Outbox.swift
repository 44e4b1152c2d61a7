package import Foundation
internal import GRDB
package import CustosPolicy

/// A message waiting in the outbox or sent from it: e-mail codes and letters to data subjects.
/// The address and the text are personal data: they are sealed in the vault and only opened
/// to be sent, or shown to an officer who asks for one message.
package struct OutboxMessage: Sendable, Codable, Equatable {
    package var id: Int64
    /// What the message is for (`email-code`, `status-link`, `breach-letter`), never its content.
    package var kind: String
    package var to: String
    package var subject: String
    package var body: String
    package var createdAt: Instant
    package var sentAt: Instant?
    package var attempts: Int
    package var lastError: String?
}

/// One outbox row as a backend stores it: the address and text sealed, the rest in the clear.
package struct SealedOutboxRow: Sendable {
    package var id: Int64
    package var kind: String
    package var sealed: Data
    package var createdAt: Instant
    package var sentAt: Instant?
    package var attempts: Int
    package var lastError: String?

    package init(id: Int64, kind: String, sealed: Data, createdAt: Instant, sentAt: Instant?, attempts: Int, lastError: String?) {
        (self.id, self.kind, self.sealed, self.createdAt, self.sentAt, self.attempts, self.lastError) = (id, kind, sealed, createdAt, sentAt, attempts, lastError)
    }
}

/// A breach letter recorded for its person in the same transaction as its queued e-mail, so
/// that a crash leaves both or neither and a rerun knows who already has theirs.
package struct BreachLetterEntry: Sendable {
    package var breach: String
    package var subject: String
    package var language: String
    package var by: String

    package init(breach: String, subject: String, language: String, by: String) {
        (self.breach, self.subject, self.language, self.by) = (breach, subject, language, by)
    }
}

/// The outbox's rows on a backend (SQLite's `VaultStore`, PostgreSQL's `PostgresVault`); the
/// rules (what is sealed, under which key, how long sent mail is kept) are this protocol's
/// extension, the same on both.
package protocol OutboxStore: Sendable {
    /// The keyring whose outbox key seals the messages.
    var keyring: Keyring { get }
    /// Inserts a sealed message (and its breach letter's record) in one transaction, deleting
    /// sent mail older than `purgeSentBefore` in it.
    func insertOutboxRow(kind: String, sealed: Data, at now: Instant, purgeSentBefore: Instant, letter: BreachLetterEntry?) throws -> Int64
    /// Rows newest first; `pendingOnly` leaves out those already sent.
    func outboxRows(pendingOnly: Bool, limit: Int) throws -> [SealedOutboxRow]
    /// Marks a message sent, or records why sending failed (the reason names no address).
    func markOutbox(_ id: Int64, sentAt: Instant?, error: String?) throws
}

extension OutboxStore {
    private static var sealingDomain: String { "outbox" }

    /// Sent mail is kept a week (to answer "did you send it?"), then goes: it holds addresses
    /// and codes that serve no purpose once delivered.
    private static var sentMailKept: Int64 { 7 * 86_400_000 }

    /// Queues a message; it is sent by `outbox send` or the server's relay.
    package func enqueue(kind: String, to: String, subject: String, body: String, at now: Instant) throws -> Int64 {
        try enqueue(kind: kind, to: to, subject: subject, body: body, at: now, letter: nil)
    }

    /// Queues one person's breach letter by e-mail and records it for that person, in one
    /// transaction.
    package func enqueueBreachLetter(_ letter: BreachLetterEntry, to address: String, subjectLine: String, body: String, at now: Instant) throws {
        _ = try enqueue(kind: "breach-letter", to: address, subject: subjectLine, body: body, at: now, letter: letter)
    }

    private func enqueue(kind: String, to: String, subject: String, body: String, at now: Instant, letter: BreachLetterEntry?) throws -> Int64 {
        let plain = try JSONEncoder().encode(SealedMail(to: to, subject: subject, body: body))
        return try insertOutboxRow(kind: kind, sealed: try keyring.seal(plain, domain: Self.sealingDomain), at: now,
                                   purgeSentBefore: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Self.sentMailKept), letter: letter)
    }

    /// Messages, newest first, opened; one that no longer opens (a rotated outbox key) shows
    /// without address or text.
    package func outbox(pendingOnly: Bool, limit: Int = 1000) throws -> [OutboxMessage] {
        try outboxRows(pendingOnly: pendingOnly, limit: limit).map { row in
            let opened = (try? keyring.unseal(row.sealed, domain: Self.sealingDomain)).flatMap { try? JSONDecoder().decode(SealedMail.self, from: $0) }
            return OutboxMessage(id: row.id, kind: row.kind, to: opened?.to ?? "", subject: opened?.subject ?? "", body: opened?.body ?? "",
                                 createdAt: row.createdAt, sentAt: row.sentAt, attempts: row.attempts, lastError: row.lastError)
        }
    }
}

/// What is sealed of a message.
private struct SealedMail: Codable { var to, subject, body: String }

extension VaultStore: OutboxStore {
    package func insertOutboxRow(kind: String, sealed: Data, at now: Instant, purgeSentBefore: Instant, letter: BreachLetterEntry?) throws -> Int64 {
        try vault.pool.write { db in
            if let letter {
                try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO breach_letters (breach_id, subject_id, channel, language, at, by) VALUES (?, ?, 'email', ?, ?, ?)
                    """).execute(arguments: [letter.breach, letter.subject, letter.language, now.millisecondsSinceEpoch, letter.by])
            }
            try db.execute(sql: "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", arguments: [purgeSentBefore.millisecondsSinceEpoch])
            try db.execute(sql: "INSERT INTO outbox (kind, sealed, created_at) VALUES (?, ?, ?)", arguments: [kind, sealed, now.millisecondsSinceEpoch])
            return db.lastInsertedRowID
        }
    }

    package func outboxRows(pendingOnly: Bool, limit: Int) throws -> [SealedOutboxRow] {
        try vault.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox \(pendingOnly ? "WHERE sent_at IS NULL" : "") ORDER BY id DESC LIMIT ?", arguments: [limit])
        }.map { row in
            SealedOutboxRow(id: row["id"], kind: row["kind"], sealed: row["sealed"], createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                            sentAt: (row["sent_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), attempts: row["attempts"], lastError: row["last_error"])
        }
    }

    package func markOutbox(_ id: Int64, sentAt: Instant?, error: String?) throws {
        try vault.pool.write { db in
            try db.execute(sql: "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                           arguments: [sentAt?.millisecondsSinceEpoch, error, id])
        }
    }
}
