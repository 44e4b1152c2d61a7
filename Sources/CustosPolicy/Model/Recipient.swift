/// Someone data is disclosed to: a processor, a controller, a public authority.
public struct Recipient: Sendable, Encodable {
    public var id: Ref
    /// The real identity, named on an access request (CJEU C-154/21).
    public var name: String
    public var role: RecipientRole
    public var country: RecipientCountry
    /// Fields the recipient may receive at all; nil means whatever the purpose allows.
    public var fields: [Ref]?
    public var dpa: ProcessorAgreement?
    /// Sub-processors the controller authorised (Art. 28(2)).
    public var subProcessors: [Ref]
    /// For a sub-processor: the processor that engaged it.
    public var engagedBy: Ref?
    /// For a joint controller: the Art. 26 arrangement.
    public var arrangement: String?
    /// Attributes that adequacy scopes test, e.g. `commercial-organisation`.
    public var attributes: [String]
    public var transfer: TransferInstruments?
    /// The policy names a kind of recipient ("the client who handed the claim over", "a
    /// foreign lawyer"); each share must name the actual one, which access answers name
    /// (CJEU C-154/21).
    public var namedPerDisclosure: Bool = false
    /// For a sub-processor: the controller's authorisation (Art. 28(2)).
    public var authorisation: SubProcessorAuthorisation?
    /// Third countries from which the recipient's staff reach the data remotely: each is a
    /// Chapter V transfer, checked like one to the recipient's own country.
    public var accessFrom: [String] = []
}

/// A sub-processor's authorisation as the policy states it; the officer's later records
/// (an objection, an early approval) are facts from the vault.
public struct SubProcessorAuthorisation: Sendable, Encodable {
    public var kind: AuthorisationKind
    /// Specific: the day it was given. General: the day the processor notified the controller.
    public var since: LocalDate?
    /// General only: how long the controller may object after the notification.
    public var objectionWindow: CalendarDuration?
}

public enum RecipientCountry: Sendable, Hashable, Encodable, CustomStringConvertible {
    case fixed(String)
    /// Foreign lawyers and bailiffs: the destination is given with each disclosure.
    case perDisclosure

    public var description: String {
        switch self {
        case let .fixed(code): code
        case .perDisclosure: "per-disclosure"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An Art. 28(3) processor agreement and its scope.
public struct ProcessorAgreement: Sendable, Encodable {
    public var reference: String
    public var signed: LocalDate?
    /// The last day the agreement runs; after it the processor has no agreement.
    public var expires: LocalDate?
    public var status: AgreementStatus
    public var purposes: [Ref]
    public var fields: [Ref]
}

/// Chapter V instruments available for transfers to this recipient.
public struct TransferInstruments: Sendable, Encodable {
    public var dpf: DPFCertification?
    public var scc: StandardContractualClauses?
    public var bcr: BindingCorporateRules?
    public var derogation: Derogation?

    public var isEmpty: Bool { dpf == nil && scc == nil && bcr == nil && derogation == nil }
}

public struct DPFCertification: Sendable, Encodable {
    public var status: CertificationStatus
    public var certified: LocalDate?
    /// When the DPF List was last checked for this organisation.
    public var checked: LocalDate?
    /// The annual re-certification date; after it the certification counts as lapsed.
    public var expires: LocalDate?
    public var covers: DPFCoverage
}

public struct StandardContractualClauses: Sendable, Encodable {
    /// Module of Decision (EU) 2021/914: 1 C2C, 2 C2P, 3 P2P, 4 P2C.
    public var module: Int
    public var signed: LocalDate?
    /// The last day the clauses carry transfers (a contract's end, or a transition period).
    public var expires: LocalDate?
    /// Transfer impact assessment reference; without it a transfer is denied.
    public var tia: String?
    /// The last day the assessment holds before it must be redone.
    public var tiaExpires: LocalDate?
}

public struct BindingCorporateRules: Sendable, Encodable {
    public var reference: String
    public var tia: String?
    /// The last day the assessment holds before it must be redone.
    public var tiaExpires: LocalDate?
}

public struct Derogation: Sendable, Encodable {
    public var ground: DerogationGround
    public var occasional: OccasionalLimit?
}

/// At most `max` derogation transfers for different procedures in any rolling `per`.
public struct OccasionalLimit: Sendable, Encodable {
    public var max: Int
    public var per: CalendarDuration
}
