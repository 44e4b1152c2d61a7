import Custos
import CustosPolicy
import CustosStore
import CustosTestSupport
import Foundation
import Testing

extension OnBothBackends {
/// Console and privacy-centre sessions, and spent form tokens, kept in the vault
/// (`WebSessionStore`) so that every server on it shares them and a restart keeps them.
struct WebSessionTests {
    static let minute: Int64 = 60_000

    func later(_ instant: Instant, minutes: Int64) -> Instant {
        Instant(millisecondsSinceEpoch: instant.millisecondsSinceEpoch + minutes * Self.minute)
    }

    @Test(arguments: Backend.reachable) func aSessionEndsWhenIdleOrAtItsLongestAndOpensOnlyItsOwnKind(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let store = fixture.office.door.store
            let start = fixture.clock.now
            let idle = 15 * Self.minute, longest = 600 * Self.minute
            let cookie = try store.startWebSession(.console, holder: ["anna-officer-7781"], longest: longest, at: start)
            #expect(try store.webSession(.console, cookie: cookie, idle: idle, at: start)?.holder == ["anna-officer-7781"])
            #expect(try store.webSession(.centre, cookie: cookie, idle: idle, at: start) == nil, "a console cookie is no privacy-centre session")
            #expect(try store.webSession(.console, cookie: "made-up", idle: idle, at: start) == nil)
            #expect(try store.webSession(.console, cookie: String(repeating: "x", count: 65), idle: idle, at: start) == nil)

            // Each use within the idle time restarts it; fifteen minutes without one end it.
            #expect(try store.webSession(.console, cookie: cookie, idle: idle, at: later(start, minutes: 14)) != nil)
            #expect(try store.webSession(.console, cookie: cookie, idle: idle, at: later(start, minutes: 28))?.lastSeenAt == later(start, minutes: 28))
            #expect(try store.webSession(.console, cookie: cookie, idle: idle, at: later(start, minutes: 43)) == nil, "idle too long")
            #expect(try store.webSession(.console, cookie: cookie, idle: idle, at: later(start, minutes: 29)) == nil, "an ended session stays ended")

            // However busy, a session ends at its longest.
            let busy = try store.startWebSession(.console, holder: ["ada"], longest: longest, at: start)
            var minutes: Int64 = 0
            while try store.webSession(.console, cookie: busy, idle: idle, at: later(start, minutes: minutes)) != nil { minutes += 10 }
            #expect(minutes == 600)

            // Signing out ends it at once; a cookie that names nothing changes nothing.
            let signedOut = try store.startWebSession(.console, holder: ["lena"], longest: longest, at: start)
            try store.endWebSession(.console, cookie: signedOut)
            try store.endWebSession(.console, cookie: "made-up")
            #expect(try store.webSession(.console, cookie: signedOut, idle: idle, at: start) == nil)
        }
    }

    @Test(arguments: Backend.reachable) func aPrivacyCentreSessionCarriesItsSubjectsAndAMessageShownOnce(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let store = fixture.office.door.store
            let start = fixture.clock.now
            let cookie = try store.startWebSession(.centre, holder: ["PR-9917", "D-4417"], longest: 30 * Self.minute, at: start)
            #expect(try store.exchangeFlash(.centre, cookie: cookie, "saved") == nil)
            let visit = try store.webSession(.centre, cookie: cookie, idle: nil, at: later(start, minutes: 2))
            #expect(visit?.lastSeenAt == later(start, minutes: 2) && visit?.flash == "saved", "writing the last use keeps the message")
            #expect(try store.webSession(.centre, cookie: cookie, idle: nil, at: later(start, minutes: 29))?.holder == ["PR-9917", "D-4417"])
            #expect(try store.exchangeFlash(.centre, cookie: cookie, nil) == "saved")
            #expect(try store.exchangeFlash(.centre, cookie: cookie, nil) == nil, "a message shows once")
            #expect(try store.webSession(.centre, cookie: cookie, idle: nil, at: later(start, minutes: 30)) == nil, "half an hour, however busy")

            // Neither a cookie, an account name nor a subject id is kept in clear.
            let another = try store.startWebSession(.console, holder: ["anna-officer-7781"], longest: 600 * Self.minute, at: start)
            if let bytes = fixture.rawFileBytes() {
                for secret in [another, "anna-officer-7781", "PR-9917-never", cookie] {
                    #expect(!bytes.contains(subsequence: Array(secret.utf8)), "\(secret.prefix(4))… in the vault's files")
                }
            }
        }
    }

    @Test(arguments: Backend.reachable) func aFormTokenIsSpentOnceAndForgottenAfterItExpires(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let store = fixture.office.door.store
            let start = fixture.clock.now
            let first = try store.spendNonce("nonce-1", until: later(start, minutes: 60), at: start)
            #expect(first)
            #expect(try store.spendNonce("nonce-1", until: later(start, minutes: 60), at: later(start, minutes: 1)) == false, "spent before")
            #expect(try store.spendNonce("nonce-2", until: later(start, minutes: 60), at: later(start, minutes: 1)) == true)
            // Past its expiry the row goes (the token's own expiry refuses it before it gets here).
            #expect(try store.spendNonce("nonce-3", until: later(start, minutes: 180), at: later(start, minutes: 61)) == true)
            #expect(try store.spendNonce("nonce-1", until: later(start, minutes: 180), at: later(start, minutes: 62)) == true, "the expired row was deleted")
        }
    }

    /// A sign-out is counted in the keyring, and a vault whose count disagrees ends every
    /// session when it opens: one restored from a backup made before a sign-out, or one whose
    /// sign-out stopped between the keyring's commit and its own.
    @Test(arguments: Backend.reachable) func aVaultBehindTheKeyringsSignOutsEndsEverySessionAndOneThatAgreesKeepsThem(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let store = fixture.office.door.store, keyring = fixture.office.service.signingKeyring
            let start = fixture.clock.now, longest = 600 * Self.minute
            let staying = try store.startWebSession(.console, holder: ["anna"], longest: longest, at: start)
            let leaving = try store.startWebSession(.centre, holder: ["D-1"], longest: longest, at: start)
            let before = try keyring.signOuts()
            try store.endWebSession(.centre, cookie: leaving)
            try store.endWebSession(.centre, cookie: leaving)
            try store.endWebSession(.console, cookie: "names-no-session")
            #expect(try keyring.signOuts() == before + 1, "only a session that was there is counted")
            #expect(try store.endSessionsUnlessSignOutsAgreeWithTheKeyring() == 0, "the vault saw its own sign-out")
            #expect(try store.webSession(.console, cookie: staying, idle: nil, at: start)?.holder == ["anna"])

            // The keyring counts a sign-out this vault never saw.
            _ = try keyring.countSignOut()
            let other = try store.startWebSession(.centre, holder: ["D-2"], longest: longest, at: start)
            #expect(try store.endSessionsUnlessSignOutsAgreeWithTheKeyring() == 2)
            #expect(try store.webSession(.console, cookie: staying, idle: nil, at: start) == nil)
            #expect(try store.webSession(.centre, cookie: other, idle: nil, at: start) == nil)
            #expect(try store.endSessionsUnlessSignOutsAgreeWithTheKeyring() == 0, "once")
            let after = try store.startWebSession(.console, holder: ["anna"], longest: longest, at: start)
            #expect(try store.webSession(.console, cookie: after, idle: nil, at: start)?.holder == ["anna"], "signing in again works")
        }
    }

    @Test(arguments: Backend.reachable) func aClientsCountLastsItsWindowAndEachKeyCountsApart(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let store = fixture.office.door.store
            let start = fixture.clock.now
            let key = Data(repeating: 7, count: 32), other = Data(repeating: 8, count: 32), window = 15 * Self.minute
            let first = try store.countClientEvent(key: key, window: window, at: start)
            #expect(first == 1)
            #expect(try store.countClientEvent(key: key, window: window, at: later(start, minutes: 14)) == 2)
            #expect(try store.countClientEvent(key: other, window: window, at: later(start, minutes: 14)) == 1, "another key counts apart")
            #expect(try store.countClientEvent(key: key, window: window, at: later(start, minutes: 15)) == 1, "the window opened by its first event ended")
            #expect(try store.countClientEvent(key: other, window: window, at: later(start, minutes: 15)) == 2)
            #expect(try store.countClientEvent(key: other, window: window, at: later(start, minutes: 29)) == 1)
        }
    }
}
}

