import Foundation
import Synchronization
import Testing
@testable import CustosServer

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

    @Test func aSessionEndsAfterItsIdleTimeAndAtItsLongest() {
        let start = ContinuousClock.now
        let elapsed = Mutex<Duration>(.zero)
        let clock: @Sendable () -> ContinuousClock.Instant = { start + elapsed.withLock { $0 } }
        let advance = { (by: Duration) in elapsed.withLock { $0 += by } }
        let sessions = ConsoleSessions(idle: .seconds(15 * 60), longest: .seconds(10 * 3600), clock: clock)
        let id = sessions.start(account: "anna")
        #expect(sessions.touch(id)?.account == "anna")
        advance(.seconds(14 * 60))
        #expect(sessions.touch(id) != nil, "a request restarts the idle clock")
        advance(.seconds(14 * 60))
        #expect(sessions.touch(id) != nil)
        advance(.seconds(15 * 60))
        #expect(sessions.touch(id) == nil, "idle too long")
        #expect(sessions.touch("made-up") == nil)

        let busy = sessions.start(account: "ada")
        for _ in 0..<100 {
            advance(.seconds(10 * 60))
            if sessions.touch(busy) == nil { break }
        }
        // It began 43 minutes in; it ends within one step of ten hours after.
        let limit = Duration.seconds(43 * 60 + 10 * 3600 + 10 * 60)
        let ended = elapsed.withLock { $0 }
        #expect(ended <= limit, "no session outlives its longest time")
        #expect(sessions.touch(busy) == nil)
        let signedOut = sessions.start(account: "ada")
        sessions.end(signedOut)
        #expect(sessions.touch(signedOut) == nil)
    }

    @Test func consoleRoutesAreNamedByTemplateSoTheLogNeverHoldsAnId() {
        #expect(Console.template("/console/requests/RQ-2025-0006") == "/console/requests/:request")
        #expect(Console.template("/console/subjects/D-100016/open") == "/console/subjects/:subject/open")
        #expect(Console.template("/console/reports/activity/download") == "/console/reports/:report/download")
        #expect(Console.template("/console/nothing/here") == nil)
    }
}
