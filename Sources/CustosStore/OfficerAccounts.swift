import Foundation
internal import CustosCrypto
package import CustosPolicy

/// What a console account may do: an officer acts, an auditor reads everything and changes
/// nothing. Package API: the CLI and the server use it; a service linking the library has no
/// use for console accounts.
package enum OfficerRole: String, Sendable, Codable, CaseIterable {
    case officer, auditor
}

/// A console account as listed: never its password hash or TOTP secret.
package struct OfficerAccount: Sendable, Codable, Equatable {
    package var name: String
    package var role: OfficerRole
    package var secondFactor: Bool
    package var createdAt: Instant
    package var lockedUntil: Instant?
}

/// Why a sign-in failed, for the server's own bookkeeping; the person signing in sees one
/// answer for all of them.
package enum SignInFailure: Error, Sendable, Equatable {
    case unknownOrWrong, locked(until: Instant), codeReused
}

/// Console accounts live in the keyring with the service accounts: a stolen vault holds no
/// password hash, and the keyring's backups are kept apart from the vault's (DESIGN §5).
extension Keyring {
    /// Consecutive failures after which an account is locked, and for how long.
    package static let lockoutAfter = 5
    package static let lockoutMilliseconds: Int64 = 15 * 60 * 1000

    private static func totpDomain(_ name: String) -> String { "officer-totp/\(name)" }

    /// An Argon2id string no password matches (made once, from random bytes), checked for an
    /// unknown account name.
    static let decoyHash: String = (try? PasswordHash.hash(Base64URL.encode(SecureRandom.bytes(32)))) ?? ""

    package func addOfficer(name: String, role: OfficerRole, passwordHash: String, totpSecret: [UInt8]?, at now: Instant) throws {
        let sealed = try totpSecret.map { try seal(Data($0), domain: Self.totpDomain(name)) }
        // A removed account's name may be used again: the row is replaced, its history stays in
        // the records that name it.
        try storage.insertOfficer(OfficerRecord(name: name, role: role, passwordHash: passwordHash, totpSealed: sealed, totpLastStep: nil,
                                                failedLogins: 0, lockedUntil: nil, createdAt: now))
    }

    package func officers() throws -> [OfficerAccount] {
        try storage.officerRecords().map { record in
            OfficerAccount(name: record.name, role: record.role, secondFactor: record.totpSealed != nil, createdAt: record.createdAt, lockedUntil: record.lockedUntil)
        }
    }

    package func removeOfficer(name: String, at now: Instant) throws {
        guard try storage.removeOfficer(named: name, at: now) else { throw StoreError.invalidInput("no console account named '\(name)'") }
    }

    /// Checks a password and, for an account with a second factor, a TOTP code (one step
    /// either side, never a step at or before the last one accepted); the code, the lockout
    /// and the counters in one write transaction, so two servers cannot both accept the same
    /// code. Five failures in a row lock the account for fifteen minutes; a success resets
    /// the count.
    package func signIn(name: String, at now: Instant, checkPassword: (String) -> Bool, code: String?) throws -> Result<OfficerAccount, SignInFailure> {
        // The Argon2id check (tens of milliseconds) runs before the write transaction, so it
        // never holds the keyring's write lock that imports and service accounts need; the
        // transaction then makes sure the hash it checked is still the account's.
        let stored = try storage.officerRecords().first { $0.name == name }?.passwordHash
        // An unknown name costs the same check: the answer's time must not tell which names exist.
        let passwordMatches = checkPassword(stored ?? Self.decoyHash) && stored != nil
        return try storage.updateOfficer(named: name) { record -> (OfficerUpdate?, Result<OfficerAccount, SignInFailure>) in
            guard let record else { return (nil, .failure(.unknownOrWrong)) }
            if let locked = record.lockedUntil, locked > now {
                return (nil, .failure(.locked(until: locked)))
            }
            func fail(_ failure: SignInFailure) -> (OfficerUpdate?, Result<OfficerAccount, SignInFailure>) {
                let failures = record.failedLogins + 1
                let lock = failures >= Self.lockoutAfter ? Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Self.lockoutMilliseconds) : nil
                return (OfficerUpdate(failedLogins: lock == nil ? failures : 0, lockedUntil: lock, totpLastStep: nil),
                        .failure(lock.map { .locked(until: $0) } ?? failure))
            }
            guard passwordMatches, record.passwordHash == stored else { return fail(.unknownOrWrong) }
            var acceptedStep: Int64?
            if let sealed = record.totpSealed {
                let secret = try self.unseal(sealed, domain: Self.totpDomain(name))
                guard let code, let step = TOTP(secret: [UInt8](secret)).matchingStep(code, around: TOTP.step(at: now.millisecondsSinceEpoch / 1000)) else {
                    return fail(.unknownOrWrong)
                }
                if let last = record.totpLastStep, step <= last { return fail(.codeReused) }
                acceptedStep = step
            }
            return (OfficerUpdate(failedLogins: 0, lockedUntil: nil, totpLastStep: acceptedStep),
                    .success(OfficerAccount(name: name, role: record.role, secondFactor: acceptedStep != nil, createdAt: record.createdAt, lockedUntil: nil)))
        }
    }

    /// Whether the account exists and is not removed, with its role now: a session is checked
    /// against it on every request, so removing an account or changing a role ends its power
    /// at once.
    package func officer(named name: String) throws -> OfficerAccount? {
        try officers().first { $0.name == name }
    }
}
