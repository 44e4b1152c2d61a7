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

/// A message to queue, sealed, with its breach letter's record when it is one.
package struct NewOutboxRow: Sendable {
    package var kind: String
    package var sealed: Data
    package var letter: BreachLetterEntry?

    package init(kind: String, sealed: Data, letter: BreachLetterEntry?) {
        (self.kind, self.sealed, self.letter) = (kind, sealed, letter)
    }
}

/// The outbox's rows on a backend (SQLite's `VaultStore`, PostgreSQL's `PostgresVault`); the
/// rules (what is sealed, under which key, how long sent mail is kept) are this protocol's
/// extension, the same on both.
package protocol OutboxStore: Sendable {
    /// The keyring whose outbox key seals the messages.
    var keyring: Keyring { get }
    /// Inserts sealed messages (and their breach letters' records) in one transaction, deleting
    /// sent mail older than `purgeSentBefore` in it; returns their ids in order.
    func insertOutboxRows(_ rows: [NewOutboxRow], at now: Instant, purgeSentBefore: Instant) throws -> [Int64]
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

    /// Queues people's breach letters by e-mail and records each for its person, all in one
    /// transaction (a page of a breach's letters: one commit, not one a person).
    package func enqueueBreachLetters(_ letters: [(entry: BreachLetterEntry, address: String, body: String)], subjectLine: String, at now: Instant) throws {
        guard !letters.isEmpty else { return }
        let rows = try letters.map { letter in
            NewOutboxRow(kind: "breach-letter", sealed: try seal(to: letter.address, subject: subjectLine, body: letter.body), letter: letter.entry)
        }
        _ = try insertOutboxRows(rows, at: now, purgeSentBefore: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Self.sentMailKept))
    }

    private func enqueue(kind: String, to: String, subject: String, body: String, at now: Instant, letter: BreachLetterEntry?) throws -> Int64 {
        let row = NewOutboxRow(kind: kind, sealed: try seal(to: to, subject: subject, body: body), letter: letter)
        let ids = try insertOutboxRows([row], at: now, purgeSentBefore: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Self.sentMailKept))
        guard let id = ids.first else { throw StoreError.integrity("the outbox gave no id for a message it stored") }
        return id
    }

    private func seal(to: String, subject: String, body: String) throws -> Data {
        try keyring.seal(try JSONEncoder().encode(SealedMail(to: to, subject: subject, body: body)), domain: Self.sealingDomain)
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
    package func insertOutboxRows(_ rows: [NewOutboxRow], at now: Instant, purgeSentBefore: Instant) throws -> [Int64] {
        try vault.pool.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", arguments: [purgeSentBefore.millisecondsSinceEpoch])
            return try rows.map { row in
                if let letter = row.letter {
                    try db.cachedStatement(sql: """
                        INSERT OR REPLACE INTO breach_letters (breach_id, subject_id, channel, language, at, by) VALUES (?, ?, 'email', ?, ?, ?)
                        """).execute(arguments: [letter.breach, letter.subject, letter.language, now.millisecondsSinceEpoch, letter.by])
                }
                try db.cachedStatement(sql: "INSERT INTO outbox (kind, sealed, created_at) VALUES (?, ?, ?)")
                    .execute(arguments: [row.kind, row.sealed, now.millisecondsSinceEpoch])
                return db.lastInsertedRowID
            }
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
