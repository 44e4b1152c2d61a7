import CustosPolicy

/// How the reports describe a recipient's processor and transfer safeguards on a day: with
/// the same `SafeguardHolding` the evaluator decides by, so a lapsed safeguard reads as not in
/// force, never as "active".
enum SafeguardStates {
    static func describe(_ holding: SafeguardHolding, on day: LocalDate, active: String = "active") -> String {
        switch holding {
        case .holds: active
        case let .fails(why): "NOT IN FORCE on \(day): \(why)"
        }
    }

    /// Each Chapter V instrument the recipient has, with its state on `day`.
    static func mechanisms(of recipient: Recipient, on day: LocalDate, reference: ReferenceData) -> [String] {
        var mechanisms: [String] = []
        if case let .fixed(country) = recipient.country, let decision = reference.adequacyDecision(for: country) {
            mechanisms.append("adequacy decision: \(decision.name)" + (decision.isInForce(on: day) ? "" : " (NOT IN FORCE on \(day))"))
        }
        if let dpf = recipient.transfer?.dpf {
            mechanisms.append("EU-US DPF (\(describe(dpf.holding(on: day), on: day, active: dpf.expires.map { "active until \($0)" } ?? "active")))")
        }
        if let scc = recipient.transfer?.scc {
            mechanisms.append("SCC module \(scc.module) (\(describe(scc.holding(on: day), on: day))), "
                + (scc.tia.map { "TIA \($0) (\(describe(scc.assessmentHolding(on: day), on: day)))" } ?? "no TIA"))
        }
        if let bcr = recipient.transfer?.bcr {
            mechanisms.append("BCR \(bcr.reference), " + (bcr.tia.map { "TIA \($0) (\(describe(bcr.assessmentHolding(on: day), on: day)))" } ?? "no TIA"))
        }
        return mechanisms
    }
}
