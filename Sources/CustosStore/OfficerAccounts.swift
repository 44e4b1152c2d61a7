import Foundation
internal import GRDB
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
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM officer_accounts WHERE name = ? AND removed_at IS NULL", arguments: [name]) == true {
                throw StoreError.invalidInput("a console account named '\(name)' exists already")
            }
            // A removed account's name may be used again: the row is replaced, its history
            // stays in the records that name it.
            try db.execute(sql: "DELETE FROM officer_accounts WHERE name = ?", arguments: [name])
            try db.execute(sql: "INSERT INTO officer_accounts (name, role, password_hash, totp_sealed, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, role.rawValue, passwordHash, sealed, now.millisecondsSinceEpoch])
        }
    }

    package func officers() throws -> [OfficerAccount] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, role, totp_sealed IS NOT NULL, created_at, locked_until FROM officer_accounts WHERE removed_at IS NULL ORDER BY name")
                .map { row in
                    OfficerAccount(name: row[0], role: OfficerRole(rawValue: row[1]) ?? .auditor, secondFactor: row[2],
                                   createdAt: Instant(millisecondsSinceEpoch: row[3]), lockedUntil: (row[4] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
                }
        }
    }

    package func removeOfficer(name: String, at now: Instant) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE officer_accounts SET removed_at = ? WHERE name = ? AND removed_at IS NULL", arguments: [now.millisecondsSinceEpoch, name])
            guard db.changesCount == 1 else { throw StoreError.invalidInput("no console account named '\(name)'") }
        }
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
        let stored = try pool.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM officer_accounts WHERE name = ? AND removed_at IS NULL", arguments: [name])
        }
        // An unknown name costs the same check: the answer's time must not tell which names exist.
        let passwordMatches = checkPassword(stored ?? Self.decoyHash) && stored != nil
        return try pool.write { db -> Result<OfficerAccount, SignInFailure> in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM officer_accounts WHERE name = ? AND removed_at IS NULL", arguments: [name]) else {
                return .failure(.unknownOrWrong)
            }
            if let locked = row["locked_until"] as Int64?, locked > now.millisecondsSinceEpoch {
                return .failure(.locked(until: Instant(millisecondsSinceEpoch: locked)))
            }
            func fail(_ failure: SignInFailure) throws -> Result<OfficerAccount, SignInFailure> {
                let failures = (row["failed_logins"] as Int) + 1
                let lock = failures >= Self.lockoutAfter ? now.millisecondsSinceEpoch + Self.lockoutMilliseconds : nil
                try db.execute(sql: "UPDATE officer_accounts SET failed_logins = ?, locked_until = ? WHERE name = ?",
                               arguments: [lock == nil ? failures : 0, lock, name])
                return .failure(lock.map { .locked(until: Instant(millisecondsSinceEpoch: $0)) } ?? failure)
            }
            guard passwordMatches, (row["password_hash"] as String?) == stored else { return try fail(.unknownOrWrong) }
            var acceptedStep: Int64?
            if let sealed = row["totp_sealed"] as Data? {
                let secret = try unseal(sealed, domain: Self.totpDomain(name))
                guard let code, let step = TOTP(secret: [UInt8](secret)).matchingStep(code, around: TOTP.step(at: now.millisecondsSinceEpoch / 1000)) else {
                    return try fail(.unknownOrWrong)
                }
                if let last = row["totp_last_step"] as Int64?, step <= last { return try fail(.codeReused) }
                acceptedStep = step
            }
            try db.execute(sql: "UPDATE officer_accounts SET failed_logins = 0, locked_until = NULL, totp_last_step = COALESCE(?, totp_last_step) WHERE name = ?",
                           arguments: [acceptedStep, name])
            return .success(OfficerAccount(name: name, role: OfficerRole(rawValue: row["role"]) ?? .auditor, secondFactor: acceptedStep != nil,
                                           createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), lockedUntil: nil))
        }
    }

    /// Whether the account exists and is not removed, with its role now: a session is checked
    /// against it on every request, so removing an account or changing a role ends its power
    /// at once.
    package func officer(named name: String) throws -> OfficerAccount? {
        try officers().first { $0.name == name }
    }
}
