internal import GRDB
internal import CustosPolicy

/// One subject's entries in the SQLite decision log, found without reading the whole log, from
/// an index kept behind the log rather than on it.
///
/// An index on the log itself costs every logged decision. On `(subject_id, seq)` each append
/// dirties a page somewhere across it, since a log's entries are about people drawn at random:
/// appends in groups of about 680 fell from 164–202 k/s to 52–58 k/s. Led by the entry's block
/// of sequence numbers, `((seq >> 8), subject_id)`, it stays local, yet still cost 19–25 % of
/// the group commit's throughput and about 15 µs of a gated read alone (alternated runs, 4
/// December), the row issue 20 already misses.
///
/// So `log_subject_blocks` holds `(block, subject_id, seq)` for the entries up to a mark, and is
/// brought up to the log's head in transactions of 4,096 entries (`catchUp`) by `custos serve`
/// every few seconds and by `custos audit checkpoint`, never by an append. Its rows go in
/// block order, so a catch-up touches only the newest blocks' pages. A subject's trail is then
/// one search a block up to the mark (4,096 entries a block) plus the entries after the mark,
/// a range of the log's row ids: exact whatever the mark, only slower the further behind.
///
/// ```swift
/// try LogSubjectBlocks.catchUp(pool)
/// let page = try pool.read { try LogSubjectBlocks.entries($0, subject: "D-1", after: 0, limit: 100, from: nil, to: nil) }
/// ```
enum LogSubjectBlocks {
    /// Sequence numbers per block, as a shift: a trail searches each block once.
    static let shift: Int64 = 12
    /// The sequence number up to which the table holds the log, in `meta`.
    static let markKey = "log-subject-blocks-through"
    /// Entries a catch-up indexes in one transaction: it holds the writer, so appends wait for it.
    static let entriesPerTransaction: Int64 = 4_096
    /// Blocks searched by one statement, so that the rows it sorts stay few: 1,048,576 entries.
    static let blocksPerStatement: Int64 = 256

    static let createTable = """
    CREATE TABLE log_subject_blocks (
        block INTEGER NOT NULL, subject_id TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (block, subject_id, seq)) WITHOUT ROWID
    """

    /// Indexes the entries appended since the mark, up to the head the log had when called and
    /// in at most `transactions` transactions, each moving the mark; returns how many entries it
    /// indexed. Two processes may run it at once: each transaction starts from the mark the
    /// last one left.
    @discardableResult
    static func catchUp(_ pool: DatabasePool, entriesPerTransaction: Int64 = entriesPerTransaction, transactions: Int = .max) throws -> Int64 {
        let head = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM decision_log") } ?? 0
        var indexed: Int64 = 0
        for _ in 0..<transactions {
            let step = try pool.write { db -> Int64? in
                let from = try mark(db)
                // The next entries by count, not by number: a pruned log's numbers have gaps.
                guard from < head, let through = try Int64.fetchOne(db, sql: """
                    SELECT MAX(seq) FROM (SELECT seq FROM decision_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?)
                    """, arguments: [from, head, entriesPerTransaction]) else { return nil }
                try db.execute(sql: """
                INSERT OR IGNORE INTO log_subject_blocks (block, subject_id, seq)
                  SELECT seq >> \(shift), subject_id, seq FROM decision_log WHERE seq > ? AND seq <= ? ORDER BY seq
                """, arguments: [from, through])
                let added = Int64(db.changesCount)
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                               arguments: [markKey, String(through)])
                return added
            }
            guard let step else { break }
            indexed += step
        }
        return indexed
    }

    /// The sequence number up to which the table holds the log.
    static func mark(_ db: Database) throws -> Int64 {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [markKey]).flatMap { Int64($0) } ?? 0
    }

    /// Forgets the pruned entries, in the pruning's transaction: `through` is the last pruned.
    static func forget(through seq: Int64, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM log_subject_blocks WHERE block <= ? AND seq <= ?", arguments: [seq >> shift, seq])
    }

    /// The subject's entries after `after`, in `[from, to)`, oldest first, at most `limit`: from
    /// the table up to its mark, then from the log's entries after the mark.
    static func entries(_ db: Database, subject: String, after: Int64, limit: Int, from: Instant?, to: Instant?,
                        blocksPerStatement: Int64 = blocksPerStatement) throws -> [LogEntry] {
        guard limit > 0 else { return [] }
        var window: [any DatabaseValueConvertible] = []
        if let from { window.append(from.millisecondsSinceEpoch) }
        if let to { window.append(to.millisecondsSinceEpoch) }
        let mark = try mark(db)
        var found: [LogEntry] = []
        if after < mark {
            let sql = indexedStatement(from: from != nil, to: to != nil)
            // A pruned log's early blocks hold nothing: start at the first that holds a row.
            let first = try Int64.fetchOne(db, sql: "SELECT block FROM log_subject_blocks ORDER BY block LIMIT 1") ?? 0
            var block = max(max(after, 0) >> shift, first)
            let last = mark >> shift
            while block <= last, found.count < limit {
                let upper = min(block + blocksPerStatement - 1, last)
                let arguments: [any DatabaseValueConvertible] = [block, upper, subject, after, mark] + window + [limit - found.count]
                let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
                while let row = try rows.next() { found.append(LogEntry(row: row)) }
                block = upper + 1
            }
        }
        if found.count < limit {
            let arguments: [any DatabaseValueConvertible] = [max(after, mark), subject] + window + [limit - found.count]
            let rows = try Row.fetchCursor(db, sql: tailStatement(from: from != nil, to: to != nil), arguments: StatementArguments(arguments))
            while let row = try rows.next() { found.append(LogEntry(row: row)) }
        }
        return found
    }

    /// The subject's entries in the blocks from the first `?` to the second, after a sequence
    /// number and up to the mark, (when asked) in a window, oldest first.
    static func indexedStatement(from: Bool, to: Bool) -> String {
        """
        WITH RECURSIVE blocks(k) AS (SELECT ? UNION ALL SELECT k + 1 FROM blocks WHERE k < ?)
        SELECT decision_log.* FROM blocks
          JOIN log_subject_blocks AS trail ON trail.block = blocks.k AND trail.subject_id = ?
          JOIN decision_log ON decision_log.seq = trail.seq
        WHERE trail.seq > ? AND trail.seq <= ?\(window(from: from, to: to))
        ORDER BY trail.seq LIMIT ?
        """
    }

    /// The subject's entries after the mark (or a later sequence number), oldest first.
    static func tailStatement(from: Bool, to: Bool) -> String {
        "SELECT * FROM decision_log WHERE seq > ? AND subject_id = ?\(window(from: from, to: to)) ORDER BY seq LIMIT ?"
    }

    private static func window(from: Bool, to: Bool) -> String {
        (from ? " AND decision_log.at >= ?" : "") + (to ? " AND decision_log.at < ?" : "")
    }
}
