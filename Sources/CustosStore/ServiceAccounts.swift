import Foundation
internal import GRDB
internal import CustosCrypto
package import CustosPolicy

/// A service account of `custos serve`: a name, the one policy actor its token acts as, and
/// whether it was revoked. The token itself is never stored.
package struct ServiceAccount: Sendable, Codable, Equatable {
    package var name: String
    package var actor: String
    package var createdAt: Instant
    package var revokedAt: Instant?
}

/// Service tokens live in the keyring as keyed hashes (BLAKE2b under the keyring's
/// blind-index key, with a domain of their own): a stolen vault or keyring backup yields no
/// usable token, and a token is checked with one hash and one indexed lookup.
extension Keyring {
    static let tokenDomain = Array("custos/service-token/v1\u{0}".utf8)

    func tokenHash(_ token: String) -> Data {
        Data(Blake2b.keyedHash(Self.tokenDomain + Array(token.utf8), key: blindIndexKey))
    }

    /// Creates an account and returns its token: 256 random bits, base64url, shown once.
    package func addServiceAccount(name: String, actor: String, at now: Instant) throws -> String {
        let token = "cst_" + Base64URL.encode(SecureRandom.bytes(32))
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM service_accounts WHERE name = ?", arguments: [name]) == true {
                throw StoreError.invalidInput("a service account named '\(name)' exists already")
            }
            try db.execute(sql: "INSERT INTO service_accounts (name, actor, token_hash, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [name, actor, tokenHash(token), now.millisecondsSinceEpoch])
        }
        return token
    }

    package func serviceAccounts() throws -> [ServiceAccount] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, actor, created_at, revoked_at FROM service_accounts ORDER BY name").map { row in
                ServiceAccount(name: row[0], actor: row[1], createdAt: Instant(millisecondsSinceEpoch: row[2]),
                               revokedAt: (row[3] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
            }
        }
    }

    /// Revokes an account; its token is refused from the next request on.
    package func revokeServiceAccount(name: String, at now: Instant) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE service_accounts SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                           arguments: [now.millisecondsSinceEpoch, name])
            guard db.changesCount == 1 else { throw StoreError.invalidInput("no active service account named '\(name)'") }
        }
    }

    /// The account a token belongs to, if it is known and not revoked. Read from the keyring on
    /// every call, so a revocation by another process takes effect on the next request.
    package func serviceAccount(forToken token: String) throws -> ServiceAccount? {
        guard token.utf8.count <= 128 else { return nil }
        let hash = tokenHash(token)
        // One statement is its own snapshot: no transaction around it. The statement is kept
        // compiled per connection; every server request looks its token up.
        return try pool.unsafeRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT name, actor, created_at FROM service_accounts WHERE token_hash = ? AND revoked_at IS NULL"),
                             arguments: [hash]).map { row in
                ServiceAccount(name: row[0], actor: row[1], createdAt: Instant(millisecondsSinceEpoch: row[2]), revokedAt: nil)
            }
        }
    }
}
