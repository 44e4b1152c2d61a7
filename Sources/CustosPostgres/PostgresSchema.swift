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

    /// What a database holds: a vault (with its decision log) or a keyring. DESIGN §4 keeps
    /// the two apart, so each refuses a database that already holds the other.
    enum Role: Sendable {
        case vault, keyring

        var versionTable: String { self == .vault ? "custos_schema" : "custos_keyring_schema" }
        var other: Role { self == .vault ? .keyring : .vault }
        var migrations: [String] { self == .vault ? PostgresSchema.migrations : PostgresSchema.keyringMigrations }
    }

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

    /// The keyring, as on SQLite: wrapped keys, the erasure ledger, and the accounts of
    /// services and officers (only hashes and sealed secrets).
    static let keyringMigrations: [String] = [
        """
        CREATE TABLE keyring_meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE master_keys (
            version bigint PRIMARY KEY, source text NOT NULL, salt bytea, check_value bytea NOT NULL, created_at bigint NOT NULL, retired_at bigint);
        CREATE TABLE subject_keys (
            subject_id text PRIMARY KEY, key_version bigint NOT NULL, master_version bigint NOT NULL REFERENCES master_keys (version),
            wrapped bytea NOT NULL, pending boolean NOT NULL DEFAULT false);
        CREATE TABLE service_keys (
            name text PRIMARY KEY, master_version bigint NOT NULL REFERENCES master_keys (version), wrapped bytea NOT NULL, public_key bytea);
        CREATE TABLE erasure_ledger (
            id bigserial PRIMARY KEY, salted_hash bytea NOT NULL, field text, kept_for text, at bigint NOT NULL);
        CREATE INDEX erasure_ledger_hash ON erasure_ledger (salted_hash);
        CREATE TABLE service_accounts (
            name text PRIMARY KEY, actor text NOT NULL, token_hash bytea NOT NULL UNIQUE, created_at bigint NOT NULL, revoked_at bigint);
        CREATE TABLE officer_accounts (
            name text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL, totp_sealed bytea, totp_last_step bigint,
            failed_logins bigint NOT NULL DEFAULT 0, locked_until bigint, created_at bigint NOT NULL, removed_at bigint)
        """,
    ]

    static var latest: Int { migrations.count }

    static func migrate(_ connection: PostgresConnection, role: Role = .vault) async throws(PostgresStoreError) {
        let logger = PostgresDatabase.logger
        try await PostgresDatabase.mapErrors {
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
                let other = PostgresQuery(unsafeSQL: "SELECT to_regclass('\(role.other.versionTable)') IS NOT NULL")
                for try await holdsOther in try await connection.query(other, logger: logger).decode(Bool.self) where holdsOther {
                    throw PostgresStoreError.wrongDatabase(role == .keyring
                        ? "this database holds a Custos vault; the keyring must live in another database or on another server"
                        : "this database holds a Custos keyring; the vault must live in another database")
                }
                let table = role.versionTable, migrations = role.migrations
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE IF NOT EXISTS \(table) (version integer NOT NULL)"), logger: logger)
                var version = 0
                for try await found in try await connection.query(PostgresQuery(unsafeSQL: "SELECT coalesce(max(version), 0) FROM \(table)"), logger: logger).decode(Int.self) {
                    version = found
                }
                guard version <= migrations.count else { throw PostgresStoreError.newerSchema(found: version, supported: migrations.count) }
                for (index, migration) in migrations.enumerated() where index + 1 > version {
                    for statement in migration.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !statement.isEmpty {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (version) VALUES (\(index + 1))"), logger: logger)
                }
            }
        }
    }
}
