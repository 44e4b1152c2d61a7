import Custos
import CustosTestSupport
import Foundation
import Testing
import CustosStore

/// The officer's records change decisions at once: objections and their assessment,
/// restrictions lifted only after the subject is told, legal holds.
extension OnBothBackends {
struct OfficerDecisionTests {
    func scoring(_ engine: TestEngine) -> Decision {
        engine.read(subject: "D-1", fields: ["claim_details"], purpose: "P-SCORING", actor: "scoring-service").decision
    }

    @Test(arguments: Backend.reachable) func anObjectionStopsScoringUntilCompellingGroundsAreRecorded(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["claim_details": "invoice 1"]), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            #expect(scoring(fixture.engine).outcome == .permit)
            let id = try fixture.engine.recordObjection(subject: "D-1", purpose: "P-SCORING", kind: .general)
            #expect(scoring(fixture.engine).codes.contains(.objectionNoCompellingGrounds))
            let collect = fixture.engine.read(subject: "D-1", fields: ["claim_details"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(collect.decision.outcome == .permit, "the objection was to scoring only")
            #expect(throws: StoreError.self) { try fixture.engine.assessObjection(id: id, assessment: .overridden, reference: nil, by: "officer") }
            try fixture.engine.assessObjection(id: id, assessment: .overridden, reference: "OBJ-2025-014", by: "officer")
            #expect(scoring(fixture.engine).outcome == .permit)
        }
    }

    @Test(arguments: Backend.reachable) func aMarketingObjectionStopsMarketingAtOnce(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "C-1", category: "client", contractParty: true, values: ["email": "c@example.nl"]), by: "test")
            #expect(fixture.engine.read(subject: "C-1", fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service").decision.outcome == .permit)
            let objection = try fixture.engine.recordObjection(subject: "C-1", purpose: nil, kind: .directMarketing)
            let after = fixture.engine.read(subject: "C-1", fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service")
            #expect(after.decision.codes.contains(.objectionDirectMarketing) && after.values.isEmpty)
            // Absolute (Art. 21(3)): no assessment of compelling grounds may be recorded for it,
            // nor for an Art. 22 objection, which asks for a human rather than a balancing.
            let automated = try fixture.engine.recordObjection(subject: "C-1", purpose: "P-SCORING", kind: .automatedDecision)
            for (id, words) in [(objection, "it is absolute (Art. 21(3)) and takes no assessment"), (automated, "not for a balancing, and takes no assessment")] {
                for assessment in [ObjectionAssessment.overridden, .upheld] {
                    let error = #expect(throws: StoreError.self) { try fixture.engine.assessObjection(id: id, assessment: assessment, reference: "DPIA-1", by: "officer") }
                    #expect(error.map { String(describing: $0) }?.contains(words) == true, "\(id) \(assessment)")
                }
            }
            let recorded = try fixture.engine.store.objections(of: "C-1")
            #expect(recorded.allSatisfy { $0.objection.assessment == nil && $0.objection.assessmentReference == nil }, "nothing was recorded")
            #expect(throws: StoreError.self, "an unknown objection is still named as such") {
                try fixture.engine.assessObjection(id: 999, assessment: .upheld, reference: nil, by: "officer")
            }
        }
    }

    /// A record that names an id by mistake would apply to nothing and leave the meant one
    /// unprotected (a hold on `emial` keeps no e-mail address from the sweep); one without its
    /// reason is no record. Each is refused, on every path, and records nothing.
    @Test(arguments: Backend.reachable) func aHoldRestrictionOrObjectionNamingAnUndeclaredIdOrNoReasonIsRefused(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "d1@example.nl"]), by: "test")
            let refusals: [(String, () throws -> Int64)] = [
                ("field 'emial' is not declared in the policy; did you mean 'email'?",
                 { try fixture.engine.placeHold(subject: "D-1", reference: "C/09/1", fields: ["emial"], by: "officer") }),
                ("purpose 'P-NOPE' is not declared in the policy", { try fixture.engine.placeHold(subject: "D-1", reference: "C/09/1", purposes: ["P-NOPE"], by: "officer") }),
                ("a legal hold's reference (the case it is for) may not be empty", { try fixture.engine.placeHold(subject: "D-1", reference: "  ", by: "officer") }),
                ("the list of fields is empty", { try fixture.engine.placeHold(subject: "D-1", reference: "C/09/1", fields: [], by: "officer") }),
                ("field 'emial' is not declared in the policy; did you mean 'email'?",
                 { try fixture.engine.placeRestriction(subject: "D-1", fields: ["emial"], ground: "accuracy contested") }),
                ("a restriction's ground (Art. 18(1)) may not be empty", { try fixture.engine.placeRestriction(subject: "D-1", fields: nil, ground: "") }),
                ("purpose 'P-NOPE' is not declared in the policy", { try fixture.engine.recordObjection(subject: "D-1", purpose: "P-NOPE", kind: .general) }),
            ]
            for (message, attempt) in refusals {
                let error = #expect(throws: StoreError.self) { _ = try attempt() }
                let text = error.map { String(describing: $0) } ?? ""
                #expect(text.contains(message), "\(text)")
            }
            #expect(try fixture.engine.placeHold(subject: "D-1", reference: "C/09/1", fields: ["email"], by: "officer") == 1, "the refusals recorded nothing")
            #expect(try fixture.engine.placeRestriction(subject: "D-1", fields: ["email"], ground: "accuracy contested") == 1)
            #expect(try fixture.engine.recordObjection(subject: "D-1", purpose: "P-SCORING", kind: .general) == 1)
        }
    }

    @Test(arguments: Backend.reachable) func aRestrictionIsLiftedOnlyAfterTheSubjectIsTold(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["claim_details": "invoice 1"]), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            let id = try fixture.engine.placeRestriction(subject: "D-1", fields: nil, ground: "accuracy contested")
            #expect(scoring(fixture.engine).codes.contains(.restrictedStorageOnly))
            fixture.clock.set("2025-06-03T10:00:00+02:00")
            #expect(throws: StoreError.self, "told later than now") {
                try fixture.engine.liftRestriction(id: id, subjectInformedAt: Instant(iso8601: "2025-06-04T09:00:00+02:00")!)
            }
            #expect(throws: StoreError.self, "told before the restriction was placed (2 June, 09:00): that was not about its lifting") {
                try fixture.engine.liftRestriction(id: id, subjectInformedAt: Instant(iso8601: "2025-06-02T08:00:00+02:00")!)
            }
            #expect(scoring(fixture.engine).codes.contains(.restrictedStorageOnly), "a refused lift changes nothing")
            try fixture.engine.liftRestriction(id: id, subjectInformedAt: Instant(iso8601: "2025-06-03T09:00:00+02:00")!)
            #expect(scoring(fixture.engine).outcome == .permit)
            #expect(try fixture.engine.store.restrictions(of: "D-1").first?.subjectInformedAt != nil)
        }
    }

    @Test(arguments: Backend.reachable) func aLegalHoldKeepsAnExpiredFileReadableUntilLifted(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["claim_details": "invoice 1"]), by: "test")
            try fixture.engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(parsing: "2019-01-15"), by: "test")
            let read = { fixture.engine.read(subject: "D-1", fields: ["claim_details"], purpose: "P-DEBT-COLLECT", actor: "collections-service").decision }
            #expect(read().codes.contains(.retentionExpired))
            let hold = try fixture.engine.placeHold(subject: "D-1", reference: "C/09/654321", since: LocalDate(parsing: "2024-01-01"), by: "officer")
            #expect(read().outcome == .permit && read().codes.contains(.retentionLegalHold))
            #expect(throws: StoreError.self, "a hold cannot end before it began") {
                try fixture.engine.liftHold(id: hold, until: LocalDate(parsing: "2023-12-31"), by: "officer")
            }
            #expect(throws: StoreError.self, "nor begin after today") {
                try fixture.engine.placeHold(subject: "D-1", reference: "C/09/654322", since: LocalDate(parsing: "2025-06-03"), by: "officer")
            }
            #expect(throws: StoreError.self, "nor in year 25, a slip for 2025") {
                try fixture.engine.placeHold(subject: "D-1", reference: "C/09/654323", since: LocalDate(parsing: "0025-06-01"), by: "officer")
            }
            try fixture.engine.liftHold(id: hold, until: LocalDate(parsing: "2025-06-01"), by: "officer")
            #expect(read().codes.contains(.retentionExpired))
            #expect(try fixture.engine.store.holds(of: "D-1").count == 1, "a lifted hold stays on record")
        }
    }
}
}
