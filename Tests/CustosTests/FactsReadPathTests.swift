import Custos
import CustosDecision
@testable import CustosStore
import Foundation
import GRDB
import Testing

/// A gated read takes the facts of a subject without rows in the rarer tables from a read
/// connection of the vault's own (`SQLiteReadConnections`), and any other subject's from a
/// snapshot of GRDB's pool: both must give the facts the pool's own path gives.
struct FactsReadPathTests {
    static func throughThePool(_ engine: PrivacyEngine, _ subject: String, fields: [String]) throws -> (Facts?, [String: Data]) {
        try engine.store.vault.pool.read { db in
            var ciphertexts: [String: Data] = [:]
            let facts = try engine.store.vault.loadFacts(db, subject: subject, ciphertextsOf: fields, into: &ciphertexts)
            return (facts, ciphertexts)
        }
    }

    @Test func bothPathsGiveTheSameFactsAndCiphertexts() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        _ = try fixture.addDebtor("D-1", marker: "fp01")
        _ = try fixture.addDebtor("D-2", marker: "fp02")
        try engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(year: 2025, month: 3, day: 10)!, by: "test")
        _ = try engine.recordObjection(subject: "D-2", purpose: nil, kind: .directMarketing)
        let fields = ["email", "bank_account", "not_stored"]
        for subject in ["D-1", "D-2", "D-404"] {
            let quick = try engine.store.vault.factsAndCiphertexts(of: subject, fields: fields)
            let pool = try Self.throughThePool(engine, subject, fields: fields)
            #expect(quick.facts == pool.0, "\(subject)")
            #expect(quick.ciphertexts == pool.1, "\(subject)")
            #expect(try engine.store.vault.facts(of: subject) == pool.0, "\(subject)")
        }
        // The paths were both taken: D-1 has only common facts, D-2 an objection, D-404 is absent.
        #expect(try engine.store.vault.facts(of: "D-1")?.events.map(\.event) == ["file-opened", "file-closed"])
        #expect(try engine.store.vault.facts(of: "D-2")?.objections.count == 1)
        #expect(try engine.store.vault.factsAndCiphertexts(of: "D-1", fields: fields).ciphertexts.keys.sorted() == ["bank_account", "email"])
        #expect(try engine.store.vault.facts(of: "D-404") == nil)
    }

    /// The quick path trusts the subject row's `has_rarer_rows` (schema v17): a row added to
    /// any of the six rarer tables, by whatever statement, must set it in the same transaction,
    /// or the quick path would miss an objection or a withdrawal.
    @Test func aRowInAnyRarerTableSendsTheSubjectToTheWholeRead() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        let now = Instant.now.millisecondsSinceEpoch
        let rows: [(table: String, sql: String)] = [
            ("objections", "INSERT INTO objections (subject_id, purpose, kind, effective_at, recorded_at) VALUES (?, NULL, 'direct-marketing', \(now), \(now))"),
            ("restrictions", "INSERT INTO restrictions (subject_id, fields, since) VALUES (?, NULL, \(now))"),
            ("legal_holds", "INSERT INTO legal_holds (subject_id, reference, since) VALUES (?, 'HOLD-1', '2025-01-01')"),
            ("erased_fields", "INSERT INTO erased_fields (subject_id, field, at) VALUES (?, 'phone', \(now))"),
            // A consent event alone is not a rarer row; the state that points at it is.
            ("consent_state", """
                INSERT INTO consent_state (subject_id, purpose, event_id)
                  VALUES (?1, 'P-NEWSLETTER', (SELECT max(id) FROM consent_events WHERE subject_id = ?1))
                """),
            ("information_given", "INSERT INTO information_given (subject_id, notice, given_at, recorded_at, recorded_by) VALUES (?, 'N-PRIVACY', \(now), \(now), 'test')"),
        ]
        _ = try fixture.addDebtor("D-0", marker: "fp10")
        for (index, row) in rows.enumerated() {
            let subject = "D-\(index + 1)"
            _ = try fixture.addDebtor(subject, marker: "fp1\(index + 1)")
            let flag = { try engine.store.vault.pool.read { db in try Int.fetchOne(db, sql: "SELECT has_rarer_rows FROM subjects WHERE id = ?", arguments: [subject]) } }
            #expect(try flag() == 0, "\(row.table)")
            if row.table == "consent_state" {
                try engine.store.vault.pool.write { db in
                    try db.execute(sql: """
                        INSERT INTO consent_events (subject_id, purpose, state, expressed_by, presented_separately, pre_ticked,
                          conditional_on_service, recorded_at, effective_at, recorded_by)
                        VALUES (?, 'P-NEWSLETTER', 'given', 'subject', 1, 0, 0, \(now), \(now), 'test')
                        """, arguments: [subject])
                }
                #expect(try flag() == 0)
            }
            let before = try engine.store.vault.facts(of: subject)
            try engine.store.vault.pool.write { db in try db.execute(sql: row.sql, arguments: [subject]) }
            #expect(try flag() == 1, "\(row.table)")
            let quick = try engine.store.vault.factsAndCiphertexts(of: subject, fields: ["email"])
            let pool = try Self.throughThePool(engine, subject, fields: ["email"])
            #expect(quick.facts == pool.0, "\(row.table)")
            #expect(quick.facts != before, "the \(row.table) row is among the facts")
        }
        #expect(try engine.store.vault.pool.read { db in try Int.fetchOne(db, sql: "SELECT has_rarer_rows FROM subjects WHERE id = 'D-0'") } == 0)
    }

    @Test func aWriteIsSeenByTheNextReadOnTheReadConnections() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        _ = try fixture.addDebtor("D-1", marker: "fp03")
        #expect(try engine.store.vault.facts(of: "D-1")?.events.map(\.event) == ["file-opened"])
        try engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(year: 2025, month: 3, day: 10)!, by: "test")
        #expect(try engine.store.vault.facts(of: "D-1")?.events.map(\.event) == ["file-opened", "file-closed"])
        try engine.store.shred(subject: "D-1", at: Instant.now)
        #expect(try engine.store.vault.facts(of: "D-1") == nil)
    }
}
