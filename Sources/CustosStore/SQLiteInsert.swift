import Foundation
internal import GRDB
internal import GRDBSQLite  // GRDB's own SQLite module (a product of GRDB.swift, see Package.swift)

/// Values bound straight into one of GRDB's cached statements and executed through the SQLite
/// C API, for the one write every logged decision makes (its log row): GRDB's
/// `StatementArguments` box each of the thirteen values as an existential first.
///
/// ```swift
/// var insert = SQLiteInsert(try db.cachedStatement(sql: "INSERT INTO t (a, b) VALUES (?, ?)"))
/// insert.bind(1, 42)
/// insert.bind(2, "text")
/// try insert.execute()
/// ```
struct SQLiteInsert {
    private let statement: Statement
    private let handle: OpaquePointer
    private var failure: Int32 = SQLITE_OK

    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// SQLITE_TRANSIENT: SQLite copies the value before the caller's buffer goes away.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ index: Int32, _ value: Int64) { check(sqlite3_bind_int64(handle, index, value)) }

    mutating func bind(_ index: Int32, _ value: String?) {
        guard let text = value else { return check(sqlite3_bind_null(handle, index)) }
        // `withCString` gives an empty string a pointer too (a NULL pointer would bind NULL).
        check(text.withCString { sqlite3_bind_text(handle, index, $0, Int32(text.utf8.count), Self.transient) })
    }

    mutating func bind(_ index: Int32, _ bytes: [UInt8]) {
        // An empty blob is still a blob, not NULL (which a NULL pointer would bind).
        guard !bytes.isEmpty else { return check(sqlite3_bind_zeroblob(handle, index, 0)) }
        check(bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) })
    }

    /// Binds text that SQLite reads in place, without its copy (SQLITE_STATIC): `bytes` must
    /// stay valid until `execute()` has returned (it resets the statement and clears its
    /// bindings), so bind and execute inside the closure that lends the buffer. A slice of
    /// length 0 of a buffer still has an address, so an empty text binds as empty, not NULL.
    mutating func bind(_ index: Int32, borrowedText bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return check(sqlite3_bind_text(handle, index, "", 0, Self.transient)) }
        check(base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(handle, index, $0, Int32(bytes.count), nil) })
    }

    /// Binds a blob SQLite reads in place; the same lifetime rule as `bind(_:borrowedText:)`.
    mutating func bind(_ index: Int32, borrowedBlob bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return check(sqlite3_bind_zeroblob(handle, index, 0)) }
        check(sqlite3_bind_blob(handle, index, base, Int32(bytes.count), nil))
    }

    private mutating func check(_ code: Int32) {
        if code != SQLITE_OK, failure == SQLITE_OK { failure = code }
    }

    /// Runs the statement once; throws GRDB's `DatabaseError` for a failed bind or step.
    func execute() throws {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard failure == SQLITE_OK else { throw error(failure) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errstr(code)), sql: statement.sql)
    }
}
