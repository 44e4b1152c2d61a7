import Custos
import CustosTestSupport
import Foundation
import Testing

/// Art. 28(2) on the vault: the officer's records about a sub-processor decide every share to
/// its processor from their date on, and the status the officer lists agrees with them.
extension OnBothBackends {
struct SubProcessorTests {
    @Test(arguments: Backend.reachable) func anObjectionRecordedByTheOfficerStopsSharesToTheProcessor(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: "2025-04-20T10:00:00+02:00")!) { fixture in
            _ = try fixture.addDebtor("D-1", marker: "sp01")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            func share() -> GatedResult {
                fixture.engine.share(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM", actor: "collections-service")
            }
            // Inside the objection window of the general authorisation (notified 2025-04-01, 30 days).
            let pending = share()
            #expect(pending.decision.codes.contains(.subprocessorNotAuthorised) && pending.values.isEmpty)
            #expect(try fixture.engine.subProcessors().first { $0.recipient == "R-CRM-SUPPORT" }?.holding.holds == false)
            // The officer approves early: from then on the CRM vendor gets the data.
            try fixture.engine.recordSubProcessor("R-CRM-SUPPORT", state: .authorised, note: "reviewed the support contract", by: "officer")
            fixture.clock.set("2025-04-20T10:05:00+02:00")
            let approved = share()
            #expect(approved.decision.outcome == .permit, "\(approved.decision.codes)")
            #expect(approved.decision.codes.contains(.transferSCC), "remote access from India is a transfer under SCCs")
            #expect(try fixture.engine.store.disclosures(of: "D-1").last?.mechanism == "intra-eea", "the CRM vendor itself is in the Netherlands")
            // Later the controller objects after all (say, the TIA no longer holds).
            fixture.clock.set("2025-06-02T09:00:00+02:00")
            try fixture.engine.recordSubProcessor("R-CRM-SUPPORT", state: .objected, by: "officer")
            fixture.clock.set("2025-06-02T09:05:00+02:00")
            let objected = share()
            #expect(objected.decision.outcome == .deny && objected.decision.codes.contains(.subprocessorNotAuthorised))
            #expect(objected.decision.reasons.contains { $0.explanation.contains("R-CRM-SUPPORT") && $0.explanation.contains("objected") })
            let status = try #require(try fixture.engine.subProcessors().first { $0.recipient == "R-CRM-SUPPORT" })
            #expect(!status.holding.holds && status.records.map(\.record.state) == [.authorised, .objected])
            #expect(try fixture.engine.subProcessors().first { $0.recipient == "R-CRM-HOSTING" }?.holding.holds == true)
        }
    }

    @Test(arguments: Backend.reachable) func onlyASubProcessorOfThePolicyCanBeRecorded(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            #expect(throws: SubProcessorRefusal.self) { try fixture.engine.recordSubProcessor("R-CRM", state: .objected, by: "officer") }
            #expect(throws: SubProcessorRefusal.self) { try fixture.engine.recordSubProcessor("R-NOBODY", state: .authorised, by: "officer") }
            // Nor one said to take effect before 1900 (year 0025 for 2025).
            for at in ["0025-01-10T00:00:00Z", "1899-12-31T00:00:00Z"] {
                let refusal = #expect(throws: SubProcessorRefusal.self, "\(at)") {
                    try fixture.engine.recordSubProcessor("R-CRM-HOSTING", state: .authorised, effective: Instant(iso8601: at)!, by: "officer")
                }
                #expect(refusal?.description.contains("cannot take effect before 1900-01-01") == true)
            }
            let records = try fixture.engine.store.subProcessorRecords()
            #expect(records.isEmpty)
        }
    }
}
}
