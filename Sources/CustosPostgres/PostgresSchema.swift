import Foundation
import PostgresNIO

/// The PostgreSQL schema, versioned and forward-only. Every starting process runs `migrate`:
/// the first takes the advisory lock and applies what is missing, the others wait for it and
/// find nothing to do. A database whose version is newer than this Custos knows is refused.
enum PostgresSchema {
    /// An arbitrary constant shared by every Custos process: the lock migrations run under.
    static let migrationLock: Int64 = 0x4375_7374_6F73_0001
    /// The lock appends to the decision log are serialised under (one chain, no fork).
    static let logLock: Int64 = 0x4375_7374_6F73_0002

    static let migrations: [String] = [
        // v1: the decision log, as on SQLite; hashes are BLAKE2b over the same canonical form.
        """
        CREATE TABLE decision_log (
            seq bigint PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL, purpose text NOT NULL,
            subject_id text NOT NULL, recipient text, fields text NOT NULL, outcome text NOT NULL, codes text NOT NULL,
            policy_digest text NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL);
        CREATE INDEX decision_log_subject ON decision_log (subject_id, seq);
        """,
    ]

    static var latest: Int { migrations.count }

    static func migrate(_ connection: PostgresConnection) async throws(PostgresStoreError) {
        try await PostgresDatabase.mapErrors {
            try await connection.withTransaction(logger: PostgresDatabase.logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: PostgresDatabase.logger)
                try await connection.query("CREATE TABLE IF NOT EXISTS custos_schema (version integer NOT NULL)", logger: PostgresDatabase.logger)
                var version = 0
                for try await found in try await connection.query("SELECT coalesce(max(version), 0) FROM custos_schema", logger: PostgresDatabase.logger).decode(Int.self) {
                    version = found
                }
                guard version <= latest else { throw PostgresStoreError.newerSchema(found: version, supported: latest) }
                for (index, migration) in migrations.enumerated() where index + 1 > version {
                    for statement in migration.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !statement.isEmpty {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresDatabase.logger)
                    }
                    try await connection.query("INSERT INTO custos_schema (version) VALUES (\(index + 1))", logger: PostgresDatabase.logger)
                }
            }
        }
    }
}
