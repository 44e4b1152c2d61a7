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

    /// A vault from before subjects and fields were stored by their keys (schema v17, rowid
    /// tables) is rebuilt with every row, every value still readable, the flag triggers made
    /// again and the cascades still cascading.
    @Test func aVaultWithRowidSubjectsAndFieldsIsRebuiltByKeyWithEveryRow() throws {
        let fixture = try VaultFixture()
        let values = try fixture.addDebtor("D-1", marker: "mg05")
        _ = try fixture.addDebtor("D-2", marker: "mg06")
        _ = try fixture.engine.recordObjection(subject: "D-2", purpose: nil, kind: .directMarketing)
        let subjectRows = "SELECT * FROM subjects ORDER BY id", fieldRows = "SELECT * FROM fields ORDER BY subject_id, field"
        let storage = "SELECT name, sql LIKE '%WITHOUT ROWID' FROM sqlite_schema WHERE name IN ('subjects', 'fields') ORDER BY name"
        let before = try DatabaseQueue(path: fixture.vaultPath).read { db in
            (try Row.fetchAll(db, sql: subjectRows), try Row.fetchAll(db, sql: fieldRows), try Row.fetchAll(db, sql: storage).map { $0[1] as Bool })
        }
        #expect(before.2 == [true, true], "a fresh vault stores both by key")
        #expect(before.1.count == 6)

        // Take the vault back to schema v17: both tables with rowids, the triggers as they were.
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: fixture.vaultPath, configuration: configuration)
        try queue.write { db in
            // Before v19 too: no fact generation and none of its triggers.
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_fact_generation_%'") {
                try db.execute(sql: "DROP TRIGGER \(trigger.quotedDatabaseIdentifier)")
            }
            try db.execute(sql: "DROP TABLE fact_generation; DELETE FROM grdb_migrations WHERE identifier = 'v19-fact-generation'")
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND sql LIKE '%subjects%'")
            #expect(triggers.count == 12)
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger[0] as String)") }
            // Each table as v17 had it: today's definition with its rowid back.
            for table in ["subjects", "fields"] {
                let definition = try #require(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = ?", arguments: [table]))
                let columns = try #require(definition.firstIndex(of: "("))
                #expect(definition.hasSuffix(" WITHOUT ROWID"))
                try db.execute(sql: "CREATE TABLE \(table)_v17 " + definition[columns...].dropLast(" WITHOUT ROWID".count))
                try db.execute(sql: "INSERT INTO \(table)_v17 SELECT * FROM \(table); DROP TABLE \(table); ALTER TABLE \(table)_v17 RENAME TO \(table)")
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v18-subjects-and-fields-by-key'")
            for trigger in triggers { try db.execute(sql: trigger[1] as String) }
            #expect(try Row.fetchAll(db, sql: storage).map { $0[1] as Bool } == [false, false])
        }
        try queue.close()

        let engine = try fixture.reopen()
        // The rebuild went through the write-ahead log; the upgrading open emptied it.
        let log = try FileManager.default.attributesOfItem(atPath: fixture.vaultPath + "-wal")[.size] as? Int
        #expect(log == 0)
        let after = try DatabaseQueue(path: fixture.vaultPath).read { db in
            (try Row.fetchAll(db, sql: subjectRows), try Row.fetchAll(db, sql: fieldRows), try Row.fetchAll(db, sql: storage).map { $0[1] as Bool },
             try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_flag_subject'"),
             try Row.fetchAll(db, sql: "PRAGMA foreign_key_check"))
        }
        #expect(after.2 == [true, true])
        #expect(after.0 == before.0 && after.1 == before.1)
        #expect(after.3 == 12 && after.4.isEmpty)
        let read = engine.read(subject: "D-1", fields: ["email", "person_name"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(read.values == ["email": values["email"]!, "person_name": values["person_name"]!])
        #expect(try engine.store.vault.facts(of: "D-2")?.objections.count == 1)
        // The triggers work on the new table: an objection still sends D-1 to the whole read.
        _ = try engine.recordObjection(subject: "D-1", purpose: nil, kind: .directMarketing)
        #expect(try engine.store.vault.facts(of: "D-1")?.objections.count == 1)
        // And deleting a subject still cascades into its fields.
        let remaining = try DatabaseQueue(path: fixture.vaultPath).write { db in
            try db.execute(sql: "DELETE FROM subjects WHERE id = 'D-2'")
            return try String.fetchAll(db, sql: "SELECT DISTINCT subject_id FROM fields")
        }
        #expect(remaining == ["D-1"])
    }

    /// A keyring from before subject keys were stored by their ids (keyring v8, a rowid table)
    /// is rebuilt with every key: every value still opens, the pending keys' index is made
    /// again, and a new subject's key and a shred work on the new table.
    @Test func aKeyringWithRowidSubjectKeysIsRebuiltByKeyWithEveryKey() throws {
        let fixture = try VaultFixture()
        let values = try fixture.addDebtor("D-1", marker: "mg08")
        _ = try fixture.addDebtor("D-2", marker: "mg09")
        let keyRows = "SELECT * FROM subject_keys ORDER BY subject_id"
        let storage = "SELECT sql LIKE '%WITHOUT ROWID' FROM sqlite_schema WHERE name = 'subject_keys'"
        let before = try DatabaseQueue(path: fixture.keyringPath).read { db in
            (try Row.fetchAll(db, sql: keyRows), try Bool.fetchOne(db, sql: storage))
        }
        #expect(before.1 == true, "a fresh keyring stores subject keys by their ids")
        #expect(before.0.count == 2)

        // Take the keyring back to v8: today's definition with its rowid back, one pending key.
        try DatabaseQueue(path: fixture.keyringPath).write { db in
            let definition = try #require(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'subject_keys'"))
            let columns = try #require(definition.firstIndex(of: "("))
            try db.execute(sql: "CREATE TABLE subject_keys_v8 " + definition[columns...].dropLast(" WITHOUT ROWID".count))
            try db.execute(sql: """
            INSERT INTO subject_keys_v8 SELECT * FROM subject_keys; DROP TABLE subject_keys;
            ALTER TABLE subject_keys_v8 RENAME TO subject_keys;
            CREATE INDEX subject_keys_pending ON subject_keys(subject_id) WHERE pending = 1;
            DELETE FROM grdb_migrations WHERE identifier = 'v9-subject-keys-by-key';
            INSERT INTO subject_keys (subject_id, key_version, master_version, wrapped, pending) VALUES ('D-9', 1, 1, x'00', 1);
            """)
            #expect(try Bool.fetchOne(db, sql: storage) == false)
        }

        // The open upgrades the keyring, then settles the pending key of an import that never
        // reached the vault (D-9) through the index made again: it is gone.
        let engine = try fixture.reopen()
        let after = try DatabaseQueue(path: fixture.keyringPath).read { db in
            (try Row.fetchAll(db, sql: keyRows), try Bool.fetchOne(db, sql: storage),
             try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT subject_id FROM subject_keys WHERE pending = 1 ORDER BY subject_id").map { $0["detail"] as String })
        }
        #expect(after.0 == before.0)
        #expect(after.1 == true)
        // The old table's pages are given back: the open compacted the file after the rebuild.
        let freePages = try DatabaseQueue(path: fixture.keyringPath).read { db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") }
        #expect(freePages == 0)
        #expect(after.2.contains { $0.contains("subject_keys_pending") }, "\(after.2)")
        let read = engine.read(subject: "D-1", fields: ["email", "person_name"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(read.values == ["email": values["email"]!, "person_name": values["person_name"]!])
        // A new subject's key goes into the new table, and a shred takes one out of it.
        let added = try fixture.addDebtor("D-3", marker: "mg10", on: engine)
        #expect(engine.read(subject: "D-3", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values == ["email": added["email"]!])
        try engine.shred(subject: "D-2")
        let remaining = try DatabaseQueue(path: fixture.keyringPath).read { db in try String.fetchAll(db, sql: "SELECT subject_id FROM subject_keys ORDER BY subject_id") }
        #expect(remaining == ["D-1", "D-3"])
    }

    /// Every open looks for an interrupted import's pending keys: through the partial index
    /// (keyring v6), not a read of every subject's key.
    @Test func theOpensLookForPendingKeysThroughTheirIndex() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "mg07")
        let plan = try DatabaseQueue(path: fixture.keyringPath).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT subject_id FROM subject_keys WHERE pending = 1 ORDER BY subject_id").map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("subject_keys_pending") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
    }

    /// A vault from before v21 learns its last retention sweep from its log once, with the
    /// sweep's subjects and fields counted as the log's entries list them; later sweeps sum
    /// themselves up as they go.
    @Test func aVaultBeforeSweepRunsLearnsItsLastSweepFromItsLog() throws {
        let fixture = try VaultFixture(start: Instant(iso8601: "2024-03-01T10:00:00+01:00")!)
        for id in ["PR-1", "PR-2"] {
            try fixture.engine.addSubject(NewSubject(id: id, category: "prospect", values: ["email": "\(id.lowercased())@example.nl"]), by: "test")
        }
        fixture.clock.set("2026-11-01T10:00:00+01:00")
        let swept = try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: SweepSafety(maximumShare: 1))
        #expect(swept.subjectsShredded == 2)
        let summed = try #require(try fixture.engine.consoleBackend.overview.lastRetentionSweep())
        let logged = try fixture.engine.store.logEntries(from: nil, to: nil, subject: nil).filter { $0.purpose == PrivacyEngine.retentionSweepPurpose }
        #expect(summed.at == swept.at && summed.subjects == 2 && summed.fields == logged.reduce(0) { $0 + $1.fields.count } && summed.fields > 0)
        try DatabaseQueue(path: fixture.vaultPath).write { db in
            try db.execute(sql: "DROP TABLE sweep_runs; DELETE FROM grdb_migrations WHERE identifier = 'v21-sweep-runs'")
        }
        let engine = try fixture.reopen()
        let learnt = try #require(try engine.consoleBackend.overview.lastRetentionSweep())
        #expect(learnt.at == summed.at && learnt.subjects == summed.subjects && learnt.fields == summed.fields)
    }

    /// Lookups made on every message, consent call, request shown or Today page go through an
    /// index (vault v20, v22, v24), not a read of a table that grows with the vault: every message
    /// queued purges the sent mail past its keeping period (it read the whole outbox, sealed
    /// bodies and all, so a breach's letters by e-mail slowed with every letter queued).
    @Test(arguments: [
        ("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < 1000", "outbox_sent"),
        ("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id DESC LIMIT 100", "outbox_pending"),
        ("SELECT purpose, code, at FROM consent_refusals WHERE subject_id = 'D-1' ORDER BY id", "consent_refusals_subject"),
        ("SELECT * FROM request_events WHERE request_id = 'R-1' ORDER BY id", "request_events_request"),
        ("SELECT subject_id, purpose FROM consent_events WHERE state = 'withdrawn' AND effective_at >= 1000 ORDER BY effective_at DESC, id DESC", "consent_events_withdrawn"),
        ("DELETE FROM web_challenges WHERE created_at < 1000", "web_challenges_created"),
        ("SELECT id FROM requests WHERE status IN ('received', 'in-progress') ORDER BY received_at, id", "requests_status"),
    ])
    func aLookupThatRunsOftenGoesThroughItsIndex(statement: String, index: String) throws {
        let fixture = try VaultFixture()
        let plan = try DatabaseQueue(path: fixture.vaultPath).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(statement)").map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains(index) }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") && !$0.contains("INDEX") }, "\(plan)")
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
