import Foundation
import CustosDecision
import CustosPolicy

/// One choice in the privacy preference centre: a consent to give or withdraw, or an objection
/// to direct marketing under legitimate interest (Art. 21(2), absolute and immediate).
package struct PreferenceChoice: Sendable, Equatable {
    package enum Kind: String, Sendable { case consent, directMarketingObjection = "direct-marketing-objection" }
    package var kind: Kind
    package var purpose: String
    package var title: String
    /// The title in other languages (ISO 639-1), where the policy gives one.
    package var titles: [String: String]
    package var noticeId: String?
    package var noticeVersion: Int?
    /// The notice text of the version in force, as the person is shown it: in their language
    /// where the version has it, else in the version's own.
    package var noticeText: String?
    /// The language of `noticeText` (ISO 639-1), which a consent given on it records.
    package var noticeLanguage: String?
    /// Consent given (and not withdrawn or expired), or objection recorded.
    package var active: Bool
}

extension PublicDoor {
    /// Every consent-based purpose that can concern the subject (by any of their categories),
    /// with the notice in force and the current choice, then the direct-marketing purposes on
    /// legitimate interest they can object to. Notice texts are in `language` where the policy
    /// has it, else in each version's own.
    package func preferenceChoices(subject: String, language: String? = nil) throws -> [PreferenceChoice] {
        let categories = try categories(of: subject)
        let current = try store.consentState(of: subject)
        let objections = try store.objections(of: subject).map(\.objection)
        let today = policy.localDate(of: clock())
        var consents: [PreferenceChoice] = [], objectable: [PreferenceChoice] = []
        for purpose in policy.policy.purposes {
            switch purpose.basis(forAnyOf: categories) {
            case .consent?:
                let notice = purpose.notice.flatMap { policy.policy.notice($0.id) }
                let version = notice?.version(inForceOn: today)
                let shown = version?.text(for: language)
                let state = current[purpose.id.id]?.state
                consents.append(PreferenceChoice(
                    kind: .consent, purpose: purpose.id.id, title: purpose.title, titles: purpose.titles, noticeId: notice?.id.id, noticeVersion: version?.version,
                    noticeText: shown?.content, noticeLanguage: shown?.language,
                    active: state == .given || state == .renewed))
            case .legitimateInterest? where purpose.directMarketing != nil:
                let objected = objections.contains { $0.kind == .directMarketing && ($0.purpose == nil || $0.purpose == purpose.id.id) }
                objectable.append(PreferenceChoice(kind: .directMarketingObjection, purpose: purpose.id.id, title: purpose.title, titles: purpose.titles,
                                                   noticeId: nil, noticeVersion: nil, noticeText: nil, noticeLanguage: nil, active: objected))
            default: continue
            }
        }
        return consents + objectable
    }

    /// Gives or withdraws one consent from the preference centre: channel `web-form`, the
    /// notice version and language shown, and an evidence reference that names no address.
    /// Returns the refusal's message when consent cannot be recorded (an age the purpose needs,
    /// or a language the version has no text in).
    package func setPreference(subject: String, purpose: String, give: Bool, noticeVersion: Int?, noticeLanguage: String? = nil,
                               evidence: String, actor: String) throws -> String? {
        guard try preferenceChoices(subject: subject).contains(where: { $0.purpose == purpose && $0.kind == .consent }) else {
            throw ConsentError.unknownPurpose(purpose, suggestion: nil)
        }
        if give {
            let outcomes = try engine.giveConsent(ConsentGrant(subject: subject, purposes: [purpose], noticeVersion: noticeVersion, noticeLanguage: noticeLanguage, method: .explicitClick,
                                                        channel: "web-form", evidence: evidence), by: actor)
            for case let .refused(_, code, message) in outcomes { return "[\(code.rawValue)] \(message)" }
            return nil
        }
        try engine.withdrawConsent(subject: subject, purposes: [purpose], channel: "web-form", evidence: evidence, effective: nil, by: actor)
        return nil
    }

    /// Records an objection to direct marketing under a purpose: it takes effect at once.
    package func objectToDirectMarketing(subject: String, purpose: String) throws {
        guard try preferenceChoices(subject: subject).contains(where: { $0.purpose == purpose && $0.kind == .directMarketingObjection }) else {
            throw ConsentError.unknownPurpose(purpose, suggestion: nil)
        }
        _ = try engine.recordObjection(subject: subject, purpose: purpose, kind: .directMarketing, effective: nil)
    }
}
