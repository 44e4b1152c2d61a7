import Foundation
import Synchronization
internal import GRDB
internal import CustosCrypto
package import CustosPolicy
package import CustosDecision

/// One logged decision: who asked what about whom, and the answer. Ids and codes only, never
/// a field value, so erasure never has to touch the log and the chain stays whole.
package struct LogEntry: Sendable, Hashable {
    package var seq: Int64
    package var at: Instant
    package var actor: String
    package var action: String
    package var purpose: String
    package var subject: String
    package var recipient: String?
    package var fields: [String]
    package var outcome: String
    package var codes: [String]
    package var policyDigest: String

    package init(_ decision: Decision, at: Instant) {
        seq = 0
        self.at = at
        actor = decision.actor
        action = decision.action.rawValue
        purpose = decision.purpose
        subject = decision.subject
        recipient = decision.recipient
        fields = decision.fields.map { "\($0.field)=\($0.outcome.rawValue)" }
        outcome = decision.outcome.rawValue
        codes = decision.codes.map(\.rawValue)
        policyDigest = decision.policyDigest
    }

    init(row: Row) {
        seq = row["seq"]
        at = Instant(millisecondsSinceEpoch: row["at"])
        actor = row["actor"]
        action = row["action"]
        purpose = row["purpose"]
        subject = row["subject_id"]
        recipient = row["recipient"]
        fields = (row["fields"] as String).split(separator: "\n").map(String.init)
        outcome = row["outcome"]
        codes = (row["codes"] as String).split(separator: "\n").map(String.init)
        policyDigest = row["policy_digest"]
    }

    /// Length-prefixed, so no two different entries share a form: `count:part|count:part…`,
    /// written byte by byte (every decision is hashed on the way to the log).
    package var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        appendCanonicalBytes(to: &bytes)
        return bytes
    }

    private func appendCanonicalBytes(to bytes: inout [UInt8]) {
        Self.appendCanonicalNumber(seq, to: &bytes)
        appendCanonicalTail(to: &bytes)
    }

    /// A number's part of the canonical form, `count:digits` (the first part is the seq).
    static func appendCanonicalNumber(_ number: Int64, to bytes: inout [UInt8]) {
        appendDecimal(Int64(decimalCount(number)), to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDecimal(number, to: &bytes)
    }

    /// Every part of the canonical form after the sequence number, each as `|count:part`
    /// (a `LogRowDraft` keeps them to hash and insert the entry once it has its number).
    func appendCanonicalTail(to bytes: inout [UInt8]) {
        Self.appendCanonicalTail(at: at, actor: actor, action: action, purpose: purpose, subject: subject, recipient: recipient,
                                 fields: fields, outcome: outcome, codes: codes, policyDigest: policyDigest, to: &bytes)
    }

    /// The canonical form after the sequence number, from its parts: the one definition, for
    /// an entry and for a decision written straight into its draft (`LogRowDraft(decision:at:)`)
    /// without building the entry's lines as strings first.
    static func appendCanonicalTail(at: Instant, actor: String, action: String, purpose: String, subject: String, recipient: String?,
                                    fields: some Collection<some CanonicalLine>, outcome: String,
                                    codes: some Collection<some CanonicalLine>, policyDigest: String, to bytes: inout [UInt8]) {
        func part(_ text: String) {
            bytes.append(UInt8(ascii: "|"))
            appendDecimal(Int64(text.utf8.count), to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            bytes.appendUTF8(of: text)
        }
        func lines(_ items: some Collection<some CanonicalLine>) {
            bytes.append(UInt8(ascii: "|"))
            let count = items.reduce(0) { $0 + $1.canonicalByteCount } + max(0, items.count - 1)
            appendDecimal(Int64(count), to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            var first = true
            for item in items {
                if !first { bytes.append(0x0A) }
                first = false
                item.appendCanonicalBytes(to: &bytes)
            }
        }
        bytes.append(UInt8(ascii: "|"))
        appendCanonicalNumber(at.millisecondsSinceEpoch, to: &bytes)
        part(actor); part(action); part(purpose); part(subject)
        part(recipient ?? ""); lines(fields); part(outcome); lines(codes); part(policyDigest)
    }

    /// The characters of `String(number)`, counted without building it.
    private static func decimalCount(_ number: Int64) -> Int {
        var count = number < 0 ? 2 : 1
        var rest = number.magnitude / 10
        while rest > 0 { count += 1; rest /= 10 }
        return count
    }

    /// Appends `String(number)`'s bytes without building the string.
    private static func appendDecimal(_ number: Int64, to bytes: inout [UInt8]) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = number.magnitude
        var divisor: UInt64 = 1
        while magnitude / divisor >= 10 { divisor *= 10 }  // at most 10^19, within UInt64
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }

    static let hashDomain = Array("custos-log/v1".utf8)

    /// The entry's link in the chain: BLAKE2b over the domain, the previous hash and the
    /// canonical form. One definition: the group commit hashes drafts the same way.
    package func hash(previous: [UInt8]) -> [UInt8] {
        var scratch: [UInt8] = []
        return LogRowDraft(self).hash(seq: seq, previous: previous, scratch: &scratch)
    }

    /// An entry as a backend reads it back.
    package init(seq: Int64, at: Instant, actor: String, action: String, purpose: String, subject: String, recipient: String?,
                 fields: [String], outcome: String, codes: [String], policyDigest: String) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.purpose = purpose
        self.subject = subject
        self.recipient = recipient
        self.fields = fields
        self.outcome = outcome
        self.codes = codes
        self.policyDigest = policyDigest
    }
}

/// A disclosure to record together with its decision, in the same transaction.
package struct DisclosureRecord: Sendable {
    package var recipient: String
    /// The actual recipient, for a recipient the policy names by kind.
    package var recipientName: String?
    package var purpose: String
    package var fields: [String]
    package var destination: String?
    package var mechanism: String?
    package var procedure: String?

    package init(recipient: String, recipientName: String? = nil, purpose: String, fields: [String], destination: String?, mechanism: String?, procedure: String?) {
        self.recipient = recipient
        self.recipientName = recipientName
        self.purpose = purpose
        self.fields = fields
        self.destination = destination
        self.mechanism = mechanism
        self.procedure = procedure
    }
}

/// Watches the decision log's appends (enqueue to durable) and group commits (size and time).
package protocol DecisionLogObserver: Sendable {
    func appended(in duration: Duration)
    func committed(group size: Int, in duration: Duration)
}

/// The append-only, hash-chained decision log. An append returns only once its transaction
/// is durable (`synchronous=FULL`); concurrent appenders share one transaction, and so one
/// fsync, through group commit: each flush writes everything queued when it starts.
///
/// An append comes in three forms that share one queue and one group commit. The synchronous
/// one blocks its thread; when it finds the log idle it commits its own entry on that thread,
/// so a lone caller pays no hand-off. The `async` one suspends its task instead and never
/// blocks the cooperative pool: the log's committer thread writes its group, and each task
/// resumes on the pool once its group is durable. The callback one returns at once and is
/// answered when the group is durable (the server's engine threads queue their entries so).
/// Every group that queued behind another is written by the committer thread, which keeps
/// committing while the last group's callers read again.
package final class DecisionLog: Sendable {
    let pool: DatabasePool
    private let queue = Mutex(Queue())
    /// Set once and read by every append without a lock: 32 appenders woken together by one
    /// group commit all read it, and a lock here was contended (6 % of their time under `perf`).
    private let observer = AtomicLazyReference<ObserverBox>()
    /// Writes every group but a lone blocked caller's; started by the first group that needs it.
    private let committer = AtomicLazyReference<Committer>()

    private final class ObserverBox: Sendable {
        let observer: any DecisionLogObserver
        init(_ observer: any DecisionLogObserver) { self.observer = observer }
    }

    /// Tells `observer` about every append and group commit from now on (the server's metrics).
    /// The first observer stays: a log is observed once, by the process that serves it.
    package func observe(_ observer: any DecisionLogObserver) {
        _ = self.observer.storeIfNil(ObserverBox(observer))
    }


    private struct Queue {
        var pending: [Pending] = []
        var flushing = false
    }

    private struct Pending: Sendable {
        let draft: LogRowDraft
        let task: InformationTask?
        let caller: Caller
    }

    /// Who waits for an entry, answered by exactly one flush: a blocked thread, or a callback
    /// (a suspended task's continuation, or the server's request).
    private enum Caller: Sendable {
        case thread(Waiter)
        case callback(@Sendable (Result<Int64, StoreError>) -> Void)
    }

    /// A blocked caller waiting for its entry's sequence number.
    private final class Waiter: Sendable {
        /// The entry's sequence number, or its group's failure.
        typealias Answer = Result<Int64, StoreError>
        typealias Wake = (waiter: Waiter, result: Answer)
        private let semaphore = DispatchSemaphore(value: 0)
        /// The relay is its own array of callers after this one in the tree, never a slice of
        /// the group's: a slice keeps the whole array, this waiter included, and the cycle
        /// leaked every waiter of every group (230 bytes a read under 32 callers).
        private let answer = Mutex<(result: Answer, relay: [Wake])?>(nil)

        /// Answers the waiter, which wakes the `relay` callers in its turn before it returns.
        func finish(_ value: Answer, relay: [Wake] = []) {
            answer.withLock { $0 = (value, relay) }
            semaphore.signal()
        }

        func wait() -> Answer {
            semaphore.wait()
            let (result, relay) = answer.withLock { answer in
                defer { answer = nil }
                return answer!
            }
            Self.wake(relay[...])
            return result
        }

        /// Wakes every caller in `wakes` as a tree: each one woken takes half of those still
        /// to wake and wakes them in its turn. A group's leader woke its ~25 blocked callers
        /// one by one, a quarter of its flush's processor time, while the other core waited
        /// for the first of them; as a tree it wakes about five and both cores share the rest.
        static func wake(_ wakes: ArraySlice<Wake>) {
            var rest = wakes
            while let first = rest.popFirst() {
                let kept = rest.count / 2
                let handed = rest[(rest.startIndex + kept)...]
                rest = rest[..<(rest.startIndex + kept)]
                first.waiter.finish(first.result, relay: Array(handed))
            }
        }
    }

    /// A thread that flushes whenever it is handed the lead, and ends with its log.
    private final class Committer: Sendable {
        private let turns = DispatchSemaphore(value: 0)
        private let closed = Atomic<Bool>(false)

        init(flushing log: DecisionLog) {
            let thread = Thread { [weak log, self] in
                // At most 15 bytes, Linux's limit for a thread's name: "custos-log-commit" was
                // refused, and profiles showed the committer under its starter's name.
                Thread.current.name = "custos-commit"
                while true {
                    self.turns.wait()
                    guard !self.closed.load(ordering: .acquiring), let log else { return }
                    log.flush()
                }
            }
            thread.start()
        }

        func lead() { turns.signal() }

        func close() {
            closed.store(true, ordering: .releasing)
            turns.signal()
        }
    }

    init(pool: DatabasePool) {
        self.pool = pool
    }

    deinit {
        committer.load()?.close()
    }

    /// Appends a decision durably and returns its sequence number. `task`, the officer's Art. 14
    /// task the decision leaves (`InformationTask.owed`), commits in the entry's transaction
    /// with the entry's sequence number: written after the log's commit, a kill between the two
    /// lost it. A task whose subject is gone by the commit (an erasure in between) is left out,
    /// so it cannot fail the group; the first task of a subject and notice stays.
    package func append(_ decision: Decision, at: Instant, informing task: InformationTask? = nil) throws -> Int64 {
        let started = ContinuousClock.now
        defer { if let box = observer.load() { box.observer.appended(in: ContinuousClock.now - started) } }
        let waiter = Waiter()
        let pending = Pending(draft: LogRowDraft(decision, at: at), task: task, caller: .thread(waiter))  // built outside the lock
        let leads = queue.withLock { queue -> Bool in
            queue.pending.append(pending)
            if queue.flushing { return false }
            queue.flushing = true
            return true
        }
        // A caller that finds the log idle commits its own entry: no hand-off for a lone caller.
        if leads { flush() }
        return try waiter.wait().get()
    }

    /// The same append without blocking a thread: the task suspends until its entry's group
    /// is durable, in the same group commit as the synchronous appends.
    ///
    /// ```swift
    /// let seq = try await log.append(decision, at: .now)
    /// ```
    package func append(_ decision: Decision, at: Instant, informing task: InformationTask? = nil) async throws -> Int64 {
        try await withUnsafeThrowingContinuation { continuation in
            append(decision, at: at, informing: task) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }

    /// The append for a caller that neither blocks nor suspends here: it returns at once, and
    /// `answer` is called once, on the thread that wrote the entry's group, when the group is
    /// durable or has failed. The server decides on an engine thread and appends from there,
    /// so its request's task suspends once for both steps. `answer` must return quickly (resume
    /// a continuation): the next group waits for it.
    ///
    /// ```swift
    /// log.append(decision, at: .now) { continuation.resume(returning: $0) }
    /// ```
    package func append(_ decision: Decision, at: Instant, informing task: InformationTask? = nil,
                        then answer: @escaping @Sendable (Result<Int64, StoreError>) -> Void) {
        let started = ContinuousClock.now
        let observed = observer.load()
        let pending = Pending(draft: LogRowDraft(decision, at: at), task: task, caller: .callback { result in
            if let observed { observed.observer.appended(in: ContinuousClock.now - started) }
            answer(result)
        })
        let leads = queue.withLock { queue -> Bool in
            queue.pending.append(pending)
            if queue.flushing { return false }
            queue.flushing = true
            return true
        }
        if leads { startedCommitter().lead() }
    }

    private func startedCommitter() -> Committer {
        if let committer = committer.load() { return committer }
        // Only the one leader gets here, so no second thread is made; if one were, it ends.
        let made = Committer(flushing: self)
        let stored = committer.storeIfNil(made)
        if stored !== made { made.close() }
        return stored
    }

    /// Writes one group, hands the next to the committer thread if more entries arrived
    /// meanwhile, and answers the group's callers.
    ///
    /// Groups after the first are always led by the committer thread, never by a caller woken
    /// to lead: a woken caller waited for a core behind the 25 others woken by the same commit,
    /// so the next group gathered nearly all of them and reads and commits took turns, one core
    /// idle during each commit. With one thread that always commits, the next group is written
    /// while the last one's callers read again (32 blocked callers 41–46 → 47–51 k/s).
    private func flush() {
        let batch = queue.withLock { queue -> [Pending] in
            defer { queue.pending.removeAll(keepingCapacity: true) }
            return queue.pending
        }
        let started = ContinuousClock.now
        let outcome = commit(batch)
        if let box = observer.load() { box.observer.committed(group: batch.count, in: ContinuousClock.now - started) }
        let more = queue.withLock { queue -> Bool in
            if queue.pending.isEmpty { queue.flushing = false }
            return queue.flushing
        }
        if more { startedCommitter().lead() }
        answer(batch, outcome)
    }

    /// One transaction for the whole group: the head is read once and extended in memory.
    private func commit(_ batch: [Pending]) -> Result<[Int64], StoreError> {
        do {
            return .success(try pool.preparedWrite { db in
                var head = try Self.head(db)
                let statement = try db.cachedStatement(sql: Self.insertSQL)
                var scratch: [UInt8] = []
                scratch.reserveCapacity(512)
                return try batch.map { pending in
                    head = try Self.insert(pending.draft, after: head, statement: statement, scratch: &scratch)
                    if var task = pending.task {
                        task.logSequence = head.seq
                        try Vault.recordInformationTask(task, into: db)
                    }
                    return head.seq
                }
            })
        } catch {
            return .failure(StoreError.io("the decision log could not be written"))
        }
    }

    /// Answers the group's callbacks and wakes its blocked threads, these as a tree.
    private func answer(_ batch: [Pending], _ outcome: Result<[Int64], StoreError>) {
        var wakes: [Waiter.Wake] = []
        wakes.reserveCapacity(batch.count)
        for (index, pending) in batch.enumerated() {
            let result = outcome.map { $0[index] }
            switch pending.caller {
            case let .thread(waiter):
                wakes.append((waiter, result))
            case let .callback(answer):
                answer(result)
            }
        }
        Waiter.wake(wakes[...])
    }

    /// Appends one entry inside the caller's write transaction (shares record their
    /// disclosure in the same transaction).
    static func insert(_ entry: LogEntry, into db: Database) throws -> Int64 {
        var scratch: [UInt8] = []
        return try insert(LogRowDraft(entry), after: head(db), statement: db.cachedStatement(sql: insertSQL), scratch: &scratch).seq
    }

    /// The newest entry's sequence number and hash (0 and the genesis hash for an empty log,
    /// or the signed anchor's when every entry was pruned).
    static func head(_ db: Database) throws -> (seq: Int64, hash: [UInt8]) {
        var newest: (seq: Int64, hash: [UInt8])?
        try SQLiteRows.each(db.cachedStatement(sql: "SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1")) { row in
            newest = (row.int64(0), [UInt8](row.blob(1) ?? Data()))
        }
        if let newest { return newest }
        if let anchor = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM log_anchor ORDER BY seq DESC LIMIT 1")) {
            return (anchor["seq"], [UInt8](anchor["hash"] as Data))
        }
        return (0, LogChain.genesis)
    }

    private static let insertSQL = """
    INSERT INTO decision_log (seq, at, actor, action, purpose, subject_id, recipient, fields, outcome, codes, policy_digest, prev_hash, hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    """

    /// Appends one drafted entry after `head` through `statement` (the cached `insertSQL`) and
    /// returns the new head. Every logged decision passes here inside the log's one write
    /// transaction: its text columns and both hashes are bound from the buffers that hold
    /// them, without a copy.
    static func insert(_ draft: LogRowDraft, after head: (seq: Int64, hash: [UInt8]), statement: Statement,
                       scratch: inout [UInt8]) throws -> (seq: Int64, hash: [UInt8]) {
        let seq = head.seq + 1
        let hash = draft.hash(seq: seq, previous: head.hash, scratch: &scratch)
        var insert = SQLiteInsert(statement)
        insert.bind(1, seq)
        insert.bind(2, draft.at)
        try draft.tail.withUnsafeBufferPointer { tail in
            try head.hash.withUnsafeBufferPointer { previous in
                try hash.withUnsafeBufferPointer { hash in
                    var columns = 0
                    LogRowDraft.columns(in: tail) { column, bytes in
                        columns += 1
                        // actor, action, purpose, subject, recipient, … are the 3rd to 11th values.
                        if column == 4, draft.recipientIsNull { insert.bind(7, nil as String?) } else { insert.bind(Int32(column) + 3, borrowedText: bytes) }
                    }
                    guard columns == 9 else { throw StoreError.io("decision log: an entry's canonical form could not be read back") }
                    insert.bind(12, borrowedBlob: previous)
                    insert.bind(13, borrowedBlob: hash)
                    try insert.execute()
                }
            }
        }
        return (seq, hash)
    }

    static func recordDisclosure(_ disclosure: DisclosureRecord, subject: String, seq: Int64, at: Instant, into db: Database) throws {
        try db.execute(sql: """
        INSERT INTO disclosures (subject_id, recipient, purpose, fields, at, destination, mechanism, procedure, decision_seq, recipient_name)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """, arguments: [subject, disclosure.recipient, disclosure.purpose, disclosure.fields.joined(separator: "\n"), at.millisecondsSinceEpoch,
                         disclosure.destination, disclosure.mechanism, disclosure.procedure, seq, disclosure.recipientName])
    }

    // MARK: reading and verifying

    package func entries(subject: String? = nil) throws -> [LogEntry] {
        try pool.read { db in
            let rows = if let subject {
                try Row.fetchAll(db, sql: "SELECT * FROM decision_log WHERE subject_id = ? ORDER BY seq", arguments: [subject])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM decision_log ORDER BY seq")
            }
            return rows.map(LogEntry.init(row:))
        }
    }

    package typealias Verification = LogVerification

    /// Whether the newest entry holds: its hash recomputed over its content and the hash of
    /// the entry before it, which must be the stored one. A cheap check for `/readyz`; the
    /// whole chain is `verify`'s.
    package func headHolds() throws -> Bool {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM decision_log ORDER BY seq DESC LIMIT 2")
            guard let newest = rows.first else { return true }
            let storedPrevious = [UInt8](newest["prev_hash"] as Data)
            let storedHash = [UInt8](newest["hash"] as Data)
            if rows.count == 2, [UInt8](rows[1]["hash"] as Data) != storedPrevious { return false }
            return LogEntry(row: newest).hash(previous: storedPrevious) == storedHash
        }
    }

    /// Recomputes the chain from the first entry (or from the signed anchor of pruned
    /// entries, whose signature the caller has checked) and names the first that does not
    /// hold: an edited, deleted or reordered row breaks it there.
    func verify(from anchor: LogAnchor? = nil) throws -> Verification {
        try pool.read { db in
            var check = LogChainCheck(from: anchor)
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM decision_log ORDER BY seq")
            while let row = try cursor.next() {
                guard check.next(LogEntry(row: row), storedPrevious: [UInt8](row["prev_hash"] as Data), storedHash: [UInt8](row["hash"] as Data)) else { break }
            }
            return check.result
        }
    }
}

/// The result of recomputing the decision log's hash chain: how many entries it holds, its
/// head, and the first entry that does not hold, if any.
///
/// ```swift
/// let check = try engine.verifyLog()
/// print(check.isIntact ? "intact, \(check.entries) entries" : "broken at \(check.firstBroken!)")
/// ```
public struct LogVerification: Sendable, Equatable {
    public var entries: Int64
    public var headSeq: Int64
    public var headHash: String
    /// The first entry that does not hold, with why; nil when the chain is whole.
    public var firstBroken: Int64?
    public var problem: String?
    /// The signed head of the entries pruned under the log's retention, when any were.
    public var anchor: LogAnchor?
    public var isIntact: Bool { firstBroken == nil }

    package init(entries: Int64, headSeq: Int64, headHash: String, firstBroken: Int64?, problem: String?, anchor: LogAnchor?) {
        self.entries = entries
        self.headSeq = headSeq
        self.headHash = headHash
        self.firstBroken = firstBroken
        self.problem = problem
        self.anchor = anchor
    }
}
