import Custos
import CustosTestSupport
import Foundation
import Testing

/// What the console's Today and subject pages read: objections waiting for an assessment,
/// holds in force, recent withdrawals, decisions over time with the quiet days in.
extension OnBothBackends {
struct OfficerOverviewTests {
    @Test(arguments: Backend.reachable) func waitingObjectionsLeaveTheListOnceAssessed(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.addDebtor("D-1", marker: "overview01")
            let id = try fixture.engine.recordObjection(subject: "D-1", purpose: "P-SCORING", kind: .general)
            _ = try fixture.engine.recordObjection(subject: "D-1", purpose: nil, kind: .directMarketing)
            #expect(try fixture.engine.overview.objectionsAwaitingAssessment().map(\.objection.id) == [id], "direct marketing needs no assessment")
            try fixture.engine.assessObjection(id: id, assessment: .upheld, reference: nil, by: "console:anna")
            #expect(try fixture.engine.overview.objectionsAwaitingAssessment().isEmpty)
            let hold = try fixture.engine.placeHold(subject: "D-1", reference: "C/09/1", by: "console:anna")
            #expect(try fixture.engine.overview.holdsInForce().map(\.hold.id) == [hold])
            try fixture.engine.liftHold(id: hold, by: "console:anna")
            #expect(try fixture.engine.overview.holdsInForce().isEmpty)
        }
    }

    @Test(arguments: Backend.reachable) func decisionsOverTimeCountEveryDayFromTheFirstToTheLast(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.addDebtor("D-1", marker: "overview02")
            let read = { fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service") }
            _ = read()
            fixture.clock.set("2025-06-05T10:00:00+02:00")
            _ = read()
            _ = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
            let days = try fixture.engine.overview.decisionsOverTime(from: nil, to: nil, weekly: false)
            #expect(days.map(\.period.description) == ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05"])
            #expect(days[1].outcomes.isEmpty && days[2].outcomes.isEmpty, "the quiet days are there, empty")
            #expect(days[3].outcomes["permit"] == 1 && days[3].outcomes["deny"] == 1)
            let weeks = try fixture.engine.overview.decisionsOverTime(from: nil, to: nil, weekly: true)
            #expect(weeks.map(\.period.description) == ["2025-06-02"], "both days fall in the week of Monday 2 June")
            #expect(weeks[0].outcomes.values.reduce(0, +) == 3)
        }
    }
}
}
