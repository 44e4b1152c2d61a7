import Custos
import CustosStore
import CustosTestSupport
import Foundation
import GRDB
import Testing

extension OnBothBackends {
/// `audit verify`'s check that the vault and its keyring agree, each side read a page at a
/// time and looked up by id in the other: whatever the page size, it finds every subject
/// without a key and every key without a subject, and nothing else.
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
