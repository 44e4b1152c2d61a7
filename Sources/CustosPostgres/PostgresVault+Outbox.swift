import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy

/// The outbox's rows on PostgreSQL (`OutboxStore`), as on SQLite: sealed in the process, so
/// the database sees neither an address nor a text.
extension PostgresVault: OutboxStore {
    package func insertOutboxRows(_ rows: [NewOutboxRow], at now: Instant, purgeSentBefore: Instant) throws -> [Int64] {
        try transaction { connection, logger in
            try await connection.query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < \(purgeSentBefore.millisecondsSinceEpoch)", logger: logger)
            var ids: [Int64] = []
            for row in rows {
                BlockingBridge.beat()
                if let letter = row.letter {
                    try await connection.query("""
                        INSERT INTO breach_letters (breach_id, subject_id, channel, language, at, by)
                        VALUES (\(letter.breach), \(letter.subject), 'email', \(letter.language), \(now.millisecondsSinceEpoch), \(letter.by))
                        ON CONFLICT (breach_id, subject_id, channel) DO UPDATE SET language = excluded.language, at = excluded.at, by = excluded.by
                        """, logger: logger)
                }
                for try await inserted in try await connection.query(
                    "INSERT INTO outbox (kind, sealed, created_at) VALUES (\(row.kind), \(row.sealed), \(now.millisecondsSinceEpoch)) RETURNING id", logger: logger)
                    .decode(Int64.self) {
                    ids.append(inserted)
                }
            }
            return ids
        }
    }

    package func outboxRows(pendingOnly: Bool, limit: Int) throws -> [SealedOutboxRow] {
        try run { client, logger in
            var rows: [SealedOutboxRow] = []
            let query: PostgresQuery = pendingOnly
                ? "SELECT id, kind, sealed, created_at, sent_at, attempts, last_error FROM outbox WHERE sent_at IS NULL ORDER BY id DESC LIMIT \(limit)"
                : "SELECT id, kind, sealed, created_at, sent_at, attempts, last_error FROM outbox ORDER BY id DESC LIMIT \(limit)"
            for try await (id, kind, sealed, created, sent, attempts, error) in try await client.query(query, logger: logger)
                .decode((Int64, String, Data, Int64, Int64?, Int, String?).self) {
                BlockingBridge.beat()
                rows.append(SealedOutboxRow(id: id, kind: kind, sealed: sealed, createdAt: Instant(millisecondsSinceEpoch: created),
                                            sentAt: sent.map(Instant.init(millisecondsSinceEpoch:)), attempts: attempts, lastError: error))
            }
            return rows
        }
    }

    package func markOutbox(_ id: Int64, sentAt: Instant?, error: String?) throws {
        try run { client, logger in
            _ = try await client.query("UPDATE outbox SET sent_at = \(sentAt?.millisecondsSinceEpoch), attempts = attempts + 1, last_error = \(error) WHERE id = \(id)",
                                   logger: logger)
        }
    }
}
