import Custos
import CustosStore
import CustosTestSupport
import Foundation
import GRDB
import Testing

extension OnBothBackends {
/// `audit verify`'s check that the vault and its keyring agree, each side read a page at a
/// time (merged in byte order here, on either backend's test database): whatever the page
/// size, it finds every subject without a key and every key without a subject, and nothing else.
struct KeyringAgreementTests {
    static let pageSizes = [1, 2, 5, 23, 24, 25, 10_000]

    @Test(arguments: Backend.reachable) func pagesOfAnySizeFindEveryDisagreementAndNoOther(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            for index in 0..<23 { _ = try fixture.addDebtor("D-\(String(format: "%02d", index))", marker: "ka\(String(format: "%02d", index))") }
            for size in Self.pageSizes { #expect(try fixture.register.keyringAgreement(pageSize: size).holds, "\(backend), pages of \(size)") }
            // Keys of subjects the vault does not have, as a vault restored from an older
            // backup than its keyring shows, one before the vault's first id and one after its last.
            let keyring = fixture.service.signingKeyring
            try keyring.storePending(keyring.freshSubjectKeys(["A-00", "D-99", "PENDING"]))
            try keyring.adopt(["A-00", "D-99"])
            // Subjects whose keys are gone: the first, one in the middle, the last.
            try DatabaseQueue(path: fixture.keyringFile).write { db in
                try db.execute(sql: "DELETE FROM subject_keys WHERE subject_id IN ('D-00', 'D-13', 'D-22')")
            }
            let expected = KeyringAgreement(subjectsWithoutKey: ["D-00", "D-13", "D-22"], keysWithoutSubject: ["A-00", "D-99"])
            for size in Self.pageSizes {
                #expect(try fixture.register.keyringAgreement(pageSize: size) == expected, "\(backend), pages of \(size); a pending key is no key")
            }
        }
    }
}
}

/// The comparison's two ways, on sides whose orders the test chooses: merged while both give
/// their ids in byte order, looked up page by page when one orders them by a collation of its
/// own (as a PostgreSQL database may). Either way the answer is the two differences of sets.
struct KeyringAgreementOrderTests {
    /// A side holding `ids`, paged in the order `precedes` gives, counting the pages it serves.
    final class OrderedSide {
        let ordered: [String]
        let precedes: (String, String) -> Bool
        var pagesServed = 0

        init(_ ids: Set<String>, precedes: @escaping (String, String) -> Bool) {
            ordered = ids.sorted(by: precedes)
            self.precedes = precedes
        }

        var side: KeyringAgreement.Side {
            KeyringAgreement.Side(page: { [self] after, limit in
                pagesServed += 1
                return Array(ordered.filter { id in after.map { precedes($0, id) } ?? true }.prefix(limit))
            }, holding: { [self] ids in Set(ids).intersection(ordered) })
        }
    }

    static func bytes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
    /// A collation that ignores punctuation first, as a locale's does: `D10` before `D-2`.
    static func collation(_ a: String, _ b: String) -> Bool {
        let (x, y) = (a.filter { $0 != "-" }, b.filter { $0 != "-" })
        return x == y ? bytes(a, b) : bytes(x, y)
    }

    @Test(arguments: [1, 2, 3, 7, 100])
    func bothWaysGiveTheDifferencesOfTheTwoSets(pageSize: Int) throws {
        let subjects: Set = ["D-1", "D-2", "D10", "D-10", "D-3", "A", "Z-9", "D-20"]
        let keys: Set = ["D-1", "D10", "D-3", "B-0", "D-20", "D-21", "Z-9", "ZZ"]
        let expected = KeyringAgreement(subjectsWithoutKey: subjects.subtracting(keys).sorted(), keysWithoutSubject: keys.subtracting(subjects).sorted())
        let orders: [((String, String) -> Bool, (String, String) -> Bool)] = [(Self.bytes, Self.bytes), (Self.collation, Self.bytes), (Self.bytes, Self.collation), (Self.collation, Self.collation)]
        for (vaultOrder, keyringOrder) in orders {
            let vault = OrderedSide(subjects, precedes: vaultOrder), keyring = OrderedSide(keys, precedes: keyringOrder)
            #expect(try KeyringAgreement.measure(vault: vault.side, keyring: keyring.side, pageSize: pageSize) == expected, "pages of \(pageSize)")
        }
        #expect(Self.collation("D10", "D-2") && Self.bytes("D-2", "D10"), "the collation is not byte order")
    }

    @Test func sidesInByteOrderAreEachReadOnce() throws {
        let ids = Set((0..<50).map { "S-\($0)" })
        let vault = OrderedSide(ids, precedes: Self.bytes), keyring = OrderedSide(ids.subtracting(["S-7"]), precedes: Self.bytes)
        #expect(try KeyringAgreement.measure(vault: vault.side, keyring: keyring.side, pageSize: 10) == KeyringAgreement(subjectsWithoutKey: ["S-7"], keysWithoutSubject: []))
        #expect(vault.pagesServed == 6 && keyring.pagesServed == 5, "one pass over each side: \(vault.pagesServed), \(keyring.pagesServed)")
    }
}
