import Custos
import CustosDecision
@testable import CustosStore
import Foundation
import GRDB
import Testing

/// A gated read answers a subject's facts from memory (`FactCache`) only while the vault's
/// fact generation (schema v19) is the one they were read at: every change to any table a
/// decision reads, by this process or another, gives it a fresh number in the same
/// transaction, so the next read sees the change as it did without the cache.
struct FactCacheTests {
    static let newsletter = "P-NEWSLETTER-EMAIL"

    func prospect(_ engine: PrivacyEngine) throws {
        try engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "pr-1@example.nl", "person_name": "Prospect PR-1"]), by: "test")
        _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: [Self.newsletter], noticeVersion: nil, method: .checkboxTicked, channel: "web-form",
                                                evidence: "snapshot-1", by: .subject, parentalAuthorisation: nil, ageAtConsent: 40, preTicked: false,
                                                conditionalOnService: false, effective: nil), by: "test")
    }

    func readNewsletter(_ engine: PrivacyEngine) -> GatedResult {
        engine.read(subject: "PR-1", fields: ["email"], purpose: Self.newsletter, actor: "newsletter")
    }

    @Test func everyTableButTheLogsCarriesTheGenerationTriggers() throws {
        let fixture = try VaultFixture()
        let schema = try DatabaseQueue(path: fixture.vaultPath).read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
             try Row.fetchAll(db, sql: "SELECT tbl_name, name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_fact_generation_%'"))
        }
        let (tables, triggers) = schema
        #expect(Schema.tablesOutsideTheFacts.isSubset(of: Set(tables)), "every table named outside the facts exists")
        #expect(tables.count > Schema.tablesOutsideTheFacts.count + 20)
        for table in tables {
            let names = Set(triggers.filter { ($0[0] as String) == table }.map { $0[1] as String })
            let expected: Set<String> = Schema.tablesOutsideTheFacts.contains(table) ? [] : Set(["insert", "update", "delete"].map { "\(table)_fact_generation_\($0)" })
            #expect(names == expected, "\(table)")
        }
    }

    /// Mail, e-mail codes and status links are written on a stranger's request; no decision
    /// reads them, so they leave every cached fact in place (vault v25). A subject's event does not.
    @Test func mailLeavesTheGenerationAndAnEventMovesIt() throws {
        let fixture = try VaultFixture()
        try prospect(fixture.engine)
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        let generation = { try queue.read { db in try Int64.fetchOne(db, sql: "SELECT n FROM fact_generation") } }
        let before = try generation()
        try queue.write { db in
            try db.execute(sql: "INSERT INTO outbox (kind, sealed, created_at) VALUES ('code', x'00', 1)")
            try db.execute(sql: "UPDATE outbox SET sent_at = 2")
            try db.execute(sql: """
                INSERT INTO web_challenges (id, kind, email_index, code_hash, sealed, created_at, expires_at, state) VALUES ('c', 'sign-in', x'00', x'00', x'00', 1, 2, 'open')
                """)
            try db.execute(sql: "DELETE FROM web_challenges")
            try db.execute(sql: "DELETE FROM outbox")
        }
        #expect(try generation() == before)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO lifecycle_events (subject_id, event, effective_date, recorded_at, recorded_by) VALUES ('PR-1', 'file-opened', '2025-06-01', 1, 'test')")
        }
        #expect(try generation() != before)
    }

    /// A vault from before v25 had the mail tables' triggers; its next open drops them.
    @Test func anUpgradedVaultLosesTheMailTriggers() throws {
        let fixture = try VaultFixture()
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        let mailTriggers = {
            try queue.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name IN ('outbox', 'web_challenges', 'status_links')")
            }
        }
        try queue.write { db in
            for table in Schema.mailTables { try Schema.createFactGenerationTriggers(on: table, db) }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v25-mail-outside-the-facts'")
        }
        #expect(try mailTriggers() == 9)
        _ = try fixture.reopen()
        #expect(try mailTriggers() == 0)
    }

    @Test func aChangeThroughAnotherEngineReachesTheNextRead() throws {
        let fixture = try VaultFixture()
        try prospect(fixture.engine)
        for _ in 0..<2 { #expect(readNewsletter(fixture.engine).values == ["email": "pr-1@example.nl"]) }
        let other = try fixture.reopen()  // as `custos consent withdraw` in another process
        try other.withdrawConsent(subject: "PR-1", purposes: [Self.newsletter], channel: "e-mail", by: "test")
        let withdrawn = readNewsletter(fixture.engine)
        #expect(withdrawn.decision.outcome == .deny && withdrawn.decision.codes.contains(.consentWithdrawn))
        #expect(withdrawn.values.isEmpty)
        #expect(fixture.engine.store.vault.factCache.kept("PR-1", fields: ["email"]) != nil)
        try other.shred(subject: "PR-1")
        #expect(try fixture.engine.store.factsAndCiphertexts(of: "PR-1", fields: ["email"]).facts == nil)
        #expect(fixture.engine.store.vault.factCache.kept("PR-1", fields: ["email"]) == nil, "nothing of an erased subject stays kept")
    }

    @Test func aRawWriteToAFactTableChangesTheGeneration() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "fc01")
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        let generation = { try queue.read { db in try Int64.fetchOne(db, sql: "SELECT n FROM fact_generation") } }
        let before = try generation()
        _ = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(try generation() == before, "a log entry leaves the facts as they were")
        try queue.write { db in try db.execute(sql: "UPDATE lifecycle_events SET effective_date = '2025-01-11' WHERE subject_id = 'D-1'") }
        #expect(try generation() != before)
        let facts = try fixture.engine.store.factsAndCiphertexts(of: "D-1", fields: []).facts
        #expect(facts?.events.map(\.date) == [LocalDate(year: 2025, month: 1, day: 11)!])
    }

    @Test func keptFactsAreTheFilesAndAnswerOnlyTheFieldsAsked() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "fc02")
        let vault = fixture.engine.store.vault
        let first = try vault.factsAndCiphertexts(of: "D-1", fields: ["email", "person_name", "iban"])
        let again = try vault.factsAndCiphertexts(of: "D-1", fields: ["email", "person_name", "iban"])
        let file = try vault.factsAndCiphertextsFromTheFile(of: "D-1", fields: ["email", "person_name", "iban"])
        #expect(first.facts == file.facts && again.facts == file.facts)
        #expect(first.ciphertexts == file.ciphertexts && again.ciphertexts == file.ciphertexts)
        #expect(Set(again.ciphertexts.keys) == ["email", "person_name"])
        let fewer = try vault.factsAndCiphertexts(of: "D-1", fields: ["email"])
        #expect(fewer.ciphertexts == file.ciphertexts.filter { $0.key == "email" })
        let more = try vault.factsAndCiphertexts(of: "D-1", fields: ["email", "bank_account"])
        #expect(more.ciphertexts == (try vault.factsAndCiphertextsFromTheFile(of: "D-1", fields: ["email", "bank_account"])).ciphertexts)
        #expect(Set(more.ciphertexts.keys) == ["email", "bank_account"])
    }

    /// A subject the cache holds nothing of is read from the file without asking the
    /// generation first; what it reads carries its own snapshot's generation, so neither it
    /// nor a subject kept at an older generation is answered from a stale entry.
    @Test func aSubjectNotHeldIsReadAtItsOwnSnapshotsGeneration() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "fc03")
        try fixture.addDebtor("D-2", marker: "fc04")
        let vault = fixture.engine.store.vault
        _ = try vault.factsAndCiphertexts(of: "D-1", fields: ["email"])
        #expect(vault.factCache.kept("D-1", fields: ["email"]) != nil && vault.factCache.kept("D-2", fields: ["email"]) == nil)
        let other = try fixture.reopen()  // another process
        try other.recordEvent(subject: "D-2", event: "file-closed", effective: LocalDate(year: 2025, month: 3, day: 1)!, by: "test")
        let second = try vault.factsAndCiphertexts(of: "D-2", fields: ["email"])
        #expect(second.facts == (try vault.factsAndCiphertextsFromTheFile(of: "D-2", fields: ["email"])).facts)
        #expect(second.facts?.events.contains { $0.event == "file-closed" } == true)
        #expect(vault.factCache.kept("D-2", fields: ["email"]) != nil)
        try other.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(year: 2025, month: 4, day: 1)!, by: "test")
        let first = try vault.factsAndCiphertexts(of: "D-1", fields: ["email"])
        #expect(first.facts?.events.contains { $0.event == "file-closed" } == true, "a subject kept at an older generation is read again")
        #expect(try vault.factsAndCiphertexts(of: "D-2", fields: ["email"]).facts == second.facts)
    }
}
