import Custos
import CustosTestSupport
import Foundation
import GRDB
import Testing
import CustosStore

/// DESIGN §4: the erasure ledger lives with the keys; a vault restored from a backup taken
/// before an erasure gets the erasure again before it serves anything.
struct RestoreSafetyTests {
    func restore(_ backup: String, over fixture: VaultFixture) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fixture.vaultPath + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: fixture.vaultPath)
    }

    @Test func aRestoredBackupGetsAPartialErasureAgain() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: [
            "person_name": "Terug Gezet", "claim_details": "invoice 3", "recoverability_score": "0.12",
        ], source: "client"), by: "test")
        try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2023-03-01"), by: "test")
        try fixture.engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(parsing: "2024-09-01"), by: "test")
        let backup = fixture.folder.path + "/backup.db"
        try DatabaseQueue(path: fixture.vaultPath).backup(to: DatabaseQueue(path: backup))

        let request = try fixture.engine.openRequest(subject: "D-1", type: .erasure, channel: "letter", identityVerifiedBy: "file number", by: "officer")
        let certificate = try fixture.engine.fulfilErasure(request: request.id, by: "officer")
        #expect(certificate.destroyed == ["recoverability_score"] && certificate.kept.count == 2)

        try restore(backup, over: fixture)
        let engine = try fixture.reopen()
        #expect(engine.store.ledgerReplay == LedgerReplay(fieldsDestroyed: 1, fieldsRestricted: 2))
        let metadata = try engine.metadata(of: "D-1")
        #expect(metadata.erasedFields == ["recoverability_score"] && !metadata.fields.contains { $0.field == "recoverability_score" })
        let kept = try #require(try engine.store.vault.facts(of: "D-1")?.fields.first { $0.field == "claim_details" })
        #expect(kept.keptFor == certificate.kept.first { $0.field == "claim_details" }?.purposes, "kept fields are again kept only for their purposes")
        #expect(engine.read(subject: "D-1", fields: ["recoverability_score"], purpose: "P-SCORING", actor: "scoring-service").values.isEmpty)
    }

    /// A backup holds the web sessions alive when it was made: restored, it must not bring
    /// back one signed out since. A vault reopened without a restore keeps its sessions.
    @Test func aRestoredBackupBringsBackNoSessionSignedOutSince() throws {
        let fixture = try VaultFixture()
        let store = fixture.engine.store, now = fixture.clock.now, longest: Int64 = 36_000_000
        let staying = try store.startWebSession(.console, holder: ["anna"], longest: longest, at: now)
        let leaving = try store.startWebSession(.console, holder: ["ben"], longest: longest, at: now)
        let backup = fixture.folder.path + "/backup.db"
        try DatabaseQueue(path: fixture.vaultPath).backup(to: DatabaseQueue(path: backup))
        try store.endWebSession(.console, cookie: leaving)

        let reopened = try fixture.reopen()
        #expect(try reopened.store.webSession(.console, cookie: staying, idle: nil, at: now)?.holder == ["anna"], "a plain reopen keeps sessions")

        try restore(backup, over: fixture)
        let restored = try fixture.reopen()
        #expect(try restored.store.webSession(.console, cookie: leaving, idle: nil, at: now) == nil, "signed out after the backup: stays out")
        #expect(try restored.store.webSession(.console, cookie: staying, idle: nil, at: now) == nil, "the restored vault ends every session")
    }

    @Test func aSubjectAddedAgainAfterItsErasureIsANewSubject() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "nw01")
        try fixture.engine.shred(subject: "D-1")
        fixture.clock.set("2025-06-03T09:00:00+02:00")
        let values = try fixture.addDebtor("D-1", marker: "nw02")
        // Force a replay, as after a crash between the keyring and the vault write.
        try DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: "UPDATE meta SET value = '0' WHERE key = 'ledger-replayed'") }
        let engine = try fixture.reopen()
        #expect(engine.store.ledgerReplay == LedgerReplay())
        #expect(engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values["email"] == values["email"])
    }

    @Test func theLedgerHoldsNoSubjectIdInTheClear() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("DEBTOR-LEDGER-7", marker: "lc01")
        try fixture.engine.shred(subject: "DEBTOR-LEDGER-7")
        let keyring = try Data(contentsOf: URL(fileURLWithPath: fixture.keyringPath))
        #expect(![UInt8](keyring).contains(subsequence: Array("DEBTOR-LEDGER-7".utf8)))
        let entries = try DatabaseQueue(path: fixture.keyringPath).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM erasure_ledger WHERE field IS NULL") }
        #expect(entries == 1)
    }

    /// Two erasures at once (a server and the CLI on one vault): when the first stops after its
    /// ledger entry and before its vault write, the second's vault write must not mark the
    /// whole ledger as applied, or no open would ever finish the first.
    @Test func anErasureStoppedBeforeItsVaultWriteIsFinishedAtOpenWhateverFinishedAfterIt() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-0", marker: "if00")
        try fixture.addDebtor("D-1", marker: "if01")
        try fixture.addDebtor("D-2", marker: "if02")
        // An erasure before, whole: the mark moves past its entry, and the replay starts after it.
        try fixture.engine.shred(subject: "D-0")
        // The first: its ledger entry and its key destroyed, then a kill.
        _ = try fixture.engine.store.keyring.recordErasures([ErasureRecord(subject: "D-1", wholeSubject: true)], at: fixture.clock.now)
        try fixture.engine.shred(subject: "D-2")
        let engine = try fixture.reopen()
        #expect(engine.store.ledgerReplay == LedgerReplay(subjectsShredded: 1))
        #expect(try engine.existingSubjects(["D-0", "D-1", "D-2"]).isEmpty)
        #expect(try engine.keyringAgreement().holds)
        #expect(try fixture.reopen().store.ledgerReplay == LedgerReplay(), "replayed once")
    }

    /// The keyring goes first: when its transaction fails, nothing of the subject is gone (a
    /// vault without its rows but with a live key and no ledger entry would come back whole
    /// from any backup).
    @Test func aShredWhoseKeyringFailsDeletesNothing() throws {
        let fixture = try VaultFixture()
        let values = try fixture.addDebtor("D-1", marker: "kf01")
        try DatabaseQueue(path: fixture.keyringPath).write { db in try db.execute(sql: "DROP TABLE erasure_ledger") }
        #expect(throws: (any Error).self) { try fixture.engine.shred(subject: "D-1") }
        #expect(try fixture.engine.existingSubjects(["D-1"]) == ["D-1"])
        let read = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(read.values["email"] == values["email"], "the key and the rows are both still there")
    }

    /// A shred leaves neither the key nor the rows in a write-ahead log.
    @Test func aShredLeavesBothWriteAheadLogsEmpty() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "wl01")
        try fixture.engine.shred(subject: "D-1")
        for path in [fixture.vaultPath, fixture.keyringPath] {
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            #expect(size == 0, "\(path)-wal holds \(size) bytes")
        }
    }
}
