import Custos
import CustosStore
import CustosDecision
import CustosPolicy
import CustosTestSupport
import Foundation
import GRDB
import Testing

/// A communication before the Art. 14 information leaves the officer's task, which commits in
/// the read's own log transaction: the entry and its task are stored together or not at all.
/// (The task was written after the log's commit, so a kill or a failed write between the two
/// left a logged, released read with no task, and the officer never learnt of the deadline.)
struct InformationTaskCommitTests {
    @Test func aReadAndItsTaskCommitTogetherOrNotAtAll() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "P-1", category: "prospect", kind: .soleTrader, consumer: false,
                                                 values: ["company_name": "Bakkerij P", "postal_address": "Dorpsstraat 1, 1234 AB Ergens"],
                                                 source: "KvK register"), by: "test")
        let letter = { fixture.engine.read(subject: "P-1", fields: ["company_name", "postal_address"], purpose: "P-PROSPECT-MKT-POST", actor: "marketing-service") }
        let before = try fixture.engine.verifyLog().entries

        // A vault that refuses every task row: the read's entry cannot commit without its task.
        let refuse = "CREATE TRIGGER refuse_tasks BEFORE INSERT ON information_tasks BEGIN SELECT RAISE(ABORT, 'no task'); END"
        try DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: refuse) }
        let refused = letter()
        #expect(refused.decision.outcome == .deny && refused.decision.codes.contains(.engineError))
        #expect(refused.values.isEmpty && refused.logSequence == nil)
        #expect(try fixture.engine.verifyLog().entries == before, "no entry without its task")
        #expect(try fixture.engine.informationDuties().first?.task == nil)

        try DatabaseQueue(path: fixture.vaultPath).write { db in try db.execute(sql: "DROP TRIGGER refuse_tasks") }
        let sent = letter()
        #expect(sent.decision.outcome == .permit && sent.decision.obligations == [.informSubjectFirst] && sent.values.count == 2)
        #expect(sent.logSequence == before + 1)
        #expect(try fixture.engine.informationDuties().first?.task?.logSequence == sent.logSequence)
        #expect(try fixture.engine.verifyLog().isIntact)
    }
}
