import Custos
import CustosTestSupport
import Foundation
import GRDB
import Testing

/// A vault from before legal round 2 (schema v7) opens under today's code without losing
/// anyone's data: every subject keeps its one category, every disclosure its recipient, and
/// the new records start empty.
struct MigrationTests {
    @Test func aRoundOneVaultMigratesWithoutLosingAnything() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "mg01")
        try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "mg02@example.nl"]), by: "test")
        let shared = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
        #expect(shared.decision.outcome == .permit)

        // Take the vault back to schema v7, as round one left it.
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        try queue.write { db in
            try db.execute(sql: "DROP TABLE subject_categories")
            try db.execute(sql: "DROP TABLE subprocessor_records")
            try db.execute(sql: "ALTER TABLE disclosures DROP COLUMN recipient_name")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v8-actual-recipient', 'v9-subprocessor-records', 'v10-subject-categories')")
        }
        try queue.close()

        let engine = try fixture.reopen()
        #expect(try engine.metadata(of: "D-1").categories == ["debtor"])
        #expect(try engine.metadata(of: "PR-1").categories == ["prospect"])
        let disclosures = try engine.store.vault.disclosures(of: "D-1")
        #expect(disclosures.count == 1 && disclosures[0].recipient == "R-BAILIFF-NL" && disclosures[0].recipientName == nil)
        #expect(engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values["email"] == "mg01@example.nl")
        #expect(try engine.subProcessors().allSatisfy { $0.records.isEmpty })
        try engine.addCategory("website_user", to: "D-1", by: "officer")
        #expect(try engine.metadata(of: "D-1").categories == ["debtor", "website_user"])
        let migrated = try DatabaseQueue(path: fixture.vaultPath).read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(Set(["v8-actual-recipient", "v9-subprocessor-records", "v10-subject-categories"]).isSubset(of: Set(migrated)))
    }

    /// A vault from before the subject row said whether the rarer tables hold rows for it
    /// (schema v16) gets the flag from the rows it already has: a subject with an objection
    /// must not be read on the quick path that skips objections.
    @Test func aVaultBeforeTheRarerRowsFlagGetsItFromItsRows() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "mg03")
        _ = try fixture.addDebtor("D-2", marker: "mg04")
        _ = try fixture.engine.recordObjection(subject: "D-2", purpose: nil, kind: .directMarketing)

        let queue = try DatabaseQueue(path: fixture.vaultPath)
        try queue.write { db in
            let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_flag_subject'")
            #expect(triggers.count == 12)
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger)") }
            try db.execute(sql: "ALTER TABLE subjects DROP COLUMN has_rarer_rows")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v17-rarer-rows-flag'")
        }
        try queue.close()

        let engine = try fixture.reopen()
        let flags = try DatabaseQueue(path: fixture.vaultPath).read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, has_rarer_rows FROM subjects").map { ($0[0] as String, $0[1] as Int) })
        }
        #expect(flags == ["D-1": 0, "D-2": 1])
        #expect(try engine.store.vault.facts(of: "D-2")?.objections.count == 1)
        _ = try engine.recordObjection(subject: "D-1", purpose: nil, kind: .directMarketing)
        #expect(try engine.store.vault.facts(of: "D-1")?.objections.count == 1)
    }

    /// An erasure deletes the subject's row and SQLite cascades into every table that names
    /// it; a table without an index on the column it is found by is scanned whole, once per
    /// deleted row, so the erasure grows with the vault. Every cascade must be a search.
    @Test func deletingASubjectSearchesEveryTableItCascadesIntoByIndex() throws {
        let fixture = try VaultFixture()
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        let plans = try queue.read { db in
            try ["DELETE FROM subjects WHERE id = 'D-1'", "DELETE FROM consent_events WHERE subject_id = 'D-1'"].map { statement in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(statement)").map { $0["detail"] as String }
            }
        }
        for plan in plans {
            #expect(plan.count > 1, "the plan names the cascades: \(plan)")
            #expect(plan.filter { $0.hasPrefix("SCAN") }.isEmpty, "\(plan)")
        }
    }
}
