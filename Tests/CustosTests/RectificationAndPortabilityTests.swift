import Custos
import CustosTestSupport
import Foundation
import GRDB
import Testing

/// Art. 16 and Art. 20 requests on the seed policy.
struct RectificationAndPortabilityTests {
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
        try fixture.engine.store.vault.applyErasure(subject: "D-1", destroy: ["email"], keep: [:], tasks: [], at: fixture.clock.now)
        let erased = #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilRectification(request: id, values: ["email": "new@example.nl"], by: "officer") }
        #expect(erased?.code == .fieldErased)
        #expect(try fixture.engine.request(id)?.status == .inProgress, "a refused rectification leaves the request open")
    }

    @Test func portabilityIsRefusedWhenNothingRestsOnConsentOrContract() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "pt01")
        let id = try verified(fixture, "D-1", .portability)
        let refusal = #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilPortability(request: id, by: "officer") }
        #expect(refusal?.code == .portabilityBasisNotEligible)
        let request = try #require(try fixture.engine.request(id))
        #expect(request.status == .rejected && request.outcome?.contains("PORTABILITY_BASIS_NOT_ELIGIBLE") == true)
        #expect(request.outcome?.contains("Autoriteit Persoonsgegevens") == true)
    }

    @Test func portabilityExportsOnlyWhatTheSubjectProvidedUnderConsentOrContract() throws {
        let fixture = try VaultFixture()
        // A client (natural person): case-file communication rests on contract.
        try fixture.engine.addSubject(NewSubject(id: "C-1", category: "client", contractParty: true, values: [
            "person_name": "Klaas \"K\" Jansen, jr.", "email": "klaas@example.nl", "relation_type": "client since 2019", "call_notes": "called about file 7",
        ], source: "client"), by: "test")
        try fixture.engine.recordEvent(subject: "C-1", event: "booked", by: "test")
        let id = try verified(fixture, "C-1", .portability)
        let export = try fixture.engine.fulfilPortability(request: id, by: "officer")
        #expect(export.items.map(\.field) == ["email", "person_name"], "derived (relation type) and not-provided (call notes) data stay out")
        #expect(export.items.first { $0.field == "email" }?.purposes.contains("P-CLIENT-COMM") == true)
        // What it left out is listed, with why (derived; obtained elsewhere), under PORTABILITY_PROVIDED_DATA_ONLY.
        #expect(export.code == .portabilityProvidedDataOnly)
        let leftOut = Dictionary(uniqueKeysWithValues: export.leftOut.map { ($0.field, $0.reason) })
        #expect(leftOut == ["relation_type": .derived, "call_notes": .notProvidedBySubject], "\(export.leftOut)")
        #expect(export.leftOut.allSatisfy { !$0.explanation.isEmpty && !$0.explanation.contains("Klaas") })

        let json = try #require(try JSONSerialization.jsonObject(with: export.json) as? [String: Any])
        let items = try #require(json["items"] as? [[String: Any]])
        #expect(items.map { $0["value"] as? String } == ["klaas@example.nl", "Klaas \"K\" Jansen, jr."])
        let csv = String(decoding: export.csv, as: UTF8.self)
        #expect(csv.hasPrefix("field,title,value,purposes,source"))
        #expect(csv.contains("\"Klaas \"\"K\"\" Jansen, jr.\""), "RFC 4180 quoting")
        #expect(try fixture.engine.request(id)?.status == .completed)
        let logged = try fixture.engine.store.log.entries(subject: "C-1")
        #expect(logged.contains { $0.purpose == "P-CLIENT-COMM" && $0.action == "read" }, "the export is a logged read")
    }

    @Test func portabilityOfConsentDataEndsWithTheConsent() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "news@example.nl", "person_name": "Nieuws Lezer"]), by: "test")
        _ = try fixture.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 30), by: "test")
        let export = try fixture.engine.fulfilPortability(request: try verified(fixture, "PR-1", .portability), by: "officer")
        #expect(Set(export.items.map(\.field)) == ["email", "person_name"])
        #expect(export.items.allSatisfy { $0.purposes == ["P-NEWSLETTER-EMAIL"] })
        #expect(export.code == nil && export.leftOut.isEmpty, "everything held was provided under consent")

        try fixture.engine.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", by: "test")
        let later = try verified(fixture, "PR-1", .portability)
        #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilPortability(request: later, by: "officer") }
        #expect(try fixture.engine.metadata(of: "PR-1").events.contains { $0.event == "consent-ended" }, "the withdrawal starts RET-NEWSLETTER")
    }
}
