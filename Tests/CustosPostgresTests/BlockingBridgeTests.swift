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
}
