import Foundation
import Synchronization
internal import GRDB
internal import GRDBSQLite  // GRDB's own SQLite module (a product of GRDB.swift, see Package.swift)

/// Read-only SQLite connections held beside GRDB's pool, for the reads every request makes:
/// a subject's facts and ciphertexts in the vault, its key in the keyring, a service token.
///
/// A read through GRDB's pool hands the call to a reader's dispatch queue and checks the
/// schema version first: about 45,000 instructions, more than a statement itself. Here a
/// caller takes an idle connection (or opens one), steps a statement the connection keeps
/// prepared, and gives the connection back: no thread hand-off. One statement is its own
/// snapshot, so a read that must see several tables at one moment asks them in one
/// statement. A connection serves one caller at a time; at most `keptIdle` stay open when
/// idle. A connection that failed is closed, not given back.
///
/// The idle connections wait in slots taken and filled with one atomic exchange each, not
/// behind a lock: the server's sixteen engine threads and the library's blocked callers all
/// pass here on every read, and a `Mutex` (which spins before it sleeps) held by a thread
/// the scheduler had just preempted cost a fifth of the processor under 32 awaiting callers.
///
/// ```swift
/// static let wrappedKey = ReadQuery("SELECT wrapped FROM subject_keys WHERE subject_id = ?")
/// let readers = SQLiteReadConnections(path: "custos.keys.db")
/// try readers.each(wrappedKey, .text("D-1")) { row in … }
/// ```
final class SQLiteReadConnections: @unchecked Sendable {  // the slots are only touched atomically
    /// Absolute.
    let path: String
    /// Each 0 (empty) or an idle connection's retained pointer; owned by this object.
    private let slots: UnsafeMutablePointer<Atomic<UInt>>
    /// Connections exist only as many as callers read at once; this bounds how many of them
    /// stay open when idle. It was 16: 32 blocked callers, woken together by one group commit,
    /// then opened and closed a connection each beyond the sixteenth on every round, and each
    /// opening parses the whole schema (with its fact-generation triggers), under SQLite's
    /// allocator lock: a third of the 32-caller row's reads per second went there.
    private static let keptIdle = 64

    /// `path` is made absolute now: the pool opened it relative to today's working directory,
    /// and a connection opened later must find the same file.
    init(path: String) {
        self.path = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        slots = .allocate(capacity: Self.keptIdle)
        for index in 0..<Self.keptIdle { (slots + index).initialize(to: Atomic<UInt>(0)) }
    }

    deinit {
        // No caller is inside: each holds a reference to this object while it reads.
        for index in 0..<Self.keptIdle {
            let bits = slots[index].exchange(0, ordering: .acquiring)
            if bits != 0 { Self.connection(bits).release() }
        }
        slots.deinitialize(count: Self.keptIdle)
        slots.deallocate()
    }

    /// Steps `query` with `argument` on an idle connection and calls `body` for each row.
    func each(_ query: ReadQuery, _ argument: SQLiteRows.SQLiteArgument?, _ body: (SQLiteRows) throws -> Void) throws {
        try withConnection { connection in try connection.each(query, argument, body) }
    }

    private func withConnection<T>(_ body: (ReadConnection) throws -> T) throws -> T {
        let connection = try takeIdle() ?? ReadConnection(path: path)
        // A throw leaves the connection (and the statement it was stepping) to be closed by its deinit
        // rather than given back.
        let value = try body(connection)
        giveBack(connection)
        return value
    }

    private static func connection(_ bits: UInt) -> Unmanaged<ReadConnection> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)
    }

    /// An idle connection, now the caller's alone; nil when every slot is empty.
    private func takeIdle() -> ReadConnection? {
        for index in 0..<Self.keptIdle where slots[index].load(ordering: .relaxed) != 0 {
            let bits = slots[index].exchange(0, ordering: .acquiringAndReleasing)
            if bits != 0 { return Self.connection(bits).takeRetainedValue() }
        }
        return nil
    }

    /// How many connections wait idle now (for tests).
    var idleCount: Int {
        (0..<Self.keptIdle).count { slots[$0].load(ordering: .relaxed) != 0 }
    }

    /// Puts the connection in an empty slot, or closes it when `keptIdle` are idle already.
    private func giveBack(_ connection: ReadConnection) {
        let bits = UInt(bitPattern: Unmanaged.passRetained(connection).toOpaque())
        for index in 0..<Self.keptIdle where slots[index].load(ordering: .relaxed) == 0 {
            if slots[index].compareExchange(expected: 0, desired: bits, ordering: .acquiringAndReleasing).exchanged { return }
        }
        Self.connection(bits).release()
    }
}

/// One read-only connection and the statements it keeps prepared. Not shared: it belongs to
/// the caller that took it from `SQLiteReadConnections` until it is given back, so the
/// unchecked `Sendable` only lets it wait in the idle list.
final class ReadConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// By `ReadQuery.slot`.
    private var statements: [OpaquePointer?] = []

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
        for case let statement? in statements { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Steps `query`, prepared once per connection, and calls `body` for each row.
    func each(_ query: ReadQuery, _ argument: SQLiteRows.SQLiteArgument?, _ body: (SQLiteRows) throws -> Void) throws {
        try SQLiteRows.each(statement(query), sql: query.sql, argument, body)
    }

    private func statement(_ query: ReadQuery) throws -> OpaquePointer {
        if query.slot < statements.count, let statement = statements[query.slot] { return statement }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, query.sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw SQLiteRows.error(code, sql: query.sql) }
        if query.slot >= statements.count { statements += Array(repeating: nil, count: query.slot - statements.count + 1) }
        statements[query.slot] = statement
        return statement
    }
}

/// A statement the read connections keep prepared. Each has a slot of its own, given when it
/// is made (queries are made once, as static constants), so a connection finds its prepared
/// statement by index rather than by hashing the text.
struct ReadQuery: Sendable {
    let sql: String
    let slot: Int
    private static let slots = Atomic<Int>(0)

    init(_ sql: String) {
        self.sql = sql
        slot = Self.slots.add(1, ordering: .relaxed).oldValue
    }
}
