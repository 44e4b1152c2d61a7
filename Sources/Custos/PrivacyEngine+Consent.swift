import Foundation
public import CustosDecision
public import CustosPolicy
public import CustosStore

/// A consent as the officer or a web form records it: one act, possibly for several purposes,
/// stored per purpose.
public struct ConsentGrant: Sendable {
    public var subject: String
    public var purposes: [String]
    /// The notice version shown; nil means the version in force when the consent took effect.
    public var noticeVersion: Int?
    /// The language the notice was shown in (ISO 639-1): the version's own or one of its
    /// translations; nil means its own. The consent records that text's hash.
    ///
    /// ```swift
    /// ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], noticeLanguage: "en", method: .explicitClick, channel: "web-form")
    /// ```
    public var noticeLanguage: String?
    public var method: ConsentMethod
    public var channel: String
    public var evidence: String?
    public var by: ConsentGiver
    public var parentalAuthorisation: ParentalAuthorisation?
    public var ageAtConsent: Int?
    public var presentedSeparately: Bool
    public var preTicked: Bool
    public var conditionalOnService: Bool
    /// When it took effect (a paper form signed earlier); nil means now; never in the future.
    public var effective: Instant?

    public init(subject: String, purposes: [String], noticeVersion: Int? = nil, noticeLanguage: String? = nil, method: ConsentMethod, channel: String,
                evidence: String? = nil, by: ConsentGiver = .subject, parentalAuthorisation: ParentalAuthorisation? = nil,
                ageAtConsent: Int? = nil, presentedSeparately: Bool = true, preTicked: Bool = false, conditionalOnService: Bool = false,
                effective: Instant? = nil) {
        self.subject = subject
        self.purposes = purposes
        self.noticeVersion = noticeVersion
        self.noticeLanguage = noticeLanguage
        self.method = method
        self.channel = channel
        self.evidence = evidence
        self.by = by
        self.parentalAuthorisation = parentalAuthorisation
        self.ageAtConsent = ageAtConsent
        self.presentedSeparately = presentedSeparately
        self.preTicked = preTicked
        self.conditionalOnService = conditionalOnService
        self.effective = effective
    }
}

/// What happened to one purpose of a grant.
public enum ConsentOutcome: Sendable, Equatable {
    case recorded(purpose: String, state: ConsentState, notice: String)
    case refused(purpose: String, code: ReasonCode, message: String)
}

public enum ConsentError: Error, Sendable, CustomStringConvertible {
    case effectiveInFuture
    /// Before 1900: a slip of the year (0025 for 2025), refused before anything is stored.
    case effectiveTooEarly(Instant)
    /// A withdrawal said to take effect before the consent it would withdraw was given: a
    /// later consent stands (the subject's last word), so recording it would report a
    /// withdrawal that changed nothing.
    case withdrawalBeforeConsent(purpose: String, given: Instant, effective: Instant)
    /// A purpose id the policy does not declare at all: the caller's typo, refused before
    /// anything is stored (UNKNOWN_ID).
    case unknownPurpose(String, suggestion: String?)

    public var description: String {
        switch self {
        case .effectiveInFuture: "a consent or withdrawal cannot take effect in the future"
        case let .effectiveTooEarly(effective): "a consent or withdrawal cannot take effect before 1900-01-01; it says \(effective)"
        case let .withdrawalBeforeConsent(purpose, given, effective):
            "the consent to '\(purpose)' was given at \(given), after this withdrawal's \(effective), and stands: a withdrawal cannot take back a later consent; "
                + "nothing was recorded (if the subject withdraws it now, give no effective instant)"
        case let .unknownPurpose(id, suggestion):
            "[UNKNOWN_ID] purpose '\(id)' is not declared in the policy\(suggestion.map { "; did you mean '\($0)'?" } ?? ""); nothing was recorded"
        }
    }
}

extension PrivacyEngine {
    /// The consent rules over this vault's store.
    package var consentDesk: ConsentDesk { ConsentDesk(policy: policy, clock: clock, decisions: store, consents: store) }

    /// Records a consent per purpose after the checks at the door (gdpr.md §4.1): the purpose
    /// rests on consent for this subject, the notice version exists and discloses it, the act
    /// is affirmative and not a condition of a service, and someone under 16 has verified
    /// parental authorisation. A refusal is recorded with its code and changes no state.
    ///
    /// ```swift
    /// let outcomes = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"],
    ///                                                    method: .checkboxTicked, channel: "web-form", ageAtConsent: 34),
    ///                                       by: "web-portal")
    /// ```
    public func giveConsent(_ grant: ConsentGrant, by actor: String) throws -> [ConsentOutcome] {
        try consentDesk.giveConsent(grant, by: actor)
    }

    /// Throws for the first purpose id the policy does not declare at all.
    func refuseUnknownPurposes(_ purposes: [String]) throws { try consentDesk.refuseUnknownPurposes(purposes) }

    /// Withdraws consent for purposes, on any channel. When this returns the withdrawal is
    /// durable, and no decision that starts afterwards, in any process, permits on it.
    public func withdrawConsent(subject: String, purposes: [String], channel: String, evidence: String? = nil,
                                effective: Instant? = nil, by actor: String) throws {
        try consentDesk.withdrawConsent(subject: subject, purposes: purposes, channel: channel, evidence: evidence, effective: effective, by: actor)
    }

    /// The lifecycle event a withdrawal records when the policy declares it.
    public static let consentEndedEvent = ConsentDesk.consentEndedEvent

    /// What remains of an erased subject's consents: pseudonymous proofs (Art. 7(1)), kept for
    /// the policy's `consent-proof` period.
    ///
    /// ```swift
    /// let proofs = try engine.consentProofs(ofErased: "PR-1")   // [] for a subject never erased
    /// ```
    package func consentProofs(ofErased subject: String) throws -> [ConsentProof] { try store.vault.consentProofs(ofErased: subject) }

    /// The consent history and the current state per purpose.
    public func consents(for subject: String) throws -> (history: [ConsentLedgerEvent], current: [String: ConsentLedgerEvent], refusals: [ConsentRefusal]) {
        try consentDesk.consents(for: subject)
    }
}
