package import CustosStore
import CustosPolicy

extension PrivacyEngine {
    /// Creates a service account for `custos serve`, bound to one actor the policy declares,
    /// and returns its bearer token (shown once; only a keyed hash is stored).
    ///
    /// ```swift
    /// let token = try engine.addServiceAccount(name: "crm-prod", actor: "collections-service")
    /// ```
    package func addServiceAccount(name: String, actor: String) throws -> String {
        guard policy.actors.id(actor) != nil else {
            let hint = closestMatch(to: actor, in: policy.actors.names).map { "; did you mean '\($0)'?" } ?? ""
            throw StoreError.invalidInput("actor '\(actor)' is not declared in the policy\(hint)")
        }
        guard !name.isEmpty, name.utf8.count <= 64, SubjectId.problem(name) == nil else {
            throw StoreError.invalidInput("a service account name is 1 to 64 ASCII letters, digits and - _ . :")
        }
        return try store.keyring.addServiceAccount(name: name, actor: actor, at: clock())
    }

    package func serviceAccounts() throws -> [ServiceAccount] { try store.keyring.serviceAccounts() }

    package func revokeServiceAccount(name: String) throws { try store.keyring.revokeServiceAccount(name: name, at: clock()) }

    /// The active account a bearer token belongs to; nil for an unknown, revoked or malformed one.
    package func serviceAccount(forToken token: String) throws -> ServiceAccount? { try store.keyring.serviceAccount(forToken: token) }
    package func knownServiceAccount(forToken token: String) -> ServiceAccount? { store.keyring.knownServiceAccount(forToken: token) }
}
