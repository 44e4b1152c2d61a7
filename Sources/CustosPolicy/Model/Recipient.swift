/// Someone data is disclosed to: a processor, a controller, a public authority.
package struct Recipient: Sendable, Encodable {
    package var id: Ref
    /// The real identity, named on an access request (CJEU C-154/21).
    package var name: String
    package var role: RecipientRole
    package var country: RecipientCountry
    /// Fields the recipient may receive at all; nil means whatever the purpose allows.
    package var fields: [Ref]?
    package var dpa: ProcessorAgreement?
    /// Sub-processors the controller authorised (Art. 28(2)).
    package var subProcessors: [Ref]
    /// For a sub-processor: the processor that engaged it.
    package var engagedBy: Ref?
    /// For a joint controller: the Art. 26 arrangement.
    package var arrangement: String?
    /// Attributes that adequacy scopes test, e.g. `commercial-organisation`.
    package var attributes: [String]
    package var transfer: TransferInstruments?
    /// The policy names a kind of recipient ("the client who handed the claim over", "a
    /// foreign lawyer"); each share must name the actual one, which access answers name
    /// (CJEU C-154/21).
    package var namedPerDisclosure: Bool = false
    /// For a sub-processor: the controller's authorisation (Art. 28(2)).
    package var authorisation: SubProcessorAuthorisation?
    /// Third countries from which the recipient's staff reach the data remotely: each is a
    /// Chapter V transfer, checked like one to the recipient's own country.
    package var accessFrom: [String] = []
}

/// A sub-processor's authorisation as the policy states it; the officer's later records
/// (an objection, an early approval) are facts from the vault.
package struct SubProcessorAuthorisation: Sendable, Encodable {
    package var kind: AuthorisationKind
    /// Specific: the day it was given. General: the day the processor notified the controller.
    package var since: LocalDate?
    /// General only: how long the controller may object after the notification.
    package var objectionWindow: CalendarDuration?
}

package enum RecipientCountry: Sendable, Hashable, Encodable, CustomStringConvertible {
    case fixed(String)
    /// Foreign lawyers and bailiffs: the destination is given with each disclosure.
    case perDisclosure

    package var description: String {
        switch self {
        case let .fixed(code): code
        case .perDisclosure: "per-disclosure"
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An Art. 28(3) processor agreement and its scope.
package struct ProcessorAgreement: Sendable, Encodable {
    package var reference: String
    package var signed: LocalDate?
    /// The last day the agreement runs; after it the processor has no agreement.
    package var expires: LocalDate?
    package var status: AgreementStatus
    package var purposes: [Ref]
    package var fields: [Ref]
}

/// Chapter V instruments available for transfers to this recipient.
package struct TransferInstruments: Sendable, Encodable {
    package var dpf: DPFCertification?
    package var scc: StandardContractualClauses?
    package var bcr: BindingCorporateRules?
    package var derogation: Derogation?

    package var isEmpty: Bool { dpf == nil && scc == nil && bcr == nil && derogation == nil }
}

package struct DPFCertification: Sendable, Encodable {
    package var status: CertificationStatus
    package var certified: LocalDate?
    /// When the DPF List was last checked for this organisation.
    package var checked: LocalDate?
    /// The annual re-certification date; after it the certification counts as lapsed.
    package var expires: LocalDate?
    package var covers: DPFCoverage
}

package struct StandardContractualClauses: Sendable, Encodable {
    /// Module of Decision (EU) 2021/914: 1 C2C, 2 C2P, 3 P2P, 4 P2C.
    package var module: Int
    package var signed: LocalDate?
    /// The last day the clauses carry transfers (a contract's end, or a transition period).
    package var expires: LocalDate?
    /// Transfer impact assessment reference; without it a transfer is denied.
    package var tia: String?
    /// The last day the assessment holds before it must be redone.
    package var tiaExpires: LocalDate?
}

package struct BindingCorporateRules: Sendable, Encodable {
    package var reference: String
    package var tia: String?
    /// The last day the assessment holds before it must be redone.
    package var tiaExpires: LocalDate?
}

package struct Derogation: Sendable, Encodable {
    package var ground: DerogationGround
    package var occasional: OccasionalLimit?
}

/// At most `max` derogation transfers for different procedures in any rolling `per`.
package struct OccasionalLimit: Sendable, Encodable {
    package var max: Int
    package var per: CalendarDuration
}
