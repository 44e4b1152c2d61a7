import Foundation
import Synchronization
internal import GRDB
#if canImport(GRDBSQLite)
internal import GRDBSQLite
#else
internal import SQLite3
#endif

/// Read-only SQLite connections held beside GRDB's pool, for the one-statement reads every
/// request makes of the keyring (a subject's key on every gated read, a service token on every
/// server request).
///
/// A read through GRDB's pool hands the call to a reader's dispatch queue and checks the
/// schema version first: about 45,000 instructions, more than the statement itself. Here a
/// caller takes an idle connection (or opens one), steps a statement the connection keeps
/// prepared, and gives the connection back: no thread hand-off, no transaction (one statement
/// is its own snapshot). A connection serves one caller at a time; at most `keptIdle` stay open
/// when idle. A connection that failed is closed, not given back.
///
/// ```swift
/// let readers = SQLiteReadConnections(path: "custos.keys.db")
/// try readers.each("SELECT wrapped FROM subject_keys WHERE subject_id = ?", .text("D-1")) { row in … }
/// ```
final class SQLiteReadConnections: Sendable {
    private let path: String
    private let idle = Mutex<[ReadConnection]>([])
    private static let keptIdle = 16

    init(path: String) {
        self.path = path
    }

    /// Steps `sql` with `argument` on an idle connection and calls `body` for each row.
    func each(_ sql: String, _ argument: SQLiteRows.SQLiteArgument?, _ body: (SQLiteRows) throws -> Void) throws {
        try withConnection { connection in try connection.each(sql, argument, body) }
    }

    /// Several statements in one snapshot (`BEGIN DEFERRED` … `COMMIT`) on one connection.
    func snapshot<T>(_ body: (ReadConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try connection.each("BEGIN DEFERRED TRANSACTION", nil) { _ in }
            let value = try body(connection)
            try connection.each("COMMIT TRANSACTION", nil) { _ in }
            return value
        }
    }

    private func withConnection<T>(_ body: (ReadConnection) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? ReadConnection(path: path)
        // A throw leaves the connection (and any snapshot it was in) to be closed by its deinit
        // rather than given back.
        let value = try body(connection)
        idle.withLock { idle in
            if idle.count < Self.keptIdle { idle.append(connection) }
        }
        return value
    }
}

/// One read-only connection and the statements it keeps prepared. Not shared: it belongs to
/// the caller that took it from `SQLiteReadConnections` until it is given back, so the
/// unchecked `Sendable` only lets it wait in the idle list.
final class ReadConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            sqlite3_close_v2(handle)
            throw SQLiteRows.error(code, sql: "open")
        }
        self.handle = handle
        // Another process's writer holds the lock briefly at a commit: wait as the pool does.
        sqlite3_busy_timeout(handle, Int32(StoreDatabase.busyTimeout * 1000))
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Steps `sql`, prepared once per connection, and calls `body` for each row.
    func each(_ sql: String, _ argument: SQLiteRows.SQLiteArgument?, _ body: (SQLiteRows) throws -> Void) throws {
        try SQLiteRows.each(statement(sql), sql: sql, argument, body)
    }

    private func statement(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw SQLiteRows.error(code, sql: sql) }
        statements[sql] = statement
        return statement
    }
}
