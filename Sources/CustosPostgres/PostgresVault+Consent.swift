import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
import CustosDecision

/// The consent ledger on PostgreSQL (`ConsentStore`), as on SQLite: append-only events, the
/// state in force per purpose folded in the same transaction, refusals with their codes.
extension PostgresVault: ConsentStore {
    static let consentColumns = """
        e.purpose, e.state, e.notice_id, e.notice_version, e.notice_hash, e.language, e.method, e.channel, e.evidence, e.expressed_by,
        e.parent_name, e.parent_verification, e.age_at_consent, e.presented_separately, e.pre_ticked, e.conditional_on_service,
        e.recorded_at, e.effective_at, e.recorded_by
        """

    package func consentState(of subject: String) throws -> [String: ConsentLedgerEvent] {
        try run { client, logger in
            var state: [String: ConsentLedgerEvent] = [:]
            let rows = try await client.query(PostgresQuery(unsafeSQL: """
                SELECT \(Self.consentColumns) FROM consent_state s JOIN consent_events e ON e.id = s.event_id WHERE s.subject_id = $1
                """, binds: PostgresDatabase.binds(subject)), logger: logger)
            for try await row in rows {
                let event = try Self.consentEvent(row, subject: subject)
                state[event.purpose] = event
            }
            return state
        }
    }

    package func consentHistory(of subject: String) throws -> [ConsentLedgerEvent] {
        try run { client, logger in
            var history: [ConsentLedgerEvent] = []
            let rows = try await client.query(PostgresQuery(unsafeSQL: """
                SELECT \(Self.consentColumns) FROM consent_events e WHERE e.subject_id = $1 ORDER BY e.id
                """, binds: PostgresDatabase.binds(subject)), logger: logger)
            for try await row in rows { history.append(try Self.consentEvent(row, subject: subject)) }
            return history
        }
    }

    package func consentRefusals(of subject: String) throws -> [ConsentRefusal] {
        try run { client, logger in
            var refusals: [ConsentRefusal] = []
            for try await (purpose, code, at) in try await client.query(
                "SELECT purpose, code, at FROM consent_refusals WHERE subject_id = \(subject) ORDER BY id", logger: logger).decode((String, String, Int64).self) {
                refusals.append(ConsentRefusal(subject: subject, purpose: purpose, code: ReasonCode(rawValue: code) ?? .engineError,
                                               at: Instant(millisecondsSinceEpoch: at)))
            }
            return refusals
        }
    }

    package func recordConsentRefusal(_ refusal: ConsentRefusal, by actor: String) throws {
        try run { client, logger in
            _ = try await client.query("""
                INSERT INTO consent_refusals (subject_id, purpose, code, at, recorded_by)
                VALUES (\(refusal.subject), \(refusal.purpose), \(refusal.code.rawValue), \(refusal.at.millisecondsSinceEpoch), \(actor))
                """, logger: logger)
        }
    }

    package func recordEvent(subject: String, event: String, effective: LocalDate, at now: Instant, by actor: String) throws {
        guard event == "collected" || policy.policy.lifecycleEvents.contains(where: { $0.id.id == event }) else { throw StoreError.unknownEvent(event) }
        try run { client, logger in
            let inserted = try await client.query("""
                INSERT INTO lifecycle_events (subject_id, event, effective_date, recorded_at, recorded_by)
                SELECT id, \(event), \(effective.description), \(now.millisecondsSinceEpoch), \(actor) FROM subjects WHERE id = \(subject) RETURNING 1
                """, logger: logger)
            var recorded = false
            for try await _ in inserted.decode(Int.self) { recorded = true }
            guard recorded else { throw StoreError.subjectUnknown(subject) }
        }
    }
}
