import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

struct SubjectImportTests {
    @Test func aCleanFileImportsEverySubject() throws {
        let fixture = try VaultFixture()
        let parsed = SubjectImport.parse("""
        id,category,kind,contract-party,email,bank_account
        D-1,debtor,natural-person,false,one@example.nl,NL02ABNA0123456789
        C-1,client,sole-trader,true,two@example.nl,
        """, fileName: "people.csv", policy: fixture.engine.policy)
        #expect(try fixture.engine.importSubjects(parsed, by: "test").isEmpty)
        #expect(try fixture.engine.findSubjects(matching: "two@example.nl", kind: .email) == ["C-1"])
        #expect(try fixture.engine.metadata(of: "D-1").fields.map(\.field) == ["bank_account", "email"])
    }

    @Test func aCSVFileThatIsNotCSVImportsNothingAndSaysWhere() throws {
        let fixture = try VaultFixture()
        for (text, problem) in [
            ("id,category,email\nD-1,debtor,\"one@example.nl\"x\nD-2,debtor,two@example.nl\n",
             "line 2: column 28: text after a closing quote; a quote inside a quoted field is written twice (\"\")"),
            ("id,category,email\nD-1,debtor,one@example.nl\nD-2,debtor,\"two@example.nl\n",
             "line 3: column 12: the quote opened here is never closed"),
        ] {
            let parsed = SubjectImport.parse(text, fileName: "people.csv", policy: fixture.engine.policy)
            #expect(parsed.problems.map(\.description) == [problem])
            #expect(try fixture.engine.importSubjects(parsed, by: "test").map(\.description) == [problem])
            #expect(try fixture.engine.findSubjects(matching: "one@example.nl", kind: .email).isEmpty, "nothing was imported")
        }
        // A value over two lines: the row after it is named by its own line of the file.
        let parsed = SubjectImport.parse("id,category,email,claim_details\nD-1,debtor,one@example.nl,\"Invoice 7,\nsecond line\"\nD-2,debtor\n",
                                         fileName: "people.csv", policy: fixture.engine.policy)
        #expect(parsed.problems.map(\.description) == ["line 4: has 2 columns, the header has 4"])
    }

    @Test func oneBadLineImportsNothingAndEveryProblemIsNamedWithoutValues() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-9", marker: "im09")
        let parsed = SubjectImport.parse("""
        {"id": "D-1", "category": "debtor", "values": {"email": "secret-one@example.nl"}}
        {"id": "D-2", "category": "debtor", "values": {"email": "secret-two@example.nl", "shoe_size": "44"}}
        {"id": "D-1", "category": "debtor", "values": {}}
        {"id": "D-9", "category": "debtor", "values": {"email": "secret-nine@example.nl"}}
        """, fileName: "people.jsonl", policy: fixture.engine.policy)
        let problems = try fixture.engine.importSubjects(parsed, by: "test")
        #expect(problems.map(\.line) == [2, 3, 4])
        #expect(problems.allSatisfy { !$0.message.contains("secret") })
        #expect(try fixture.engine.findSubjects(matching: "secret-one@example.nl", kind: .email).isEmpty, "nothing was imported")
        #expect(try fixture.engine.store.keyring.keysPerMasterVersion() == [1: 1], "no key was left behind")
    }
}

/// An import reads its file twice and holds one page of subjects at a time: every page goes
/// into the vault's one transaction, so a page that fails leaves nothing of the earlier ones
/// and no key behind.
extension OnBothBackends {
struct SubjectImportPageTests {
    /// Seven subjects in JSON Lines with Windows line endings and a blank line.
    static let sevenPeople = (1...7).map { n in
        #"{"id": "D-\#(n)", "category": "debtor", "events": {"file-opened": "2025-05-02"}, "values": {"email": "p\#(n)@example.nl"}}"#
    }.joined(separator: "\r\n") + "\r\n   \r\n"

    @Test(arguments: Backend.reachable) func pagesOfAnySizeImportEverySubjectInTheFilesOrder(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            for size in [1, 3, 7, 50] {
                let parsed = SubjectImport.parse(Self.sevenPeople, fileName: "people.jsonl", policy: fixture.engine.policy, pageSize: size)
                #expect(parsed.problems.isEmpty && parsed.ids == (1...7).map { "D-\($0)" })
                var pages: [[String]] = []
                try parsed.forEachPage { pages.append($0.map(\.id)) }
                #expect(pages.map(\.count) == Array(repeating: size, count: 7 / size) + (7 % size == 0 ? [] : [7 % size]))
                #expect(pages.flatMap { $0 } == parsed.ids)
            }
            let parsed = SubjectImport.parse(Self.sevenPeople, fileName: "people.jsonl", policy: fixture.engine.policy, pageSize: 3)
            #expect(try fixture.engine.importSubjects(parsed, by: "test").isEmpty)
            for n in 1...7 { #expect(try fixture.engine.metadata(of: "D-\(n)").fields.map(\.field) == ["email"]) }
            #expect(try fixture.service.findSubjects(matching: "p7@example.nl", kind: .email) == ["D-7"])
        }
    }
}
}

extension SubjectImportTests {
    /// The third page names a subject already in the vault: the first two pages' subjects are
    /// rolled back with it, and their pending keys removed.
    @Test func aPageThatFailsLeavesNothingOfTheEarlierPages() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-6", marker: "pg06")
        let keysBefore = try fixture.engine.store.keyring.keysPerMasterVersion()
        let parsed = SubjectImport.parse(OnBothBackends.SubjectImportPageTests.sevenPeople, fileName: "people.jsonl", policy: fixture.engine.policy, pageSize: 2)
        var pages = 0
        #expect(throws: StoreError.self) {
            try fixture.engine.store.vault.importSubjects(at: fixture.clock.now, by: "test") { each in
                try parsed.forEachPage { page in pages += 1; try each(page) }
            }
        }
        #expect(pages == 3)
        for n in [1, 2, 3, 4, 5] { #expect(throws: StoreError.self) { try fixture.engine.metadata(of: "D-\(n)") } }
        #expect(try fixture.engine.store.keyring.keysPerMasterVersion() == keysBefore)
        #expect(try fixture.engine.store.keyring.pendingSubjects().isEmpty)
    }

    /// A byte that is not UTF-8 is named, and nothing is read further.
    @Test func aFileThatIsNotUTF8IsRefused() throws {
        let fixture = try VaultFixture()
        var data = Data("id,category,email\nD-1,debtor,".utf8)
        data.append(contentsOf: [0xC3, 0x28, 0x0A])
        let parsed = SubjectImport.parse(data, fileName: "people.csv", policy: fixture.engine.policy)
        #expect(parsed.problems.map(\.message) == ["is not UTF-8 text"] && parsed.ids.isEmpty)
    }
}
