import Foundation
import Synchronization
import Testing
@testable import CustosServer
import CustosPolicy

@Suite("the officer's console: settings, sessions and route templates")
struct ConsoleSettingsTests {
    @Test func theConsoleSettingsComeFromTheFileWithDefaults() throws {
        let path = NSTemporaryDirectory() + "serve-\(UUID().uuidString).yaml"
        try "console: {checkpoint: /safe/head.json, idle-minutes: 5, actor: officer}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ServerSettings.file(path).configuration()
        #expect(configuration.console.checkpoint == "/safe/head.json" && configuration.console.idleMinutes == 5)
        #expect(configuration.console.purpose == "P-RIGHTS-ADMIN", "the rights-administration purpose by default")
        let defaults = try ServerSettings().configuration().console
        #expect(defaults.actor == "officer" && defaults.idleMinutes == 15 && defaults.checkpoint == nil)

        let misspelt = NSTemporaryDirectory() + "serve-\(UUID().uuidString).yaml"
        try "console: {idle-minute: 5}\n".write(toFile: misspelt, atomically: true, encoding: .utf8)
        #expect(throws: SettingsError("\(misspelt):1:11: unknown key 'idle-minute' in console; the keys are templates, actor, purpose, idle-minutes, checkpoint")) {
            try ServerSettings.file(misspelt)
        }
        let tooLong = NSTemporaryDirectory() + "serve-\(UUID().uuidString).yaml"
        try "console: {idle-minutes: 10000}\n".write(toFile: tooLong, atomically: true, encoding: .utf8)
        #expect(throws: SettingsError.self) { try ServerSettings.file(tooLong) }
    }

    @Test func aSessionEndsAfterItsIdleTimeAndAtItsLongest() async throws {
        let start = Instant.now
        let elapsed = Mutex<Int64>(0)
        let clock: @Sendable () -> Instant = { Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + elapsed.withLock { $0 }) }
        let advance = { (minutes: Int64) in elapsed.withLock { $0 += minutes * 60_000 } }
        let executor = EngineExecutor(decidingThreads: 1)
        let store = try WebGuardTests.engine().publicDoor.store
        let sessions = ConsoleSessions(store: store, executor: executor, idle: .seconds(15 * 60), longest: .seconds(10 * 3600), clock: clock)
        // A second server on the same vault: it knows the sessions the first one started.
        let other = ConsoleSessions(store: store, executor: executor, idle: .seconds(15 * 60), longest: .seconds(10 * 3600), clock: clock)
        let id = try await sessions.start(account: "anna", createdAt: start)
        #expect(try await other.touch(id)?.account == "anna")
        #expect(try await other.touch(id)?.accountCreatedAt == start.millisecondsSinceEpoch, "the session names the account made then")
        advance(14)
        #expect(try await sessions.touch(id) != nil, "a request restarts the idle clock")
        advance(14)
        #expect(try await other.touch(id) != nil)
        advance(15)
        #expect(try await sessions.touch(id) == nil, "idle too long")
        #expect(try await sessions.touch("made-up") == nil)

        let busy = try await sessions.start(account: "ada", createdAt: start)
        var steps = 0
        while try await sessions.touch(busy) != nil, steps < 100 {
            advance(10)
            steps += 1
        }
        #expect(steps == 60, "no session outlives its longest time, and a busy one lives that long")
        let signedOut = try await sessions.start(account: "ada", createdAt: start)
        try await other.end(signedOut)
        #expect(try await sessions.touch(signedOut) == nil, "signed out at one server, signed out at all")
        await executor.shutdown()
    }

    @Test func consoleRoutesAreNamedByTemplateSoTheLogNeverHoldsAnId() {
        #expect(Console.template("/console/requests/RQ-2025-0006") == "/console/requests/:request")
        #expect(Console.template("/console/subjects/D-100016/open") == "/console/subjects/:subject/open")
        #expect(Console.template("/console/reports/activity/download") == "/console/reports/:report/download")
        #expect(Console.template("/console/nothing/here") == nil)
    }
}
