import Logging
import NIOSSL
package import PostgresNIO
import CustosStore

/// One process's connection pool to a PostgreSQL vault, checked before first use: the server
/// must make a commit durable before it is acknowledged (`fsync` on, `synchronous_commit` not
/// `off`) and must not write statement values into its own log, and the schema is migrated
/// under an advisory lock so servers starting together cannot race.
///
/// ```swift
/// let database = try await PostgresDatabase.open(PostgresAddress(parsing: url, environment: env))
/// defer { database.close() }
/// ```
package final class PostgresDatabase: Sendable {
    package let client: PostgresClient
    package let address: PostgresAddress
    private let running: Task<Void, Never>
    /// postgres-nio's own lines, errors only: it logs every failed connection attempt at info,
    /// and a server without its database says so in its own JSON lines (/readyz, 503s).
    static let logger: Logger = {
        var logger = Logger(label: "custos.postgres")
        logger.logLevel = .error
        return logger
    }()

    private init(client: PostgresClient, address: PostgresAddress) {
        self.client = client
        self.address = address
        running = Task { await client.run() }
    }

    /// Connects, checks the server's settings and migrates the schema. The checks run on one
    /// connection of their own first, so a wrong address, password or setting is a clear error
    /// at once rather than a pool that keeps retrying.
    package static func open(_ address: PostgresAddress, connections: Int = 4) async throws(PostgresStoreError) -> PostgresDatabase {
        try await open(address, role: .vault, connections: connections)
    }

    /// Connects and checks the server's settings; `migrate` (the default) brings the role's
    /// schema up to date, and a caller that only looks (is there a keyring here?) leaves the
    /// database as it found it.
    static func open(_ address: PostgresAddress, role: PostgresSchema.Role, connections: Int, migrate: Bool = true) async throws(PostgresStoreError) -> PostgresDatabase {
        // The pool starts running first, so it is ready by the time the checks below are done.
        var configuration = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.user, password: address.password, database: address.database,
            tls: address.isLoopback ? .disable : .require(.makeClientConfiguration()))
        configuration.options.maximumConnections = connections
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(60)
        let database = PostgresDatabase(client: PostgresClient(configuration: configuration, backgroundLogger: logger), address: address)
        let first: PostgresConnection
        do {
            first = try await mapErrors {
                try await PostgresConnection.connect(
                    configuration: .init(host: address.host, port: address.port, username: address.user, password: address.password,
                                         database: address.database,
                                         tls: address.isLoopback ? .disable : .require(try NIOSSLContext(configuration: .makeClientConfiguration()))),
                    id: 0, logger: logger)
            }
        } catch {
            database.close()
            throw error
        }
        do {
            try await checkSettings(first)
            if migrate { try await PostgresSchema.migrate(first, role: role) }
            try? await first.close()
        } catch {
            try? await first.close()
            database.close()
            throw error
        }
        return database
    }

    package func close() { running.cancel() }

    /// Durability before acknowledgement, and no values in the server's log.
    private static func checkSettings(_ connection: PostgresConnection) async throws(PostgresStoreError) {
        let fsync = try await setting(connection, "fsync")
        guard fsync == "on" else { throw .unsafeSetting("fsync is \(fsync) on the PostgreSQL server: a crash would lose acknowledged decisions") }
        let synchronous = try await setting(connection, "synchronous_commit")
        guard synchronous != "off" else {
            throw .unsafeSetting("synchronous_commit is off: a commit would be acknowledged before it is durable; set it to on")
        }
        let statements = try await setting(connection, "log_statement")
        guard statements == "none" || statements == "ddl" else {
            throw .unsafeSetting("log_statement is \(statements): the server would log statements with their values; set it to none or ddl")
        }
        let slow = try await setting(connection, "log_min_duration_statement")
        let parameters = try await setting(connection, "log_parameter_max_length")
        guard slow == "-1" || parameters == "0" else {
            throw .unsafeSetting("log_min_duration_statement is \(slow) with log_parameter_max_length \(parameters): slow statements would be logged with their values; set log_parameter_max_length = 0")
        }
        let onError = try await setting(connection, "log_parameter_max_length_on_error")
        guard onError == "0" else {
            throw .unsafeSetting("log_parameter_max_length_on_error is \(onError): a failed statement would be logged with its values; set it to 0")
        }
    }

    private static func setting(_ connection: PostgresConnection, _ name: String) async throws(PostgresStoreError) -> String {
        try await mapErrors {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT current_setting($1)", binds: binds(name)), logger: logger)
            for try await value in rows.decode(String.self) { return value }
            throw PostgresStoreError.unavailable("no value for \(name)")
        }
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    /// Runs a database call, turning postgres-nio's errors into `PostgresStoreError`s that
    /// name the cause (the server's message, or the connection's) and never a statement's values.
    static func mapErrors<T>(_ body: () async throws -> T) async throws(PostgresStoreError) -> T {
        do {
            return try await body()
        } catch {
            throw mapped(error)
        }
    }

    /// postgres-nio's error in words: the server's message, or the connection's.
    static func mapped(_ error: any Error) -> PostgresStoreError {
        switch error {
        case let error as PostgresStoreError: return error
        case let error as PSQLError: return refusedByTheData(error) ? .refused(describe(error)) : .unavailable(describe(error))
        case let error as PostgresTransactionError:
            if error.commitError != nil { return .commitUnknown }
            let cause = error.closureError ?? error.beginError ?? error.rollbackError
            if let own = cause as? PostgresStoreError { return own }
            if let cause = cause as? PSQLError, refusedByTheData(cause) { return .refused(describe(cause)) }
            return .unavailable((cause as? PSQLError).map(describe) ?? "the transaction failed")
        default: return .unavailable(String(describing: type(of: error)))
        }
    }

    /// Whether the server refused a statement for what it held (SQLSTATE classes 22 data
    /// exception, 23 integrity constraint, P0 a PL/pgSQL `RAISE`) rather than for an outage,
    /// a login or a conflict a retry resolves (08, 28, 40, 53, 57, …).
    static func refusedByTheData(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return ["22", "23", "P0"].contains(String(state.prefix(2)))
    }

    /// The server's word on a failed statement, for an error message and a log line: its
    /// SQLSTATE and message. A data exception's (class 22) message can quote the value it
    /// refused (`invalid input syntax for type bigint: "…"`), so only its code is kept; the
    /// other classes' messages name constraints, columns and tables, never a value (the values
    /// are in DETAIL, which is never read).
    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState]
            if let state, state.hasPrefix("22") { return "[\(state)] the server refused a value of the statement (data exception)" }
            return [state.map { "[\($0)]" }, message].compactMap { $0 }.joined(separator: " ")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    /// Runs `body` for a synchronous caller (the engine's store calls) within `deadline`. A
    /// rule of the store that refused (a `StoreError`, also from inside a transaction) is the
    /// answer; a lost server, an unknown commit or the deadline is `StoreError.unavailable`
    /// (deny, 503); anything else the server said is a `PostgresStoreError` naming it.
    static func blocking<T>(_ client: PostgresClient, deadline: Duration? = BlockingBridge.deadline,
                            _ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T) throws -> T {
        do {
            return try BlockingBridge.wait(deadline: deadline) {
                do {
                    return try await body(client, logger)
                } catch let error as PostgresTransactionError {
                    if error.commitError == nil, let refusal = error.closureError as? StoreError { throw refusal }
                    throw error
                }
            }
        } catch {
            throw storeError(error)
        }
    }

    /// The error a store call throws: a store rule's refusal as it is; a lost server, an
    /// unknown commit or a passed deadline as `StoreError.unavailable`; anything else as the
    /// `PostgresStoreError` that names it.
    static func storeError(_ error: any Error) -> any Error {
        if let refusal = error as? StoreError { return refusal }
        let mapped = mapped(error)
        switch mapped {
        case .unavailable, .commitUnknown: return StoreError.unavailable(mapped.description)
        // As SQLite's refusals are: a storage error naming the statement's fault, never a value.
        case .refused: return StoreError.io(mapped.description)
        default: return mapped
        }
    }

    /// Whether a statement with `RETURNING 1` touched a row (an insert that did not conflict,
    /// an update that matched).
    static func touched(_ rows: PostgresRowSequence) async throws -> Bool {
        var touched = false
        for try await _ in rows.decode(Int.self) { touched = true }
        return touched
    }
}
