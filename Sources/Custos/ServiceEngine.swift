import Foundation
package import CustosPolicy
package import CustosDecision
package import CustosStore

/// What `custos serve`'s service API asks of an engine: gated reads, shares, stores and logged
/// decisions, subject lookup, consent and its receipts, objections, the request book, and the
/// operational checks. `PrivacyEngine` (SQLite) and `PostgresEngine` (CustosOnPostgres) answer
/// all of it with the same rules (`GatedAccess`, `ConsentDesk`, `RequestDesk`).
package protocol ServiceEngine: Sendable {
    var policy: CompiledPolicy { get }
    /// The gate `read`, `share` and `decide` pass, for a caller that runs it in two steps
    /// (`GatedAccess.decideBeforeLogging`, then the awaited `log`).
    var gatedAccess: GatedAccess { get }
    func serviceAccount(forToken token: String) throws -> ServiceAccount?
    /// A token's account known without reading the keyring (nil: call the one above, off the
    /// event loop); see `Keyring.knownServiceAccount(forToken:)`.
    func knownServiceAccount(forToken token: String) -> ServiceAccount?
    func read(subject: String, fields: [String], purpose: String, actor: String) -> GatedResult
    func share(subject: String, fields: [String], purpose: String, recipient: String, recipientName: String?,
               destination: String?, procedure: String?, actor: String) -> GatedResult
    func decide(_ request: DecisionRequest) -> GatedResult
    func existingSubjects(_ ids: [String]) throws -> Set<String>
    func findSubjects(matching value: String, kind: BlindIndexKind) throws -> [String]
    func createSubject(_ subject: NewSubject, purpose: String, actor: String) throws -> StoreResult
    func store(subject: String, values: [String: String], purpose: String, source: String, collectedAt: Instant?, actor: String) throws -> StoreResult
    /// Records a lifecycle event on `effective` (nil: today) and returns the date recorded.
    @discardableResult
    func recordEvent(subject: String, event: String, effective: LocalDate?, by actor: String) throws -> LocalDate
    func giveConsent(_ grant: ConsentGrant, by actor: String) throws -> [ConsentOutcome]
    func withdrawConsent(subject: String, purposes: [String], channel: String, evidence: String?, effective: Instant?, by actor: String) throws
    func consents(for subject: String) throws -> (history: [ConsentLedgerEvent], current: [String: ConsentLedgerEvent], refusals: [ConsentRefusal])
    func consentReceipt(subject: String, purpose: String) throws -> ConsentReceipt
    /// The keyring whose Ed25519 key signs receipts (JSON and JWS) and checkpoints.
    var signingKeyring: Keyring { get }
    func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant?) throws -> Int64
    /// Opens a request with what `opening` brings, in the transaction that files it.
    func openRequest(subject: String, type: RightsRequestType, purpose: String?, channel: String, receivedAt: Instant?, requester: String,
                     mandate: String?, identityVerifiedBy method: String?, opening: RequestOpening, by actor: String) throws -> RightsRequest
    func request(_ id: String) throws -> RightsRequest?
    /// The last log entry's hash over its predecessor's (the full chain is `audit verify`'s).
    func verifyLogHead() throws -> Bool
    func checkKeyring() throws
    func observeLog(_ observer: any DecisionLogObserver)
}

extension PrivacyEngine: ServiceEngine {
    package var signingKeyring: Keyring { store.keyring }
}

extension ServiceEngine {
    /// Opens a request with its receipt alone (the officer's and the API's usual case).
    package func openRequest(subject: String, type: RightsRequestType, purpose: String?, channel: String, receivedAt: Instant?, requester: String,
                             mandate: String?, identityVerifiedBy method: String?, by actor: String) throws -> RightsRequest {
        try openRequest(subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: receivedAt, requester: requester,
                        mandate: mandate, identityVerifiedBy: method, opening: .none, by: actor)
    }
}
