import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

extension OnBothBackends {
/// A breach of the whole vault counts what it touches a page of subjects at a time
/// (`BreachStore.forEachHeldSubject`): the pages together hold every subject once, with its
/// category and its fields, whatever their size, a subject without fields included.
struct HeldSubjectPagesTests {
    @Test(arguments: Backend.reachable) func pagesOfAnySizeHoldEverySubjectOnceWithItsFields(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            var expected: [String: (category: String, fields: [String])] = [:]
            for index in 0..<23 {
                let id = "D-\(String(format: "%02d", index))"
                let values = try fixture.addDebtor(id, marker: "hs\(String(format: "%02d", index))")
                expected[id] = ("debtor", values.keys.sorted())
            }
            try fixture.add(NewSubject(id: "C-1", category: "client", contractParty: true, values: ["email": "c1@example.nl"]))
            expected["C-1"] = ("client", ["email"])
            // A prospect known by id alone holds no field.
            try fixture.add(NewSubject(id: "PR-1", category: "prospect", values: [:]))
            expected["PR-1"] = ("prospect", [])
            let store = fixture.office.breaches.store
            for pageSize in [1, 2, 5, 25, 26, 10_000] {
                var seen: [String: (category: String, fields: [String])] = [:]
                var order: [String] = []
                try store.forEachHeldSubject(pageSize: pageSize) { subject, category, fields in
                    #expect(seen[subject] == nil, "\(backend): \(subject) twice in pages of \(pageSize)")
                    seen[subject] = (category, fields)
                    order.append(subject)
                }
                #expect(Set(seen.keys) == Set(expected.keys), "\(backend), pages of \(pageSize)")
                for (subject, held) in expected {
                    #expect(seen[subject]?.category == held.category && seen[subject]?.fields == held.fields, "\(backend) \(subject), pages of \(pageSize)")
                }
            }
            let breach = try fixture.office.breaches.recordBreach(PrivacyEngine.BreachReport(
                nature: [.confidentiality], awareAt: fixture.clock.now, scope: .vault, window: (Instant(millisecondsSinceEpoch: fixture.clock.now.millisecondsSinceEpoch - 3_600_000), fixture.clock.now), description: "a backup lost"), by: "officer")
            let affected = try fixture.office.breaches.affectedSubjects(breach)
            #expect(affected.subjectCount == 24 && affected.byCategory == ["debtor": 23, "client": 1], "\(backend): the subject without fields is not touched")
            #expect(affected.records == expected.values.map(\.fields.count).reduce(0, +))
            // Who the breach touches, handed on a page at a time: everyone with a field, once.
            for pageSize in [1, 7, 10_000] {
                var handed: [String: [String]] = [:]
                try fixture.office.breaches.forEachAffectedSubject(breach, pageSize: pageSize) { subject, fields, category in
                    #expect(handed[subject] == nil && category == expected[subject]?.category, "\(backend): \(subject) in pages of \(pageSize)")
                    handed[subject] = fields
                }
                #expect(handed == expected.filter { !$0.value.fields.isEmpty }.mapValues(\.fields), "\(backend), pages of \(pageSize)")
            }
        }
    }
}
}
