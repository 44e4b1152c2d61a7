import Foundation
import Synchronization

/// Active service accounts by token hash, answered from memory while the keyring has seen no
/// commit since they were read: every server request checks its token, and with the cache a
/// known token costs a keyed hash and a comparison of the keyring's commit mark, instead of a
/// thread hand-off and a statement.
///
/// Any commit to the keyring (a revocation, a new subject's key, a shred), by this process or
/// another, changes the mark and empties the cache, so a revoked token is refused on the next
/// request, as before. An entry also serves at most `freshFor`: the bound if a process ever
/// took the keyring out of WAL mode (Custos never does), where commits would not show in the
/// mark. Only active accounts are kept: an unknown or revoked token is looked up every time
/// (the server rate-limits failed authentications).
///
/// ```swift
/// let cache = ServiceTokenCache(watch: watch)
/// if let account = cache.account(tokenHash: hash) { return account }
/// let mark = cache.mark()
/// let account = try storage.lookUp(hash)   // begun after the mark
/// if let account { cache.remember(account, tokenHash: hash, readAfter: mark) }
/// ```
final class ServiceTokenCache: Sendable {
    static let capacity = 1_024

    private struct Entry {
        var account: ServiceAccount
        var readAt: ContinuousClock.Instant
    }

    private struct Contents {
        /// The keyring's mark the entries were read after; nil when empty.
        var mark: SQLiteCommitWatch.Mark?
        var entries: [Data: Entry] = [:]
    }

    private let watch: SQLiteCommitWatch
    private let freshFor: Duration
    private let contents = Mutex(Contents())

    init(watch: SQLiteCommitWatch, freshFor: Duration = .seconds(1)) {
        self.watch = watch
        self.freshFor = freshFor
    }

    /// The keyring's commit mark now, to take before a lookup whose answer will be remembered.
    func mark() -> SQLiteCommitWatch.Mark { watch.mark() }

    /// The account of a remembered token while nothing was committed since it was read.
    func account(tokenHash: Data) -> ServiceAccount? {
        let now = watch.mark()
        let instant = ContinuousClock.now
        return contents.withLock { contents in
            guard contents.mark == now else {
                contents = Contents()
                return nil
            }
            guard let entry = contents.entries[tokenHash], instant - entry.readAt < freshFor else { return nil }
            return entry.account
        }
    }

    /// Keeps an account read by a statement begun after `mark` was taken. When the keyring
    /// has moved on since, the entries read before are dropped and this one is kept under the
    /// older mark, which the next `account` call finds changed: a lookup too many, never a
    /// stale answer.
    func remember(_ account: ServiceAccount, tokenHash: Data, readAfter mark: SQLiteCommitWatch.Mark) {
        let instant = ContinuousClock.now
        contents.withLock { contents in
            if contents.mark != mark || contents.entries.count >= Self.capacity { contents = Contents(mark: mark) }
            contents.entries[tokenHash] = Entry(account: account, readAt: instant)
        }
    }
}
