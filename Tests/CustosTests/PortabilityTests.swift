import Custos
import CustosTestSupport
import Foundation
import Testing

extension OnBothBackends {
/// Art. 20 requests on the seed policy: what an export holds, and when there is none.
struct PortabilityTests {
    func verified(_ fixture: BackendFixture, _ subject: String, _ type: RightsRequestType) throws -> String {
        try fixture.engine.openRequest(subject: subject, type: type, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer").id
    }

    @Test(arguments: Backend.reachable) func portabilityIsRefusedWhenNothingRestsOnConsentOrContract(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.addDebtor("D-1", marker: "pt01")
            let id = try verified(fixture, "D-1", .portability)
            let refusal = #expect(throws: RequestRefusal.self) { try fixture.engine.fulfilPortability(request: id, by: "officer") }
            #expect(refusal?.code == .portabilityBasisNotEligible)
            let request = try #require(try fixture.engine.request(id))
            #expect(request.status == .rejected && request.outcome?.contains("PORTABILITY_BASIS_NOT_ELIGIBLE") == true)
            #expect(request.outcome?.contains("Autoriteit Persoonsgegevens") == true)
            // Kept as words beside the English, so a face can say it in its own language.
            let words = try #require(request.outcomeWords)
            #expect(words.key == "outcome.rejected" && words.description == request.outcome)
            #expect(words.phrases["reasons"]?.phrases["reason"]?.key == "request.portabilityNoBasis")
        }
    }

    @Test(arguments: Backend.reachable) func portabilityExportsOnlyWhatTheSubjectProvidedUnderConsentOrContract(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
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
            let completed = try #require(try fixture.engine.request(id))
            #expect(completed.outcomeWords?.key == "outcome.portabilityLeftOut" && completed.outcomeWords?.values["left"] == "2")
            #expect(completed.outcome == "portability export of 2 fields (JSON and CSV); PORTABILITY_PROVIDED_DATA_ONLY: 2 fields left out")

            let json = try #require(try JSONSerialization.jsonObject(with: export.json) as? [String: Any])
            let items = try #require(json["items"] as? [[String: Any]])
            #expect(items.map { $0["value"] as? String } == ["klaas@example.nl", "Klaas \"K\" Jansen, jr."])
            let csv = String(decoding: export.csv, as: UTF8.self)
            #expect(csv.hasPrefix("field,title,value,purposes,source"))
            #expect(csv.contains("\"Klaas \"\"K\"\" Jansen, jr.\""), "RFC 4180 quoting")
            #expect(try fixture.engine.request(id)?.status == .completed)
            let logged = try fixture.engine.store.logEntries(from: nil, to: nil, subject: "C-1")
            #expect(logged.contains { $0.purpose == "P-CLIENT-COMM" && $0.action == "read" }, "the export is a logged read")
        }
    }

    @Test(arguments: Backend.reachable) func portabilityOfConsentDataEndsWithTheConsent(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
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
}
}
