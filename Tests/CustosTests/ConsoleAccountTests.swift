import Custos
@testable import CustosCrypto
import CustosTestSupport
import Foundation
import Testing
import CustosStore

/// The console's accounts: Argon2id passwords and TOTP codes checked in one keyring
/// transaction, a code never taken twice, five failures lock the account, a removed account
/// is gone at once, and the keyring holds neither a password nor a TOTP secret in the clear.
struct ConsoleAccountTests {
    static let password = "a long passphrase for anna"

    func secret(_ uri: String) throws -> [UInt8] {
        let query = try #require(URLComponents(string: uri)?.queryItems)
        let text = try #require(query.first { $0.name == "secret" }?.value)
        return try #require(Base32.decode(text))
    }

    func codeNow(_ secret: [UInt8], offset: Int64 = 0) -> String {
        TOTP(secret: secret).code(atStep: TOTP.step(at: Int64(Date().timeIntervalSince1970)) + offset)
    }

    @Test func aPasswordAndATOTPCodeSignIn() throws {
        let fixture = try VaultFixture()
        let uri = try #require(try fixture.engine.consoleAccounts.addOfficer(name: "anna", role: .officer, password: Self.password, secondFactor: true))
        let secret = try secret(uri)
        #expect(uri.hasPrefix("otpauth://totp/") && uri.contains("algorithm=SHA1&digits=6&period=30"))
        #expect(try fixture.engine.consoleAccounts.signInOfficer(name: "anna", password: Self.password, code: nil) == .failure(.unknownOrWrong), "the second factor is required")
        let code = codeNow(secret)
        let signedIn = try fixture.engine.consoleAccounts.signInOfficer(name: "anna", password: Self.password, code: code)
        #expect((try? signedIn.get())?.role == .officer)
        #expect(try fixture.engine.consoleAccounts.signInOfficer(name: "anna", password: Self.password, code: code) == .failure(.codeReused), "a code is taken once")
        #expect(try fixture.engine.consoleAccounts.signInOfficer(name: "anna", password: "wrong " + Self.password, code: codeNow(secret, offset: 1)) == .failure(.unknownOrWrong))
        #expect((try? fixture.engine.consoleAccounts.signInOfficer(name: "anna", password: Self.password, code: codeNow(secret, offset: 1)).get()) != nil,
                "one step ahead is within the window")
        #expect(try fixture.engine.consoleAccounts.signInOfficer(name: "nobody", password: Self.password, code: code) == .failure(.unknownOrWrong))
    }

    /// The console's services page changes what `custos service limit` and `revoke` change,
    /// with the same refusals: a limit out of range, an account unknown or already revoked.
    @Test func theConsoleLimitsAndRevokesServiceAccountsAsTheCLIDoes() throws {
        let fixture = try VaultFixture()
        let accounts = fixture.engine.consoleAccounts
        let token = try fixture.engine.addServiceAccount(name: "crm-prod", actor: "collections-service")
        try accounts.limitService(name: "crm-prod", requestsPerSecond: 200)
        #expect(try accounts.services().map(\.requestsPerSecond) == [200])
        #expect(throws: StoreError.self) { try accounts.limitService(name: "crm-prod", requestsPerSecond: 0) }
        #expect(throws: StoreError.self) { try accounts.limitService(name: "crm-prod", requestsPerSecond: ServiceAccount.maximumRequestsPerSecond + 1) }
        #expect(throws: StoreError.self) { try accounts.limitService(name: "nobody", requestsPerSecond: 5) }
        try accounts.limitService(name: "crm-prod", requestsPerSecond: nil)
        #expect(try accounts.services().map(\.requestsPerSecond) == [nil])
        #expect(try fixture.engine.serviceAccount(forToken: token)?.name == "crm-prod")
        try accounts.revokeService(name: "crm-prod")
        #expect(try fixture.engine.serviceAccount(forToken: token) == nil, "the token fails at once")
        #expect(try accounts.services().first?.revokedAt != nil)
        #expect(throws: StoreError.self) { try accounts.revokeService(name: "crm-prod") }
        #expect(throws: StoreError.self) { try accounts.limitService(name: "crm-prod", requestsPerSecond: 5) }
    }

    @Test func fiveFailuresLockTheAccountEvenAgainstTheRightPassword() throws {
        let fixture = try VaultFixture()
        try fixture.engine.consoleAccounts.addOfficer(name: "ada", role: .auditor, password: Self.password, secondFactor: false)
        for attempt in 1...4 {
            #expect(try fixture.engine.consoleAccounts.signInOfficer(name: "ada", password: "wrong \(attempt)", code: nil) == .failure(.unknownOrWrong))
        }
        guard case .failure(.locked) = try fixture.engine.consoleAccounts.signInOfficer(name: "ada", password: "wrong 5", code: nil) else {
            Issue.record("the fifth failure locks")
            return
        }
        guard case .failure(.locked) = try fixture.engine.consoleAccounts.signInOfficer(name: "ada", password: Self.password, code: nil) else {
            Issue.record("a locked account refuses the right password")
            return
        }
        #expect(try fixture.engine.consoleAccounts.officers().first?.lockedUntil != nil)
    }

    @Test func aRemovedAccountIsGoneAtOnceAndShortPasswordsAreRefused() throws {
        let fixture = try VaultFixture()
        #expect(throws: OfficerAccountRefusal.self) { try fixture.engine.consoleAccounts.addOfficer(name: "anna", role: .officer, password: "short", secondFactor: false) }
        #expect(throws: OfficerAccountRefusal.self) { try fixture.engine.consoleAccounts.addOfficer(name: "anna smith", role: .officer, password: Self.password, secondFactor: false) }
        try fixture.engine.consoleAccounts.addOfficer(name: "anna", role: .officer, password: Self.password, secondFactor: false)
        #expect(throws: StoreError.self) { try fixture.engine.consoleAccounts.addOfficer(name: "anna", role: .auditor, password: Self.password, secondFactor: false) }
        #expect(try fixture.engine.consoleAccounts.officer(named: "anna")?.role == .officer)
        try fixture.engine.consoleAccounts.removeOfficer(name: "anna")
        #expect(try fixture.engine.consoleAccounts.officer(named: "anna") == nil)
        #expect(try fixture.engine.consoleAccounts.signInOfficer(name: "anna", password: Self.password, code: nil) == .failure(.unknownOrWrong))
        // The name may be given again, with a new password and role.
        try fixture.engine.consoleAccounts.addOfficer(name: "anna", role: .auditor, password: Self.password + "!", secondFactor: false)
        #expect(try fixture.engine.consoleAccounts.officer(named: "anna")?.role == .auditor)
    }

    @Test func theKeyringHoldsNoPasswordOrSecretInTheClear() throws {
        let fixture = try VaultFixture()
        let uri = try #require(try fixture.engine.consoleAccounts.addOfficer(name: "anna", role: .officer, password: Self.password, secondFactor: true))
        let secret = try secret(uri)
        let bytes = fixture.rawBytes()
        #expect(!bytes.contains(subsequence: Array(Self.password.utf8)))
        #expect(!bytes.contains(subsequence: secret))
        #expect(!bytes.contains(subsequence: Array(Base32.encode(secret).utf8)))
    }
}
