import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

extension OnBothBackends {
/// An erasure request interrupted after its decisions were logged is finished, as they
/// decided, by fulfilling it again: the fields it decided to destroy are destroyed, each
/// recipient is told once and the request closes with the same certificate.
struct ErasureInterruptionTests {
    /// A prospect whose e-mail address went to the CRM processor, with a verified erasure request.
    func prospectToErase(_ fixture: BackendFixture) throws -> String {
        try fixture.add(NewSubject(id: "PR-1", category: "prospect", values: ["email": "stop-7731@example.nl", "person_name": "Piet Stop"]))
        _ = try fixture.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                        ageAtConsent: 30), by: "test")
        #expect(fixture.engine.share(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", recipient: "R-CRM", actor: "newsletter").decision.outcome == .permit)
        return try fixture.engine.openRequest(subject: "PR-1", type: .erasure, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer").id
    }

    @Test(arguments: Backend.reachable) func anErasureStoppedAfterItsDecisionsWereLoggedIsFinishedAsDecided(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let request = try prospectToErase(fixture)
            let logged = try fixture.engine.verifyLog().entries
            // The first step alone, as a kill right after its commit leaves it.
            let decided = try fixture.office.rights.decideErasure(try #require(try fixture.engine.request(request)))
            #expect(try fixture.engine.request(request)?.status == .inProgress)
            #expect(fixture.engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").values.count == 1,
                    "nothing is destroyed before the keyring's ledger has it")
            #expect(try fixture.engine.tasks().isEmpty)
            let afterDecisions = try fixture.engine.verifyLog().entries
            #expect(afterDecisions > logged)

            let certificate = try fixture.engine.fulfilErasure(request: request, by: "officer")
            #expect(certificate.destroyed == decided.destroyed && certificate.at == decided.at && certificate.outcome == .erasureFull)
            #expect(try fixture.engine.verifyLog().entries == afterDecisions, "finishing asks no purpose again: it does what was logged")
            #expect(try fixture.engine.tasks().map(\.recipient) == ["R-CRM"], "the processor is instructed once")
            #expect(try fixture.engine.request(request)?.status == .completed)
            #expect(fixture.engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").decision.codes.contains(.subjectUnknown))
            #expect(!certificate.signature.isEmpty)
            // The certificate again, as `custos request certificate` and the console give it.
            let again = try #require(try fixture.office.rights.erasureCertificate(request: request))
            #expect(again.signature == certificate.signature && again.destroyed == certificate.destroyed && again.notifications == certificate.notifications)
        }
    }

    /// Two officers fulfilling the same request at once: the request closes once, and the
    /// second finishing changes nothing (its transaction is rolled back).
    @Test(arguments: Backend.reachable) func anErasureFinishedTwiceClosesItsRequestOnceAndTellsEachRecipientOnce(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let request = try prospectToErase(fixture)
            let decided = try fixture.office.rights.decideErasure(try #require(try fixture.engine.request(request)))
            let application = ErasureApplication(subject: "PR-1", destroy: decided.destroyed, keep: [:], wholeSubject: true, tasks: decided.notifications,
                                                  closing: RequestClosing(request: request, outcome: LibraryWords("outcome.erasedWithKey", "done"), actor: "officer"))
            try fixture.office.rights.store.applyErasure(application, at: fixture.clock.now)
            #expect(throws: StoreError.self) { try fixture.office.rights.store.applyErasure(application, at: fixture.clock.now) }
            #expect(try fixture.engine.tasks().count == 1)
            #expect(try fixture.engine.request(request)?.events.filter { $0.event == "fulfilled" }.count == 1)
        }
    }
}
}

/// On SQLite, a kill after the keyring's ledger committed and before the vault's transaction:
/// the next open replays the ledger (the subject's rows go), and the request is still finished
/// by fulfilling it again. Before, that request could never close ("subject is not in the vault").
struct ErasureAfterLedgerReplayTests {
    @Test func anErasureWhoseSubjectTheLedgerAlreadyShreddedIsFinished() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "replayed-4410@example.nl"]), by: "test")
        let request = try fixture.engine.openRequest(subject: "PR-1", type: .erasure, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer")
        let decided = try fixture.engine.rightsDesk.decideErasure(request)
        // What the ledger's replay does on the next open: the key and rows go, nothing else.
        try fixture.engine.store.shred(subject: "PR-1", at: Instant.now)
        let certificate = try fixture.engine.fulfilErasure(request: request.id, by: "officer")
        #expect(certificate.destroyed == decided.destroyed && certificate.subjectKeyDestroyed)
        #expect(try fixture.engine.request(request.id)?.status == .completed)
        #expect(try fixture.engine.request(request.id)?.outcome?.hasPrefix("ERASURE_FULL") == true)
    }
}
