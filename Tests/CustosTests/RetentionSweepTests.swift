import Custos
import CustosTestSupport
import Foundation
import GRDB
import Synchronization
import Testing
import CustosStore

/// The retention sweep over a generated population. Every subject comes from a scenario whose
/// outcome is stated from the seed policy's retention rules as a privacy officer reads them
/// (the claim file is kept five years after closing, the score only while the file is open,
/// newsletter data 30 days after the withdrawal, statistics 12 months, prospects two years
/// after the last contact), not computed by the engine's schedule.
struct RetentionSweepTests {
    /// These tests are about what a sweep destroys, not about its safety limit (tested apart).
    static let unlimited = SweepSafety(maximumShare: 1)

    static let collected = "2019-01-15T10:00:00+01:00"
    static let sweepAt = "2026-06-01T09:00:00+02:00"
    static let today = LocalDate(year: 2026, month: 6, day: 1)!
    static let debtorValues = ["person_name", "email", "bank_account", "claim_details", "payment_history", "recoverability_score"]

    /// One generated subject and what the sweep must do to it.
    struct Expectation {
        var subject: String
        var destroyed: Set<String>
        var shredded: Bool
        var tasks: Int
    }

    /// Builds the population on the fixture and states the expected outcome for each subject.
    func population(_ fixture: VaultFixture, size: Int, seed: UInt64) throws -> [Expectation] {
        var random = SplitMix64(seed: seed)
        func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        let engine = fixture.engine
        fixture.clock.set(Self.collected)
        var expectations: [Expectation] = []
        for index in 0..<size {
            let id = String(format: "S-%05d", index)
            func value(_ field: String) -> String { "\(field)-\(id)" }
            func debtor(opened: String = "2018-12-01") throws {
                try engine.addSubject(NewSubject(id: id, category: "debtor", values: Dictionary(uniqueKeysWithValues: Self.debtorValues.map { ($0, value($0)) }),
                                                 source: "client"), by: "test")
                try engine.recordEvent(subject: id, event: "file-opened", effective: LocalDate(parsing: opened), by: "test")
            }
            switch int(0...7) {
            case 0:  // an open collection file keeps everything
                try debtor()
                expectations.append(Expectation(subject: id, destroyed: [], shredded: false, tasks: 0))
            case 1:  // closed less than five years ago: only the score goes (it lived as long as the open file)
                try debtor()
                let closed = Self.today.adding(days: -int(1...1_800))
                try engine.recordEvent(subject: id, event: "file-closed", effective: closed, by: "test")
                expectations.append(Expectation(subject: id, destroyed: ["recoverability_score"], shredded: false, tasks: 0))
            case 2:  // closed five years ago or more: nothing remains, unless it is exactly five years (the last day counts)
                try debtor()
                let extra = int(0...300)
                let closed = Self.today.subtracting(CalendarDuration(5, .year)).adding(days: -extra)
                let shared = int(0...1) == 1
                if shared {
                    let result = engine.share(subject: id, fields: ["bank_account"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
                    #expect(result.decision.outcome == .permit)
                }
                try engine.recordEvent(subject: id, event: "file-closed", effective: closed, by: "test")
                if extra == 0 {
                    expectations.append(Expectation(subject: id, destroyed: ["recoverability_score"], shredded: false, tasks: 0))
                } else {
                    expectations.append(Expectation(subject: id, destroyed: Set(Self.debtorValues), shredded: true, tasks: shared ? 1 : 0))
                }
            case 3:  // closed long ago but under a legal hold: the hold keeps what it covers
                try debtor()
                try engine.recordEvent(subject: id, event: "file-closed", effective: LocalDate(parsing: "2020-03-01"), by: "test")
                if int(0...1) == 0 {
                    _ = try engine.placeHold(subject: id, reference: "C/13/7\(index)", since: LocalDate(parsing: "2024-01-01"), by: "test")
                    expectations.append(Expectation(subject: id, destroyed: [], shredded: false, tasks: 0))
                } else {
                    _ = try engine.placeHold(subject: id, reference: "C/13/7\(index)", since: LocalDate(parsing: "2024-01-01"), fields: ["claim_details"], by: "test")
                    expectations.append(Expectation(subject: id, destroyed: Set(Self.debtorValues).subtracting(["claim_details"]), shredded: false, tasks: 0))
                }
            case 4:  // a newsletter subscriber who withdrew: the address goes 30 days later; the name stays for postal prospecting
                try engine.addSubject(NewSubject(id: id, category: "prospect", values: ["email": value("email"), "person_name": value("person_name")]), by: "test")
                fixture.clock.set("2026-01-10T10:00:00+01:00")
                let given = try engine.giveConsent(ConsentGrant(subject: id, purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 40), by: "test")
                #expect(given.allSatisfy { if case .recorded = $0 { true } else { false } }, "\(given)")
                let daysAgo = int(1...90)
                fixture.clock.set(Self.sweepAt)
                try engine.withdrawConsent(subject: id, purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail",
                                           effective: fixture.engine.policy.startOfDay(Self.today.adding(days: -daysAgo)), by: "test")
                fixture.clock.set(Self.collected)
                expectations.append(Expectation(subject: id, destroyed: daysAgo > 30 ? ["email"] : [], shredded: false, tasks: 0))
            case 5:  // a cold prospect from the register: two years after the last contact nothing remains
                try engine.addSubject(NewSubject(id: id, category: "prospect", values: ["company_name": value("company"), "person_name": value("person_name"),
                                                                                          "postal_address": value("address")], source: "KvK register"), by: "test")
                let extra = int(0...200)
                try engine.recordEvent(subject: id, event: "last-contact", effective: Self.today.subtracting(CalendarDuration(2, .year)).adding(days: -extra), by: "test")
                expectations.append(extra == 0 ? Expectation(subject: id, destroyed: [], shredded: false, tasks: 0)
                                               : Expectation(subject: id, destroyed: ["company_name", "person_name", "postal_address"], shredded: true, tasks: 0))
            case 6:  // a website visitor: statistics go after 12 months; the IP address stays as contract evidence unless it was collected for statistics only
                let statisticsOnly = int(0...1) == 1
                try engine.addSubject(NewSubject(id: id, category: "website_user", values: ["web_usage_stats": value("stats"), "cookie_id": value("cookie"), "ip_address": value("ip")],
                                                 source: "website", collectedFor: statisticsOnly ? ["P-WEB-ANALYTICS"] : nil), by: "test")
                expectations.append(statisticsOnly ? Expectation(subject: id, destroyed: ["web_usage_stats", "cookie_id", "ip_address"], shredded: true, tasks: 0)
                                                   : Expectation(subject: id, destroyed: ["web_usage_stats", "cookie_id"], shredded: false, tasks: 0))
            default:  // an active client keeps everything
                try engine.addSubject(NewSubject(id: id, category: "client", contractParty: true, values: ["person_name": value("person_name"), "email": value("email")]), by: "test")
                expectations.append(Expectation(subject: id, destroyed: [], shredded: false, tasks: 0))
            }
        }
        fixture.clock.set(Self.sweepAt)
        return expectations
    }

    @Test func theSweepDestroysExactlyWhatTheRetentionRulesSayOverAGeneratedPopulation() throws {
        let fixture = try VaultFixture(start: Instant(iso8601: Self.collected)!)
        let expected = try population(fixture, size: 320, seed: 0xC057_05)
        #expect(Set(expected.map(\.shredded)) == [true, false] && expected.contains { !$0.destroyed.isEmpty && !$0.shredded })
        let fieldsBefore = try fixture.engine.store.vault.factsPage(after: nil, limit: 10_000).reduce(0) { $0 + $1.fields.count }
        let headBefore = try fixture.engine.verifyLog().headSeq

        let dryRun = try fixture.engine.sweepRetention(dryRun: true, by: "officer", pageSize: 37)
        let planned = Dictionary(uniqueKeysWithValues: dryRun.subjects.map { ($0.subject, $0) })
        for expectation in expected {
            let plan = planned[expectation.subject]
            #expect(Set(plan?.destroyed.map(\.field) ?? []) == expectation.destroyed, "\(expectation.subject)")
            #expect((plan?.subjectKeyDestroyed ?? false) == expectation.shredded, "\(expectation.subject)")
            #expect(plan?.skipped.isEmpty ?? true)
        }
        #expect(dryRun.subjectsExamined == expected.count)
        #expect(try fixture.engine.store.vault.factsPage(after: nil, limit: 10_000).reduce(0) { $0 + $1.fields.count } == fieldsBefore, "a dry run changes nothing")
        #expect(try fixture.engine.verifyLog().headSeq == headBefore)
        #expect(try fixture.engine.tasks().isEmpty)

        let report = try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited, pageSize: 37)
        #expect(report.fieldsDestroyed == expected.reduce(0) { $0 + $1.destroyed.count })
        #expect(report.subjectsShredded == expected.filter(\.shredded).count)
        #expect(report.tasks == expected.reduce(0) { $0 + $1.tasks })
        #expect(try fixture.engine.tasks().count == report.tasks)
        for expectation in expected {
            if expectation.shredded {
                #expect(throws: (any Error).self) { try fixture.engine.metadata(of: expectation.subject) }
                continue
            }
            let metadata = try fixture.engine.metadata(of: expectation.subject)
            #expect(Set(metadata.erasedFields) == expectation.destroyed, "\(expectation.subject)")
            #expect(metadata.fields.allSatisfy { !expectation.destroyed.contains($0.field) })
        }
        let keys = try fixture.engine.store.keyring.keysPerMasterVersion().values.reduce(0, +)
        #expect(keys == expected.filter { !$0.shredded }.count, "shredded subjects have no key left")
        let logged = try fixture.engine.store.log.entries().filter { $0.purpose == PrivacyEngine.retentionSweepPurpose }
        #expect(logged.count == expected.filter { !$0.destroyed.isEmpty }.count)
        #expect(logged.allSatisfy { $0.codes == ["RETENTION_EXPIRED"] && $0.action == "erase" })
        #expect(try fixture.engine.verifyLog().isIntact)

        // Nothing of a destroyed value is left in the files.
        let raw = fixture.rawBytes()
        for expectation in expected.prefix(60) where expectation.shredded {
            #expect(!raw.contains(subsequence: Array("person_name-\(expectation.subject)".utf8)))
        }
        let again = try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited)
        #expect(again.fieldsDestroyed == 0 && again.subjectsShredded == 0, "a second sweep finds nothing more")
    }

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
