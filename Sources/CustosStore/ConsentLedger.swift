import Foundation
internal import GRDB
public import CustosPolicy
public import CustosDecision

/// One event of the consent ledger as stored: who expressed what, about which purpose, under
/// which notice version, how, and when it was recorded and took effect.
public struct ConsentLedgerEvent: Sendable, Hashable, Codable {
    public var id: Int64
    public var subject: String
    public var purpose: String
    public var state: ConsentState
    public var noticeId: String?
    public var noticeVersion: Int?
    public var noticeHash: String?
    public var language: String?
    public var method: ConsentMethod?
    public var channel: String?
    public var evidence: String?
    public var expressedBy: ConsentGiver
    public var parentalAuthorisation: ParentalAuthorisation?
    public var ageAtConsent: Int?
    public var presentedSeparately: Bool
    public var preTicked: Bool
    public var conditionalOnService: Bool
    /// When the engine recorded it.
    public var recordedAt: Instant
    /// When it took effect; never after `recordedAt` for a withdrawal, never in the future.
    public var effectiveAt: Instant
    public var recordedBy: String

    package init(subject: String, purpose: String, state: ConsentState, noticeId: String? = nil, noticeVersion: Int? = nil,
                noticeHash: String? = nil, language: String? = nil, method: ConsentMethod? = nil, channel: String? = nil,
                evidence: String? = nil, expressedBy: ConsentGiver = .subject, parentalAuthorisation: ParentalAuthorisation? = nil,
                ageAtConsent: Int? = nil, presentedSeparately: Bool = true, preTicked: Bool = false, conditionalOnService: Bool = false,
                recordedAt: Instant, effectiveAt: Instant, recordedBy: String) {
        id = 0
        self.subject = subject
        self.purpose = purpose
        self.state = state
        self.noticeId = noticeId
        self.noticeVersion = noticeVersion
        self.noticeHash = noticeHash
        self.language = language
        self.method = method
        self.channel = channel
        self.evidence = evidence
        self.expressedBy = expressedBy
        self.parentalAuthorisation = parentalAuthorisation
        self.ageAtConsent = ageAtConsent
        self.presentedSeparately = presentedSeparately
        self.preTicked = preTicked
        self.conditionalOnService = conditionalOnService
        self.recordedAt = recordedAt
        self.effectiveAt = effectiveAt
        self.recordedBy = recordedBy
    }

    init(row: Row) {
        id = row["id"]
        subject = row["subject_id"]
        purpose = row["purpose"]
        state = ConsentState(rawValue: row["state"]) ?? .invalidated
        noticeId = row["notice_id"]
        noticeVersion = row["notice_version"]
        noticeHash = row["notice_hash"]
        language = row["language"]
        method = (row["method"] as String?).flatMap(ConsentMethod.init(rawValue:))
        channel = row["channel"]
        evidence = row["evidence"]
        expressedBy = ConsentGiver(rawValue: row["expressed_by"]) ?? .subject
        let parentName: String? = row["parent_name"], verification: String? = row["parent_verification"]
        parentalAuthorisation = parentName.map { ParentalAuthorisation(by: $0, verifiedVia: verification ?? "") }
        ageAtConsent = row["age_at_consent"]
        presentedSeparately = row["presented_separately"]
        preTicked = row["pre_ticked"]
        conditionalOnService = row["conditional_on_service"]
        recordedAt = Instant(millisecondsSinceEpoch: row["recorded_at"])
        effectiveAt = Instant(millisecondsSinceEpoch: row["effective_at"])
        recordedBy = row["recorded_by"]
    }

    /// The event as the evaluator sees it.
    public var decisionEvent: ConsentEvent {
        ConsentEvent(state: state, at: effectiveAt, method: method, channel: channel, by: expressedBy, preTicked: preTicked,
                     conditionalOnService: conditionalOnService, parentalAuthorisation: parentalAuthorisation, evidence: evidence,
                     ageAtConsent: ageAtConsent)
    }

    public var noticeReference: String? { noticeId.flatMap { id in noticeVersion.map { "\(id)@\($0)" } } }
}

/// A consent attempt refused at the door, recorded with its code (no personal data).
public struct ConsentRefusal: Sendable, Hashable, Codable {
    public var subject: String
    public var purpose: String
    public var code: ReasonCode
    public var at: Instant

    package init(subject: String, purpose: String, code: ReasonCode, at: Instant) {
        self.subject = subject
        self.purpose = purpose
        self.code = code
        self.at = at
    }
}

extension Vault {
    /// Appends consent events, one per purpose, in one transaction, and folds each into the
    /// current-state table. The transaction is durable when this returns, so every decision
    /// that starts afterwards, in any process, sees the new state.
    package func appendConsentEvents(_ events: [ConsentLedgerEvent]) throws {
        try pool.write { db in
            for event in events {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM subjects WHERE id = ?", arguments: [event.subject]) == true else {
                    throw StoreError.subjectUnknown(event.subject)
                }
                try db.execute(sql: """
                INSERT INTO consent_events (subject_id, purpose, state, notice_id, notice_version, notice_hash, language, method, channel,
                  evidence, expressed_by, parent_name, parent_verification, age_at_consent, presented_separately, pre_ticked,
                  conditional_on_service, recorded_at, effective_at, recorded_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [event.subject, event.purpose, event.state.rawValue, event.noticeId, event.noticeVersion, event.noticeHash,
                                 event.language, event.method?.rawValue, event.channel, event.evidence, event.expressedBy.rawValue,
                                 event.parentalAuthorisation?.by, event.parentalAuthorisation?.verifiedVia, event.ageAtConsent,
                                 event.presentedSeparately, event.preTicked, event.conditionalOnService,
                                 event.recordedAt.millisecondsSinceEpoch, event.effectiveAt.millisecondsSinceEpoch, event.recordedBy])
                try Self.fold(db, subject: event.subject, purpose: event.purpose)
            }
        }
    }

    /// The current state of a purpose is its latest event by effective time (then by order of
    /// recording), so a paper form signed last week and entered today sorts where it belongs.
    static func fold(_ db: Database, subject: String, purpose: String) throws {
        try db.execute(sql: """
        INSERT INTO consent_state (subject_id, purpose, event_id)
        SELECT subject_id, purpose, id FROM consent_events WHERE subject_id = ? AND purpose = ?
        ORDER BY effective_at DESC, id DESC LIMIT 1
        ON CONFLICT (subject_id, purpose) DO UPDATE SET event_id = excluded.event_id
        """, arguments: [subject, purpose])
    }

    package func recordConsentRefusal(_ refusal: ConsentRefusal, by actor: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO consent_refusals (subject_id, purpose, code, at, recorded_by) VALUES (?, ?, ?, ?, ?)",
                           arguments: [refusal.subject, refusal.purpose, refusal.code.rawValue, refusal.at.millisecondsSinceEpoch, actor])
        }
    }

    package func consentRefusals(of subject: String) throws -> [ConsentRefusal] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT purpose, code, at FROM consent_refusals WHERE subject_id = ? ORDER BY id", arguments: [subject]).map { row in
                ConsentRefusal(subject: subject, purpose: row["purpose"], code: ReasonCode(rawValue: row["code"]) ?? .engineError,
                               at: Instant(millisecondsSinceEpoch: row["at"]))
            }
        }
    }

    /// Every consent event of a subject, in order of recording.
    package func consentHistory(of subject: String) throws -> [ConsentLedgerEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM consent_events WHERE subject_id = ? ORDER BY id", arguments: [subject]).map(ConsentLedgerEvent.init(row:))
        }
    }

    /// The folded current state per purpose: one lookup each.
    package func consentState(of subject: String) throws -> [String: ConsentLedgerEvent] {
        try pool.read { db in try Self.currentConsents(db, subject: subject) }
    }

    static func currentConsents(_ db: Database, subject: String) throws -> [String: ConsentLedgerEvent] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
        SELECT e.* FROM consent_state s JOIN consent_events e ON e.id = s.event_id WHERE s.subject_id = ?
        """), arguments: [subject])
        return Dictionary(uniqueKeysWithValues: rows.map { row in let event = ConsentLedgerEvent(row: row); return (event.purpose, event) })
    }
}
