import Foundation
package import CustosDecision
package import CustosPolicy
package import CustosStore

/// Fulfilling rights requests over any `RightsStore` (gdpr.md §5–§8): access, portability,
/// restriction, objection, rectification and erasure, each refused until the requester and their identity are
/// established, each leaving the Art. 19 notifications and Art. 28(3) processor instructions it
/// owes, each completing its request with the outcome. `PrivacyEngine` runs it over its vault;
/// the same rules run over a PostgreSQL vault. The erasure certificate is signed with the
/// keyring's key.
///
/// ```swift
/// let desk = RightsDesk(policy: compiled, evaluator: Evaluator(policy: compiled), clock: { .now }, store: store, keyring: keyring)
/// let certificate = try desk.fulfilErasure(request: "RQ-2025-0007", by: "officer")
/// ```
package struct RightsDesk: Sendable {
    package let policy: CompiledPolicy
    package let evaluator: Evaluator
    package let clock: @Sendable () -> Instant
    package let store: any RightsStore
    package let keyring: Keyring

    package init(policy: CompiledPolicy, evaluator: Evaluator, clock: @escaping @Sendable () -> Instant, store: any RightsStore, keyring: Keyring) {
        self.policy = policy
        self.evaluator = evaluator
        self.clock = clock
        self.store = store
        self.keyring = keyring
    }

    /// The request book's rules over the same store (identity, requester, open).
    var requests: RequestDesk { RequestDesk(policy: policy, clock: clock, store: store) }

    /// The gate's decision on the vault's facts, over the same store (a consent purpose's age
    /// check opens the birth date).
    var gate: GatedAccess { GatedAccess(policy: policy, evaluator: evaluator, store: store, clock: clock) }

    func facts(of subject: String) throws -> Facts? { try store.factsAndCiphertexts(of: subject, fields: []).facts }

    /// Who asks a purpose on the officer's behalf: the officer when the purpose names one, else
    /// its first actor.
    static func officerActor(for purpose: Purpose) -> String {
        purpose.actors.map { actors in actors.contains { $0.id == "officer" } ? "officer" : actors.first?.id ?? "officer" } ?? "officer"
    }

    func officerActor(for purpose: Purpose) -> String { Self.officerActor(for: purpose) }
}
