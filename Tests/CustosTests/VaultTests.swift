import Custos
import CustosTestSupport
import Foundation
import GRDB
import Testing
import CustosStore
import CustosCrypto

struct VaultTests {
    @Test func theStoreRunsWithTheRequiredSettings() throws {
        let fixture = try VaultFixture()
        let (vault, keyring) = try fixture.engine.store.pragmas()
        for pragmas in [vault, keyring] {
            #expect(pragmas["journal_mode"] == "wal")
            #expect(pragmas["synchronous"] == "2", "FULL")
            #expect(pragmas["foreign_keys"] == "1")
            #expect(pragmas["secure_delete"] == "1")
            #expect(Int(pragmas["busy_timeout"] ?? "0")! > 0)
            #expect(pragmas["journal_size_limit"] == String(64 * 1024 * 1024))
        }
    }

    /// A subject's key is wrapped under the master key with the context
    /// `custos/subject-key/SUBJECT/KEY-VERSION/MASTER-VERSION`, spelled out here rather than
    /// taken from the keyring's code: every keyring ever written depends on those bytes.
    @Test func aSubjectKeyOpensUnderItsContextAsWritten() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "kc01")
        let row = try #require(try DatabaseQueue(path: fixture.keyringPath).read { db in
            try Row.fetchOne(db, sql: "SELECT key_version, master_version, wrapped FROM subject_keys WHERE subject_id = 'D-1'")
        })
        let master = try MasterKeyFile.load(from: fixture.keyPath)
        let context = "custos/subject-key/D-1/\(row["key_version"] as Int)/\(row["master_version"] as Int)"
        #expect(context == "custos/subject-key/D-1/1/1")
        #expect(throws: Never.self) {
            try KeyWrap.unwrap([UInt8](row["wrapped"] as Data), under: master, context: Array(context.utf8), storage: .ordinary)
        }
        #expect(throws: CryptoError.self) {
            try KeyWrap.unwrap([UInt8](row["wrapped"] as Data), under: master, context: Array("custos/subject-key/D-1/1/2".utf8), storage: .ordinary)
        }
    }

    /// A transaction larger than the ceiling (here another connection's, as an import's or a
    /// migration's) leaves the write-ahead log's file that large only until SQLite starts the
    /// log over: the vault's next commit after that gives the space back.
    @Test func theWriteAheadLogGivesBackWhatALargeTransactionTook() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "wl01")
        let log = fixture.vaultPath + "-wal"
        func size() throws -> Int { try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int ?? 0 }
        let other = try DatabaseQueue(path: fixture.vaultPath)
        try other.write { db in
            try db.execute(sql: "CREATE TABLE bulk (payload BLOB)")
            for _ in 0..<72 { try db.execute(sql: "INSERT INTO bulk VALUES (zeroblob(1024 * 1024))") }
        }
        try other.close()
        #expect(try size() > 72 * 1024 * 1024)
        // The first commits backfill the log into the file; a later one starts it over.
        for _ in 0..<3 {
            #expect(fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").decision.outcome == .permit)
        }
        #expect(try size() <= 64 * 1024 * 1024)
    }

    @Test func aDebtorsDataIsReadForCollectionAndNotForMarketing() throws {
        let fixture = try VaultFixture()
        let values = try fixture.addDebtor("D-1", marker: "qx81")
        let collect = fixture.engine.read(subject: "D-1", fields: ["email", "bank_account"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(collect.decision.outcome == .permit)
        #expect(collect.values == ["email": values["email"]!, "bank_account": values["bank_account"]!])
        #expect(collect.logSequence == 1)
        let marketing = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service")
        #expect(marketing.decision.outcome == .deny)
        #expect(marketing.values.isEmpty)
        #expect(marketing.logSequence == 2, "denies are logged too")
    }

    @Test func aPartialReadReleasesExactlyThePermittedFields() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "pa11")
        let result = fixture.engine.share(subject: "D-1", fields: ["person_name", "bank_account"], purpose: "P-DEBT-COLLECT",
                                          recipient: "R-CLIENT", recipientName: "Energie Noord B.V.", actor: "collections-service")
        #expect(result.decision.outcome == .partial)
        #expect(Set(result.values.keys) == ["person_name"])
    }

    @Test func subjectsAreFoundThroughTheBlindIndex() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "bi01")
        try fixture.addDebtor("D-2", marker: "bi02")
        #expect(try fixture.engine.findSubjects(matching: "  BI01@Example.NL ", kind: .email) == ["D-1"])
        #expect(try fixture.engine.findSubjects(matching: "nl91 abna 0417 1643 02", kind: .iban) == ["D-2"])
        #expect(try fixture.engine.findSubjects(matching: "nobody@example.nl", kind: .email).isEmpty)
    }

    @Test func theFilesHoldNoPlaintextValueAndNoKey() throws {
        let fixture = try VaultFixture()
        var secrets: [String] = []
        for index in 0..<20 {
            let values = try fixture.addDebtor("D-\(index)", marker: "zz\(index)q\(index)")
            secrets += values.values
            _ = fixture.engine.read(subject: "D-\(index)", fields: ["email", "bank_account", "person_name"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        }
        let raw = fixture.rawBytes()
        #expect(raw.count > 100_000)
        // Control: ids and purposes are stored in the clear, so the scan does see the files.
        #expect(raw.contains(subsequence: Array("P-DEBT-COLLECT".utf8)) && raw.contains(subsequence: Array("D-19".utf8)))
        for secret in secrets {
            #expect(!raw.contains(subsequence: Array(secret.utf8)), "plaintext found in the files")
            #expect(!raw.contains(subsequence: Array(secret.lowercased().utf8)))
        }
        let masterKey = try #require(FileManager.default.contents(atPath: fixture.keyPath).map { [UInt8]($0) })
        #expect(masterKey.count == 32)
        #expect(!raw.contains(subsequence: masterKey), "the master key is in the files")
    }

    @Test func aWrongMasterKeyOpensNothing() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "wk01")
        let other = fixture.folder.path + "/other.key"
        _ = try MasterKeyFile.create(at: other)
        #expect(throws: StoreError.wrongMasterKey) { try fixture.reopen(key: other) }
    }

    @Test func aKeyFileReadableByOthersIsRefused() throws {
        let fixture = try VaultFixture()
        chmod(fixture.keyPath, 0o644)
        #expect(throws: StoreError.keyFileTooOpen(path: fixture.keyPath, mode: "644")) { try fixture.reopen() }
    }

    @Test func aCiphertextMovedToAnotherSubjectOrFieldDoesNotOpen() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "mv01")
        try fixture.addDebtor("D-2", marker: "mv02")
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        try queue.write { db in
            let stolen = try Data.fetchOne(db, sql: "SELECT ciphertext FROM fields WHERE subject_id = 'D-1' AND field = 'email'")!
            try db.execute(sql: "UPDATE fields SET ciphertext = ? WHERE subject_id = 'D-2' AND field = 'email'", arguments: [stolen])
            let iban = try Data.fetchOne(db, sql: "SELECT ciphertext FROM fields WHERE subject_id = 'D-1' AND field = 'bank_account'")!
            try db.execute(sql: "UPDATE fields SET ciphertext = ? WHERE subject_id = 'D-1' AND field = 'person_name'", arguments: [iban])
        }
        let engine = try fixture.reopen()
        let moved = engine.read(subject: "D-2", fields: ["email", "person_name"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(moved.decision.outcome == .partial)
        #expect(moved.decision.fields.first { $0.field == "email" }?.reasons == [.fieldUnreadable])
        #expect(moved.values.keys.sorted() == ["person_name"])
        let swapped = engine.read(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(swapped.decision.outcome == .deny)
        #expect(swapped.decision.codes.contains(.fieldUnreadable))
        #expect(swapped.values.isEmpty)
        let logged = try engine.store.log.entries(subject: "D-1").last
        #expect(logged?.outcome == "deny" && logged?.codes.contains("FIELD_UNREADABLE") == true, "the failure is logged")
    }

    @Test func aBackupRestoredAfterAnErasureCannotDecryptTheErasedSubject() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "bk01")
        try fixture.addDebtor("D-2", marker: "bk02")
        // A backup of the vault only, taken before the erasure (its own lifecycle).
        let backup = fixture.folder.path + "/backup.db"
        try DatabaseQueue(path: fixture.vaultPath).backup(to: DatabaseQueue(path: backup))
        try fixture.engine.shred(subject: "D-1")
        // Restore the vault backup over the live vault; the keyring stays current.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fixture.vaultPath + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: fixture.vaultPath)
        let engine = try fixture.reopen()
        // Opening replays the keyring's erasure ledger before anything is served.
        #expect(engine.store.ledgerReplay == LedgerReplay(subjectsShredded: 1))
        let erased = engine.read(subject: "D-1", fields: ["email", "bank_account"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(erased.decision.outcome == .deny)
        #expect(erased.decision.codes == [.subjectUnknown])
        #expect(erased.values.isEmpty)
        #expect(try fixture.reopen().store.ledgerReplay == LedgerReplay(), "a replayed ledger is not replayed again")
        let kept = engine.read(subject: "D-2", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(kept.decision.outcome == .permit && kept.values["email"] == "bk02@example.nl")
    }

    @Test func rotationKeepsEveryFieldReadableAndLeavesNoKeyOnTheOldVersion() throws {
        let fixture = try VaultFixture()
        for index in 0..<5 { try fixture.addDebtor("D-\(index)", marker: "rt\(index)x") }
        let newKey = fixture.folder.path + "/new.key"
        #expect(try fixture.engine.rotateMasterKey(to: .file(newKey)) == 2)
        #expect(try fixture.engine.store.keyring.keysPerMasterVersion() == [2: 5])
        #expect(throws: StoreError.wrongMasterKey) { try fixture.reopen() }
        let engine = try fixture.reopen(key: newKey)
        for index in 0..<5 {
            let result = engine.read(subject: "D-\(index)", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(result.values["email"] == "rt\(index)x@example.nl")
        }
        #expect(try engine.findSubjects(matching: "rt3x@example.nl", kind: .email) == ["D-3"], "the blind-index key survived rotation")
        #expect(try engine.verifyLog().isIntact)
    }

    @Test func aPassphraseVaultOpensOnlyWithItsPassphrase() throws {
        let folder = try TemporaryDirectory()
        let vault = folder.path + "/custos.db"
        let engine = try PrivacyEngine.initialise(vault: vault, masterKey: .passphrase(Array("correct horse battery".utf8)), policies: RepositoryPaths.seedPolicy)
        try engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "pp@example.nl"]), by: "test")
        #expect(throws: StoreError.wrongMasterKey) { try PrivacyEngine.open(vault: vault, masterKey: .passphrase(Array("wrong".utf8))) }
        let reopened = try PrivacyEngine.open(vault: vault, masterKey: .passphrase(Array("correct horse battery".utf8)))
        #expect(reopened.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values["email"] == "pp@example.nl")
    }
}
