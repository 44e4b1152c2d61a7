import Foundation
import PostgresNIO
package import CustosStore
import CustosPolicy
import CustosDecision

/// The Art. 14 information duty's records on PostgreSQL (`InformationStore`), as on SQLite.
extension PostgresVault: InformationStore {
    package func recordInformation(_ records: [InformationRecord]) throws {
        try transaction { connection, logger in
            for record in records {
                BlockingBridge.beat()
                let inserted = try await connection.query("""
                    INSERT INTO information_given (subject_id, notice, given_at, exception, ground, channel, recorded_at, recorded_by)
                    SELECT id, \(record.notice), \(record.at.millisecondsSinceEpoch), \(record.exception?.rawValue), \(record.ground), \(record.channel),
                           \(record.recordedAt.millisecondsSinceEpoch), \(record.recordedBy) FROM subjects WHERE id = \(record.subject)
                    RETURNING 1
                    """, logger: logger)
                guard try await PostgresDatabase.touched(inserted) else { throw StoreError.invalidInput("no subject \(record.subject) in the vault") }
            }
        }
    }

    package func informationRecords(of subject: String?) throws -> [InformationRecord] {
        try run { client, logger in
            var bindings = PostgresBindings()
            var sql = "SELECT subject_id, notice, given_at, exception, ground, channel, recorded_at, recorded_by FROM information_given"
            if let subject {
                bindings.append(subject)
                sql += " WHERE subject_id = $1"
            }
            var records: [InformationRecord] = []
            for try await (subject, notice, at, exception, ground, channel, recorded, by) in try await client.query(
                PostgresQuery(unsafeSQL: sql + " ORDER BY id", binds: bindings), logger: logger)
                .decode((String, String, Int64, String?, String?, String?, Int64, String).self) {
                BlockingBridge.beat()
                records.append(InformationRecord(subject: subject, notice: notice, at: Instant(millisecondsSinceEpoch: at),
                                                 exception: exception.flatMap(InformationException.init(rawValue:)), ground: ground, channel: channel,
                                                 recordedAt: Instant(millisecondsSinceEpoch: recorded), recordedBy: by))
            }
            return records
        }
    }

    package func informationTasks() throws -> [InformationTask] {
        try run { client, logger in
            var tasks: [InformationTask] = []
            for try await (subject, notice, purpose, trigger, recipient, at, seq) in try await client.query(
                "SELECT subject_id, notice, purpose, trigger, recipient, at, seq FROM information_tasks ORDER BY at, subject_id COLLATE \"C\"", logger: logger)
                .decode((String, String, String, String, String?, Int64, Int64?).self) {
                BlockingBridge.beat()
                tasks.append(InformationTask(subject: subject, notice: notice, purpose: purpose, trigger: InformationTask.Trigger(rawValue: trigger) ?? .disclosure,
                                             recipient: recipient, at: Instant(millisecondsSinceEpoch: at), logSequence: seq))
            }
            return tasks
        }
    }

    package func indirectHoldings(provenances: [String]) throws -> [IndirectHolding] {
        guard !provenances.isEmpty else { return [] }
        return try run { client, logger in
            var holdings: [IndirectHolding] = []
            for try await (subject, category, others, field, source, collected) in try await client.query("""
                SELECT f.subject_id, s.category, (SELECT string_agg(category, E'\\n' ORDER BY added_at, category COLLATE "C") FROM subject_categories WHERE subject_id = s.id),
                       f.field, f.source, f.collected_at
                FROM fields f JOIN subjects s ON s.id = f.subject_id WHERE f.source = ANY(\(provenances))
                ORDER BY f.subject_id COLLATE "C", f.field COLLATE "C"
                """, logger: logger).decode((String, String, String?, String, String, Int64).self) {
                BlockingBridge.beat()
                holdings.append(IndirectHolding(subject: subject, categories: [category] + (Self.lines(others) ?? []), field: field, source: source,
                                                collectedAt: Instant(millisecondsSinceEpoch: collected)))
            }
            return holdings
        }
    }
}
