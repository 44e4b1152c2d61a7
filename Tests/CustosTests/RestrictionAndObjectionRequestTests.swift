import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

/// Art. 18, 21 and 22 requests on the seed policy.
extension OnBothBackends {
struct RestrictionAndObjectionRequestTests {
    func verified(_ fixture: BackendFixture, _ subject: String, _ type: RightsRequestType, purpose: String? = nil) throws -> String {
        try fixture.engine.openRequest(subject: subject, type: type, purpose: purpose, channel: "letter", identityVerifiedBy: "case number and postcode", by: "officer").id
    }

    @Test(arguments: Backend.reachable) func aRestrictionRequestLeavesOnlyStorageTellsTheRecipientsAndIsLiftedOnlyAfterTheSubjectIsTold(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: [
                "person_name": "Rest Rictie", "bank_account": "NL91 ABNA 0417 1643 00", "payment_history": "paid 1 of 4", "claim_details": "invoice 9",
            ], source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            _ = fixture.engine.share(subject: "D-1", fields: ["person_name", "bank_account"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            let id = try verified(fixture, "D-1", .restriction)
            let outcome = try fixture.engine.fulfilRestriction(request: id, fields: ["bank_account", "payment_history"], ground: .accuracyContested, by: "officer")
            #expect(outcome.notifications.map(\.recipient) == ["R-BAILIFF-NL"] && outcome.notifications.first?.fields == ["bank_account"],
                    "the bailiff received the IBAN, never the payment history")
            #expect(outcome.notifications.first?.action == "restrict")
            #expect(try fixture.engine.request(id)?.status == .completed)
            // Its outcome names the fields as a list a face may say by their titles.
            let words = try #require(try fixture.engine.request(id)?.outcomeWords)
            #expect(words.fieldLists == ["fields"] && words.values["fields"] == "bank_account, payment_history")

            let scoring = fixture.engine.read(subject: "D-1", fields: ["payment_history", "claim_details"], purpose: "P-SCORING", actor: "scoring-service")
            #expect(scoring.decision.outcome == .partial && scoring.values.keys.sorted() == ["claim_details"])
            #expect(scoring.decision.fields.first { $0.field == "payment_history" }?.reasons == [.restrictedStorageOnly])
            let collection = fixture.engine.read(subject: "D-1", fields: ["bank_account"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(collection.decision.outcome == .permit && collection.decision.codes.contains(.restrictionExceptionLegalClaims),
                    "collecting the claim is the exercise of a legal claim, an Art. 18(2) exception")

            let restriction = try #require(try fixture.engine.store.restrictions(of: "D-1").last)
            #expect(restriction.restriction.ground?.contains("Art. 18(1)(a)") == true)
            #expect(throws: (any Error).self) {
                try fixture.engine.liftRestriction(id: restriction.id, subjectInformedAt: Instant(millisecondsSinceEpoch: fixture.clock.now.millisecondsSinceEpoch + 60_000))
            }
            try fixture.engine.liftRestriction(id: restriction.id, subjectInformedAt: fixture.clock.now)
            #expect(fixture.engine.read(subject: "D-1", fields: ["payment_history"], purpose: "P-SCORING", actor: "scoring-service").decision.outcome == .permit)
        }
    }

    @Test(arguments: Backend.reachable) func aGeneralObjectionStopsProcessingAtOnceAndIsAnsweredOnlyAfterTheAssessment(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["claim_details": "invoice 7", "payment_history": "none"], source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            let id = try verified(fixture, "D-1", .objection, purpose: "P-SCORING")
            let stopped = fixture.engine.read(subject: "D-1", fields: ["payment_history"], purpose: "P-SCORING", actor: "scoring-service")
            #expect(stopped.decision.codes.contains(.objectionNoCompellingGrounds))
            #expect(stopped.values.isEmpty)

            let early = #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilObjection(request: id, by: "officer") }
            #expect(early?.code == .objectionNoCompellingGrounds)
            let objection = try #require(try fixture.engine.store.objections(of: "D-1").last)
            try fixture.engine.assessObjection(id: objection.id, assessment: .upheld, reference: nil, by: "officer")
            let answer = try fixture.engine.fulfilObjection(request: id, by: "officer")
            #expect(answer.outcome == "objection #\(objection.id) upheld: processing under 'P-SCORING' stopped on \(objection.objection.at)")
            let completed = try #require(try fixture.engine.request(id))
            #expect(completed.status == .completed)
            // The purpose is a phrase of its own, an id in every language, so no page takes the
            // outcome for English left untranslated.
            #expect(completed.outcomeWords?.key == "outcome.objectionUpheld")
            #expect(completed.outcomeWords?.phrases["scope"] == LibraryWords("outcome.purpose", "'{purpose}'", ["purpose": "P-SCORING"]))
            #expect(fixture.engine.read(subject: "D-1", fields: ["payment_history"], purpose: "P-SCORING", actor: "scoring-service").values.isEmpty)
            #expect(fixture.engine.read(subject: "D-1", fields: ["claim_details"], purpose: "P-DEBT-COLLECT", actor: "collections-service").decision.outcome == .permit,
                    "an objection to scoring leaves collection alone")
        }
    }

    @Test(arguments: Backend.reachable) func aDirectMarketingObjectionIsAbsoluteAndAnsweredAtOnce(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "C-1", category: "client", contractParty: true, values: ["email": "c@example.nl", "person_name": "Cees"]), by: "test")
            #expect(fixture.engine.read(subject: "C-1", fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service").decision.outcome == .permit)
            let id = try verified(fixture, "C-1", .objectionDirectMarketing)
            let marketing = fixture.engine.read(subject: "C-1", fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service")
            #expect(marketing.decision.codes.contains(.objectionDirectMarketing) && marketing.values.isEmpty)
            let answer = try fixture.engine.fulfilObjection(request: id, by: "officer")
            #expect(answer.outcome.contains("Art. 21(3)"))
        }
    }

    @Test(arguments: Backend.reachable) func anArt22ObjectionPutsAutomatedDecisionsBeforeAHuman(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["claim_details": "invoice 7", "payment_history": "none", "recoverability_score": "0.4"], source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            let id = try verified(fixture, "D-1", .objectionAutomatedDecision, purpose: "P-SCORING")
            let reviewed = DecisionRequest(actor: "scoring-service", action: .decide, subject: "D-1", purpose: "P-SCORING", fields: ["recoverability_score"],
                                           review: HumanReview(reviewer: "case-handler-7", canOverride: true))
            #expect(fixture.engine.decide(reviewed).decision.outcome == .permit)
            var unreviewed = reviewed
            unreviewed.review = nil
            #expect(fixture.engine.decide(unreviewed).decision.codes.contains(.admSolelyAutomatedNoException))
            #expect(fixture.engine.read(subject: "D-1", fields: ["payment_history"], purpose: "P-SCORING", actor: "scoring-service").decision.outcome == .permit,
                    "an Art. 22 objection asks for a human, it does not stop the processing")
            let answer = try fixture.engine.fulfilObjection(request: id, by: "officer")
            #expect(answer.outcome.contains("Art. 22(3)"))
        }
    }
}
}
