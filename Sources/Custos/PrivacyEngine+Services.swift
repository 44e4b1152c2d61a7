package import CustosStore
import CustosPolicy

extension PrivacyEngine {
    /// Creates a service account for `custos serve`, bound to one actor the policy declares,
    /// and returns its bearer token (shown once; only a keyed hash is stored).
    /// `requestsPerSecond` is its own rate limit (nil: the server's setting).
    ///
    /// ```swift
    /// let token = try engine.addServiceAccount(name: "crm-prod", actor: "collections-service", requestsPerSecond: 500)
    /// ```
    package func addServiceAccount(name: String, actor: String, requestsPerSecond: Int? = nil) throws -> String {
        try policy.checkServiceAccount(name: name, actor: actor)
        return try store.keyring.addServiceAccount(name: name, actor: actor, requestsPerSecond: requestsPerSecond, at: clock())
    }

    package func serviceAccounts() throws -> [ServiceAccount] { try store.keyring.serviceAccounts() }

    package func revokeServiceAccount(name: String) throws { try store.keyring.revokeServiceAccount(name: name, at: clock()) }

    /// The active account a bearer token belongs to; nil for an unknown, revoked or malformed one.
    package func serviceAccount(forToken token: String) throws -> ServiceAccount? { try store.keyring.serviceAccount(forToken: token) }
    package func knownServiceAccount(forToken token: String) -> ServiceAccount? { store.keyring.knownServiceAccount(forToken: token) }
}

extension CompiledPolicy {
    /// Active accounts whose actor this policy does not declare (it did when they were made):
    /// every request they make is denied, which their services see as an outage. `custos
    /// serve` warns of them at start and the console's Today lists them.
    package func strandedServiceAccounts(_ accounts: [ServiceAccount]) -> [ServiceAccount] {
        accounts.filter { $0.revokedAt == nil && actors.id($0.actor) == nil }
    }

    /// Refuses a service account whose actor the policy does not declare (with the nearest
    /// declared one) or whose name is not 1 to 64 letters, digits and - _ . :.
    package func checkServiceAccount(name: String, actor: String) throws(StoreError) {
        guard actors.id(actor) != nil else {
            let hint = closestMatch(to: actor, in: actors.names).map { "; did you mean '\($0)'?" } ?? ""
            throw StoreError.invalidInput("actor '\(actor)' is not declared in the policy\(hint)")
        }
        guard !name.isEmpty, name.utf8.count <= 64, SubjectId.problem(name) == nil else {
            throw StoreError.invalidInput("a service account name is 1 to 64 ASCII letters, digits and - _ . :")
        }
    }
}
