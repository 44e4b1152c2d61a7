import Custos
import CustosDecision
@testable import CustosStore
import CustosTestSupport
import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing

/// The asynchronous log append suspends its task instead of blocking a thread, and shares
/// the group commit with the blocking append: one queue, one chain, one fsync per group.
struct AsyncLogAppendTests {
    /// Counts the group commits and the entries they wrote.
    final class Groups: DecisionLogObserver {
        let totals = Mutex((groups: 0, entries: 0))
        func appended(in duration: Duration) {}
        func committed(group size: Int, in duration: Duration) { totals.withLock { $0 = ($0.groups + 1, $0.entries + size) } }
    }

    /// A logged read's decision, to append again and again.
    static func decision(_ fixture: VaultFixture) throws -> Decision {
        try fixture.addDebtor("D-1", marker: "al01")
        return fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").decision
    }

    @Test func tasksAndThreadsAppendToOneChainAndShareCommits() async throws {
        let fixture = try VaultFixture()
        let decision = try Self.decision(fixture)
        let log = fixture.engine.store.log
        let groups = Groups()
        log.observe(groups)

        // Four threads append with the blocking call while 64 tasks append with the async one.
        let threadSequences = Mutex<[Int64]>([])
        let threadsDone = DispatchGroup()
        for _ in 0..<4 {
            threadsDone.enter()
            Thread {
                let sequences = (0..<50).compactMap { _ in try? log.append(decision, at: .now) }
                threadSequences.withLock { $0 += sequences }
                threadsDone.leave()
            }.start()
        }
        let taskSequences = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var sequences: [Int64] = []
                    for _ in 0..<20 { sequences.append(try await log.append(decision, at: .now)) }
                    return sequences
                }
            }
            return try await group.reduce([], +)
        }
        await withCheckedContinuation { continuation in threadsDone.notify(queue: .global()) { continuation.resume() } }

        let sequences = taskSequences + threadSequences.withLock { $0 }
        #expect(taskSequences.count == 1_280 && sequences.count == 1_480)
        #expect(Set(sequences) == Set(2...1_481), "every append its own number after the first read's")
        let verification = try fixture.engine.verifyLog()
        #expect(verification.isIntact && verification.entries == 1_481)
        let totals = groups.totals.withLock { $0 }
        #expect(totals.entries == 1_480)
        #expect(totals.groups < 1_480, "concurrent appends share commits (\(totals.groups) commits)")
    }

    @Test func aFailedCommitFailsItsAsyncAppendsAndTheNextOnesCommit() async throws {
        let fixture = try VaultFixture()
        let decision = try Self.decision(fixture)
        let log = fixture.engine.store.log
        let refuse = "CREATE TRIGGER refuse_entries BEFORE INSERT ON decision_log BEGIN SELECT RAISE(ABORT, 'no entry'); END"
        try await DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: refuse) }

        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    do {
                        _ = try await log.append(decision, at: .now)
                        return nil
                    } catch {
                        return String(describing: error)
                    }
                }
            }
            return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        #expect(failures.count == 16, "no append of a group that failed returns a number")
        #expect(failures.allSatisfy { $0.contains("the decision log could not be written") })
        #expect(try fixture.engine.verifyLog().entries == 1)

        // The lead was handed back: the next appends, async and blocking, commit.
        try await DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: "DROP TRIGGER refuse_entries") }
        #expect(try await log.append(decision, at: .now) == 2)
        let blocking: () throws -> Int64 = { try log.append(decision, at: .now) }
        #expect(try blocking() == 3)
        #expect(try fixture.engine.verifyLog().isIntact)
    }

    /// Blocked callers are woken as a tree (each woken caller wakes some of the rest): every
    /// one of 32 gets its own number, or its group's failure, and none is left asleep.
    @Test func everyBlockedCallerIsWokenWithItsGroupsAnswer() throws {
        let fixture = try VaultFixture()
        let decision = try Self.decision(fixture)
        let log = fixture.engine.store.log
        let groups = Groups()
        log.observe(groups)

        let sequences = onThreads(32) { _ in (0..<40).compactMap { _ in try? log.append(decision, at: .now) } }.flatMap { $0 }
        #expect(Set(sequences) == Set(2...1_281), "every append its own number after the first read's")
        let totals = groups.totals.withLock { $0 }
        #expect(totals.entries == 1_280 && totals.groups < 1_280, "blocked callers share commits (\(totals.groups) commits)")

        let refuse = "CREATE TRIGGER refuse_entries BEFORE INSERT ON decision_log BEGIN SELECT RAISE(ABORT, 'no entry'); END"
        try DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: refuse) }
        let failures = onThreads(32) { _ in
            (0..<5).compactMap { _ -> String? in
                do {
                    _ = try log.append(decision, at: .now)
                    return nil
                } catch {
                    return String(describing: error)
                }
            }
        }.flatMap { $0 }
        #expect(failures.count == 160 && failures.allSatisfy { $0.contains("the decision log could not be written") })

        try DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: "DROP TRIGGER refuse_entries") }
        #expect(try log.append(decision, at: .now) == 1_282)
        #expect(try fixture.engine.verifyLog().isIntact)
    }

    /// The server's gate: decided on the caller's thread and answered by the log's committer
    /// once the entry is durable; a refused entry is a deny with no values.
    @Test func aGateAnsweredOnceLoggedReleasesValuesOnlyWithItsEntry() async throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "ga01")
        let gate = fixture.engine.gatedAccess
        let request = DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"])
        func answered() async -> [GatedResult] {
            await withTaskGroup(of: GatedResult.self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        await withUnsafeContinuation { continuation in
                            Thread { gate.gate(request) { continuation.resume(returning: $0) } }.start()
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        let results = await answered()
        #expect(results.allSatisfy { $0.decision.outcome == .permit && $0.values["email"]?.contains("ga01") == true })
        #expect(Set(results.compactMap(\.logSequence)) == Set(1...24), "each answer carries its own durable entry")

        let refuse = "CREATE TRIGGER refuse_entries BEFORE INSERT ON decision_log BEGIN SELECT RAISE(ABORT, 'no entry'); END"
        try await DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: refuse) }
        let refused = await answered()
        #expect(refused.allSatisfy { $0.decision.outcome == .deny && $0.decision.codes == [.engineError] && $0.values.isEmpty && $0.logSequence == nil })
        #expect(try fixture.engine.verifyLog().entries == 24)
    }
}
