import Custos
import CustosTestSupport
import Foundation
import Testing
import CustosStore

extension OnBothBackends {
/// A person can be more than one kind of subject: the vault keeps every category, consent,
/// decisions, erasure and access see all of them, and a subject stored with one category
/// keeps exactly that one.
struct SubjectCategoriesTests {
    @Test(arguments: Backend.reachable) func aDebtorWhoSubscribesIsJudgedAsASubscriberForTheNewsletter(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: "2025-10-01T09:00:00+02:00")!) { fixture in
            let engine = fixture.engine
            _ = try fixture.addDebtor("D-1", marker: "mc01")
            try engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            #expect(try engine.metadata(of: "D-1").categories == ["debtor"], "one category stays one")
            // As a debtor only, the newsletter does not apply and consent is refused at the door.
            let refused = try engine.giveConsent(ConsentGrant(subject: "D-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web-form", ageAtConsent: 40), by: "test")
            #expect(refused.allSatisfy { if case .refused = $0 { true } else { false } })

            try engine.addCategory("website_user", to: "D-1", by: "officer")
            try engine.addCategory("website_user", to: "D-1", by: "officer")   // twice changes nothing
            try engine.addCategory("debtor", to: "D-1", by: "officer")         // nor does its own category
            #expect(try engine.metadata(of: "D-1").categories == ["debtor", "website_user"])
            #expect(throws: StoreError.self) { try engine.addCategory("ghost", to: "D-1", by: "officer") }
            #expect(throws: StoreError.self) { try engine.addCategory("website_user", to: "D-404", by: "officer") }

            let given = try engine.giveConsent(ConsentGrant(subject: "D-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web-form", ageAtConsent: 40), by: "test")
            #expect(given.allSatisfy { if case .recorded = $0 { true } else { false } }, "\(given)")
            let newsletter = engine.read(subject: "D-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
            #expect(newsletter.decision.outcome == .permit && newsletter.decision.basis == .consent)
            let collection = engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(collection.decision.outcome == .permit && collection.decision.basis == .legitimateInterest)

            // Access names every purpose of either category.
            let access = try engine.openRequest(subject: "D-1", type: .access, channel: "letter", identityVerifiedBy: "file number", by: "officer")
            let (package, _) = try engine.fulfilAccess(request: access.id, by: "officer")
            #expect(package.category == "debtor, website_user")
            #expect(package.purposes.contains { $0.id == "P-NEWSLETTER-EMAIL" } && package.purposes.contains { $0.id == "P-DEBT-COLLECT" })
        }
    }

    @Test(arguments: Backend.reachable) func importKeepsSeveralCategoriesAndRefusesAnUndeclaredOne(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let csv = "id,category,email\nD-7,debtor;website_user,d7@example.nl\nD-8,debtor,d8@example.nl\n"
            let parsed = SubjectImport.parse(csv, fileName: "subjects.csv", policy: fixture.engine.policy)
            #expect(try fixture.engine.importSubjects(parsed, by: "test").isEmpty)
            #expect(try fixture.engine.metadata(of: "D-7").categories == ["debtor", "website_user"])
            #expect(try fixture.engine.metadata(of: "D-8").categories == ["debtor"])
            let bad = SubjectImport.parse("id,category,email\nD-9,debtor;ghost,d9@example.nl\n", fileName: "bad.csv", policy: fixture.engine.policy)
            let problems = try fixture.engine.importSubjects(bad, by: "test")
            #expect(problems.count == 1 && problems[0].message.contains("category 'ghost' is not declared") && !problems[0].message.contains("d9@"))
            #expect(throws: StoreError.self) { try fixture.engine.metadata(of: "D-9") }
        }
    }
}
}
