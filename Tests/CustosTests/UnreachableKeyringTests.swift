import Custos
import CustosStore
import CustosDecision
import CustosPolicy
import CustosTestSupport
import Foundation
import Testing

/// A keyring that cannot be reached while a decision is under way (its database went away
/// between the token check and the decryption) is an unavailable store, answered 503 with
/// nothing decided or released; never a field withheld as if its ciphertext were corrupt.
struct UnreachableKeyringTests {
    /// The vault's store, except that every decryption finds the keyring gone.
    struct KeyringGone: DecisionStore {
        let inner: any DecisionStore
        func factsAndCiphertexts(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data]) {
            try inner.factsAndCiphertexts(of: subject, fields: fields)
        }
        func openFields(_ fields: [String], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
            throw StoreError.unavailable("the keyring's database is gone")
        }
        func open(_ ciphertexts: [String: Data], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
            throw StoreError.unavailable("the keyring's database is gone")
        }
        func append(_ decision: Decision, at: Instant, informing task: InformationTask?) throws -> Int64 {
            try inner.append(decision, at: at, informing: task)
        }
        func inGateTransaction<T>(_ body: (any GateTransaction) throws -> T) throws -> T { try inner.inGateTransaction(body) }
    }

    @Test func aReadOrShareWhoseKeyringIsGoneIsUnavailableAndLogsNothing() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "kg01")
        let engine = fixture.engine
        let reachable = engine.gatedAccess.gate(DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT",
                                                                fields: ["email"]))
        #expect(reachable.decision.outcome == .permit && !reachable.values.isEmpty, "the same read with the keyring there releases the value")
        let gate = GatedAccess(policy: engine.policy, evaluator: Evaluator(policy: engine.policy), store: KeyringGone(inner: engine.store), clock: { [clock = fixture.clock] in clock.now })
        let before = try engine.verifyLog().entries
        let requests = [
            DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"]),
            DecisionRequest(actor: "collections-service", action: .share, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["person_name"],
                            recipient: "R-BAILIFF-NL"),
        ]
        for request in requests {
            let result = gate.gate(request)
            #expect(result.storeUnavailable, "\(request.action): a 503, not a decision")
            #expect(result.decision.outcome == .deny && result.values.isEmpty && result.logSequence == nil)
            #expect(!result.decision.codes.contains(.fieldUnreadable), "an unreachable keyring is not a corrupt field")
        }
        #expect(try engine.verifyLog().entries == before, "nothing decided, nothing logged")
    }
}
