import Foundation
import GRDB
import Testing
import Custos
import CustosDecision
import CustosPolicy
@testable import CustosStore

/// The keyring answers a known service token and a subject's wrapped key from memory
/// (`CommitMarkedCache`) only while its wal-index header (`SQLiteCommitWatch`) shows no commit
/// since the row was read: a revocation or a key destroyed through another connection to the
/// file, as `custos service revoke` or an erasure makes from another process, must reach the
/// very next lookup.
struct CommitMarkedCacheTests {
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
            #expect(try server.serviceAccount(tokenHash: hash) == ServiceTokenHolder(account: account("crm-prod"), until: nil))
            #expect(server.knownServiceAccount(tokenHash: hash)?.account == account("crm-prod"), "kept while nothing is committed")
            // A limit set by `custos service limit` in another process reaches the next request too.
            #expect(try other.limitServiceAccount(named: "crm-prod", requestsPerSecond: 20))
            #expect(server.knownServiceAccount(tokenHash: hash) == nil, "the change empties the cache")
            #expect(try server.serviceAccount(tokenHash: hash)?.account.requestsPerSecond == 20)
            #expect(try other.revokeServiceAccount(named: "crm-prod", at: Self.now))
            #expect(server.knownServiceAccount(tokenHash: hash) == nil, "the revocation empties the cache")
            #expect(try server.serviceAccount(tokenHash: hash) == nil)
            #expect(server.knownServiceAccount(tokenHash: hash) == nil, "a revoked token is not kept")
        }
    }

    @Test func aKeptOldTokenEndsOnTimeWithoutACommit() throws {
        try withKeyringFile { path in
            let server = try SQLiteKeyringStorage.open(path: path)
            let other = try SQLiteKeyringStorage.open(path: path)  // as `custos service rotate` in another process
            let old = Data(repeating: 3, count: 32), new = Data(repeating: 4, count: 32)
            try other.insertServiceAccount(account("crm-prod"), tokenHash: old)
            let until = Instant(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch + 60_000)
            #expect(try other.rotateServiceToken(named: "crm-prod", tokenHash: new, previousUntil: until))
            #expect(try server.serviceAccount(tokenHash: old)?.until == until, "found by the old hash, with its end")
            #expect(try server.serviceAccount(tokenHash: new)?.until == nil, "the new token has no end")
            let kept = try #require(server.knownServiceAccount(tokenHash: old), "kept while nothing is committed")
            // Time alone ends it: no commit will empty the cache when the overlap runs out.
            #expect(kept.until == until && kept.account.previousTokenUntil == until)
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
            let lasting = CommitMarkedCache<Data, ServiceAccount>(watch: watch, capacity: 1_024)
            let spent = CommitMarkedCache<Data, ServiceAccount>(watch: watch, capacity: 1_024, freshFor: .zero)
            let hash = Data(repeating: 9, count: 32)
            for cache in [lasting, spent] { cache.remember(account("crm-prod"), for: hash, readAfter: cache.mark()) }
            #expect(lasting.value(for: hash) == account("crm-prod"))
            #expect(spent.value(for: hash) == nil)
        }
    }

    @Test func anAccountReadBeforeACommitIsNotServedAfterIt() throws {
        try withKeyringFile { path in
            let storage = try SQLiteKeyringStorage.open(path: path)
            let watch = try #require(SQLiteCommitWatch(path: path))
            let cache = CommitMarkedCache<Data, ServiceAccount>(watch: watch, capacity: 1_024)
            let hash = Data(repeating: 4, count: 32)
            let mark = cache.mark()
            try storage.insertServiceAccount(account("late"), tokenHash: Data(repeating: 5, count: 32))  // commits after the mark
            cache.remember(account("crm-prod"), for: hash, readAfter: mark)
            #expect(cache.value(for: hash) == nil, "kept under the older mark, which no longer holds")
        }
    }

    @Test func aKeyDestroyedThroughAnotherConnectionIsNotFoundOnTheNextLookup() throws {
        try withKeyringFile { path in
            let reader = try SQLiteKeyringStorage.open(path: path)
            let other = try SQLiteKeyringStorage.open(path: path)  // as an erasure in another process
            try other.initialise(master: MasterKeyRecord(version: 1, source: "file", salt: nil, checkValue: Array(repeating: 1, count: 40), createdAt: Self.now),
                                 serviceKeys: [], ledgerSalt: "salt")
            let record = SubjectKeyRecord(subject: "D-1", keyVersion: 1, masterVersion: 1, wrapped: Array(repeating: 3, count: 72))
            try other.storePending([record])
            try other.adopt(["D-1"])
            #expect(try reader.subjectKey(of: "D-1") == record)
            #expect(try reader.subjectKey(of: "D-1") == record, "the same answer while nothing is committed")
            _ = try other.recordErasures([], destroyingKeysOf: ["D-1"])
            #expect(try reader.subjectKey(of: "D-1") == nil, "the destroyed key is not served from memory")
            #expect(try reader.subjectKey(of: "D-2") == nil)
        }
    }
}

/// Between an erasure's keyring commit and its vault delete (or in another process than the one
/// that shredded), a subject's rows are still in the vault but its key is gone: a read that ran
/// just before must not let the next one open the fields with a key kept in memory.
struct SubjectKeyAfterShredTests {
    @Test func aKeyDestroyedByAnotherEngineWithholdsEveryFieldOfTheNextRead() throws {
        let fixture = try VaultFixture()
        let values = try fixture.addDebtor("D-1", marker: "kc01")
        let fields = ["email", "person_name"]
        for _ in 0..<2 {
            let read = fixture.engine.read(subject: "D-1", fields: fields, purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(read.values == values.filter { fields.contains($0.key) })
        }
        let other = try fixture.reopen()
        _ = try other.store.keyring.storage.recordErasures([], destroyingKeysOf: ["D-1"])
        let after = fixture.engine.read(subject: "D-1", fields: fields, purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(after.values.isEmpty)
        #expect(after.decision.codes.contains(.fieldUnreadable))
        #expect(after.decision.outcome == .deny)
    }
}
