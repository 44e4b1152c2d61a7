import Custos
import CustosTestSupport
import Foundation
import Testing

/// The occasional limit of Art. 49(1)(e) on the vault: a recipient's procedures are counted
/// over every subject's transfers to it (gdpr.md §12: the same recipient, different
/// procedures, more than N times in 12 months), not per person.
struct DerogationLimitTests {
    static func share(_ engine: PrivacyEngine, _ subject: String, procedure: String, lawyer: String = "Avukatlık Bürosu Demir") -> Decision {
        engine.share(subject: subject, fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-FOREIGN-LAWYER", recipientName: lawyer,
                     destination: "TR", procedure: procedure, actor: "collections-service").decision
    }

    @Test func aFourthProcedureForTheSameRecipientIsRefusedWhateverSubjectItConcerns() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        for (id, marker) in [("D-1", "dl01"), ("D-2", "dl02"), ("D-3", "dl03"), ("D-4", "dl04")] { _ = try fixture.addDebtor(id, marker: marker) }
        fixture.clock.set("2025-06-02T10:00:00+02:00")
        // Three procedures, each for another debtor: each is the first for its subject.
        for (subject, procedure) in [("D-1", "Istanbul 2025/311"), ("D-2", "Ankara 2025/12"), ("D-3", "Izmir 2025/7")] {
            #expect(Self.share(engine, subject, procedure: procedure).outcome == .permit, "\(procedure)")
        }
        let fourth = Self.share(engine, "D-4", procedure: "Bursa 2025/40")
        #expect(fourth.outcome == .deny)
        #expect(fourth.codes.contains(.transferDerogationNotOccasional))
        // A procedure already counted may continue, for any of its subjects.
        #expect(Self.share(engine, "D-4", procedure: "Istanbul 2025/311").outcome == .permit)
        // Twelve months later the window has moved on.
        fixture.clock.set("2026-06-03T10:00:00+02:00")
        #expect(Self.share(engine, "D-4", procedure: "Bursa 2025/40").outcome == .permit)
    }

    @Test func anotherRecipientsTransfersDoNotCount() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        for (id, marker) in [("D-1", "dm01"), ("D-2", "dm02")] { _ = try fixture.addDebtor(id, marker: marker) }
        fixture.clock.set("2025-06-02T10:00:00+02:00")
        for procedure in ["Istanbul 2025/311", "Ankara 2025/12", "Izmir 2025/7"] {
            _ = engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-FOREIGN-BAILIFF", recipientName: "İcra Dairesi",
                             destination: "TR", procedure: procedure, actor: "collections-service")
        }
        #expect(Self.share(engine, "D-2", procedure: "Bursa 2025/40").outcome == .permit)
    }
}
