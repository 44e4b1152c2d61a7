import Custos
import CustosStore
import CustosTestSupport
import Foundation
import GRDB
import Testing

/// Art. 16 requests on the seed policy, with a look at the SQLite files (Art. 20: PortabilityTests).
struct RectificationTests {
    func verified(_ fixture: VaultFixture, _ subject: String, _ type: RightsRequestType) throws -> String {
        try fixture.engine.openRequest(subject: subject, type: type, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer").id
    }

    @Test func rectificationReplacesTheValueDestroysTheOldCiphertextAndTellsOnlyTheRecipientsOfTheField() throws {
        let fixture = try VaultFixture()
        let old = try fixture.addDebtor("D-1", marker: "rc01")
        _ = fixture.engine.share(subject: "D-1", fields: ["bank_account"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
        _ = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-CLIENT", recipientName: "Energie Noord B.V.", actor: "collections-service")
        let oldCiphertext = try DatabaseQueue(path: fixture.vaultPath).read { db in
            try Data.fetchOne(db, sql: "SELECT ciphertext FROM fields WHERE subject_id = 'D-1' AND field = 'bank_account'")
        }
        let collectedBefore = try #require(try fixture.engine.store.vault.facts(of: "D-1")?.fields.first { $0.field == "bank_account" }?.collected)
        fixture.clock.set("2025-06-20T10:00:00+02:00")

        let id = try verified(fixture, "D-1", .rectification)
        let result = try fixture.engine.fulfilRectification(request: id, values: ["bank_account": "NL02 RABO 0123 4567 89", "mobile_phone": "06 1234 5678"], by: "officer")
        #expect(result.rectified == ["bank_account"] && result.completed == ["mobile_phone"])
        #expect(result.notifications.map(\.recipient) == ["R-BAILIFF-NL"], "only the bailiff received the IBAN")
        #expect(result.notifications.first?.action == "rectify" && result.notifications.first?.fields == ["bank_account"])
        let words = try #require(try fixture.engine.request(id)?.outcomeWords)
        #expect(words.key == "outcome.rectifiedAndCompleted" && words.fieldLists == ["rectified", "completed"] && words.values["completed"] == "mobile_phone")

        let read = fixture.engine.read(subject: "D-1", fields: ["bank_account", "mobile_phone"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(read.values == ["bank_account": "NL02 RABO 0123 4567 89", "mobile_phone": "06 1234 5678"])
        let raw = fixture.rawBytes()
        #expect(!raw.contains(subsequence: [UInt8](try #require(oldCiphertext))), "the old ciphertext is gone from the files")
        #expect(!raw.contains(subsequence: Array(try #require(old["bank_account"]).utf8)))
        let after = try fixture.engine.store.vault.facts(of: "D-1")?.fields.first { $0.field == "bank_account" }
        #expect(after?.collected == collectedBefore, "a correction does not restart the retention period")
        #expect(after?.source == "subject (rectification \(id))")
        #expect(try fixture.engine.findSubjects(matching: "NL02RABO0123456789", kind: .iban) == ["D-1"], "the blind index follows the new value")
        #expect(try fixture.engine.findSubjects(matching: try #require(old["bank_account"]), kind: .iban).isEmpty)
        #expect(try fixture.engine.request(id)?.status == .completed)
        #expect(try fixture.engine.tasks().count == 1)
    }

    @Test func rectificationIsRefusedBeforeVerificationAndForDerivedErasedOrUnusedFields() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "rc02")
        let unverified = try fixture.engine.openRequest(subject: "D-1", type: .rectification, channel: "phone", by: "officer")
        #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilRectification(request: unverified.id, values: ["email": "x@example.nl"], by: "officer") }
        #expect(fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values["email"] == "rc02@example.nl")

        let id = try verified(fixture, "D-1", .rectification)
        let derived = #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilRectification(request: id, values: ["recoverability_score": "0.9"], by: "officer") }
        #expect(derived?.message.contains("derived") == true)
        let unused = #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilRectification(request: id, values: ["web_usage_stats": "x"], by: "officer") }
        #expect(unused?.code == .dataCategoryNotInPurpose)
        #expect(throws: (any Error).self) { try fixture.engine.fulfilRectification(request: id, values: ["shoe_size": "44"], by: "officer") }
        let erasure = RequestClosing(request: try verified(fixture, "D-1", .erasure), outcome: LibraryWords("outcome.erased", "erased"), actor: "officer")
        try fixture.engine.store.vault.applyErasure(ErasureApplication(subject: "D-1", destroy: ["email"], keep: [:], wholeSubject: false, tasks: [], closing: erasure),
                                                    at: fixture.clock.now)
        let erased = #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilRectification(request: id, values: ["email": "new@example.nl"], by: "officer") }
        #expect(erased?.code == .fieldErased)
        #expect(try fixture.engine.request(id)?.status == .inProgress, "a refused rectification leaves the request open")
    }
}
