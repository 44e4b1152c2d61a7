import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

extension OnBothBackends {
/// A rectification's values and a restriction, with their recipients' tasks, commit with the
/// request's closing (`RequestClosing`): a closing that cannot happen (the request is no longer
/// open, as when two officers fulfil it at once) leaves nothing of the work behind, so a kill
/// can never leave the work done and the request open for a second fulfilment to repeat.
struct RequestClosingTests {
    /// A debtor whose e-mail address went to the CRM processor, and a verified request of `type`.
    func debtorWithRequest(_ fixture: BackendFixture, _ type: RightsRequestType) throws -> String {
        try fixture.add(NewSubject(id: "D-1", category: "debtor", values: ["email": "old-5150@example.nl", "person_name": "Jan Closing"], source: "client"))
        try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
        #expect(fixture.engine.share(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM", actor: "collections-service").decision.outcome == .permit)
        return try fixture.engine.openRequest(subject: "D-1", type: type, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer").id
    }

    @Test(arguments: Backend.reachable) func aRectificationWhoseRequestCannotCloseChangesNothing(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let request = try debtorWithRequest(fixture, .rectification)
            let result = try fixture.office.rights.fulfilRectification(request: request, values: ["email": "new-5150@example.nl"], by: "officer")
            #expect(result.rectified == ["email"] && result.notifications.map(\.recipient) == ["R-CRM"])
            #expect(try fixture.engine.request(request)?.status == .completed)
            #expect(try fixture.engine.request(request)?.outcome == "rectified email; 1 recipients to notify")

            // The same rectification again, as a second officer's would arrive: refused whole.
            let again = RequestClosing(request: request, outcome: LibraryWords("outcome.rectified", "again"), actor: "officer")
            #expect(throws: StoreError.self) {
                _ = try fixture.office.rights.store.rectify(subject: "D-1", values: ["email": "third-5150@example.nl"], source: "test", tasks: result.notifications,
                                                            closing: again, at: fixture.clock.now)
            }
            #expect(fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values["email"] == "new-5150@example.nl")
            #expect(try fixture.engine.tasks().count == 1)
            #expect(try fixture.engine.request(request)?.events.filter { $0.event == "fulfilled" }.count == 1)
        }
    }

    @Test(arguments: Backend.reachable) func aRestrictionWhoseRequestCannotCloseIsNotRecorded(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let request = try debtorWithRequest(fixture, .restriction)
            let outcome = try fixture.engine.fulfilRestriction(request: request, fields: ["email"], ground: .accuracyContested, by: "officer")
            let restrictions = try fixture.engine.overview.store.restrictions(of: "D-1")
            #expect(restrictions.count == 1)
            let number = try #require(restrictions.first?.id)
            #expect(outcome.outcome.hasPrefix("restriction #\(number) on email") && outcome.notifications.map(\.recipient) == ["R-CRM"])
            #expect(try fixture.engine.request(request)?.outcome == outcome.outcome)

            #expect(throws: StoreError.self) {
                _ = try fixture.office.rights.store.restrict(subject: "D-1", fields: ["email"], ground: "again", tasks: outcome.notifications, request: request,
                                                             by: "officer", outcome: { LibraryWords("outcome.restrictedAll", "#\($0)") }, since: fixture.clock.now)
            }
            #expect(try fixture.engine.overview.store.restrictions(of: "D-1").count == 1, "no second restriction")
            #expect(try fixture.engine.tasks().count == 1)
        }
    }
}
}
