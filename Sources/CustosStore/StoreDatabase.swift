import Foundation
internal import GRDB

/// Opens one SQLite file as a GRDB `DatabasePool` with the settings DESIGN §4 requires, and
/// checks that SQLite accepted them: WAL, `synchronous=FULL`, `foreign_keys=ON`,
/// `secure_delete=ON`, a busy timeout so two processes wait for each other instead of
/// failing with SQLITE_BUSY.
enum StoreDatabase {
    static let busyTimeout: TimeInterval = 10

    static func open(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB lowers the writer to synchronous=NORMAL when it turns WAL on; the decision
            // log and ledgers must be durable at commit, so the writer goes back to FULL.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError.from(error, doing: "open \(path)")
        }
        try assertPragmas(pool)
        return pool
    }

    /// The settings as SQLite reports them on a writer and a reader connection.
    static func pragmas(_ pool: DatabasePool) throws -> [String: String] {
        func read(_ db: Database) throws -> [String: String] {
            var values: [String: String] = [:]
            for pragma in ["journal_mode", "synchronous", "foreign_keys", "secure_delete", "busy_timeout"] {
                values[pragma] = try String.fetchOne(db, sql: "PRAGMA \(pragma)") ?? ""
            }
            return values
        }
        return try pool.writeWithoutTransaction { try read($0) }
    }

    static func assertPragmas(_ pool: DatabasePool) throws {
        let values = try pragmas(pool)
        let expected = ["journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "secure_delete": "1"]
        for (pragma, value) in expected where values[pragma]?.lowercased() != value {
            throw StoreError.pragmaNotSet("\(pragma)=\(value)")
        }
        guard let timeout = values["busy_timeout"].flatMap(Int.init), timeout > 0 else {
            throw StoreError.pragmaNotSet("busy_timeout")
        }
    }
}
