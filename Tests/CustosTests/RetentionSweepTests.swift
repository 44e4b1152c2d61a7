import Custos
import CustosTestSupport
import Foundation
import GRDB
import Synchronization
import Testing
import CustosStore

/// The retention sweep on a SQLite vault: consent proofs, the log's own retention and its
/// tampering, a subject that changed after planning. The generated population is swept on both
/// backends (`OnBothBackends.RetentionSweepPopulationTests`).
struct RetentionSweepTests {
    /// These tests are about what a sweep destroys, not about its safety limit (tested apart).
    static let unlimited = SweepSafety(maximumShare: 1)

    static let collected = "2019-01-15T10:00:00+01:00"
    static let sweepAt = "2026-06-01T09:00:00+02:00"
    static let today = LocalDate(year: 2026, month: 6, day: 1)!
    static let debtorValues = ["person_name", "email", "bank_account", "claim_details", "payment_history", "recoverability_score"]

    @Test func consentProofsOfErasedSubjectsLastTheirOwnPeriod() throws {
        let fixture = try VaultFixture(start: Instant(iso8601: "2024-03-01T10:00:00+01:00")!)
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "proof@example.nl"]), by: "test")
        let given = try fixture.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 30), by: "test")
        #expect(given == [.recorded(purpose: "P-NEWSLETTER-EMAIL", state: .given, notice: "N-NEWS@1")], "\(given)")
        fixture.clock.set("2024-09-15T10:00:00+02:00")
        try fixture.engine.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", by: "test")
        fixture.clock.set("2024-11-01T10:00:00+01:00")
        let swept = try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited)
        #expect(swept.subjectsShredded == 1, "30 days after the withdrawal nothing is left")
        let proofStates = try fixture.engine.consentProofs(ofErased: "PR-1").map(\.state)
        #expect(proofStates == [.given, .withdrawn], "\(proofStates)")
        fixture.clock.set("2029-10-01T10:00:00+02:00")
        #expect(try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited).consentProofsPruned == 0, "five years have not passed")
        fixture.clock.set("2029-11-02T10:00:00+01:00")
        #expect(try fixture.engine.sweepRetention(dryRun: true, by: "officer").consentProofsPruned == 2)
        #expect(try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited).consentProofsPruned == 2)
        #expect(try fixture.engine.consentProofs(ofErased: "PR-1").isEmpty)
    }

    @Test func theDecisionLogIsPrunedUnderItsOwnRetentionAndStillVerifies() throws {
        let fixture = try VaultFixture(start: Instant(iso8601: "2019-03-01T10:00:00+01:00")!)
        try fixture.addDebtor("D-1", marker: "lg01")
        for _ in 0..<5 { _ = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service") }
        let oldCheckpoint = try fixture.engine.checkpoint()
        fixture.clock.set("2024-06-01T10:00:00+02:00")
        for _ in 0..<3 { _ = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service") }
        let head = try fixture.engine.verifyLog()
        #expect(head.entries == 8)

        fixture.clock.set(Self.sweepAt)
        let dryRun = try fixture.engine.sweepRetention(dryRun: true, by: "officer")
        #expect(dryRun.log?.entriesPruned == 5 && dryRun.log?.anchor == nil)
        #expect(try fixture.engine.verifyLog().entries == 8)
        let report = try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited)
        #expect(report.log?.entriesPruned == 5, "entries from 2019 are older than five years; those from 2024 are not")
        #expect(report.logRetention?.hasPrefix("5 years") == true)
        let verified = try fixture.engine.verifyLog()
        #expect(verified.isIntact && verified.entries == 3 && verified.headSeq == head.headSeq && verified.headHash == head.headHash)
        #expect(verified.anchor?.seq == 5)
        #expect(try fixture.engine.verify(oldCheckpoint) == .holds, "the checkpoint saw exactly the pruned head, which the signed anchor keeps")
        #expect(try fixture.reopen().verifyLog().isIntact)

        // A forged anchor (the attacker lacks the signing key) or a deleted remaining entry is caught.
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        try queue.write { db in try db.execute(sql: "UPDATE log_anchor SET seq = 4") }
        #expect(try fixture.reopen().verifyLog().isIntact == false)
        try queue.write { db in try db.execute(sql: "UPDATE log_anchor SET seq = 5") }
        #expect(try fixture.reopen().verifyLog().isIntact)
        try queue.write { db in try db.execute(sql: "DELETE FROM decision_log WHERE seq = 6") }
        #expect(try fixture.reopen().verifyLog().firstBroken == 6)
    }

    @Test func aSubjectThatChangedAfterPlanningIsLeftForTheNextSweep() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "ch01")
        let facts = try #require(try fixture.engine.store.vault.facts(of: "D-1"))
        let decision = Decision(outcome: .permit, action: .erase, subject: "D-1", purpose: PrivacyEngine.retentionSweepPurpose, actor: "officer",
                                recipient: nil, fields: [], basis: nil, reasons: [], obligations: [], policyDigest: fixture.engine.policy.digest, hypothetical: false)
        let action = SweepAction(subject: "D-1", destroy: facts.fields.map(\.field), wholeSubject: true, decision: decision, tasks: [])
        let seen = Mutex<[Facts]>([])
        let skipped = try fixture.engine.store.applySweep([action], at: fixture.clock.now) { _, current in
            seen.withLock { $0.append(current) }
            return false
        }
        #expect(skipped == ["D-1"])
        #expect(seen.withLock { $0.map(\.subject?.id) } == ["D-1"], "the facts are read again inside the transaction")
        #expect(try fixture.engine.metadata(of: "D-1").fields.count == 3, "nothing was destroyed")
        #expect(try fixture.engine.store.keyring.keysPerMasterVersion().values.reduce(0, +) == 1, "the key is still there")
        #expect(try fixture.reopen().store.ledgerReplay == LedgerReplay(), "nothing went into the erasure ledger")
    }

    @Test func aBrokenLogIsNeverPruned() throws {
        let fixture = try VaultFixture(start: Instant(iso8601: "2019-03-01T10:00:00+01:00")!)
        try fixture.addDebtor("D-1", marker: "lg02")
        for _ in 0..<3 { _ = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service") }
        try DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: "UPDATE decision_log SET actor = 'someone-else' WHERE seq = 2") }
        fixture.clock.set(Self.sweepAt)
        #expect(throws: (any Error).self) { try fixture.reopen().sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited) }
        #expect(try fixture.reopen().verifyLog().firstBroken == 2, "the evidence of tampering is still there")
    }
}
