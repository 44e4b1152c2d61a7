@testable import CustosStore
import Foundation
import GRDB
import Synchronization
import Testing

/// The read connections every gated read and token check borrows: handed out and taken back
/// without a lock, so the tests ask what a lock would have guaranteed. Every caller gets its
/// own connection and its own rows, connections are reused rather than opened per read, and
/// one that failed is closed rather than given back.
struct SQLiteReadConnectionsTests {
    static let valueOfKey = ReadQuery("SELECT value FROM pairs WHERE key = ?")
    static let missingTable = ReadQuery("SELECT value FROM no_such_table WHERE key = ?")

    /// A file of 500 key-value pairs.
    static func pairs() throws -> (folder: URL, readers: SQLiteReadConnections) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("pairs.db").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE pairs (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for index in 0..<500 { try db.execute(sql: "INSERT INTO pairs VALUES (?, ?)", arguments: ["k\(index)", "v\(index)"]) }
        }
        try queue.close()
        return (folder, SQLiteReadConnections(path: path))
    }

    @Test func concurrentCallersEachReadTheirOwnRowsAndConnectionsAreReused() throws {
        let (folder, readers) = try Self.pairs()
        defer { try? FileManager.default.removeItem(at: folder) }
        let wrong = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 48) { caller in
            for round in 0..<100 {
                let key = (caller * 100 + round) % 500
                var values: [String] = []
                do {
                    try readers.each(Self.valueOfKey, .text("k\(key)")) { row in values.append(row.text(0) ?? "") }
                } catch {
                    wrong.add(1, ordering: .relaxed)
                }
                if values != ["v\(key)"] { wrong.add(1, ordering: .relaxed) }
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
        let idle = readers.idleCount
        #expect((1...64).contains(idle), "as many as read at once, at most 64 kept: \(idle)")
        for key in 0..<20 { try readers.each(Self.valueOfKey, .text("k\(key)")) { _ in } }
        #expect(readers.idleCount == idle, "one caller after another reuses one idle connection")
    }

    @Test func aConnectionThatFailedIsNotGivenBack() throws {
        let (folder, readers) = try Self.pairs()
        defer { try? FileManager.default.removeItem(at: folder) }
        try readers.each(Self.valueOfKey, .text("k1")) { _ in }
        #expect(readers.idleCount == 1)
        #expect(throws: (any Error).self) { try readers.each(Self.missingTable, .text("k1")) { _ in } }
        #expect(readers.idleCount == 0, "the failed connection was closed")
        var values: [String] = []
        try readers.each(Self.valueOfKey, .text("k2")) { row in values.append(row.text(0) ?? "") }
        #expect(values == ["v2"] && readers.idleCount == 1)
    }
}
