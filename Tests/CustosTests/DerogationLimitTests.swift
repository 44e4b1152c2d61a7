import Custos
import CustosTestSupport
import Foundation
import Testing
import Synchronization

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

    /// Eight shares to one recipient at once, each for a procedure of its own, on a clock that
    /// moves on with every reading and threads paused at random after reading it: exactly the limit's three pass. The
    /// decision's instant is taken after the write lock; taken before it, a share that waited
    /// ignored the transfer of the one it waited for (it looked later) and a fourth passed.
    @Test func concurrentSharesPassTheLimitExactly() throws {
        let fixture = try VaultFixture()
        for index in 1...8 { _ = try fixture.addDebtor("D-\(index)", marker: "dc0\(index)") }
        let start = Instant(iso8601: "2025-06-02T10:00:00+02:00")!.millisecondsSinceEpoch
        let ticks = Atomic<Int64>(0)
        // A thread may be paused between reading the clock and going on, as any thread can be.
        let engine = try PrivacyEngine.open(vault: fixture.vaultPath, masterKey: .file(fixture.keyPath), clock: {
            let now = Instant(millisecondsSinceEpoch: start + ticks.add(1, ordering: .relaxed).newValue)
            usleep(UInt32.random(in: 0...4_000))
            return now
        })
        let decisions = Mutex<[Decision]>([])
        let done = DispatchGroup()
        for index in 0..<8 {
            done.enter()
            // Threads of their own: concurrentPerform runs only as many at once as there are cores.
            Thread.detachNewThread {
                let decision = Self.share(engine, "D-\(index + 1)", procedure: "Procedure \(index + 1)")
                decisions.withLock { $0.append(decision) }
                done.leave()
            }
        }
        done.wait()
        let all = decisions.withLock { $0 }
        #expect(all.filter { $0.outcome == .permit }.count == 3)
        #expect(all.filter { $0.codes.contains(.transferDerogationNotOccasional) }.count == 5)
    }
}
