package import Foundation
internal import GRDB
package import CustosPolicy

/// Who a web session is for: an officer in the console, or a data subject in the privacy centre.
/// The kind is part of the session's keyed hash and its seal, so a cookie of one never opens the other.
package enum WebSessionKind: String, Sendable {
    case console, centre
}

/// A signed-in visit, read from the vault: what it holds and its clocks.
package struct WebSession: Sendable, Equatable {
    /// The console's account name, or the privacy centre's subject ids.
    package var holder: [String]
    /// A message the next page shows once.
    package var flash: String?
    package var startedAt: Instant
    package var lastSeenAt: Instant
}

/// A web session as a backend stores it: the keyed hash of its cookie, never the cookie, and
/// what it holds sealed, never an account name or a subject id in clear.
package struct StoredWebSession: Sendable {
    package var idHash: Data
    package var sealed: Data
    package var startedAt: Instant
    package var lastSeenAt: Instant
    /// The longest it may live; it ends earlier when idle.
    package var endsAt: Instant

    package init(idHash: Data, sealed: Data, startedAt: Instant, lastSeenAt: Instant, endsAt: Instant) {
        (self.idHash, self.sealed, self.startedAt, self.lastSeenAt, self.endsAt) = (idHash, sealed, startedAt, lastSeenAt, endsAt)
    }
}

/// The rows web sessions and spent form tokens live in on a backend. They are kept in the vault,
/// not in a server's memory, so that several `custos serve` processes on one vault (DESIGN §12)
/// share them behind any balancer, and a restart signs nobody out and forgets no spent token.
package protocol WebSessionStore: WebDoorStore {
    /// Stores a new session, deleting those whose longest time ended before `purgeBefore`.
    func insertSession(_ session: StoredWebSession, purgeBefore: Instant) throws
    func storedSession(idHash: Data) throws -> StoredWebSession?
    /// Writes a session's last use and, when given, what it holds (nil keeps what it holds, so
    /// a last use written at the same moment as a message keeps the message); a session that
    /// ended meanwhile stays ended.
    func updateSession(idHash: Data, lastSeenAt: Instant, sealed: Data?) throws
    func deleteSession(idHash: Data) throws
    /// Deletes a signed-out session and, in the same transaction, records that the vault has
    /// seen `signOuts` sign-outs (the keyring's count after this one; a count already higher
    /// stays).
    func deleteSession(idHash: Data, signOuts: Int64) throws
    /// Ends every session when the sign-outs this vault has seen are not `signOuts`, then
    /// records `signOuts` as seen; returns how many sessions ended
    /// (`endSessionsUnlessSignOutsAgreeWithTheKeyring`).
    func endSessionsUnlessSignOutsAgree(_ signOuts: Int64) throws -> Int
    /// Records a form token's nonce as spent until `until`; false when it was spent before.
    /// Nonces that expired before `now` are deleted in the same transaction.
    func spendNonce(_ nonce: String, until: Instant, at now: Instant) throws -> Bool
    /// Counts one event of a client under `key` (a keyed hash of its address and of what is
    /// counted) in a window that opens with the key's first event and lasts `window`
    /// milliseconds, and returns the events counted in it, this one included. Windows that
    /// ended by `now` are deleted in the same transaction, so a count lives no longer than its
    /// window. Every server on the vault counts in the same row.
    func countClientEvent(key: Data, window: Int64, at now: Instant) throws -> Int
}

extension WebSessionStore {
    /// How often a session's last use is written: its idle time is counted to the minute, so
    /// that a page view does not cost a commit.
    package static var lastSeenGranularity: Int64 { 60_000 }

    /// Starts a session for `holder` and returns its cookie value, shown once; only its keyed
    /// hash is stored.
    ///
    /// ```swift
    /// let cookie = try store.startWebSession(.console, holder: ["anna"], longest: 36_000_000, at: .now)
    /// let visit = try store.webSession(.console, cookie: cookie, idle: 900_000, at: .now)   // holder ["anna"]
    /// ```
    package func startWebSession(_ kind: WebSessionKind, holder: [String], longest: Int64, at now: Instant) throws -> String {
        let cookie = RandomToken.make()
        let idHash = sessionHash(kind, cookie)
        try insertSession(StoredWebSession(idHash: idHash, sealed: try seal(kind, idHash, Contents(holder: holder, flash: nil)), startedAt: now,
                                           lastSeenAt: now, endsAt: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + longest)),
                          purgeBefore: now)
        return cookie
    }

    /// The session a cookie names if it is alive, its idle clock restarted; nil (and the row
    /// deleted) once it has been idle for `idle` or reached its longest time, nil for a cookie
    /// that names none.
    package func webSession(_ kind: WebSessionKind, cookie: String, idle: Int64?, at now: Instant) throws -> WebSession? {
        guard let idHash = hash(kind, cookie), let stored = try storedSession(idHash: idHash) else { return nil }
        let at = now.millisecondsSinceEpoch
        guard at < stored.endsAt.millisecondsSinceEpoch, idle.map({ at - stored.lastSeenAt.millisecondsSinceEpoch < $0 }) ?? true,
              let contents = try? unseal(kind, idHash, stored.sealed) else {
            try deleteSession(idHash: idHash)
            return nil
        }
        var lastSeen = stored.lastSeenAt
        if at - lastSeen.millisecondsSinceEpoch >= Self.lastSeenGranularity {
            lastSeen = now
            try updateSession(idHash: idHash, lastSeenAt: now, sealed: nil)
        }
        return WebSession(holder: contents.holder, flash: contents.flash, startedAt: stored.startedAt, lastSeenAt: lastSeen)
    }

    /// Sets the message the session's next page shows once, and returns the one that was waiting.
    @discardableResult
    package func exchangeFlash(_ kind: WebSessionKind, cookie: String, _ message: String?) throws -> String? {
        guard let idHash = hash(kind, cookie), let stored = try storedSession(idHash: idHash),
              var contents = try? unseal(kind, idHash, stored.sealed) else { return nil }
        let waiting = contents.flash
        guard waiting != message else { return waiting }
        contents.flash = message
        try updateSession(idHash: idHash, lastSeenAt: stored.lastSeenAt, sealed: try seal(kind, idHash, contents))
        return waiting
    }

    /// Ends a session (signing out); a cookie that names none changes nothing.
    ///
    /// The sign-out is counted in the keyring before the row goes: the vault's backups cannot
    /// bring back a session signed out after them, because a vault whose count of sign-outs
    /// is behind the keyring's ends every session it holds when it opens
    /// (`endSessionsUnlessSignOutsAgreeWithTheKeyring`). A kill between the two commits ends
    /// them all too: everyone signs in again, and no signed-out session lives on.
    package func endWebSession(_ kind: WebSessionKind, cookie: String) throws {
        guard let idHash = hash(kind, cookie), try storedSession(idHash: idHash) != nil else { return }
        try deleteSession(idHash: idHash, signOuts: try keyring.countSignOut())
    }

    /// Ends every session of a vault whose count of sign-outs is not the keyring's: one
    /// restored from a backup made before a sign-out, or one whose sign-out stopped between
    /// its two commits. Run when the vault opens, before anything is served; returns how many
    /// sessions ended.
    ///
    /// A sign-out that lands between the keyring's count being read and the vault's check can
    /// leave the vault's count behind; the keyring is read again after, and the check repeats
    /// until no sign-out came between (each round ends only the sessions started meanwhile).
    @discardableResult
    package func endSessionsUnlessSignOutsAgreeWithTheKeyring() throws -> Int {
        var ended = 0
        var signOuts = try keyring.signOuts()
        for _ in 0..<8 {
            ended += try endSessionsUnlessSignOutsAgree(signOuts)
            let now = try keyring.signOuts()
            if now == signOuts { break }
            signOuts = now
        }
        return ended
    }

    private func hash(_ kind: WebSessionKind, _ cookie: String) -> Data? {
        // A cookie is the visitor's to write: anything but a token's length names no session.
        guard !cookie.isEmpty, cookie.utf8.count <= 64 else { return nil }
        return sessionHash(kind, cookie)
    }

    private func sessionHash(_ kind: WebSessionKind, _ cookie: String) -> Data {
        keyring.keyedDigest("web-session-" + kind.rawValue, cookie)
    }

    private func seal(_ kind: WebSessionKind, _ idHash: Data, _ contents: Contents) throws -> Data {
        try keyring.seal(Data(idHash) + (try JSONEncoder().encode(contents)), domain: "web-session-" + kind.rawValue)
    }

    /// What a row holds, opened; a row's sealed contents begin with its own hash, so contents
    /// moved to another row do not open there.
    private func unseal(_ kind: WebSessionKind, _ idHash: Data, _ sealed: Data) throws -> Contents {
        let opened = try keyring.unseal(sealed, domain: "web-session-" + kind.rawValue)
        guard opened.count > idHash.count, opened.prefix(idHash.count) == idHash else { throw StoreError.invalidInput("a web session's contents belong to another") }
        return try JSONDecoder().decode(Contents.self, from: opened.dropFirst(idHash.count))
    }
}

/// A session's sealed contents.
private struct Contents: Codable {
    var holder: [String]
    var flash: String?
}

extension VaultStore: WebSessionStore {
    package func insertSession(_ session: StoredWebSession, purgeBefore: Instant) throws {
        try vault.pool.write { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE ends_at < ?", arguments: [purgeBefore.millisecondsSinceEpoch])
            try db.execute(sql: "INSERT INTO web_sessions (id_hash, sealed, started_at, last_seen_at, ends_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [session.idHash, session.sealed, session.startedAt.millisecondsSinceEpoch,
                                       session.lastSeenAt.millisecondsSinceEpoch, session.endsAt.millisecondsSinceEpoch])
        }
    }

    package func storedSession(idHash: Data) throws -> StoredWebSession? {
        try vault.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT sealed, started_at, last_seen_at, ends_at FROM web_sessions WHERE id_hash = ?", arguments: [idHash]).map {
                StoredWebSession(idHash: idHash, sealed: $0["sealed"], startedAt: Instant(millisecondsSinceEpoch: $0["started_at"]),
                                 lastSeenAt: Instant(millisecondsSinceEpoch: $0["last_seen_at"]), endsAt: Instant(millisecondsSinceEpoch: $0["ends_at"]))
            }
        }
    }

    package func updateSession(idHash: Data, lastSeenAt: Instant, sealed: Data?) throws {
        try vault.pool.write { db in
            try db.execute(sql: "UPDATE web_sessions SET last_seen_at = ?, sealed = coalesce(?, sealed) WHERE id_hash = ?",
                           arguments: [lastSeenAt.millisecondsSinceEpoch, sealed, idHash])
        }
    }

    package func deleteSession(idHash: Data) throws {
        try vault.pool.write { db in try db.execute(sql: "DELETE FROM web_sessions WHERE id_hash = ?", arguments: [idHash]) }
    }

    package func deleteSession(idHash: Data, signOuts: Int64) throws {
        try vault.pool.write { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE id_hash = ?", arguments: [idHash])
            try Self.recordSignOuts(db, atLeast: signOuts)
        }
    }

    package func endSessionsUnlessSignOutsAgree(_ signOuts: Int64) throws -> Int {
        // Read first, so that an open that finds the counts agreeing (every open but after a
        // restore) writes nothing; checked again under the write lock.
        if try vault.pool.read({ db in try Self.signOutsSeen(db) }) == signOuts { return 0 }
        return try vault.pool.write { db in
            if try Self.signOutsSeen(db) == signOuts { return 0 }
            try db.execute(sql: "DELETE FROM web_sessions")
            let ended = db.changesCount
            try Self.writeSignOutsSeen(db, signOuts)
            return ended
        }
    }

    /// The sign-outs the vault has seen: 0 before its first, -1 (agreeing with no count) when
    /// the row does not hold a number.
    private static func signOutsSeen(_ db: Database) throws -> Int64 {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'web-sign-outs-seen'").map { Int64($0) ?? -1 } ?? 0
    }

    private static func recordSignOuts(_ db: Database, atLeast signOuts: Int64) throws {
        guard signOuts > (try signOutsSeen(db)) else { return }
        try writeSignOutsSeen(db, signOuts)
    }

    private static func writeSignOutsSeen(_ db: Database, _ signOuts: Int64) throws {
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('web-sign-outs-seen', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       arguments: [String(signOuts)])
    }

    package func spendNonce(_ nonce: String, until: Instant, at now: Instant) throws -> Bool {
        try vault.pool.write { db in
            try db.execute(sql: "DELETE FROM web_form_nonces WHERE expires_at < ?", arguments: [now.millisecondsSinceEpoch])
            try db.execute(sql: "INSERT OR IGNORE INTO web_form_nonces (nonce, expires_at) VALUES (?, ?)", arguments: [nonce, until.millisecondsSinceEpoch])
            return db.changesCount == 1
        }
    }

    package func countClientEvent(key: Data, window: Int64, at now: Instant) throws -> Int {
        try vault.pool.write { db in
            try db.execute(sql: "DELETE FROM web_client_counts WHERE ends_at <= ?", arguments: [now.millisecondsSinceEpoch])
            return try Int.fetchOne(db, sql: """
                INSERT INTO web_client_counts (key, ends_at, count) VALUES (?, ?, 1)
                ON CONFLICT (key) DO UPDATE SET count = count + 1 RETURNING count
                """, arguments: [key, now.millisecondsSinceEpoch + window]) ?? Int.max
        }
    }
}
