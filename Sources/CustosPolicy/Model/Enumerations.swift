/// Enumerated policy values, spelled in kebab-case in YAML.
package protocol PolicyEnumeration: RawRepresentable, CaseIterable, Sendable, Hashable, Codable
where RawValue == String {}

/// Art. 6(1) legal bases.
public enum LegalBasis: String, PolicyEnumeration {
    case consent
    case contract
    case legalObligation = "legal-obligation"
    case vitalInterest = "vital-interest"
    case publicTask = "public-task"
    case legitimateInterest = "legitimate-interest"

    /// The GDPR article the basis rests on, for reports and decisions.
    public var article: String {
        switch self {
        case .consent: "Art. 6(1)(a)"
        case .contract: "Art. 6(1)(b)"
        case .legalObligation: "Art. 6(1)(c)"
        case .vitalInterest: "Art. 6(1)(d)"
        case .publicTask: "Art. 6(1)(e)"
        case .legitimateInterest: "Art. 6(1)(f)"
        }
    }
}

/// Art. 9(1) special categories of personal data.
package enum SpecialCategory: String, PolicyEnumeration {
    case racialOrEthnicOrigin = "racial-or-ethnic-origin"
    case politicalOpinions = "political-opinions"
    case religiousOrPhilosophicalBeliefs = "religious-or-philosophical-beliefs"
    case tradeUnionMembership = "trade-union-membership"
    case genetic
    case biometric
    case health
    case sexLifeOrOrientation = "sex-life-or-orientation"
}

/// Art. 9(2) conditions that lift the prohibition on special categories.
package enum Article9Condition: String, PolicyEnumeration {
    case explicitConsent = "explicit-consent"                      // 9(2)(a)
    case employmentSocialSecurity = "employment-social-security"   // 9(2)(b)
    case vitalInterests = "vital-interests"                        // 9(2)(c)
    case notForProfit = "not-for-profit"                           // 9(2)(d)
    case madePublic = "made-public"                                // 9(2)(e)
    case legalClaims = "legal-claims"                              // 9(2)(f)
    case substantialPublicInterest = "substantial-public-interest" // 9(2)(g)
    case healthCare = "health-care"                                // 9(2)(h)
    case publicHealth = "public-health"                            // 9(2)(i)
    case archivingResearch = "archiving-research"                  // 9(2)(j)
}

/// Recipient roles (Art. 4(7)-(9), 26, 28).
package enum RecipientRole: String, PolicyEnumeration {
    case processor
    case subProcessor = "sub-processor"
    case controller
    case jointController = "joint-controller"
    case publicAuthority = "public-authority"
}

/// The effect of an automated decision (Art. 22(1)).
public enum DecisionEffect: String, PolicyEnumeration {
    case none
    case legal
    case similarlySignificant = "similarly-significant"
}

/// The Art. 22(2) exception under which a purpose's solely automated decisions with legal or
/// similarly significant effect may be taken without a human review.
package enum AutomatedDecisionException: String, PolicyEnumeration {
    /// 22(2)(a): necessary for a contract between the subject and this controller.
    case contract
    /// 22(2)(b): authorised by Union or member-state law, named in `law`.
    case law
    /// 22(2)(c): the subject's explicit consent to the purpose.
    case explicitConsent = "explicit-consent"
}

/// Channels of direct marketing; e-mail and SMS fall under Tw Art. 11.7.
package enum MarketingChannel: String, PolicyEnumeration {
    case email, sms, post, phone
}

/// What happens to data when its retention ends.
package enum RetentionAction: String, PolicyEnumeration {
    case delete
    case anonymise
}

/// Art. 49 derogations.
package enum DerogationGround: String, PolicyEnumeration {
    case explicitConsent = "art-49-1-a"
    case contractWithSubject = "art-49-1-b"
    case contractInSubjectInterest = "art-49-1-c"
    case publicInterest = "art-49-1-d"
    case legalClaims = "art-49-1-e"
    case vitalInterests = "art-49-1-f"
    case publicRegister = "art-49-1-g"
    case compellingLegitimateInterests = "art-49-2"

    /// Recital 111: these grounds cover occasional transfers only.
    package var isOccasionalOnly: Bool {
        self == .contractWithSubject || self == .contractInSubjectInterest || self == .legalClaims
    }
}

/// Status of a Data Privacy Framework self-certification on the DPF List.
package enum CertificationStatus: String, PolicyEnumeration {
    case active, lapsed, withdrawn
}

/// How the controller authorised a sub-processor (Art. 28(2)).
package enum AuthorisationKind: String, PolicyEnumeration {
    /// Named and approved by the controller.
    case specific
    /// Under a general written authorisation: the processor notified the controller, who may
    /// object within a window.
    case general
}

/// The officer's record of a sub-processor authorisation (the vault's, not the policy's).
public enum AuthorisationState: String, PolicyEnumeration {
    case authorised, objected, withdrawn
}

/// Status of a processor agreement.
package enum AgreementStatus: String, PolicyEnumeration {
    case active, terminated
}

/// Data types a DPF certification covers.
package enum DPFCoverage: String, PolicyEnumeration {
    case hr, nonHR = "non-hr", both
}

/// Which values a blind index normalises, for finding a subject without decrypting.
public enum BlindIndexKind: String, PolicyEnumeration {
    case email, phone, iban
}

/// What cookies or similar device storage a purpose uses (Tw Art. 11.7a).
package enum CookieUse: String, PolicyEnumeration {
    /// Needed to deliver the service the user asked for: no consent needed.
    case strictlyNecessary = "strictly-necessary"
    /// First-party statistics with little privacy impact: exempt (Tw 11.7a(3)).
    case firstPartyAnalytics = "first-party-analytics"
    /// Advertising, profiling or third-party tracking: always needs consent.
    case tracking
}

/// Whether an actor is a calling service or a person.
package enum ActorKind: String, PolicyEnumeration {
    case service, person
}
