import Custos
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
