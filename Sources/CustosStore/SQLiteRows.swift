import Foundation
internal import GRDB
internal import GRDBSQLite  // GRDB's own SQLite module (a product of GRDB.swift, see Package.swift)

/// The rows of a prepared statement (one of GRDB's cached ones, or one a read connection of our
/// own keeps: `SQLiteReadConnections`), stepped through the SQLite C API.
///
/// Every gated read runs the same few statements (the subject row, its events, its fields);
/// GRDB's generic `Row` subscripts cost more than the statements themselves there (optional
/// values decoded through run-time generic metadata, a `DatabaseValue` per column). A GRDB
/// statement stays GRDB's (prepared once per connection, in its cache); only the stepping and
/// the column reads go underneath. The statement is reset before and after, so GRDB finds it
/// as it left it.
///
/// ```swift
/// try SQLiteRows.each(db.cachedStatement(sql: "SELECT field FROM fields WHERE subject_id = ?"), subject) { row in
///     names.append(row.text(0) ?? "")
/// }
/// ```
struct SQLiteRows {
    private let handle: OpaquePointer

    /// The value bound to a statement's one parameter.
    enum SQLiteArgument {
        case text(String)
        case blob(Data)
    }

    /// Binds `argument` (if any) to the statement's only parameter and calls `body` for each row.
    static func each(_ statement: Statement, _ argument: String? = nil, _ body: (SQLiteRows) throws -> Void) throws {
        // `Statement.sql` trims the text with Foundation on every call: asked for only on failure.
        try each(statement.sqliteStatement, sql: statement.sql, argument.map(SQLiteArgument.text), body)
    }

    /// The same over a statement prepared outside GRDB (`SQLiteReadConnections`).
    static func each(_ handle: OpaquePointer, sql: @autoclosure () -> String, _ argument: SQLiteArgument?, _ body: (SQLiteRows) throws -> Void) throws {
        sqlite3_reset(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        // SQLITE_TRANSIENT: SQLite copies the value before the buffer goes away.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let bound: Int32
        switch argument {
        case nil:
            bound = SQLITE_OK
        case let .text(text):
            bound = text.withCString { sqlite3_bind_text(handle, 1, $0, Int32(text.utf8.count), transient) }
        case let .blob(bytes) where bytes.isEmpty:
            bound = sqlite3_bind_zeroblob(handle, 1, 0)  // an empty blob, not NULL
        case let .blob(bytes):
            bound = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, 1, $0.baseAddress, Int32($0.count), transient) }
        }
        guard bound == SQLITE_OK else { throw error(bound, sql: sql()) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code, sql: sql()) }
            try body(SQLiteRows(handle: handle))
        }
    }

    static func error(_ code: Int32, sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errstr(code)), sql: sql)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as text, `nil` when it is NULL.
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    /// Newline-joined text (the schema's lists) as its lines, `nil` when NULL. Most lists hold
    /// one item, which needs no split.
    func lines(_ column: Int32) -> [String]? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0 else { return [] }
        let text = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        // `memchr` on SQLite's bytes rather than a walk over the String: most lists have no
        // newline. A list that has one is split as Strings split (a "\r\n" is one Character).
        guard memchr(bytes, 0x0A, count) != nil else { return [text] }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// A boolean column; NULL reads as `whenNull`.
    func bool(_ column: Int32, whenNull: Bool) -> Bool { isNull(column) ? whenNull : sqlite3_column_int64(handle, column) != 0 }

    /// The column as bytes, `nil` when it is NULL.
    func blob(_ column: Int32) -> Data? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }
}
