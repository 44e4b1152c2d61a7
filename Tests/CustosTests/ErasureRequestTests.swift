import Custos
import CustosTestSupport
import Foundation
import Testing

struct ErasureRequestTests {
    func verifiedErasure(_ fixture: VaultFixture, subject: String) throws -> String {
        let request = try fixture.engine.openRequest(subject: subject, type: .erasure, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer")
        return request.id
    }

    /// The rights-request issue's second scenario: a consumer debtor whose file closed last year.
    @Test func anErasureKeepsWhatTheClaimFileMustKeepAndDestroysTheScore() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: [
            "person_name": "Jan de Vries", "bank_account": "NL91 ABNA 0417 1643 00", "claim_details": "invoice 118",
            "payment_history": "paid 2 of 5", "recoverability_score": "0.31",
        ], source: "client"), by: "test")
        try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2023-03-01"), by: "test")
        try fixture.engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(parsing: "2024-09-01"), by: "test")
        let shared = fixture.engine.share(subject: "D-1", fields: ["person_name", "claim_details"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM", actor: "collections-service")
        #expect(shared.decision.outcome == .permit)

        let certificate = try fixture.engine.fulfilErasure(request: try verifiedErasure(fixture, subject: "D-1"), by: "officer")
        #expect(certificate.destroyed == ["recoverability_score"], "only scoring used the score, and scoring ended with the file")
        let kept = Dictionary(uniqueKeysWithValues: certificate.kept.map { ($0.field, $0) })
        #expect(Set(kept.keys) == ["person_name", "bank_account", "claim_details", "payment_history"])
        let claim = try #require(kept["claim_details"])
        #expect(claim.purposes.contains("P-DEBT-COLLECT"))
        #expect(claim.grounds.contains { $0.contains("ERASURE_PARTIAL_LEGAL_OBLIGATION") && $0.contains("Besluit kwaliteit incassodienstverlening") })
        #expect(certificate.outcome == .erasurePartialLegalObligation && !certificate.subjectKeyDestroyed)
        #expect(certificate.notifications.isEmpty, "the score was never shared")

        // Kept fields now serve only the purposes that keep them; the score is gone.
        let stats = fixture.engine.read(subject: "D-1", fields: ["recoverability_score"], purpose: "P-SCORING", actor: "scoring-service")
        #expect(stats.decision.codes.contains(.fieldErased) && stats.values.isEmpty)
        #expect(try fixture.engine.metadata(of: "D-1").erasedFields == ["recoverability_score"])
        #expect(try fixture.engine.request(certificate.request)?.status == .completed)
    }

    @Test func anErasureOfANewsletterProspectShredsTheSubjectAndLeavesNoPlaintext() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "shred-me-7731@example.nl", "person_name": "Shredded Q. Prospect"]), by: "test")
        _ = try fixture.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 30), by: "test")
        let read = fixture.engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
        #expect(read.values["email"] == "shred-me-7731@example.nl")
        _ = fixture.engine.share(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", recipient: "R-CRM", actor: "newsletter")

        let certificate = try fixture.engine.fulfilErasure(request: try verifiedErasure(fixture, subject: "PR-1"), by: "officer")
        #expect(certificate.outcome == .erasureFull && certificate.subjectKeyDestroyed)
        #expect(Set(certificate.destroyed) == ["email", "person_name"] && certificate.kept.isEmpty)
        #expect(certificate.notifications.map(\.kind) == [.instructProcessor] && certificate.notifications.first?.recipient == "R-CRM",
                "the CRM processor received the e-mail address and must be instructed")
        #expect(try fixture.engine.store.keyring.keysPerMasterVersion().isEmpty, "the subject key is destroyed")
        let raw = fixture.rawBytes()
        for secret in ["shred-me-7731@example.nl", "Shredded Q. Prospect"] {
            #expect(!raw.contains(subsequence: Array(secret.utf8)), "plaintext remains")
        }
        #expect(fixture.engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").decision.codes.contains(.subjectUnknown))
        let proofs = try fixture.engine.consentProofs(ofErased: "PR-1")
        #expect(proofs.map(\.state) == [.given] && proofs.first?.purpose == "P-NEWSLETTER-EMAIL" && proofs.first?.noticeHash != nil,
                "a pseudonymous proof of the consent outlives the subject (Art. 7(1))")
        #expect(try fixture.engine.consentProofs(ofErased: "PR-2").isEmpty)
        #expect(try fixture.engine.tasks().count == 1)
        try fixture.engine.completeTask(try fixture.engine.tasks()[0].id, by: "officer")
        #expect(try fixture.engine.tasks().isEmpty)
    }

    @Test func noErasureBeforeIdentityIsVerified() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "p@example.nl"]), by: "test")
        let request = try fixture.engine.openRequest(subject: "PR-1", type: .erasure, channel: "e-mail", by: "officer")
        #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilErasure(request: request.id, by: "officer") }
        #expect(try fixture.engine.metadata(of: "PR-1").fields.count == 1, "nothing was erased")
    }
}
