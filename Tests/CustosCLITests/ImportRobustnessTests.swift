import Custos
import CustosTestSupport
import Foundation
import GRDB
import Testing

/// What `subject import` promises: all or nothing across the vault and the keyring, people
/// are not swept away for lack of lifecycle events, and bad rows are named, never stored.
@Suite(.serialized)
struct ImportRobustnessTests {
    static func emptyVault() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        let result = try CustosExecutable.run(["init", "--policies", RepositoryPaths.seedPolicy], in: folder.url)
        try #require(result.status == 0, "\(result.stderr)")
        return folder
    }

    static func keys(in folder: TemporaryDirectory) throws -> [(String, Int)] {
        try DatabaseQueue(path: folder.path + "/custos.keys.db").read { db in
            try Row.fetchAll(db, sql: "SELECT subject_id, pending FROM subject_keys ORDER BY subject_id").map { ($0[0], $0[1]) }
        }
    }

    @Test func keysLeftByAnImportKilledBeforeTheVaultCommitAreRemovedAtOpenAndTheIdsImportAgain() throws {
        let folder = try Self.emptyVault()
        // The state a SIGKILL between the keyring's commit and the vault's leaves behind.
        try DatabaseQueue(path: folder.path + "/custos.keys.db").write { db in
            for id in ["D-1", "D-2"] {
                try db.execute(sql: "INSERT INTO subject_keys (subject_id, key_version, master_version, wrapped, pending) VALUES (?, 1, 1, x'00', 1)", arguments: [id])
            }
        }
        try folder.write("id,category,event:file-opened,email\nD-1,debtor,2025-01-10,a@example.nl\nD-2,debtor,2025-01-10,b@example.nl\n", to: "people.csv")
        let imported = try CustosExecutable.run(["subject", "import", "people.csv"], in: folder.url)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(!imported.stderr.contains("UNIQUE"))
        #expect(try Self.keys(in: folder).map(\.1) == [0, 0], "adopted after the vault committed")
        let read = try CustosExecutable.run(["read", "--subject", "D-2", "--purpose", "P-DEBT-COLLECT", "--fields", "email", "--actor", "collections-service"], in: folder.url)
        #expect(read.status == 0 && read.stdout.contains("b@example.nl"))
        #expect(try CustosExecutable.run(["audit", "verify"], in: folder.url).status == 0)
    }

    @Test func aPendingKeyWhoseSubjectReachedTheVaultIsAdoptedAtOpen() throws {
        let folder = try Self.emptyVault()
        try folder.write("id,category,event:file-opened,email\nD-1,debtor,2025-01-10,a@example.nl\n", to: "people.csv")
        #expect(try CustosExecutable.run(["subject", "import", "people.csv"], in: folder.url).status == 0)
        // The state a SIGKILL after the vault's commit, before the adoption, leaves behind.
        try DatabaseQueue(path: folder.path + "/custos.keys.db").write { db in try db.execute(sql: "UPDATE subject_keys SET pending = 1") }
        let read = try CustosExecutable.run(["read", "--subject", "D-1", "--purpose", "P-DEBT-COLLECT", "--fields", "email", "--actor", "collections-service"], in: folder.url)
        #expect(read.status == 0 && read.stdout.contains("a@example.nl"))
        #expect(try Self.keys(in: folder).map(\.1) == [0])
    }

    @Test func auditVerifyReportsAVaultAndKeyringThatDisagree() throws {
        let folder = try Self.emptyVault()
        try folder.write("id,category,event:file-opened,email\nD-1,debtor,2025-01-10,a@example.nl\nD-2,debtor,2025-01-10,b@example.nl\n", to: "people.csv")
        #expect(try CustosExecutable.run(["subject", "import", "people.csv"], in: folder.url).status == 0)
        let clean = try CustosExecutable.run(["audit", "verify"], in: folder.url)
        #expect(clean.status == 0 && clean.stdout.contains("vault and keyring agree"))
        try DatabaseQueue(path: folder.path + "/custos.keys.db").write { db in
            try db.execute(sql: "DELETE FROM subject_keys WHERE subject_id = 'D-1'")
            try db.execute(sql: "INSERT INTO subject_keys (subject_id, key_version, master_version, wrapped, pending) VALUES ('D-9', 1, 1, x'00', 0)")
        }
        let broken = try CustosExecutable.run(["audit", "verify"], in: folder.url)
        #expect(broken.status == 5)
        #expect(broken.stderr.contains("1 subjects have no key in the keyring") && broken.stderr.contains("D-1"))
        #expect(broken.stderr.contains("1 keys of subjects the vault does not have") && broken.stderr.contains("D-9"))
    }

    @Test func lifecycleEventsAndCollectionDatesArriveWithTheImport() throws {
        let folder = try Self.emptyVault()
        try folder.write("""
        id,category,collected-at,event:file-opened,email,claim_details
        D-1,debtor,2024-03-01,2024-03-01,a@example.nl,Invoice 1
        D-2,debtor,2024-03-01T10:00:00+01:00,,b@example.nl,Invoice 2

        """, to: "people.csv")
        let imported = try CustosExecutable.run(["subject", "import", "people.csv"], in: folder.url)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("warning: 1 of 2 imported subjects hold data that no purpose keeps"), "\(imported.stderr)")
        #expect(imported.stderr.contains("D-2") && !imported.stderr.contains("  D-1:"), "D-1's file is open, D-2 has no file-opened event")
        let shown = try CustosExecutable.run(["subject", "show", "D-1", "-o", "json"], in: folder.url)
        #expect(shown.stdout.contains("file-opened") && shown.stdout.contains("2024-03-01"), "\(shown.stdout)")
        try folder.write("""
        {"id": "D-3", "category": "debtor", "collected-at": {"email": "2024-05-01"}, "events": {"file-opened": "2024-05-01"}, "values": {"email": "c@example.nl"}}

        """, to: "more.jsonl")
        let json = try CustosExecutable.run(["subject", "import", "more.jsonl"], in: folder.url)
        #expect(json.status == 0 && !json.stderr.contains("warning"), "\(json.stderr)")
    }

    @Test func badRowsAreNamedByLineAndColumnAndNothingIsStored() throws {
        let folder = try Self.emptyVault()
        try folder.write("""
        id,category,birth_date,email
        D-1,debtor,0000-00-02,a@example.nl
        D-2,debtor,99999-01-01,b@example.nl
        D-3,debtor,abc,c@example.nl
        D\u{200B}4,debtor,1980-01-01,d@example.nl
        D-\u{0405}5,debtor,1980-01-01,e@example.nl
        \(String(repeating: "X", count: 65)),debtor,1980-01-01,f@example.nl
        D-7,debtor,1980-01-01,g@example.nl

        """, to: "people.csv")
        let result = try CustosExecutable.run(["subject", "import", "people.csv"], in: folder.url)
        #expect(result.status == 1)
        for line in 2...4 { #expect(result.stderr.contains("people.csv:\(line): error: subject D-\(line - 1): column 3 (birth_date): a birth date must be a real date")) }
        for line in 5...7 { #expect(result.stderr.contains("people.csv:\(line): error: column 1 (id): a subject id")) }
        #expect(!result.stderr.contains("1980-01-01") && !result.stderr.contains("example.nl"), "no value is echoed")
        #expect(try Self.keys(in: folder).isEmpty)
        let added = try CustosExecutable.run(["subject", "add", "--id", "D-8", "--category", "debtor", "--set", "birth_date=2999-01-01"], in: folder.url)
        #expect(added.status != 0 && added.stderr.contains("a birth date lies in the future"))
    }

    @Test func aDuplicatedOrEmptyHeaderIsAnError() throws {
        let folder = try Self.emptyVault()
        try folder.write("id,category,email,email\nD-1,debtor,a@example.nl,b@example.nl\n", to: "twice.csv")
        let twice = try CustosExecutable.run(["subject", "import", "twice.csv"], in: folder.url)
        #expect(twice.status == 1 && twice.stderr.contains("twice.csv:1: error: column 4: header 'email' repeats column 3"), "\(twice.stderr)")
        try folder.write("id,category,,email\nD-1,debtor,x,a@example.nl\n", to: "empty.csv")
        let empty = try CustosExecutable.run(["subject", "import", "empty.csv"], in: folder.url)
        #expect(empty.status == 1 && empty.stderr.contains("empty.csv:1: error: column 3: the header is empty"))
        try folder.write(#"{"id": "D-1", "id": "D-2", "category": "debtor"}"# + "\n" + #"{"id": "D-3", "category": "debtor", "valuez": {}}"# + "\n", to: "keys.jsonl")
        let keys = try CustosExecutable.run(["subject", "import", "keys.jsonl"], in: folder.url)
        #expect(keys.stderr.contains("keys.jsonl:1: error: $.id appears twice"))
        #expect(keys.stderr.contains("keys.jsonl:2: error: $.valuez is not a known key; did you mean 'values'?"))
    }
}
