import Dispatch
import Synchronization
import Testing
@testable import CustosPostgres

/// The bridge's deadline bounds the database's silence, not the work: a long officer's
/// command that keeps answering runs to its end; work that stops answering fails as a lost
/// server would. No server needed: the work here is sleeps and beats. The waits run on a
/// thread of their own, as the engine's callers do: a waiting cooperative thread could leave
/// the work none to run on.
@Suite struct BlockingBridgeTests {
    @Test func workThatKeepsAnsweringOutlastsTheDeadline() async throws {
        // Two seconds of work against a quarter-second deadline, an answer every 20 ms.
        let rounds = try await KeyringStorageTests.offThePool {
            try BlockingBridge.wait(deadline: .milliseconds(250)) { () async throws -> Int in
                for _ in 0..<100 {
                    try await Task.sleep(for: .milliseconds(20))
                    BlockingBridge.beat()
                }
                return 100
            }
        }
        #expect(rounds == 100)
    }

    @Test func workThatFallsSilentFailsAsUnavailable() async {
        await #expect {
            try await KeyringStorageTests.offThePool {
                try BlockingBridge.wait(deadline: .milliseconds(250)) { () async throws -> Int in
                    BlockingBridge.beat()
                    // Silent from here on; the cancellation the deadline sends ends the sleep.
                    try await Task.sleep(for: .seconds(30))
                    return 1
                }
            }
        } throws: { error in
            guard case PostgresStoreError.unavailable(let reason) = error else { return false }
            return reason.contains("no answer within")
        }
    }

    @Test func aBeatOutsideTheBridgeIsHarmless() {
        // Code shared with callers that do not wait through the bridge (an async server path).
        BlockingBridge.beat()
        #expect(BlockingBridge.heartbeat == nil)
    }

    // The awaiting form, for the server's log append: the first of the answer and the deadline.

    @Test func anAwaitedAnswerInTimeIsReturned() async throws {
        let value = try await BlockingBridge.awaiting(deadline: .seconds(5)) { () async throws -> Int in
            try await Task.sleep(for: .milliseconds(20))
            return 7
        }
        #expect(value == 7)
    }

    @Test func anAwaitedFailureIsThrown() async {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await BlockingBridge.awaiting(deadline: .seconds(5)) { () async throws -> Int in throw Refused() }
        }
    }

    @Test func anAwaitedSilenceFailsAsUnavailableAtTheDeadline() async {
        // Work that ignores its cancellation, as a lease postgres-nio keeps waiting for does.
        let finished = Finished()
        await #expect {
            try await BlockingBridge.awaiting(deadline: .milliseconds(250)) { () async throws -> Int in
                // A wait no cancellation ends (a `Task.sleep` would end at once when cancelled).
                await withCheckedContinuation { done in DispatchQueue.global().asyncAfter(deadline: .now() + 3) { done.resume() } }
                finished.mark()
                return 1
            }
        } throws: { error in
            guard case PostgresStoreError.unavailable(let reason) = error else { return false }
            return reason.contains("no answer within")
        }
        #expect(!finished.isMarked, "the caller was answered before the work ended, not after")
    }

    final class Finished: Sendable {
        private let flag = Atomic<Bool>(false)
        func mark() { flag.store(true, ordering: .relaxed) }
        var isMarked: Bool { flag.load(ordering: .relaxed) }
    }
}
