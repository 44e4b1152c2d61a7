import Synchronization
import Custos
import CustosTestSupport
import Foundation
import CustosStore



/// A clock a test can move.
final class TestClock: Sendable {
    private let current: Mutex<Instant>
    init(_ start: Instant) { current = Mutex(start) }
    var now: Instant { current.withLock { $0 } }
    func set(_ instant: Instant) { current.withLock { $0 = instant } }
    func set(_ text: String) { set(Instant(iso8601: text)!) }
}

/// A fresh vault in a temporary folder, with a clock the test controls, for one test.
final class VaultFixture {
    let folder: TemporaryDirectory
    let engine: PrivacyEngine
    let clock: TestClock
    static let now = Instant(iso8601: "2025-06-02T09:00:00+02:00")!

    var vaultPath: String { folder.path + "/custos.db" }
    var keyringPath: String { folder.path + "/custos.keys.db" }
    var keyPath: String { folder.path + "/custos.key" }

    init(start: Instant = VaultFixture.now) throws {
        folder = try TemporaryDirectory()
        let clock = TestClock(start)
        self.clock = clock
        engine = try PrivacyEngine.initialise(vault: folder.path + "/custos.db", masterKey: .file(folder.path + "/custos.key"),
                                              policies: RepositoryPaths.seedPolicy, clock: { clock.now })
    }

    func reopen(key: String? = nil) throws -> PrivacyEngine {
        let clock = self.clock
        return try PrivacyEngine.open(vault: vaultPath, masterKey: .file(key ?? keyPath), clock: { clock.now })
    }

    /// A debtor with an open file and three values that appear nowhere else.
    @discardableResult
    func addDebtor(_ id: String, marker: String, on engine: PrivacyEngine? = nil) throws -> [String: String] {
        let values = ["email": "\(marker)@example.nl", "bank_account": "NL91ABNA04171643\(marker.suffix(2))", "person_name": "Name \(marker)"]
        let target = engine ?? self.engine
        try target.addSubject(NewSubject(id: id, category: "debtor", values: values, source: "client"), by: "test")
        // Opened on 2025-01-10, or today on a clock before it: a date later than today is refused.
        try target.recordEvent(subject: id, event: "file-opened", effective: min(LocalDate(year: 2025, month: 1, day: 10)!, target.policy.localDate(of: clock.now)), by: "test")
        return values
    }

    /// Every byte of the vault and keyring files with their WAL and SHM.
    func rawBytes() -> [UInt8] {
        VaultStore.files(vault: vaultPath, keyring: keyringPath).flatMap { path in
            FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
        }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first, Array(self[index..<(index + needle.count)]) == needle { return true }
            index += 1
        }
        return false
    }
}

/// Runs `count` blocking workers on their own threads (not Swift's cooperative pool, which
/// blocking callers of the synchronous engine API would starve) and returns their results.
func onThreads<T: Sendable>(_ count: Int, _ work: @escaping @Sendable (Int) -> T) -> [T] {
    let results = Mutex<[Int: T]>([:])
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            let value = work(index)
            results.withLock { $0[index] = value }
            group.leave()
        }
    }
    group.wait()
    return results.withLock { stored in (0..<count).map { stored[$0]! } }
}
