import Custos
@testable import CustosStore
import CustosTestSupport
import Foundation
import GRDB
import Testing

/// One subject's trail comes from the index kept behind the SQLite log (`LogSubjectBlocks`) up
/// to its mark and from the log after it: exactly the entries the whole log filtered by subject
/// gives, wherever the mark stands, across blocks and statements, and never by reading the
/// whole log. Catching up indexes each entry once; pruning the log forgets its entries.
struct LogSubjectBlocksTests {
    /// A log whose entries sit in many blocks: sequence numbers with gaps (as a pruned log
    /// has), three subjects, an hour apart each 4,000 numbers. The chain does not hold; the
    /// trail does not read it.
    static func sparseLog() throws -> (VaultFixture, DatabaseQueue) {
        let fixture = try VaultFixture()
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        try queue.write { db in
            var seq: Int64 = 3
            var n = 0
            while seq < 70_000 { try insertEntry(db, seq: seq, subject: ["D-1", "D-2", "D-33"][n % 3]); n += 1; seq += Int64(37 + (n * 7_919) % 2_500) }
        }
        return (fixture, queue)
    }

    static func insertEntry(_ db: Database, seq: Int64, subject: String) throws {
        try db.execute(sql: """
        INSERT INTO decision_log (seq, at, actor, action, purpose, subject_id, recipient, fields, outcome, codes, policy_digest, prev_hash, hash)
        VALUES (?, ?, 'collections-service', 'read', 'P-DEBT-COLLECT', ?, NULL, 'email', 'permit', '', 'test', x'00', x'00')
        """, arguments: [seq, 1_748_847_600_000 + seq / 4_000 * 3_600_000, subject])
    }

    /// Leaves the index holding the log up to `mark` and no further, as a catch-up stopped there would.
    static func setMark(_ mark: Int64, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM log_subject_blocks")
        try db.execute(sql: """
        INSERT INTO log_subject_blocks (block, subject_id, seq) SELECT seq >> \(LogSubjectBlocks.shift), subject_id, seq FROM decision_log WHERE seq <= ?
        """, arguments: [mark])
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       arguments: [LogSubjectBlocks.markKey, String(mark)])
    }

    @Test(arguments: [Int64(1), 2, 256])
    func aSubjectsTrailIsExactlyItsEntriesWhereverTheMarkStands(blocksPerStatement: Int64) throws {
        let (fixture, queue) = try Self.sparseLog()
        _ = fixture
        let at = { (hour: Int64) in Instant(millisecondsSinceEpoch: 1_748_847_600_000 + hour * 3_600_000) }
        let all = try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM decision_log ORDER BY seq").map(LogEntry.init(row:)) }
        let head = try #require(all.last?.seq)
        #expect(all.count > 60 && head >> LogSubjectBlocks.shift >= 16)
        // Nothing indexed; mid-block; a block's last number; an entry's own number; the head.
        for mark: Int64 in [0, 20_000, (3 << LogSubjectBlocks.shift) - 1, all[all.count / 2].seq, head] {
            try queue.write { db in try Self.setMark(mark, db) }
            try queue.read { db in
                for subject in ["D-1", "D-33", "D-404"] {
                    for (from, to) in [(nil, nil), (at(3), nil), (nil, at(9)), (at(4), at(12)), (at(12), at(4))] as [(Instant?, Instant?)] {
                        let expected = all.filter { entry in
                            entry.subject == subject && from.map { entry.at >= $0 } ?? true && to.map { entry.at < $0 } ?? true
                        }.map(\.seq)
                        for limit in [1, 3, 1_000] {
                            var paged: [Int64] = [], after = Int64.min
                            while true {
                                let page = try LogSubjectBlocks.entries(db, subject: subject, after: after, limit: limit, from: from, to: to,
                                                                        blocksPerStatement: blocksPerStatement)
                                #expect(page.count <= limit)
                                guard let last = page.last else { break }
                                paged += page.map(\.seq)
                                after = last.seq
                            }
                            #expect(paged == expected, "mark \(mark), \(subject) \(String(describing: from))–\(String(describing: to)) limit \(limit)")
                        }
                    }
                }
            }
        }
    }

    /// A pruned log's trail starts at the first block still indexed, not block 0, and still
    /// holds every entry the log keeps, from any starting point.
    @Test func aPrunedLogsTrailStartsWhereTheLogDoes() throws {
        let (fixture, queue) = try Self.sparseLog()
        _ = fixture
        let cut: Int64 = 30_000
        try queue.write { db in
            try Self.setMark(60_000, db)
            try db.execute(sql: "DELETE FROM decision_log WHERE seq < ?", arguments: [cut])
            try db.execute(sql: "DELETE FROM log_subject_blocks WHERE seq < ?", arguments: [cut])
        }
        let kept = try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM decision_log ORDER BY seq").map(LogEntry.init(row:)) }
        try queue.read { db in
            for subject in ["D-1", "D-2", "D-33"] {
                let expected = kept.filter { $0.subject == subject }.map(\.seq)
                #expect(!expected.isEmpty && expected.allSatisfy { $0 >= cut })
                for after in [Int64.min, 0, cut - 1, expected[expected.count / 2]] {
                    let trail = try LogSubjectBlocks.entries(db, subject: subject, after: after, limit: 1_000, from: nil, to: nil, blocksPerStatement: 1)
                    #expect(trail.map(\.seq) == expected.filter { $0 > after }, "\(subject) after \(after)")
                }
            }
        }
    }

    @Test func catchingUpIndexesEachEntryOnceAndOnlyWhatIsNew() throws {
        let (fixture, queue) = try Self.sparseLog()
        let pool = fixture.engine.store.pool
        let entries = try queue.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM decision_log") } ?? 0
        // Two transactions of ten entries go part of the way, by count whatever the gaps.
        let twentieth = try queue.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM decision_log ORDER BY seq LIMIT 1 OFFSET 19") }
        #expect(try LogSubjectBlocks.catchUp(pool, entriesPerTransaction: 10, transactions: 2) == 20)
        #expect(try pool.read { try LogSubjectBlocks.mark($0) } == twentieth)
        #expect(try LogSubjectBlocks.catchUp(pool, entriesPerTransaction: 7) == entries - 20)
        #expect(try LogSubjectBlocks.catchUp(pool) == 0)
        try queue.write { db in
            try Self.insertEntry(db, seq: 90_001, subject: "D-2")
            try Self.insertEntry(db, seq: 90_002, subject: "D-404")
        }
        #expect(try fixture.engine.store.indexSubjectTrails(transactions: 1) == 2)
        let (mark, rows, matching) = try queue.read { db in
            (try LogSubjectBlocks.mark(db), try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_subject_blocks"),
             try Int64.fetchOne(db, sql: """
                SELECT COUNT(*) FROM log_subject_blocks JOIN decision_log USING (seq)
                WHERE log_subject_blocks.subject_id = decision_log.subject_id AND block = seq >> \(LogSubjectBlocks.shift)
                """))
        }
        #expect(mark == 90_002 && rows == entries + 2 && matching == entries + 2)
    }

    /// On a real log: a checkpoint catches the index up, pruning forgets the pruned entries in
    /// its own transaction, and the report source's trail is the log's, before and after.
    @Test func aCheckpointCatchesUpAndPruningForgets() throws {
        let fixture = try LogPagingTests.loggedDay()
        let store = fixture.engine.store
        let trail = { try store.logEntries(from: nil, to: nil, subject: "D-2").map(\.seq) }
        let oracle = { try store.log.entries().filter { $0.subject == "D-2" }.map(\.seq) }
        #expect(try store.pool.read { try LogSubjectBlocks.mark($0) } == 0)
        #expect(try !trail().isEmpty && trail() == oracle())
        _ = try fixture.engine.checkpoint()
        let head = try #require(try store.log.entries().last?.seq)
        #expect(try store.pool.read { try LogSubjectBlocks.mark($0) } == head)
        #expect(try trail() == oracle())
        let pruning = try store.pruneLog(before: Instant(iso8601: "2025-06-02T10:30:00+02:00")!, at: fixture.clock.now, dryRun: false)
        #expect(pruning.entriesPruned > 0)
        let pruned = try #require(pruning.anchor?.seq)
        let (forgotten, kept) = try store.pool.read { db in
            (try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_subject_blocks WHERE seq <= ?", arguments: [pruned]),
             try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM log_subject_blocks"))
        }
        #expect(forgotten == 0 && (kept ?? 0) > 0)
        #expect(try trail() == oracle() && !trail().isEmpty)
    }

    @Test(arguments: [(false, false), (true, true)])
    func aTrailIsSearchedNotScanned(from: Bool, to: Bool) throws {
        let fixture = try VaultFixture()
        let window: [any DatabaseValueConvertible] = (from ? [Int64(0)] : []) + (to ? [Int64(1)] : [])
        let (indexed, tail) = try DatabaseQueue(path: fixture.vaultPath).read { db in
            let plan = { (sql: String, arguments: [any DatabaseValueConvertible]) in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)", arguments: StatementArguments(arguments)).map { $0["detail"] as String }
            }
            return (try plan(LogSubjectBlocks.indexedStatement(from: from, to: to), [0, 3, "D-1", 0, 9] + window + [10]),
                    try plan(LogSubjectBlocks.tailStatement(from: from, to: to), [9, "D-1"] + window + [10]))
        }
        #expect(indexed.contains { $0.hasPrefix("SEARCH trail USING PRIMARY KEY (block=? AND subject_id=?") }, "\(indexed)")
        #expect(indexed.contains { $0.hasPrefix("SEARCH decision_log USING INTEGER PRIMARY KEY (rowid=?)") }, "\(indexed)")
        #expect(tail.contains { $0.hasPrefix("SEARCH decision_log USING INTEGER PRIMARY KEY (rowid>?)") }, "\(tail)")
        #expect(!(indexed + tail).contains { $0.hasPrefix("SCAN decision_log") || $0.hasPrefix("SCAN trail") }, "\(indexed) \(tail)")
    }
}
