import Foundation
internal import GRDB

/// Opens one SQLite file as a GRDB `DatabasePool` with the settings DESIGN §4 requires, and
/// checks that SQLite accepted them: WAL, `synchronous=FULL`, `foreign_keys=ON`,
/// `secure_delete=ON`, a busy timeout so two processes wait for each other instead of
/// failing with SQLITE_BUSY, and a ceiling on the write-ahead log's file.
enum StoreDatabase {
    static let busyTimeout: TimeInterval = 10
    /// What the write-ahead log's file may keep once SQLite starts it over. Without a ceiling the
    /// file stays as large as the largest transaction it ever held (an import, a migration, a
    /// sweep) for as long as a connection is open, and past a process that exits without closing
    /// (every CLI command): the keyring's v9 rebuild of 1,000,000 keys left 222 MB there, and the
    /// stale frames beyond the log's end hold old page images. The everyday cycle stays far
    /// below it (about 7 MB under 32 callers, BENCHMARKS.md "The decision log in a file of its
    /// own, measured again"), so no commit pays for the truncation but the first after a peak.
    static let walSizeLimit = 64 * 1024 * 1024

    static func open(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA journal_size_limit = \(walSizeLimit)")
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

    /// Brings the file's schema up to date, and when that ran anything, empties the write-ahead
    /// log it went through: a rebuild (the vault's v18 copied every subject and field) leaves a
    /// log as large as the tables it wrote, which SQLite keeps until the last connection closes
    /// cleanly. Best effort: the checkpoint gives up on a reader another process keeps open,
    /// and the upgraded file is whole either way.
    static func migrate(_ pool: DatabasePool, with migrator: DatabaseMigrator) throws {
        let upgrading = try pool.read { db in try !migrator.hasCompletedMigrations(db) }
        try migrator.migrate(pool)
        if upgrading { try? pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) } }
    }

    /// The settings as SQLite reports them on a writer and a reader connection.
    static func pragmas(_ pool: DatabasePool) throws -> [String: String] {
        func read(_ db: Database) throws -> [String: String] {
            var values: [String: String] = [:]
            for pragma in ["journal_mode", "synchronous", "foreign_keys", "secure_delete", "busy_timeout", "journal_size_limit"] {
                values[pragma] = try String.fetchOne(db, sql: "PRAGMA \(pragma)") ?? ""
            }
            return values
        }
        return try pool.writeWithoutTransaction { try read($0) }
    }

    static func assertPragmas(_ pool: DatabasePool) throws {
        let values = try pragmas(pool)
        let expected = ["journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "secure_delete": "1",
                        "journal_size_limit": String(walSizeLimit)]
        for (pragma, value) in expected where values[pragma]?.lowercased() != value {
            throw StoreError.pragmaNotSet("\(pragma)=\(value)")
        }
        guard let timeout = values["busy_timeout"].flatMap(Int.init), timeout > 0 else {
            throw StoreError.pragmaNotSet("busy_timeout")
        }
    }
}
