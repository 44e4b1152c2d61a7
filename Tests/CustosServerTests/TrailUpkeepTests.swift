import Custos
@testable import CustosStore
import CustosTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import CustosServer

/// `custos serve` keeps the SQLite index of subjects' trails close behind the decision log
/// (`TrailUpkeep`), entries logged while it runs included, and stops with the server's
/// graceful shutdown.
struct TrailUpkeepTests {
    @Test func theServerIndexesTheLogAsItGrowsAndStopsWhenAskedTo() async throws {
        let folder = try TemporaryDirectory()
        let engine = try PrivacyEngine.initialise(vault: folder.path + "/custos.db", masterKey: .file(folder.path + "/custos.key"),
                                                  policies: RepositoryPaths.seedPolicy)
        let read = { _ = engine.read(subject: "D-404", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service") }
        for _ in 0..<5 { read() }
        let mark = { try engine.store.pool.read { try LogSubjectBlocks.mark($0) } }
        let head = { try engine.store.log.entries().last?.seq ?? 0 }
        #expect(try mark() == 0 && head() >= 5)

        let executor = EngineExecutor(decidingThreads: 2)
        let upkeep = TrailUpkeep(store: engine.consoleBackend.overview.store, executor: executor, interval: .milliseconds(20),
                                 logger: Logger(label: "test"))
        let group = ServiceGroup(services: [upkeep], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        try await Self.waitUntil { try mark() == head() }
        for _ in 0..<3 { read() }
        try await Self.waitUntil { try mark() == head() }
        #expect(try engine.store.logEntries(from: nil, to: nil, subject: "D-404").count == 8)

        await group.triggerGracefulShutdown()
        try await running.value
        await executor.shutdown()
    }

    /// Polls `condition` for up to ten seconds.
    static func waitUntil(_ condition: () throws -> Bool) async throws {
        for _ in 0..<1_000 {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the condition did not hold within ten seconds")
    }
}
