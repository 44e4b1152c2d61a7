import Custos
import CustosTestSupport
import Foundation
import Testing
import CustosStore

/// The request book (gdpr.md §5): deadlines, identity, mandates, the one extension, rejection.
extension OnBothBackends {
struct RequestBookTests {
    /// A vault with one debtor on `backend`, its clock at `start`.
    static func withDebtor(_ backend: Backend, start: String = "2025-01-31T23:30:00Z", _ body: @escaping @Sendable (BackendFixture) throws -> Void) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: start)!) { fixture in
            try fixture.add(NewSubject(id: "D-1", category: "debtor", values: ["email": "d@example.nl"]))
            try body(fixture)
        }
    }

    @Test(arguments: Backend.reachable) func aRequestIsDueByTheArticle12Deadline(_ backend: Backend) async throws {
        // 23:30Z on 31 January is 1 February in Amsterdam: due 1 March 2025, a Saturday, so Monday 3 March.
        try await Self.withDebtor(backend) { fixture in
            let request = try fixture.office.requests.openRequest(subject: "D-1", type: .access, channel: "e-mail", by: "officer")
            #expect(request.id == "RQ-2025-0001")
            #expect(request.receivedOn == LocalDate(parsing: "2025-02-01"))
            #expect(request.dueOn == LocalDate(parsing: "2025-03-03"))
            #expect(request.status == .awaitingIdentity && request.identity == .unverified)
            let letter = try fixture.office.requests.openRequest(subject: "D-1", type: .erasure, channel: "letter",
                                                        receivedAt: Instant(iso8601: "2025-01-31T10:00:00+01:00"), by: "officer")
            #expect(letter.id == "RQ-2025-0002" && letter.dueOn == LocalDate(parsing: "2025-02-28"))
        }
    }

    @Test(arguments: Backend.reachable) func nothingIsDoneBeforeIdentityIsVerified(_ backend: Backend) async throws {
        try await Self.withDebtor(backend) { fixture in
            let request = try fixture.office.requests.openRequest(subject: "D-1", type: .access, channel: "e-mail", by: "officer")
            #expect(throws: RequestRefusal.self) { try fixture.office.requests.requireActionable(request) }
            let verified = try fixture.office.requests.verifyIdentity(request: request.id, method: "e-mail address matches data held", by: "officer")
            #expect(verified.identity == .verified && verified.status == .inProgress)
            try fixture.office.requests.requireActionable(verified)
            #expect(verified.events.map(\.event) == ["received", "identity-verified"])
            // Each detail is kept as words beside its English, so a face can say it in its language.
            #expect(verified.events.map { $0.detailWords?.key } == ["requestEvent.received", "requestEvent.asWritten"])
            #expect(verified.events.allSatisfy { $0.detail == $0.detailWords?.description })
            #expect(verified.events[1].detail == "e-mail address matches data held", "the officer's method, as written")
        }
    }

    @Test(arguments: Backend.reachable) func aRepresentativeNeedsAMandate(_ backend: Backend) async throws {
        try await Self.withDebtor(backend) { fixture in
            let withoutMandate = try fixture.office.requests.openRequest(subject: "D-1", type: .access, channel: "letter", requester: "representative",
                                                               identityVerifiedBy: "case number", by: "officer")
            do { try fixture.office.requests.requireActionable(withoutMandate); Issue.record("acted without a mandate") } catch let refusal as RequestRefusal {
                #expect(refusal.code == .dsarRequesterNotAuthorised)
            }
            let withMandate = try fixture.office.requests.openRequest(subject: "D-1", type: .access, channel: "letter", requester: "representative",
                                                            mandate: "power of attorney 2025-01-12", identityVerifiedBy: "case number", by: "officer")
            try fixture.office.requests.requireActionable(withMandate)
            #expect(throws: RequestRefusal.self, "a name is not stored in plain text") {
                try fixture.office.requests.openRequest(subject: "D-1", type: .access, channel: "letter", requester: "mr. J. Advocaat", by: "officer")
            }
        }
    }

    @Test(arguments: Backend.reachable) func anExtensionNeedsReasonsAndNoticeByTheFirstDeadline(_ backend: Backend) async throws {
        try await Self.withDebtor(backend, start: "2026-01-31T10:00:00+01:00") { fixture in
            let request = try fixture.office.requests.openRequest(subject: "D-1", type: .access, channel: "web-form", by: "officer")
            #expect(request.dueOn == LocalDate(parsing: "2026-03-02"))
            #expect(throws: RequestRefusal.self) { try fixture.office.requests.extendRequest(request.id, reasons: " ", by: "officer") }
            // The notice is a letter sent: not before the request arrived, nor later than today.
            for (sent, words) in [("0026-02-01", "before the request arrived (2026-01-31)"), ("2026-01-30", "before the request arrived"),
                                  ("2026-02-01", "later than today (2026-01-31)")] {
                let error = #expect(throws: StoreError.self, "\(sent)") {
                    try fixture.office.requests.extendRequest(request.id, reasons: "many files", noticeSentOn: LocalDate(parsing: sent), by: "officer")
                }
                #expect(error.map { String(describing: $0) }?.contains(words) == true, "\(sent)")
            }
            #expect(try fixture.office.requests.request(request.id)?.status == .awaitingIdentity, "none was recorded")
            fixture.clock.set("2026-03-03T10:00:00+01:00")
            do {
                _ = try fixture.office.requests.extendRequest(request.id, reasons: "many files", noticeSentOn: LocalDate(parsing: "2026-03-03"), by: "officer")
                Issue.record("a late extension was accepted")
            } catch let refusal as RequestRefusal {
                #expect(refusal.code == .dsarExtensionLate)
            }
            let extended = try fixture.office.requests.extendRequest(request.id, reasons: "many files", noticeSentOn: LocalDate(parsing: "2026-03-02"), by: "officer")
            #expect(extended.status == .extended && extended.dueOn == LocalDate(parsing: "2026-04-30"))
            #expect(throws: RequestRefusal.self) { try fixture.office.requests.extendRequest(request.id, reasons: "again", by: "officer") }
        }
    }

    @Test(arguments: Backend.reachable) func overdueAndDueSoonAreListed(_ backend: Backend) async throws {
        try await Self.withDebtor(backend, start: "2025-03-01T10:00:00+01:00") { fixture in
            let early = try fixture.office.requests.openRequest(subject: "D-1", type: .access, channel: "letter", receivedAt: Instant(iso8601: "2025-01-20T10:00:00+01:00"), by: "officer")
            let recent = try fixture.office.requests.openRequest(subject: "D-1", type: .portability, channel: "e-mail", by: "officer")
            fixture.clock.set("2025-03-25T10:00:00+01:00")
            #expect(try fixture.office.requests.openRequests(overdue: true).map(\.id) == [early.id])
            #expect(try fixture.office.requests.openRequests(dueWithinDays: 7).map(\.id) == [early.id, recent.id])
            _ = try fixture.office.requests.rejectRequest(early.id, reasons: "duplicate of an answered request", by: "officer")
            #expect(try fixture.office.requests.openRequests(overdue: true).isEmpty)
            let rejected = try #require(try fixture.office.requests.request(early.id))
            #expect(rejected.status == .rejected && rejected.outcome?.contains("Autoriteit Persoonsgegevens") == true)
        }
    }

    /// The open list and a subject's dossier are read by index (vault v24, PostgreSQL v15),
    /// not by loading every request of every year: each holds exactly its requests, oldest
    /// received first.
    @Test(arguments: Backend.reachable) func theOpenListAndADossierHoldExactlyTheirRequests(_ backend: Backend) async throws {
        try await Self.withDebtor(backend, start: "2025-03-01T10:00:00+01:00") { fixture in
            try fixture.add(NewSubject(id: "D-2", category: "debtor", values: ["email": "e@example.nl"]))
            let requests = fixture.office.requests
            let late = try requests.openRequest(subject: "D-1", type: .portability, channel: "e-mail", by: "officer")
            let other = try requests.openRequest(subject: "D-2", type: .erasure, channel: "letter",
                                                 receivedAt: Instant(iso8601: "2025-02-10T10:00:00+01:00"), by: "officer")
            let early = try requests.openRequest(subject: "D-1", type: .access, channel: "letter",
                                                 receivedAt: Instant(iso8601: "2025-02-01T10:00:00+01:00"), by: "officer")
            #expect(try requests.openRequests().map(\.id) == [early.id, other.id, late.id])
            _ = try requests.rejectRequest(early.id, reasons: "a duplicate", by: "officer")
            #expect(try requests.openRequests().map(\.id) == [other.id, late.id])
            let dossier = try #require(try fixture.office.overview.dossier(of: "D-1"))
            #expect(dossier.requests.map(\.id) == [early.id, late.id] && dossier.requests.first?.status == .rejected)
            #expect(try fixture.office.overview.dossier(of: "D-2")?.requests.map(\.id) == [other.id])
        }
    }

    /// A selection is read in two statements (the requests, then every event of theirs), not
    /// two per request: each request still carries exactly its own history, in order, as the
    /// request alone loads it.
    @Test(arguments: Backend.reachable) func aSelectionCarriesEachRequestsOwnHistory(_ backend: Backend) async throws {
        try await Self.withDebtor(backend, start: "2025-03-01T10:00:00+01:00") { fixture in
            try fixture.add(NewSubject(id: "D-2", category: "debtor", values: ["email": "e@example.nl"]))
            let desk = fixture.office.requests
            let first = try desk.openRequest(subject: "D-1", type: .access, channel: "e-mail", by: "officer")
            let second = try desk.openRequest(subject: "D-2", type: .erasure, channel: "letter", by: "officer")
            let third = try desk.openRequest(subject: "D-1", type: .rectification, channel: "phone", by: "officer")
            // Events interleaved across requests, so that a history taken by position or by
            // the last request seen would be wrong.
            _ = try desk.verifyIdentity(request: second.id, method: "letter with a copy of the ID", by: "officer")
            _ = try desk.verifyIdentity(request: first.id, method: "known e-mail address", by: "officer")
            _ = try desk.extendRequest(second.id, reasons: "many requests at once", by: "officer")
            _ = try desk.rejectRequest(first.id, reasons: "a duplicate", by: "officer")
            let alone = try [first, second, third].map { try #require(try desk.request($0.id)) }
            #expect(alone.map(\.events.count) == [3, 3, 1])
            let all = try desk.store.requests(.all)
            #expect(all == alone)
            #expect(try desk.store.requests(.open) == [alone[1], alone[2]])
            #expect(try desk.store.requests(.subject("D-1")) == [alone[0], alone[2]])
            #expect(try desk.store.requests(.subject("D-9")).isEmpty)
        }
    }

    @Test(arguments: Backend.reachable) func anObjectionRequestStopsTheProcessingAtOnce(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.add(NewSubject(id: "C-1", category: "client", contractParty: true, values: ["email": "c@example.nl"]))
            _ = try fixture.office.requests.openRequest(subject: "C-1", type: .objectionDirectMarketing, channel: "phone", by: "officer")
            #expect(fixture.service.read(subject: "C-1", fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service").decision.codes.contains(.objectionDirectMarketing))
        }
    }
}
}
