import Foundation
import CustosDecision
public import CustosPolicy
package import CustosStore
internal import CustosCrypto

/// A consent receipt for a data subject: the record of one purpose's consent with the field
/// names of ISO/IEC TS 27560 (gdpr.md §4.4), signed with the vault's Ed25519 key so it can be
/// verified later, whatever happened since. It names ids, notice versions and events; it holds
/// no field values.
public struct ConsentReceipt: Sendable, Codable, Equatable {
    public struct Body: Sendable, Codable, Equatable {
        public struct Controller: Sendable, Codable, Equatable { public var name, address, contact: String; public var dpo: String? }
        public struct Notice: Sendable, Codable, Equatable {
            public var id: String; public var version: Int; public var contentHash: String?; public var language: String
            enum CodingKeys: String, CodingKey { case id, version, contentHash = "content_hash", language }
        }
        public struct Purpose: Sendable, Codable, Equatable { public var id, title: String; public var dpv: [String] }
        public struct RecipientEntry: Sendable, Codable, Equatable { public var id, name, role: String }
        public struct Event: Sendable, Codable, Equatable {
            public var state: String; public var eventTime: Instant; public var recordedTime: Instant
            public var expressionBy: String; public var expressionMethod: String?; public var channel: String?; public var evidenceRef: String?
            enum CodingKeys: String, CodingKey {
                case state, eventTime = "event_time", recordedTime = "recorded_time", expressionBy = "expression_by"
                case expressionMethod = "expression_method", channel, evidenceRef = "evidence_ref"
            }
        }
        public struct Parental: Sendable, Codable, Equatable {
            public var by: String; public var verifiedVia: String
            enum CodingKeys: String, CodingKey { case by, verifiedVia = "verified_via" }
        }

        public var recordId: String
        public var schemaVersion: String
        public var piiPrincipalId: String
        public var dataController: Controller
        public var jurisdiction: String
        public var privacyNotice: Notice?
        public var purposes: [Purpose]
        public var personalData: [String]
        public var specialCategories: [String]
        public var legalBasis: String
        public var consentType: String
        public var recipients: [RecipientEntry]
        public var storageCondition: String?
        public var withdrawalMethod: String
        public var rights: [String]
        public var events: [Event]
        public var consentStatus: String
        public var validityUntil: Instant?
        public var ageAtConsent: Int?
        public var parentalAuthorisation: Parental?
        public var presentedSeparately: Bool
        public var preTicked: Bool
        public var conditionalOnService: Bool
        public var processingLocation: [String]
        public var issuedAt: Instant

        enum CodingKeys: String, CodingKey {
            case recordId = "record_id", schemaVersion = "schema_version", piiPrincipalId = "pii_principal_id"
            case dataController = "data_controller", jurisdiction, privacyNotice = "privacy_notice", purposes
            case personalData = "personal_data", specialCategories = "special_categories", legalBasis = "legal_basis"
            case consentType = "consent_type", recipients, storageCondition = "storage_condition"
            case withdrawalMethod = "withdrawal_method", rights, events, consentStatus = "consent_status"
            case validityUntil = "validity_until", ageAtConsent = "age_at_consent", parentalAuthorisation = "parental_authorisation"
            case presentedSeparately = "presented_separately", preTicked = "pre_ticked", conditionalOnService = "conditional_on_service"
            case processingLocation = "processing_location", issuedAt = "issued_at"
        }

        /// The bytes the signature covers: the body as JSON with sorted keys.
        var canonicalBytes: [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(self)).map { [UInt8]($0) } ?? []
        }
    }

    public struct Signature: Sendable, Codable, Equatable {
        public var algorithm: String
        public var publicKey: String
        public var value: String
        enum CodingKeys: String, CodingKey { case algorithm, publicKey = "public_key", value }
    }

    public var receipt: Body
    public var signature: Signature

    public enum Verification: Sendable, Equatable {
        case valid
        case signatureInvalid
        case otherVault
    }
}

extension PrivacyEngine {
    /// A signed receipt of a subject's consent for one purpose, with the history so far.
    ///
    /// ```swift
    /// let receipt = try engine.consentReceipt(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL")
    /// print(receipt.receipt.consentStatus)
    /// ```
    public func consentReceipt(subject: String, purpose purposeId: String) throws -> ConsentReceipt {
        try consentDesk.receipt(subject: subject, purpose: purposeId, signedBy: store.keyring)
    }

    /// Checks a receipt's signature against this vault's signing key.
    public func verify(_ receipt: ConsentReceipt) -> ConsentReceipt.Verification { ConsentDesk.verify(receipt, keyring: store.keyring) }
}

extension ConsentDesk {
    /// The receipt's rules, over either backend: the history and state from the consent
    /// store, signed with the keyring's key.
    package func receipt(subject: String, purpose purposeId: String, signedBy keyring: Keyring) throws -> ConsentReceipt {
        guard let purpose = policy.policy.purpose(purposeId) else { throw StoreError.unknownPurpose(purposeId) }
        let history = try consents.consentHistory(of: subject).filter { $0.purpose == purposeId }
        let current = try consents.consentState(of: subject)[purposeId]
        let given = history.last { $0.state == .given || $0.state == .renewed }
        let controller = policy.policy.controller
        let notice = given.flatMap { event in
            event.noticeId.flatMap { id in event.noticeVersion.map { ConsentReceipt.Body.Notice(id: id, version: $0, contentHash: event.noticeHash, language: event.language ?? "nl") } }
        }
        let scope = given.flatMap { event in policy.policy.notice(event.noticeId ?? "")?.versions.first { $0.version == event.noticeVersion }?.scope(of: purposeId) }
        let fields = (scope?.fields.map(\.id) ?? purpose.fields.map(\.id))
        let rule = purpose.retention.flatMap { policy.policy.retentionRule($0.id) }
        let validity = given.flatMap { event in purpose.consentValidity.map { validity in
            Instant(millisecondsSinceEpoch: Int64(policy.localDate(of: event.effectiveAt).adding(validity).daysSinceEpoch) * 86_400_000)
        } }
        var body = ConsentReceipt.Body(
            recordId: UUID().uuidString.lowercased(), schemaVersion: "custos-consent-receipt/1 (ISO/IEC TS 27560:2023)",
            piiPrincipalId: subject,
            dataController: .init(name: controller?.name ?? "", address: controller?.address ?? "", contact: controller?.contact ?? "",
                                  dpo: controller?.dpo.map { "\($0.name) <\($0.contact)>" }),
            jurisdiction: controller?.country ?? "NL", privacyNotice: notice,
            purposes: [.init(id: purposeId, title: purpose.title, dpv: purpose.dpv)],
            personalData: fields,
            specialCategories: fields.filter { policy.policy.field($0)?.specialCategory != nil },
            legalBasis: "eu-gdpr:A6-1-a", consentType: "expressed",
            recipients: (scope?.recipients.map(\.id) ?? purpose.recipients.map(\.id)).compactMap { id in
                policy.policy.recipient(id).map { .init(id: id, name: $0.name, role: $0.role.rawValue) }
            },
            storageCondition: rule.map { "\($0.keep) from \($0.from.id): \($0.ground)" },
            withdrawalMethod: "on any channel, as easily as it was given: \(controller?.contact ?? "the controller")",
            rights: ["eu-gdpr:A7-3", "eu-gdpr:A15", "eu-gdpr:A16", "eu-gdpr:A17", "eu-gdpr:A18", "eu-gdpr:A20", "eu-gdpr:A21", "complaint: Autoriteit Persoonsgegevens"],
            events: history.map { .init(state: $0.state.rawValue, eventTime: $0.effectiveAt, recordedTime: $0.recordedAt, expressionBy: $0.expressedBy.rawValue,
                                        expressionMethod: $0.method?.rawValue, channel: $0.channel, evidenceRef: $0.evidence) },
            consentStatus: current?.state.rawValue ?? "unknown", validityUntil: validity, ageAtConsent: given?.ageAtConsent,
            parentalAuthorisation: given?.parentalAuthorisation.map { .init(by: $0.by, verifiedVia: $0.verifiedVia) },
            presentedSeparately: given?.presentedSeparately ?? false, preTicked: given?.preTicked ?? false,
            conditionalOnService: given?.conditionalOnService ?? false, processingLocation: scope?.transfers ?? [],
            issuedAt: clock())
        body.processingLocation.insert(controller?.country ?? "NL", at: 0)
        let signature = keyring.sign(body.canonicalBytes)
        return ConsentReceipt(receipt: body, signature: .init(algorithm: "Ed25519", publicKey: Hex.encode(keyring.signingPublicKey), value: Hex.encode(signature)))
    }

    package static func verify(_ receipt: ConsentReceipt, keyring: Keyring) -> ConsentReceipt.Verification {
        guard receipt.signature.publicKey == Hex.encode(keyring.signingPublicKey) else { return .otherVault }
        guard receipt.signature.algorithm == "Ed25519", let signature = Hex.decode(receipt.signature.value),
              keyring.verifySignature(signature, of: receipt.receipt.canonicalBytes) else { return .signatureInvalid }
        return .valid
    }
}
