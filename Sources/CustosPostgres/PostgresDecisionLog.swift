import Foundation
import PostgresNIO
import Synchronization
package import CustosStore
package import CustosDecision
package import CustosPolicy

/// The decision log on PostgreSQL, shared by every process on the database: one hash chain
/// with no fork and no gap. Appends are serialised in the database (an advisory transaction
/// lock, then the head read and the entries written in the same transaction) and
/// group-committed per process: while one transaction is in flight, the appends that arrive
/// wait and go together in the next, so many decisions share one commit's WAL flush. An
/// append returns its sequence number only once its commit is durable; when the commit
/// fails, or its outcome is unknown because the connection went away, it throws, and the
/// caller must deny.
///
/// ```swift
/// let log = PostgresDecisionLog(database)
/// let seq = try await log.append(decision, at: .now)
/// ```
package final class PostgresDecisionLog: Sendable {
    private let database: PostgresDatabase
    private let group = GroupCommit()
    private let observer = Mutex<(any DecisionLogObserver)?>(nil)

    package init(_ database: PostgresDatabase) {
        self.database = database
    }

    /// Tells `observer` about every append and group commit from now on (the server's
    /// `custos_log_append_seconds` and group-size metrics, as on SQLite).
    package func observe(_ observer: any DecisionLogObserver) {
        self.observer.withLock { $0 = observer }
    }

    /// Appends one decision; returns its sequence number once durable. The officer's Art. 14
    /// `task` the decision leaves, if any, commits in the same transaction with the entry's
    /// sequence number, as on SQLite (`DecisionLog.append`).
    package func append(_ decision: Decision, at: Instant, informing task: InformationTask? = nil) async throws(PostgresStoreError) -> Int64 {
        let entry = LoggedDecision(entry: LogEntry(decision, at: at), task: task)
        let client = database.client
        let observer = observer.withLock { $0 }
        let started = ContinuousClock.now
        do {
            let seq = try await group.append(entry) { entries in
                let began = ContinuousClock.now
                let numbers = try await Self.write(entries, client: client)
                observer?.committed(group: entries.count, in: ContinuousClock.now - began)
                return numbers
            }
            observer?.appended(in: ContinuousClock.now - started)
            return seq
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw .unavailable(String(describing: type(of: error)))
        }
    }

    /// How many groups this process committed and how many entries they held (a running
    /// total, not a list: a server runs for months).
    package func groupTotals() async -> (groups: Int, entries: Int, largest: Int) { await group.totals }

    /// Writes a group and its tasks in one transaction under the log's lock; returns their
    /// sequence numbers.
    private static func write(_ group: [LoggedDecision], client: PostgresClient) async throws(PostgresStoreError) -> [Int64] {
        try await PostgresDatabase.mapErrors {
            try await client.withTransaction(logger: PostgresDatabase.logger) { connection in
                let numbers = try await insert(group.map(\.entry), on: connection)
                for (logged, seq) in zip(group, numbers) {
                    guard var task = logged.task else { continue }
                    task.logSequence = seq
                    try await PostgresVault.insert(task, on: connection, logger: PostgresDatabase.logger)
                }
                return numbers
            }
        }
    }

    /// Appends entries inside the caller's transaction: takes the log's lock (held until the
    /// transaction ends), reads the head and writes the entries chained on it in one statement.
    static func insert(_ entries: [LogEntry], on connection: PostgresConnection) async throws -> [Int64] {
        try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.logLock))", logger: PostgresDatabase.logger)
        var seq: Int64 = 0
        var previous = LogChain.genesis
        let head = try await connection.query("SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1", logger: PostgresDatabase.logger)
        for try await (found, hash) in head.decode((Int64, Data).self) {
            seq = found
            previous = [UInt8](hash)
        }
        var sql = "INSERT INTO decision_log (seq, at, actor, action, purpose, subject_id, recipient, fields, outcome, codes, policy_digest, prev_hash, hash) VALUES "
        var binds = PostgresBindings(capacity: entries.count * 13)
        var numbers: [Int64] = []
        for (index, original) in entries.enumerated() {
            var entry = original
            seq += 1
            entry.seq = seq
            let hash = entry.hash(previous: previous)
            let base = index * 13
            sql += (index == 0 ? "" : ", ") + "(" + (1...13).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
            binds.append(entry.seq)
            binds.append(entry.at.millisecondsSinceEpoch)
            binds.append(entry.actor)
            binds.append(entry.action)
            binds.append(entry.purpose)
            binds.append(entry.subject)
            binds.append(entry.recipient)
            binds.append(entry.fields.joined(separator: "\n"))
            binds.append(entry.outcome)
            binds.append(entry.codes.joined(separator: "\n"))
            binds.append(entry.policyDigest)
            try binds.append(Data(previous))
            try binds.append(Data(hash))
            previous = hash
            numbers.append(seq)
        }
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: PostgresDatabase.logger)
        return numbers
    }

    /// The newest entry's hash over its predecessor's, and that predecessor's own hash: the
    /// readiness check (the full chain is `verify`'s).
    package func headHolds() async throws(PostgresStoreError) -> Bool {
        try await PostgresDatabase.mapErrors {
            let rows = try await database.client.query(
                "SELECT seq, at, actor, action, purpose, subject_id, recipient, fields, outcome, codes, policy_digest, prev_hash, hash FROM decision_log ORDER BY seq DESC LIMIT 2",
                logger: PostgresDatabase.logger)
            var entries: [(LogEntry, [UInt8], [UInt8])] = []
            for try await row in rows {
                let (seq, at, actor, action, purpose, subject, recipient, fields, outcome, codes, digest, previous, hash) = try row.decode(
                    (Int64, Int64, String, String, String, String, String?, String, String, String, String, Data, Data).self)
                entries.append((LogEntry(seq: seq, at: Instant(millisecondsSinceEpoch: at), actor: actor, action: action, purpose: purpose,
                                         subject: subject, recipient: recipient, fields: Self.lines(fields), outcome: outcome,
                                         codes: Self.lines(codes), policyDigest: digest), [UInt8](previous), [UInt8](hash)))
            }
            guard let (newest, previous, hash) = entries.first else { return true }
            if entries.count == 2, entries[1].2 != previous { return false }
            return newest.hash(previous: previous) == hash
        }
    }

    /// Recomputes the whole chain, as `custos audit verify` does on SQLite, from its start or
    /// from the signed anchor of pruned entries (whose signature the caller has checked:
    /// `PostgresVault.verifyLog`).
    package func verify(from anchor: LogAnchor? = nil) async throws(PostgresStoreError) -> LogVerification {
        try await PostgresDatabase.mapErrors {
            var check = LogChainCheck(from: anchor)
            let rows = try await database.client.query(
                "SELECT seq, at, actor, action, purpose, subject_id, recipient, fields, outcome, codes, policy_digest, prev_hash, hash FROM decision_log ORDER BY seq",
                logger: PostgresDatabase.logger)
            for try await row in rows {
                BlockingBridge.beat()
                let (seq, at, actor, action, purpose, subject, recipient, fields, outcome, codes, digest, previous, hash) = try row.decode(
                    (Int64, Int64, String, String, String, String, String?, String, String, String, String, Data, Data).self)
                let entry = LogEntry(seq: seq, at: Instant(millisecondsSinceEpoch: at), actor: actor, action: action, purpose: purpose,
                                     subject: subject, recipient: recipient, fields: Self.lines(fields), outcome: outcome,
                                     codes: Self.lines(codes), policyDigest: digest)
                guard check.next(entry, storedPrevious: [UInt8](previous), storedHash: [UInt8](hash)) else { break }
            }
            return check.result
        }
    }

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    /// One stored row as an entry (the columns in `entryColumns`' order).
    static func entry(_ row: PostgresRow) throws -> LogEntry {
        let (seq, at, actor, action, purpose, subject, recipient, fields, outcome, codes, digest) = try row.decode(
            (Int64, Int64, String, String, String, String, String?, String, String, String, String).self)
        return LogEntry(seq: seq, at: Instant(millisecondsSinceEpoch: at), actor: actor, action: action, purpose: purpose, subject: subject,
                        recipient: recipient, fields: lines(fields), outcome: outcome, codes: lines(codes), policyDigest: digest)
    }

    static let entryColumns = "seq, at, actor, action, purpose, subject_id, recipient, fields, outcome, codes, policy_digest"
}

/// An entry to append and the officer's task that commits with it.
private struct LoggedDecision: Sendable {
    var entry: LogEntry
    var task: InformationTask?
}

/// One process's group commit: the first append starts a writer that commits everything queued,
/// then whatever queued meanwhile, until the queue is empty.
private actor GroupCommit {
    private var pending: [(entry: LoggedDecision, reply: CheckedContinuation<Int64, any Error>)] = []
    private var writing = false
    private(set) var totals = (groups: 0, entries: 0, largest: 0)

    func append(_ entry: LoggedDecision, write: @escaping @Sendable ([LoggedDecision]) async throws -> [Int64]) async throws -> Int64 {
        try await withCheckedThrowingContinuation { reply in
            pending.append((entry, reply))
            if !writing {
                writing = true
                Task { await drain(write) }
            }
        }
    }

    private func drain(_ write: @Sendable ([LoggedDecision]) async throws -> [Int64]) async {
        while !pending.isEmpty {
            let group = pending
            pending = []
            totals = (totals.groups + 1, totals.entries + group.count, max(totals.largest, group.count))
            do {
                let numbers = try await write(group.map(\.entry))
                for (item, seq) in zip(group, numbers) { item.reply.resume(returning: seq) }
            } catch {
                for item in group { item.reply.resume(throwing: error) }
            }
        }
        writing = false
    }
}
