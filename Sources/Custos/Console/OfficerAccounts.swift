import Foundation
package import CustosStore
package import CustosPolicy
internal import CustosCrypto

/// A console account refused before anything is stored.
package struct OfficerAccountRefusal: Error, Sendable, CustomStringConvertible {
    package var description: String
}

/// The officer's console accounts (DESIGN §11): a password hashed with Argon2id (libsodium's
/// interactive limits), optionally a TOTP second factor, and a role. They live in the keyring,
/// on either backend.
///
/// ```swift
/// let uri = try engine.consoleAccounts.addOfficer(name: "anna", role: .officer, password: "a long passphrase", secondFactor: true)
/// ```
package struct ConsoleAccounts: Sendable {
    let keyring: Keyring
    let clock: @Sendable () -> Instant
    /// The controller's name, the issuer an authenticator app shows.
    let controller: String

    package init(keyring: Keyring, clock: @escaping @Sendable () -> Instant, controller: String) {
        self.keyring = keyring
        self.clock = clock
        self.controller = controller
    }

    /// The shortest password accepted: NIST SP 800-63B's floor for a password chosen by a person.
    package static let minimumPasswordLength = 12

    /// Creates a console account. With `secondFactor`, returns the `otpauth://` URI to show
    /// once (the secret is kept sealed in the keyring and never shown again).
    @discardableResult
    package func addOfficer(name: String, role: OfficerRole, password: String, secondFactor: Bool) throws -> String? {
        guard !name.isEmpty, name.utf8.count <= 64, SubjectId.problem(name) == nil else {
            throw OfficerAccountRefusal(description: "an account name is 1 to 64 ASCII letters, digits and - _ . :")
        }
        guard password.count >= Self.minimumPasswordLength else {
            throw OfficerAccountRefusal(description: "a password has at least \(Self.minimumPasswordLength) characters")
        }
        let secret = secondFactor ? SecureRandom.bytes(20) : nil
        try keyring.addOfficer(name: name, role: role, passwordHash: try PasswordHash.hash(password), totpSecret: secret, at: clock())
        return secret.map { TOTP(secret: $0).uri(issuer: "Custos \(controller)", account: name) }
    }

    package func officers() throws -> [OfficerAccount] { try keyring.officers() }

    package func removeOfficer(name: String) throws { try keyring.removeOfficer(name: name, at: clock()) }

    /// Signs in with a password and, where the account has one, a TOTP code.
    package func signInOfficer(name: String, password: String, code: String?) throws -> Result<OfficerAccount, SignInFailure> {
        guard name.utf8.count <= 64, password.utf8.count <= 1024 else { return .failure(.unknownOrWrong) }
        // Real time, even on a simulation vault: the authenticator app and the lockout run on it.
        return try keyring.signIn(name: name, at: .now, checkPassword: { PasswordHash.verify(password, against: $0) }, code: code)
    }

    /// The account as it is now (nil once removed).
    package func officer(named name: String) throws -> OfficerAccount? { try keyring.officer(named: name) }

    /// The service accounts of `custos serve`, revoked ones included (never their tokens),
    /// for the console's page of who can reach the data.
    package func services() throws -> [ServiceAccount] { try keyring.serviceAccounts() }

    /// Revokes a service account: its token fails from the next request on, on every server.
    /// On real time, as `custos service revoke` records it, even on a simulation vault whose
    /// clock is set: accounts are made on real time, and a revocation must not precede them.
    package func revokeService(name: String) throws { try keyring.revokeServiceAccount(name: name, at: .now) }

    /// Sets (or with nil clears) an active service account's own rate limit.
    package func limitService(name: String, requestsPerSecond: Int?) throws {
        try keyring.limitServiceAccount(name: name, requestsPerSecond: requestsPerSecond)
    }
}

extension PrivacyEngine {
    /// The console's accounts, in this vault's keyring.
    package var consoleAccounts: ConsoleAccounts { ConsoleAccounts(keyring: store.keyring, clock: clock, controller: controllerContacts.name) }
}
