import Custos
import CustosTestSupport
import Foundation
import Testing

extension OnBothBackends {
struct AccessRequestTests {
    /// gdpr.md §5.1 and §6, as the rights-request issue's first scenario describes it.
    @Test(arguments: Backend.reachable) func anAccessRequestIsAnsweredOnlyAfterVerificationAndNamesTheBailiff(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: "2025-01-20T10:00:00+01:00")!) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: [
                "person_name": "Jan de Vries", "bank_account": "NL91 ABNA 0417 1643 00", "call_notes": "called about the invoice",
                "email": "jan@example.nl", "claim_details": "Invoice 7",
            ], source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            let shared = fixture.engine.share(subject: "D-1", fields: ["person_name", "bank_account"], purpose: "P-DEBT-COLLECT",
                                              recipient: "R-BAILIFF-NL", actor: "collections-service")
            #expect(shared.decision.outcome == .permit)

            fixture.clock.set("2025-01-31T14:00:00+01:00")
            let request = try fixture.engine.openRequest(subject: "D-1", type: .access, channel: "letter", by: "officer")
            #expect(request.dueOn == LocalDate(parsing: "2025-02-28"))
            do {
                _ = try fixture.engine.fulfilAccess(request: request.id, by: "officer")
                Issue.record("an access package left before identity was verified")
            } catch let refusal as RequestRefusal {
                #expect(refusal.code == .dsarIdentityUnverified)
            }
            _ = try fixture.engine.verifyIdentity(request: request.id, method: "case number and IBAN match data held", by: "officer")
            let (package, html) = try fixture.engine.fulfilAccess(request: request.id, by: "officer")

            let bailiff = try #require(package.recipients.first { $0.recipient == "R-BAILIFF-NL" })
            #expect(bailiff.name == "Van Dijk & Partners Gerechtsdeurwaarders")
            #expect(bailiff.fields.contains("bank_account"))
            #expect(package.fields.first { $0.field == "bank_account" }?.value == "NL91 ABNA 0417 1643 00")
            #expect(package.fields.first { $0.field == "call_notes" }?.reviewBeforeRelease == true)
            #expect(package.purposes.contains { $0.id == "P-DEBT-COLLECT" && $0.basis.hasPrefix("legitimate-interest") })
            #expect(package.fields.first { $0.field == "bank_account" }?.retention.contains { $0.hasPrefix("P-DEBT-COLLECT: 5 years from file-closed") } == true)
            #expect(package.automatedDecisions.contains { $0.purpose == "P-SCORING" }, "the scoring logic is explained (Art. 15(1)(h))")
            #expect(html.contains("De score weegt de hoogte en de ouderdom van de vordering") && !html.contains("The score weighs"),
                    "in the person's language where the policy gives it (Art. 12(1))")
            #expect(!package.purposes.contains { $0.id == "P-LITIGATION" }, "no proceedings were started: litigation does not apply to this person")
            #expect(!package.purposes.contains { $0.id == "P-DEBT-HELP-REFERRAL" }, "no consent to a referral: it does not apply either")
            #expect(package.sources == ["client"])
            #expect(html.contains("Van Dijk &amp; Partners Gerechtsdeurwaarders"), "values are HTML-escaped")
            #expect(!html.contains("called about the invoice"), "third-party text is held for review in the readable copy")
            #expect(try fixture.engine.request(request.id)?.status == .completed)
            #expect(try fixture.engine.openRequests().isEmpty)
        }
    }

    /// Art. 15(1)(c) as CJEU C-154/21 reads it: where the policy names a recipient by kind,
    /// the share must name the actual one, the ledger keeps it, and the access answer names it.
    @Test(arguments: Backend.reachable) func anAccessAnswerNamesTheActualRecipientOfAGenericOne(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: "2025-06-02T10:00:00+02:00")!) { fixture in
            _ = try fixture.addDebtor("D-1", marker: "ar01")
            let unnamed = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-FOREIGN-LAWYER",
                                               destination: "CH", actor: "collections-service")
            #expect(unnamed.decision.outcome == .deny && unnamed.decision.codes.contains(.recipientNotDeclared) && unnamed.values.isEmpty)
            #expect(unnamed.decision.reasons.contains { $0.explanation.contains("recipient-name") })
            let named = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-FOREIGN-LAWYER",
                                             recipientName: "Kanzlei Huber AG", destination: "CH", actor: "collections-service")
            #expect(named.decision.outcome == .permit, "\(named.decision.codes)")
            let disclosures = try fixture.engine.store.disclosures(of: "D-1")
            #expect(disclosures.count == 1, "the refused share recorded nothing")
            #expect(disclosures.first?.recipientName == "Kanzlei Huber AG")

            let request = try fixture.engine.openRequest(subject: "D-1", type: .access, channel: "letter", identityVerifiedBy: "file number", by: "officer")
            let (package, html) = try fixture.engine.fulfilAccess(request: request.id, by: "officer")
            let lawyer = try #require(package.recipients.first { $0.recipient == "R-FOREIGN-LAWYER" })
            #expect(lawyer.name == "Kanzlei Huber AG" && lawyer.destination == "CH")
            #expect(html.contains("Kanzlei Huber AG"))
        }
    }
}
}
