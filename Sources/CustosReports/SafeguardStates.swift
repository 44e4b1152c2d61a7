import CustosPolicy
import CustosStore

/// How the reports describe a recipient's processor and transfer safeguards on a day: with
/// the same `SafeguardHolding` the evaluator decides by, so a lapsed safeguard reads as not in
/// force, never as "active".
enum SafeguardStates {
    static func describe(_ holding: SafeguardHolding, on day: LocalDate, _ t: ReportTexts, active: String? = nil) -> String {
        switch holding {
        case .holds: active ?? t("safeguard.active")
        case let .fails(why): t("safeguard.notInForce", ["day": "\(day)", "why": reason(why, t)])
        }
    }

    /// Why it does not hold, in the report's language where its catalogue says it, else the
    /// evaluator's English (a reason only the evaluator gives, such as a sub-processor's).
    static func reason(_ why: SafeguardHolding.Why, _ t: ReportTexts) -> String {
        t.catalogued("safeguard.why.\(why.key)").map { text in LibraryWords.fill(text) { why.values[$0] } } ?? why.description
    }

    /// "active", or "active until" the day it expires.
    static func active(until expiry: LocalDate?, _ t: ReportTexts) -> String {
        expiry.map { t("safeguard.activeUntil", ["day": "\($0)"]) } ?? t("safeguard.active")
    }

    /// Each Chapter V instrument the recipient has, with its state on `day`.
    static func mechanisms(of recipient: Recipient, on day: LocalDate, reference: ReferenceData, _ t: ReportTexts) -> [String] {
        var mechanisms: [String] = []
        func tia(_ reference: String?, _ holding: SafeguardHolding) -> String {
            reference.map { t("safeguard.tia", ["tia": $0, "state": describe(holding, on: day, t)]) } ?? t("safeguard.noTIA")
        }
        if case let .fixed(country) = recipient.country, let decision = reference.adequacyDecision(for: country) {
            mechanisms.append(t("safeguard.adequacy", ["name": decision.name])
                + (decision.isInForce(on: day) ? "" : t("safeguard.adequacyLapsed", ["day": "\(day)"])))
        }
        if let dpf = recipient.transfer?.dpf {
            mechanisms.append(t("safeguard.dpf", ["state": describe(dpf.holding(on: day), on: day, t, active: active(until: dpf.expires, t))]))
        }
        if let scc = recipient.transfer?.scc {
            mechanisms.append(t("safeguard.scc", ["module": "\(scc.module)", "state": describe(scc.holding(on: day), on: day, t),
                                                  "tia": tia(scc.tia, scc.assessmentHolding(on: day))]))
        }
        if let bcr = recipient.transfer?.bcr {
            mechanisms.append(t("safeguard.bcr", ["reference": bcr.reference, "tia": tia(bcr.tia, bcr.assessmentHolding(on: day))]))
        }
        return mechanisms
    }
}
