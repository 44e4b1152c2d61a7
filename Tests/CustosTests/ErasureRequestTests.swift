import Custos
import CustosTestSupport
import Foundation
import Testing

extension OnBothBackends {
struct ErasureRequestTests {
    func verifiedErasure(_ fixture: BackendFixture, subject: String) throws -> String {
        let request = try fixture.engine.openRequest(subject: subject, type: .erasure, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer")
        return request.id
    }

    /// The rights-request issue's second scenario: a consumer debtor whose file closed last year.
    @Test(arguments: Backend.reachable) func anErasureKeepsWhatTheClaimFileMustKeepAndDestroysTheScore(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: [
                "person_name": "Jan de Vries", "bank_account": "NL91 ABNA 0417 1643 00", "claim_details": "invoice 118",
                "payment_history": "paid 2 of 5", "recoverability_score": "0.31",
            ], source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2023-03-01"), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(parsing: "2024-09-01"), by: "test")
            let shared = fixture.engine.share(subject: "D-1", fields: ["person_name", "claim_details"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM", actor: "collections-service")
            #expect(shared.decision.outcome == .permit)

            let request = try verifiedErasure(fixture, subject: "D-1")
            let logged = try fixture.engine.verifyLog().entries
            let certificate = try fixture.engine.fulfilErasure(request: request, by: "officer")
            // Each purpose's answer is logged (together, in one transaction) and the chain holds.
            let after = try fixture.engine.verifyLog()
            #expect(after.isIntact && after.entries - logged >= 3, "\(after.entries - logged) entries for the purposes asked")
            #expect(certificate.destroyed == ["recoverability_score"], "only scoring used the score, and scoring ended with the file")
            let kept = Dictionary(uniqueKeysWithValues: certificate.kept.map { ($0.field, $0) })
            #expect(Set(kept.keys) == ["person_name", "bank_account", "claim_details", "payment_history"])
            let claim = try #require(kept["claim_details"])
            #expect(claim.purposes.contains("P-DEBT-COLLECT"))
            #expect(claim.grounds.contains { $0.code == .erasurePartialLegalObligation && $0.explanation.contains("Besluit kwaliteit incassodienstverlening") })
            #expect(certificate.outcome == .erasurePartialLegalObligation && !certificate.subjectKeyDestroyed)
            #expect(certificate.notifications.isEmpty, "the score was never shared")

            // Kept fields now serve only the purposes that keep them; the score is gone.
            let stats = fixture.engine.read(subject: "D-1", fields: ["recoverability_score"], purpose: "P-SCORING", actor: "scoring-service")
            #expect(stats.decision.codes.contains(.fieldErased) && stats.values.isEmpty)
            #expect(try fixture.engine.metadata(of: "D-1").erasedFields == ["recoverability_score"])
            #expect(try fixture.engine.request(certificate.request)?.status == .completed)
        }
    }

    /// Each kept field's grounds name that field, the purpose, its retention rule and the law
    /// that keeps it; a decision keeps one explanation per code, which once made one field
    /// carry another's explanation.
    @Test(arguments: Backend.reachable) func everyKeptFieldNamesItsOwnPurposeRuleAndLaw(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-2", category: "debtor", values: [
                "person_name": "Piet Jansen", "bank_account": "NL02 RABO 0123 4567 89", "claim_details": "invoice 7",
                "payment_history": "paid 1 of 3", "postal_address": "Dorpsstraat 1, Ede", "call_notes": "called 3 May",
            ], source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-2", event: "file-opened", effective: LocalDate(parsing: "2023-03-01"), by: "test")
            try fixture.engine.recordEvent(subject: "D-2", event: "file-closed", effective: LocalDate(parsing: "2024-09-01"), by: "test")
            _ = try fixture.engine.placeHold(subject: "D-2", reference: "HOLD-COURT-7", fields: ["call_notes"], by: "officer")
            let certificate = try fixture.engine.fulfilErasure(request: try verifiedErasure(fixture, subject: "D-2"), by: "officer")
            let policy = fixture.engine.policy.policy
            #expect(certificate.kept.count >= 4)
            #expect(certificate.kept.contains { kept in kept.field == "call_notes" && kept.grounds.contains { $0.explanation.contains("HOLD-COURT-7") } })
            for kept in certificate.kept {
                #expect(!kept.grounds.isEmpty, "\(kept.field) is kept without a ground")
                for ground in kept.grounds {
                    let purpose = try #require(policy.purposes.first { $0.id.id == ground.purpose })
                    let rule = try #require(purpose.retention.flatMap { policy.retentionRule($0.id) })
                    #expect(kept.purposes.contains(ground.purpose))
                    #expect(ground.rule == rule.id.id)
                    #expect(ground.explanation.contains("'\(kept.field)'"), "\(kept.field): \(ground.explanation)")
                    #expect(ground.explanation.contains("'\(ground.purpose)'") && ground.explanation.contains(rule.id.id), "\(kept.field): \(ground.explanation)")
                    let laws = [rule.ground, rule.minimumGround].compactMap { $0 } + purpose.law
                    let law = ground.code == .erasurePartialLegalClaims ? ground.explanation.contains("Art. 17(3)(e)") : laws.contains { ground.explanation.contains($0) }
                    #expect(law, "\(kept.field): \(ground.explanation) names no law of \(rule.id.id) or \(purpose.id.id)")
                    for other in certificate.kept where other.field != kept.field {
                        #expect(!ground.explanation.contains("'\(other.field)'"), "\(kept.field) carries \(other.field)'s explanation")
                    }
                }
            }
        }
    }

    @Test(arguments: Backend.reachable) func noErasureBeforeIdentityIsVerified(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "p@example.nl"]), by: "test")
            let request = try fixture.engine.openRequest(subject: "PR-1", type: .erasure, channel: "e-mail", by: "officer")
            #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilErasure(request: request.id, by: "officer") }
            #expect(try fixture.engine.metadata(of: "PR-1").fields.count == 1, "nothing was erased")
        }
    }
}
}

/// Shredding in the SQLite files: no plaintext in the vault's or the keyring's bytes (WAL
/// included) and the pseudonymous consent proof kept (PostgreSQL's shredding and replay are
/// `PostgresVaultTests`').
struct ErasureShreddingFileTests {
    @Test func anErasureOfANewsletterProspectShredsTheSubjectAndLeavesNoPlaintext() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "shred-me-7731@example.nl", "person_name": "Shredded Q. Prospect"]), by: "test")
        _ = try fixture.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 30), by: "test")
        let read = fixture.engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
        #expect(read.values["email"] == "shred-me-7731@example.nl")
        _ = fixture.engine.share(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", recipient: "R-CRM", actor: "newsletter")

        let certificate = try fixture.engine.fulfilErasure(request: try fixture.engine.openRequest(subject: "PR-1", type: .erasure, channel: "e-mail",
                                                                                identityVerifiedBy: "e-mail matches data held", by: "officer").id, by: "officer")
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
}
