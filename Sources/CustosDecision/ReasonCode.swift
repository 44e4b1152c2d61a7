/// The reason codes of gdpr.md §16 that decisions use, in no particular order; a decision
/// lists them in pipeline order. A blocking code denies what it applies to; an informational
/// one explains a permit.
public enum ReasonCode: String, Sendable, Hashable, Codable, CaseIterable {
    // Allow / info
    case allowLegalBasis = "ALLOW_LEGAL_BASIS"
    case minimisationFieldsFiltered = "MINIMISATION_FIELDS_FILTERED"
    case intraEEA = "INTRA_EEA"
    case transferAdequacy = "TRANSFER_ADEQUACY"
    case transferDPF = "TRANSFER_DPF"
    case transferSCC = "TRANSFER_SCC"
    case transferBCR = "TRANSFER_BCR"
    case transferDerogationLegalClaims = "TRANSFER_DEROGATION_LEGAL_CLAIMS"
    case retentionLegalHold = "RETENTION_LEGAL_HOLD"
    case restrictionExceptionLegalClaims = "RESTRICTION_EXCEPTION_LEGAL_CLAIMS"
    case specialCategoryLegalClaims = "SPECIAL_CATEGORY_LEGAL_CLAIMS"
    case objectionOverriddenLegalClaims = "OBJECTION_OVERRIDDEN_LEGAL_CLAIMS"
    case processorUnderArt28 = "PROCESSOR_UNDER_ART28"
    case admHumanReview = "ADM_HUMAN_REVIEW"
    /// A solely automated decision taken under the purpose's Art. 22(2) exception (project
    /// addition, docs/decisions.md).
    case admException = "ADM_EXCEPTION"
    case softOptIn = "SOFT_OPT_IN"
    case suppressionAllowed = "SUPPRESSION_ALLOWED"
    // Engine and subject
    case subjectUnknown = "SUBJECT_UNKNOWN"
    case actorNotAuthorised = "ACTOR_NOT_AUTHORISED"
    case fieldErased = "FIELD_ERASED"
    case fieldUnreadable = "FIELD_UNREADABLE"
    case engineError = "ENGINE_ERROR"
    // Purpose and basis
    case purposeNotDeclared = "PURPOSE_NOT_DECLARED"
    case purposeIncompatible = "PURPOSE_INCOMPATIBLE"
    case dataCategoryNotInPurpose = "DATA_CATEGORY_NOT_IN_PURPOSE"
    case noLegalBasis = "NO_LEGAL_BASIS"
    // Consent
    case consentMissing = "CONSENT_MISSING"
    case consentRefused = "CONSENT_REFUSED"
    case consentWithdrawn = "CONSENT_WITHDRAWN"
    case consentExpired = "CONSENT_EXPIRED"
    case consentNoticeVersionMismatch = "CONSENT_NOTICE_VERSION_MISMATCH"
    case consentInvalidNotAffirmative = "CONSENT_INVALID_NOT_AFFIRMATIVE"
    case consentNotFreelyGiven = "CONSENT_NOT_FREELY_GIVEN"
    case consentUnprovable = "CONSENT_UNPROVABLE"
    case consentUnderage = "CONSENT_UNDERAGE"
    // Objection
    case objectionDirectMarketing = "OBJECTION_DIRECT_MARKETING"
    case objectionNoCompellingGrounds = "OBJECTION_NO_COMPELLING_GROUNDS"
    // Prohibited data
    case specialCategoryNoCondition = "SPECIAL_CATEGORY_NO_CONDITION"
    case criminalDataNotAuthorised = "CRIMINAL_DATA_NOT_AUTHORISED"
    case nationalIdNotPermitted = "NATIONAL_ID_NOT_PERMITTED"
    // Retention and restriction
    case retentionExpired = "RETENTION_EXPIRED"
    case restrictedStorageOnly = "RESTRICTED_STORAGE_ONLY"
    // Recipients
    case recipientNotDeclared = "RECIPIENT_NOT_DECLARED"
    case processorAgreementMissing = "PROCESSOR_AGREEMENT_MISSING"
    case processorScopeExceeded = "PROCESSOR_SCOPE_EXCEEDED"
    case subprocessorNotAuthorised = "SUBPROCESSOR_NOT_AUTHORISED"
    // Transfers
    case transferNoMechanism = "TRANSFER_NO_MECHANISM"
    case transferDPFNotCertified = "TRANSFER_DPF_NOT_CERTIFIED"
    case transferAdequacyOutOfScope = "TRANSFER_ADEQUACY_OUT_OF_SCOPE"
    case transferAdequacyNotInForce = "TRANSFER_ADEQUACY_NOT_IN_FORCE"
    case transferTIAMissing = "TRANSFER_TIA_MISSING"
    case transferDerogationNotOccasional = "TRANSFER_DEROGATION_NOT_OCCASIONAL"
    case transferDerogationNoProceeding = "TRANSFER_DEROGATION_NO_PROCEEDING"
    case art48ForeignOrderNotBasis = "ART48_FOREIGN_ORDER_NOT_BASIS"
    // ADM and marketing
    case admSolelyAutomatedNoException = "ADM_SOLELY_AUTOMATED_NO_EXCEPTION"
    /// A `decide` request that does not say what effect its decision has, under a purpose
    /// that declares no automated decisions (project addition; gdpr.md §9: fail closed).
    case admEffectNotStated = "ADM_EFFECT_NOT_STATED"
    case marketingElectronicNoOptIn = "MARKETING_ELECTRONIC_NO_OPT_IN"
    case cookieConsentRequired = "COOKIE_CONSENT_REQUIRED"
    // Rights requests (gdpr.md §16)
    case dsarRequesterNotAuthorised = "DSAR_REQUESTER_NOT_AUTHORISED"
    case dsarIdentityUnverified = "DSAR_IDENTITY_UNVERIFIED"
    case dsarManifestlyExcessive = "DSAR_MANIFESTLY_EXCESSIVE"
    case dsarDeadline = "DSAR_DEADLINE"
    case dsarExtended = "DSAR_EXTENDED"
    case dsarExtensionLate = "DSAR_EXTENSION_LATE"
    case dsarOverdue = "DSAR_OVERDUE"
    case portabilityBasisNotEligible = "PORTABILITY_BASIS_NOT_ELIGIBLE"
    // Consent refused at the door (project addition, docs/decisions.md)
    case consentNotTheBasis = "CONSENT_NOT_THE_BASIS"
    // Erasure outcomes (action `erase`)
    case erasurePartialLegalObligation = "ERASURE_PARTIAL_LEGAL_OBLIGATION"
    case erasurePartialLegalClaims = "ERASURE_PARTIAL_LEGAL_CLAIMS"
    case erasureFull = "ERASURE_FULL"
    /// A portability export left out data that is held but not within Art. 20(1).
    case portabilityProvidedDataOnly = "PORTABILITY_PROVIDED_DATA_ONLY"
    // The caller's mistake (project addition, docs/decisions.md): an id the policy does not
    // declare at all. It never decides; it accompanies the legal code that does.
    case unknownId = "UNKNOWN_ID"
    /// A share or a communication before the subject was given the Art. 14 information about
    /// data obtained from others: permitted with `inform-subject-first` (project addition,
    /// docs/decisions.md).
    case informationNotYetGiven = "INFORMATION_NOT_YET_GIVEN"

    /// Whether the code denies what it applies to.
    public var isBlocking: Bool {
        switch self {
        case .allowLegalBasis, .minimisationFieldsFiltered, .intraEEA, .transferAdequacy, .transferDPF, .transferSCC,
             .transferBCR, .transferDerogationLegalClaims, .retentionLegalHold, .restrictionExceptionLegalClaims,
             .specialCategoryLegalClaims, .objectionOverriddenLegalClaims, .processorUnderArt28, .admHumanReview, .admException, .softOptIn,
             .suppressionAllowed, .unknownId, .informationNotYetGiven:
            false
        default:
            true
        }
    }

    /// The index of the code in `allCases`, for tables indexed by code. A case without a
    /// payload is stored as its index in declaration order, which is `allCases`' order; a test
    /// holds the two equal for every code.
    public var position: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

    /// The provision the code rests on.
    public var article: String {
        switch self {
        case .allowLegalBasis: "Art. 6(1)"
        case .minimisationFieldsFiltered: "Art. 5(1)(c)"
        case .intraEEA: "Art. 44"
        case .transferAdequacy: "Art. 45(3)"
        case .transferDPF: "Art. 45(3); Decision (EU) 2023/1795"
        case .transferSCC: "Art. 46(2)(c)"
        case .transferBCR: "Art. 46(2)(b), 47"
        case .transferDerogationLegalClaims: "Art. 49(1)(e)"
        case .retentionLegalHold: "Art. 17(3)(e)"
        case .restrictionExceptionLegalClaims: "Art. 18(2)"
        case .specialCategoryLegalClaims: "Art. 9(2)(f)"
        case .objectionOverriddenLegalClaims: "Art. 21(1)"
        case .processorUnderArt28: "Art. 28"
        case .admHumanReview: "Art. 22(3)"
        case .admException: "Art. 22(2)"
        case .softOptIn: "Tw Art. 11.7(3)"
        case .suppressionAllowed: "Art. 21(3)"
        case .subjectUnknown: "Art. 4(1)"
        case .actorNotAuthorised: "Art. 5(1)(f), 32"
        case .fieldErased: "Art. 17"
        case .fieldUnreadable: "Art. 5(1)(f)"
        case .engineError: "Art. 5(2)"
        case .purposeNotDeclared: "Art. 5(1)(b)"
        case .purposeIncompatible: "Art. 6(4)"
        case .dataCategoryNotInPurpose: "Art. 5(1)(c)"
        case .noLegalBasis: "Art. 6(1)"
        case .consentMissing: "Art. 6(1)(a)"
        case .consentRefused: "Art. 6(1)(a)"
        case .consentWithdrawn: "Art. 7(3)"
        case .consentExpired: "Art. 7; EDPB 05/2020 §5.2"
        case .consentNoticeVersionMismatch: "Art. 4(11), 7(2)"
        case .consentInvalidNotAffirmative: "Art. 4(11); Recital 32"
        case .consentNotFreelyGiven: "Art. 7(4)"
        case .consentUnprovable: "Art. 7(1)"
        case .consentUnderage: "Art. 8; UAVG Art. 5"
        case .objectionDirectMarketing: "Art. 21(2)-(3)"
        case .objectionNoCompellingGrounds: "Art. 21(1)"
        case .specialCategoryNoCondition: "Art. 9(1)"
        case .criminalDataNotAuthorised: "Art. 10"
        case .nationalIdNotPermitted: "Art. 87; UAVG Art. 46"
        case .retentionExpired: "Art. 5(1)(e)"
        case .restrictedStorageOnly: "Art. 18(2)"
        case .recipientNotDeclared: "Art. 13(1)(e), 14(1)(e)"
        case .processorAgreementMissing: "Art. 28(3)"
        case .processorScopeExceeded: "Art. 28(3)(a), 29"
        case .subprocessorNotAuthorised: "Art. 28(2)"
        case .transferNoMechanism: "Art. 44"
        case .transferDPFNotCertified: "Art. 45; Decision (EU) 2023/1795"
        case .transferAdequacyOutOfScope: "Art. 45"
        case .transferAdequacyNotInForce: "Art. 45"
        case .transferTIAMissing: "Art. 46; CJEU C-311/18"
        case .transferDerogationNotOccasional: "Art. 49(1); Recital 111"
        case .transferDerogationNoProceeding: "Art. 49(1)(e)"
        case .art48ForeignOrderNotBasis: "Art. 48"
        case .admSolelyAutomatedNoException: "Art. 22(1)"
        case .admEffectNotStated: "Art. 22(1)"
        case .marketingElectronicNoOptIn: "Tw Art. 11.7(1)"
        case .cookieConsentRequired: "Tw Art. 11.7a"
        case .consentNotTheBasis: "Art. 6(1); EDPB 05/2020 §121-123"
        case .dsarRequesterNotAuthorised: "Art. 12(6); EDPB 01/2022"
        case .dsarIdentityUnverified: "Art. 12(2), 12(6); Recital 64"
        case .dsarManifestlyExcessive: "Art. 12(5)"
        case .dsarDeadline: "Art. 12(3)"
        case .dsarExtended: "Art. 12(3)"
        case .dsarExtensionLate: "Art. 12(3)"
        case .dsarOverdue: "Art. 12(3)"
        case .portabilityBasisNotEligible: "Art. 20(1)"
        case .erasurePartialLegalObligation: "Art. 17(3)(b)"
        case .erasurePartialLegalClaims: "Art. 17(3)(e)"
        case .erasureFull: "Art. 17(1)"
        case .portabilityProvidedDataOnly: "Art. 20(1)"
        case .unknownId: "none: the request names an id the policy does not declare"
        case .informationNotYetGiven: "Art. 14(3)"
        }
    }
}
