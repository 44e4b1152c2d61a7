import CustosDecision
import CustosPolicy
package import CustosStore

/// Fulfilling rights requests on this vault; the rules are `RightsDesk`'s. Access packages and
/// portability exports are built here (Rights/AccessPackage.swift, Rights/Portability.swift).
extension PrivacyEngine {
    package var rightsDesk: RightsDesk { RightsDesk(policy: policy, evaluator: evaluator, clock: clock, store: store, keyring: store.keyring) }

    package func fulfilRestriction(request id: String, fields: [String]?, ground: RestrictionGround, by actor: String) throws -> RightsOutcome {
        try rightsDesk.fulfilRestriction(request: id, fields: fields, ground: ground, by: actor)
    }

    package func fulfilObjection(request id: String, by actor: String) throws -> RightsOutcome { try rightsDesk.fulfilObjection(request: id, by: actor) }

    package func fulfilRectification(request id: String, values: [String: String], by actor: String) throws -> RectificationResult {
        try rightsDesk.fulfilRectification(request: id, values: values, by: actor)
    }

    package func fulfilErasure(request id: String, by actor: String) throws -> ErasureCertificate { try rightsDesk.fulfilErasure(request: id, by: actor) }

    package func tasks(openOnly: Bool = true) throws -> [RecipientTask] { try rightsDesk.tasks(openOnly: openOnly) }

    package func completeTask(_ id: Int64, by actor: String) throws { try rightsDesk.completeTask(id, by: actor) }

    func actionableRequest(_ id: String, of type: RightsRequestType) throws -> RightsRequest { try rightsDesk.actionableRequest(id, of: type) }

    func notifications(subject: String, request: String?, fields: Set<String>, action: String, at now: Instant) throws -> [RecipientTask] {
        try rightsDesk.notifications(subject: subject, request: request, fields: fields, action: action, at: now)
    }
}
