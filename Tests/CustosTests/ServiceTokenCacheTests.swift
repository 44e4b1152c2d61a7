import Foundation
import GRDB
import Testing
import CustosPolicy
@testable import CustosStore

/// The server answers a known service token from memory (`ServiceTokenCache`) only while the
/// keyring's wal-index header (`SQLiteCommitWatch`) shows no commit since the account was read:
/// a revocation through another connection to the file, as `custos service revoke` makes from
/// another process, must reach the very next lookup.
struct ServiceTokenCacheTests {
    static let now = Instant(millisecondsSinceEpoch: 1_764_000_000_000)

    func withKeyringFile<T>(_ body: (String) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("custos.keys.db").path
        _ = try SQLiteKeyringStorage.create(path: path)
        return try body(path)
    }

    func account(_ name: String) -> ServiceAccount {
        ServiceAccount(name: name, actor: "collections-service", createdAt: Self.now, revokedAt: nil)
    }

    @Test func theMarkHoldsWithoutACommitAndMovesWithEveryCommit() throws {
        try withKeyringFile { path in
            let storage = try SQLiteKeyringStorage.open(path: path)
            let watch = try #require(SQLiteCommitWatch(path: path), "the keyring is in WAL mode")
            let before = watch.mark()
            #expect(watch.mark() == before)
            _ = try storage.serviceAccounts()
            #expect(watch.mark() == before, "a read commits nothing")
            for index in 0..<3 {
                let mark = watch.mark()
                try storage.insertServiceAccount(account("service-\(index)"), tokenHash: Data(repeating: UInt8(index), count: 32))
                #expect(watch.mark() != mark, "commit \(index) shows")
            }
        }
    }

    @Test func aDatabaseNotInWALModeHasNothingToWatch() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("custos-rollback-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        #expect(SQLiteCommitWatch(path: path) == nil)
    }

    @Test func aRevocationThroughAnotherConnectionReachesTheNextLookup() throws {
        try withKeyringFile { path in
            let server = try SQLiteKeyringStorage.open(path: path)
            let other = try SQLiteKeyringStorage.open(path: path)  // as `custos service revoke` in another process
            let hash = Data(repeating: 7, count: 32)
            try other.insertServiceAccount(account("crm-prod"), tokenHash: hash)
            #expect(server.knownServiceAccount(tokenHash: hash) == nil, "not looked up yet")
            #expect(try server.serviceAccount(tokenHash: hash) == account("crm-prod"))
            #expect(server.knownServiceAccount(tokenHash: hash) == account("crm-prod"), "kept while nothing is committed")
            #expect(try other.revokeServiceAccount(named: "crm-prod", at: Self.now))
            #expect(server.knownServiceAccount(tokenHash: hash) == nil, "the revocation empties the cache")
            #expect(try server.serviceAccount(tokenHash: hash) == nil)
            #expect(server.knownServiceAccount(tokenHash: hash) == nil, "a revoked token is not kept")
        }
    }

    @Test func anyCommitEmptiesTheCacheAndAnUnknownTokenIsNeverKept() throws {
        try withKeyringFile { path in
            let server = try SQLiteKeyringStorage.open(path: path)
            let other = try SQLiteKeyringStorage.open(path: path)
            let hash = Data(repeating: 1, count: 32)
            try other.insertServiceAccount(account("crm-prod"), tokenHash: hash)
            #expect(try server.serviceAccount(tokenHash: Data(repeating: 2, count: 32)) == nil)
            #expect(server.knownServiceAccount(tokenHash: Data(repeating: 2, count: 32)) == nil)
            _ = try server.serviceAccount(tokenHash: hash)
            #expect(server.knownServiceAccount(tokenHash: hash) != nil)
            try other.insertServiceAccount(account("portal"), tokenHash: Data(repeating: 3, count: 32))
            #expect(server.knownServiceAccount(tokenHash: hash) == nil, "an unrelated commit counts too")
        }
    }

    @Test func anEntryServesNoLongerThanItsFreshness() throws {
        try withKeyringFile { path in
            let watch = try #require(SQLiteCommitWatch(path: path))
            let lasting = ServiceTokenCache(watch: watch)
            let spent = ServiceTokenCache(watch: watch, freshFor: .zero)
            let hash = Data(repeating: 9, count: 32)
            for cache in [lasting, spent] { cache.remember(account("crm-prod"), tokenHash: hash, readAfter: cache.mark()) }
            #expect(lasting.account(tokenHash: hash) == account("crm-prod"))
            #expect(spent.account(tokenHash: hash) == nil)
        }
    }

    @Test func anAccountReadBeforeACommitIsNotServedAfterIt() throws {
        try withKeyringFile { path in
            let storage = try SQLiteKeyringStorage.open(path: path)
            let watch = try #require(SQLiteCommitWatch(path: path))
            let cache = ServiceTokenCache(watch: watch)
            let hash = Data(repeating: 4, count: 32)
            let mark = cache.mark()
            try storage.insertServiceAccount(account("late"), tokenHash: Data(repeating: 5, count: 32))  // commits after the mark
            cache.remember(account("crm-prod"), tokenHash: hash, readAfter: mark)
            #expect(cache.account(tokenHash: hash) == nil, "kept under the older mark, which no longer holds")
        }
    }
}
