package import CustosPolicy
import CustosDecision

/// What recording and withdrawing consent needs from the store beyond the gate's reads: the
/// ledger (append-only events folded into a current state per purpose), refusals at the door,
/// and the lifecycle event a withdrawal records. The rules are `ConsentDesk`'s (Custos); SQLite's
/// `VaultStore` and PostgreSQL's `PostgresVault` implement this.
package protocol ConsentStore: Sendable {
    func consentState(of subject: String) throws -> [String: ConsentLedgerEvent]
    func consentHistory(of subject: String) throws -> [ConsentLedgerEvent]
    func consentRefusals(of subject: String) throws -> [ConsentRefusal]
    func recordConsentRefusal(_ refusal: ConsentRefusal, by actor: String) throws
    /// In one transaction; once it returns, every later decision in any process sees it.
    func appendConsentEvents(_ events: [ConsentLedgerEvent]) throws
    func recordEvent(subject: String, event: String, effective: LocalDate, at now: Instant, by actor: String) throws
}

extension VaultStore: ConsentStore {
    package func consentState(of subject: String) throws -> [String: ConsentLedgerEvent] { try vault.consentState(of: subject) }
    package func consentHistory(of subject: String) throws -> [ConsentLedgerEvent] { try vault.consentHistory(of: subject) }
    package func consentRefusals(of subject: String) throws -> [ConsentRefusal] { try vault.consentRefusals(of: subject) }
    package func recordConsentRefusal(_ refusal: ConsentRefusal, by actor: String) throws { try vault.recordConsentRefusal(refusal, by: actor) }
    package func appendConsentEvents(_ events: [ConsentLedgerEvent]) throws { try vault.appendConsentEvents(events) }
    package func recordEvent(subject: String, event: String, effective: LocalDate, at now: Instant, by actor: String) throws {
        try vault.recordEvent(subject: subject, event: event, effective: effective, at: now, by: actor)
    }
}
