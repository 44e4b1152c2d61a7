internal import GRDB

/// Transactions whose `BEGIN` and `COMMIT` stay prepared in the connection's statement cache,
/// for the paths every logged decision takes. GRDB's `read` and `write` give the same
/// isolation but prepare both statements anew on every call and wrap them in savepoint
/// bookkeeping: before this, a sixth of a gated read's instructions.
extension DatabasePool {
    /// A read in one snapshot (`BEGIN DEFERRED`), for the facts and ciphertexts every gated
    /// access reads.
    ///
    /// ```swift
    /// let facts = try pool.snapshotRead { db in try vault.loadFacts(db, subject: "D-1") }
    /// ```
    func snapshotRead<T>(_ body: (Database) throws -> T) throws -> T {
        try unsafeRead { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            let value: T
            do {
                value = try body(db)
                try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            } catch {
                // The connection must not go back to the pool inside the old snapshot.
                if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
                throw error
            }
            return value
        }
    }

    /// A write transaction (`BEGIN IMMEDIATE`: the write lock is taken up front, so another
    /// process waits at the start under the busy timeout rather than failing at the commit).
    /// A failed body or commit rolls back and throws: nothing of it is kept.
    ///
    /// ```swift
    /// let seq = try pool.preparedWrite { db in try DecisionLog.insert(entry, into: db) }
    /// ```
    func preparedWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in
            try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
            do {
                let value = try body(db)
                try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
                return value
            } catch {
                // SQLite may have rolled back already (a full disk); then there is nothing to undo.
                if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
                throw error
            }
        }
    }
}
