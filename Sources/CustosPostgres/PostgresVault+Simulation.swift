import Foundation
import PostgresNIO

/// `custos demo --db postgres://…`: an earlier simulation in the database is replaced, as an
/// earlier demo's SQLite file is; a real vault (or a keyring) is never touched.
extension PostgresVault {
    /// Empties a database that holds a simulation vault, or the schema of an init that never
    /// recorded its settings and holds no subject; an empty database is left as it is. Returns
    /// whether it held a simulation (which vouches for the demo folder's key and keyring; an
    /// unfinished init does not say whose it was). Runs under the migration lock, so a server
    /// starting on the database meanwhile waits and then finds it empty or fresh.
    ///
    /// ```swift
    /// _ = try PostgresVault.discardSimulation(at: address)   // then PostgresEngine.initialise(…, simulation: true)
    /// ```
    package static func discardSimulation(at address: PostgresAddress) throws -> Bool {
        let database = try BlockingBridge.wait { try await PostgresDatabase.open(address, role: .vault, connections: 1, migrate: false) }
        defer { database.close() }
        let tables = PostgresSchema.tables(of: .vault) + [PostgresSchema.Role.vault.versionTable]
        return try PostgresDatabase.blocking(database.client) { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
                func exists(_ table: String) async throws -> Bool {
                    for try await found in try await connection.query("SELECT to_regclass(\(table)) IS NOT NULL", logger: logger).decode(Bool.self) {
                        return found
                    }
                    return false
                }
                if try await exists(PostgresSchema.Role.keyring.versionTable) {
                    throw PostgresStoreError.wrongDatabase("this database holds a Custos keyring; custos demo never touches it")
                }
                guard try await exists(PostgresSchema.Role.vault.versionTable) else { return false }
                var meta: [String: String] = [:]
                if try await exists("vault_meta") {
                    for try await (key, value) in try await connection.query("SELECT key, value FROM vault_meta", logger: logger).decode((String, String).self) {
                        meta[key] = value
                    }
                }
                var subjects = 0
                if try await exists("subjects") {
                    for try await count in try await connection.query("SELECT count(*)::bigint FROM subjects", logger: logger).decode(Int64.self) {
                        subjects = Int(count)
                    }
                }
                let unfinishedInit = meta["vault-id"] == nil && subjects == 0
                guard meta["simulation"] == "true" || unfinishedInit else {
                    throw PostgresStoreError.wrongDatabase("this database holds a Custos vault that is not a simulation; custos demo never touches a real vault")
                }
                let list = tables.joined(separator: ", ")
                try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(list) CASCADE"), logger: logger)
                try await connection.query("DROP FUNCTION IF EXISTS custos_append_only() CASCADE", logger: logger)
                return meta["simulation"] == "true"
            }
        }
    }
}

extension PostgresSchema {
    /// The tables a role's migrations create, in order.
    static func tables(of role: Role) -> [String] {
        role.migrations.flatMap { migration in
            statements(of: migration).compactMap { statement -> String? in
                let words = statement.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" })
                guard words.count > 2, words[0] == "CREATE", words[1] == "TABLE", words[2] != "IF" else { return nil }
                return String(words[2])
            }
        }
    }
}
