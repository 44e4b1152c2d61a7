import Custos
import CustosDecision
import CustosPolicy
import CustosStore
import CustosTestSupport
import Foundation
import Testing

/// The Art. 14 information duty (gdpr.md §13): the deadline is the earliest of one month
/// after obtaining (rolled past weekends and holidays), the first communication and the
/// first disclosure; a share or communication before the information carries
/// `inform-subject-first` and leaves a task; the record settles it.
extension OnBothBackends {
struct InformationDutyTests {
    static func at(_ text: String) -> Instant { Instant(iso8601: text)! }
    static var policy: CompiledPolicy { SeedPolicy.compiled }

    @Test func eachTriggerSetsTheDeadlineAndTheEarliestWins() {
        let obtained = Self.at("2025-05-20T14:00:00+02:00")
        // One month: 20 June 2025 is a Friday, so the whole of that day counts.
        let month = InformationDeadline(obtainedAt: obtained, firstCommunication: nil, firstDisclosure: nil, policy: Self.policy)
        #expect(month.trigger == .oneMonth && month.monthDue == LocalDate(parsing: "2025-06-20"))
        #expect(month.due == Self.at("2025-06-21T00:00:00+02:00"))
        // A month ending on a Saturday rolls to Monday (Reg. 1182/71 Art. 3(4)).
        let weekend = InformationDeadline(obtainedAt: Self.at("2025-05-14T10:00:00+02:00"), firstCommunication: nil, firstDisclosure: nil, policy: Self.policy)
        #expect(weekend.monthDue == LocalDate(parsing: "2025-06-16"))
        let letter = Self.at("2025-06-02T09:00:00+02:00"), share = Self.at("2025-06-05T09:00:00+02:00")
        let communication = InformationDeadline(obtainedAt: obtained, firstCommunication: letter, firstDisclosure: nil, policy: Self.policy)
        #expect(communication.trigger == .firstCommunication && communication.due == letter)
        let disclosure = InformationDeadline(obtainedAt: obtained, firstCommunication: nil, firstDisclosure: share, policy: Self.policy)
        #expect(disclosure.trigger == .firstDisclosure && disclosure.due == share)
        let both = InformationDeadline(obtainedAt: obtained, firstCommunication: share, firstDisclosure: letter, policy: Self.policy)
        #expect(both.trigger == .firstDisclosure && both.due == letter, "the earlier of the two uses")
        let afterTheMonth = InformationDeadline(obtainedAt: obtained, firstCommunication: Self.at("2025-07-01T09:00:00+02:00"), firstDisclosure: nil, policy: Self.policy)
        #expect(afterTheMonth.trigger == .oneMonth && afterTheMonth.due == month.due, "a use after the month does not move it later")
    }

    @Test(arguments: Backend.reachable) func aShareBeforeTheInformationCarriesTheObligationAndLeavesATask(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Self.at("2025-06-02T09:00:00+02:00")) { fixture in
            try fixture.addDebtor("D-1", marker: "info1")
            try fixture.addDebtor("D-2", marker: "info2")
            var duties = try fixture.engine.informationDuties()
            #expect(duties.map(\.subject) == ["D-1", "D-2"])
            #expect(duties.allSatisfy { $0.notice == "N-PRIVACY" && $0.deadline.trigger == .oneMonth && $0.sources == ["creditor"] })
            #expect(duties[0].deadline.monthDue == LocalDate(parsing: "2025-07-02"))

            fixture.clock.set("2025-06-03T11:00:00+02:00")
            let shared = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            #expect(shared.decision.outcome == .permit)
            #expect(shared.decision.obligations.contains(.informSubjectFirst))
            #expect(shared.decision.codes.contains(.informationNotYetGiven))
            duties = try fixture.engine.informationDuties()
            let first = try #require(duties.first)
            #expect(first.subject == "D-1" && first.deadline.trigger == .firstDisclosure && first.deadline.due == Self.at("2025-06-03T11:00:00+02:00"))
            #expect(first.task?.recipient == "R-BAILIFF-NL" && first.task?.logSequence == shared.logSequence)
            #expect(first.isOverdue(at: fixture.clock.now), "the information should have gone with the share")

            // A second share does not move the deadline: the first use set it.
            fixture.clock.set("2025-06-04T11:00:00+02:00")
            _ = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-LAWYER-NL", actor: "collections-service")
            #expect(try fixture.engine.informationDuties().first { $0.subject == "D-1" }?.deadline.due == Self.at("2025-06-03T11:00:00+02:00"))

            try fixture.engine.recordInformationGiven(subject: "D-1", notice: "N-PRIVACY", at: fixture.clock.now, channel: "post", by: "officer")
            let settled = try #require(try fixture.engine.informationDuties().first { $0.subject == "D-1" })
            #expect(settled.isSettled && settled.wasLate)
            let after = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            #expect(!after.decision.obligations.contains(.informSubjectFirst) && after.decision.outcome == .permit)
            // D-2 was never shared: its month still runs.
            #expect(try fixture.engine.informationDuties().first { $0.subject == "D-2" }?.deadline.trigger == .oneMonth)
        }
    }

    @Test(arguments: Backend.reachable) func aLetterToAProspectIsTheFirstCommunication(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Self.at("2025-06-02T09:00:00+02:00")) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "P-1", category: "prospect", kind: .soleTrader, consumer: false,
                                                     values: ["company_name": "Bakkerij P", "postal_address": "Dorpsstraat 1, 1234 AB Ergens"],
                                                     source: "KvK register"), by: "test")
            fixture.clock.set("2025-06-10T09:00:00+02:00")
            let letter = fixture.engine.read(subject: "P-1", fields: ["company_name", "postal_address"], purpose: "P-PROSPECT-MKT-POST", actor: "marketing-service")
            #expect(letter.decision.obligations == [.informSubjectFirst])
            let duty = try #require(try fixture.engine.informationDuties().first)
            #expect(duty.deadline.trigger == .firstCommunication && duty.deadline.due == Self.at("2025-06-10T09:00:00+02:00"))
            #expect(duty.sources == ["kvk-register"])
        }
    }

    @Test(arguments: Backend.reachable) func anExceptionIsTheOfficersRecordedDecisionWithItsGround(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.addDebtor("D-1", marker: "info3")
            #expect(throws: InformationRefusal.self, "a ground needs reasons") {
                try fixture.engine.recordInformationException(subject: "D-1", notice: "N-PRIVACY", exception: .alreadyInformed, ground: " ", by: "officer")
            }
            #expect(throws: InformationRefusal.self, "an unknown notice") {
                try fixture.engine.recordInformationGiven(subject: "D-1", notice: "N-NOPE", at: fixture.clock.now, channel: nil, by: "officer")
            }
            #expect(throws: InformationRefusal.self, "a blank channel says nothing") {
                try fixture.engine.recordInformationGiven(subject: "D-1", notice: "N-PRIVACY", at: fixture.clock.now, channel: "  ", by: "officer")
            }
            #expect(throws: InformationRefusal.self, "not in the future") {
                try fixture.engine.recordInformationGiven(subject: "D-1", notice: "N-PRIVACY", at: Self.at("2030-01-01T00:00:00Z"), channel: nil, by: "officer")
            }
            // Nor before 1900: year 0025 is a slip that would settle the duty unmet.
            for at in ["0025-01-01T00:00:00Z", "1899-12-31T12:00:00Z"] {
                let refusal = #expect(throws: InformationRefusal.self, "\(at)") {
                    try fixture.engine.recordInformationGiven(subject: "D-1", notice: "N-PRIVACY", at: Self.at(at), channel: "post", by: "officer")
                }
                #expect(refusal?.description.contains("cannot have been given before 1900-01-01") == true)
            }
            #expect(try fixture.engine.informationDuties().first?.isSettled == false, "no refused record settled the duty")
            try fixture.engine.recordInformationException(subject: "D-1", notice: "N-PRIVACY", exception: .alreadyInformed,
                                                          ground: "the creditor's own letter named us and our statement", by: "officer")
            let duty = try #require(try fixture.engine.informationDuties().first)
            #expect(duty.isSettled && duty.record?.exception == .alreadyInformed && !duty.wasLate)
            let share = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            #expect(!share.decision.obligations.contains(.informSubjectFirst))
        }
    }
}
}
