import Foundation
import Synchronization

/// Rows of a SQLite file answered from memory while the file has seen no commit since they
/// were read. The keyring keeps two: active service accounts by token hash (every server
/// request checks its token) and subjects' wrapped keys (every gated read opens fields). A hit
/// costs a comparison of the file's commit mark and a dictionary lookup, instead of a
/// statement.
///
/// Any commit to the file (a revocation, a new subject's key, a shred), by this process or
/// another, changes the mark and empties the cache, so a revoked token is refused and a
/// shredded subject's key is not found on the very next lookup, as without the cache. An entry
/// also serves at most `freshFor`: the bound if a process ever took the file out of WAL mode
/// (Custos never does), where commits would not show in the mark. Only rows that were found
/// are kept: an unknown token or subject is looked up every time.
///
/// ```swift
/// let cache = CommitMarkedCache<Data, ServiceTokenHolder>(watch: watch, capacity: 1_024)
/// if let account = cache.value(for: hash) { return account }
/// let mark = cache.mark()
/// let account = try storage.lookUp(hash)   // begun after the mark
/// if let account { cache.remember(account, for: hash, readAfter: mark) }
/// ```
final class CommitMarkedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var readAt: ContinuousClock.Instant
    }

    private struct Contents {
        /// The file's mark the entries were read after; nil when empty.
        var mark: SQLiteCommitWatch.Mark?
        var entries: [Key: Entry] = [:]
    }

    private let watch: SQLiteCommitWatch
    /// In sixteen parts by key (`ShardedMutex`), each with the mark its entries were read after.
    private let contents = ShardedMutex { Contents() }
    private let capacityPerPart: Int
    private let freshFor: Duration

    init(watch: SQLiteCommitWatch, capacity: Int, freshFor: Duration = .seconds(1)) {
        self.watch = watch
        capacityPerPart = max(1, capacity / ShardedMutex<Contents>.count)
        self.freshFor = freshFor
    }

    /// The file's commit mark now, to take before a lookup whose answer will be remembered.
    func mark() -> SQLiteCommitWatch.Mark { watch.mark() }

    /// The value of a remembered key while nothing was committed since it was read.
    func value(for key: Key) -> Value? {
        let now = watch.mark()
        let instant = ContinuousClock.now
        return contents.withLock(for: key) { contents in
            guard contents.mark == now else {
                contents = Contents()
                return nil
            }
            guard let entry = contents.entries[key] else { return nil }
            guard instant - entry.readAt < freshFor else {
                contents.entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// Keeps a value read by a statement begun after `mark` was taken. When the file has moved
    /// on since, the entries read before are dropped and this one is kept under the older
    /// mark, which the next `value(for:)` finds changed: a lookup too many, never a stale
    /// answer.
    func remember(_ value: Value, for key: Key, readAfter mark: SQLiteCommitWatch.Mark) {
        let instant = ContinuousClock.now
        let capacity = capacityPerPart
        contents.withLock(for: key) { contents in
            if contents.mark != mark || contents.entries.count >= capacity { contents = Contents(mark: mark) }
            contents.entries[key] = Entry(value: value, readAt: instant)
        }
    }
}
