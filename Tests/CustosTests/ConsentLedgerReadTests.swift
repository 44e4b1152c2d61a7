import Custos
import CustosPostgres
import CustosStore
import CustosTestSupport
import Foundation
import Testing

/// The consent report reads the ledger a subject at a time in one snapshot
/// (`ReportSource.readConsentLedger`): every subject's events come once and together, the
/// living subjects' and an erased subject's proofs, and on PostgreSQL pages of any size give
/// what one page gives.
extension OnBothBackends {
struct ConsentLedgerReadTests {
    @Test(arguments: Backend.reachable) func eachSubjectsConsentsComeOnceAndTogether(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: "2025-01-10T10:00:00+01:00")!) { fixture in
            let engine = fixture.engine
            let grant = { (id: String, preTicked: Bool) in
                _ = try engine.giveConsent(ConsentGrant(subject: id, purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web-form",
                                                        ageAtConsent: 30, preTicked: preTicked), by: "test")
            }
            for n in [4, 1, 6, 3, 2, 5] {
                try engine.addSubject(NewSubject(id: "PR-\(n)", category: "prospect", values: ["email": "pr\(n)@example.nl"]), by: "test")
                try grant("PR-\(n)", false)
            }
            for n in [2, 4] { try engine.withdrawConsent(subject: "PR-\(n)", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", by: "test") }
            try grant("PR-4", false)
            try grant("PR-5", true)
            let request = try engine.openRequest(subject: "PR-3", type: .erasure, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer")
            _ = try engine.fulfilErasure(request: request.id, by: "officer")

            let read = { (ledger: (_ subject: ([ConsentHistoryEntry]) throws -> Void, _ refusal: (ConsentRefusal) throws -> Void) throws -> Void) in
                var histories: [[ConsentHistoryEntry]] = [], refusals: [ConsentRefusal] = []
                try ledger({ histories.append($0) }, { refusals.append($0) })
                return (histories, refusals)
            }
            let (histories, refusals) = try read { try fixture.engine.store.readConsentLedger($0, refusal: $1) }
            let owners = histories.map { $0[0].subject }
            #expect(Set(owners).count == owners.count, "each subject once: \(owners)")
            #expect(histories.allSatisfy { history in history.allSatisfy { $0.subject == history[0].subject } })
            #expect(owners.prefix(5) == ["PR-1", "PR-2", "PR-4", "PR-5", "PR-6"], "the living first, by id: \(owners)")
            #expect(owners.count == 6 && owners[5].count == 64 && !owners[5].hasPrefix("PR-"), "PR-3 by its salted hash")
            #expect(histories.map(\.count) == [1, 2, 3, 1, 1, 1])
            #expect(histories[2].map(\.state) == [.given, .withdrawn, .given], "in the order recorded")
            #expect(refusals.map(\.subject) == ["PR-5"])
            if let vault = fixture.engine.store as? PostgresVault {
                for size in [1, 2, 3] {
                    let (paged, pagedRefusals) = try read { try vault.readConsentLedger($0, refusal: $1, pageSize: size) }
                    #expect(paged == histories && pagedRefusals == refusals, "pages of \(size)")
                }
            }
        }
    }
}
}
