/// When each processor and transfer safeguard holds (gdpr.md §10, §12). One answer for the
/// evaluator, the reports and `policy check`, so that a report never calls "active" what the
/// evaluator refuses on the same day.
///
/// ```swift
/// if let dpa = recipient.dpa, dpa.holds(on: today) { … }
/// for deadline in policy.safeguardDeadlines where deadline.lapses < today.adding(days: 90) { … }
/// ```
package enum SafeguardHolding: Sendable, Equatable {
    case holds
    /// Not in force on the date: not yet, lapsed, terminated or withdrawn; says why.
    case fails(Why)

    package var holds: Bool { self == .holds }

    /// Why a safeguard does not hold: the English the evaluator's explanations and the CLI
    /// say (`description`), and the same as a key with its values, so that a report in
    /// another language says it in its own words (`safeguard.why.KEY`).
    package struct Why: Sendable, Equatable, CustomStringConvertible {
        package let key: String
        package let values: [String: String]
        package let description: String

        init(_ key: String, _ description: String, _ values: [String: String] = [:]) {
            self.key = key
            self.values = values
            self.description = description
        }

        /// The instrument's own status says it is not in force (`terminated`, `withdrawn`, …).
        static func status(_ status: String) -> Why { Why("status.\(status)", status) }
        static func notSigned(until day: LocalDate) -> Why { Why("notSignedUntil", "not signed until \(day)", ["day": "\(day)"]) }
        static func notCertified(until day: LocalDate) -> Why { Why("notCertifiedUntil", "not certified until \(day)", ["day": "\(day)"]) }
        static func lapsed(after day: LocalDate) -> Why { Why("lapsedAfter", "lapsed after \(day)", ["day": "\(day)"]) }
        static let noAssessment = Why("noTIA", "no transfer impact assessment")
        static func assessmentLapsed(after day: LocalDate) -> Why { Why("tiaLapsedAfter", "assessment lapsed after \(day)", ["day": "\(day)"]) }
        package static func objected(recordedFor instant: Instant) -> Why {
            Why("objected", "the controller objected (recorded for \(instant))", ["at": "\(instant)"])
        }
        package static func authorisationWithdrawn(recordedFor instant: Instant) -> Why {
            Why("authorisationWithdrawn", "the authorisation was withdrawn (recorded for \(instant))", ["at": "\(instant)"])
        }
        package static let noAuthorisation = Why("noAuthorisation", "no authorisation is recorded")
        package static func authorised(from day: LocalDate) -> Why { Why("authorisedFrom", "authorised only from \(day)", ["day": "\(day)"]) }
        package static let noObjectionWindow = Why("noObjectionWindow", "a general authorisation without an objection window")
        package static func objectionWindow(notifiedOn day: LocalDate, runsUntil end: LocalDate) -> Why {
            Why("objectionWindow", "the objection window after the notification of \(day) runs until \(end)", ["day": "\(day)", "end": "\(end)"])
        }
    }
}

extension ProcessorAgreement {
    /// Active, signed by the date when a signing date is given, and not past its last day.
    package func holding(on date: LocalDate) -> SafeguardHolding {
        SafeguardHolding.dated(status: status == .active ? nil : status.rawValue, from: signed.map { (day: $0, notYet: .notSigned(until: $0)) }, until: expires, on: date)
    }
}

extension DPFCertification {
    /// Active, certified by the date, and not past its re-certification date.
    package func holding(on date: LocalDate) -> SafeguardHolding {
        SafeguardHolding.dated(status: status == .active ? nil : status.rawValue, from: certified.map { (day: $0, notYet: .notCertified(until: $0)) }, until: expires, on: date)
    }
}

extension SafeguardHolding {
    /// A dated instrument: not in an inactive `status`, in force from `from` (with what to say
    /// before that day), up to and including `until`.
    static func dated(status: String?, from: (day: LocalDate, notYet: Why)?, until: LocalDate?, on date: LocalDate) -> SafeguardHolding {
        if let status { return .fails(.status(status)) }
        if let from, date < from.day { return .fails(from.notYet) }
        if let until, until < date { return .fails(.lapsed(after: until)) }
        return .holds
    }
}

extension StandardContractualClauses {
    /// The clauses themselves, whatever their assessment.
    package func holding(on date: LocalDate) -> SafeguardHolding {
        if let expires, expires < date { return .fails(.lapsed(after: expires)) }
        return .holds
    }

    /// The transfer impact assessment that must accompany them.
    package func assessmentHolding(on date: LocalDate) -> SafeguardHolding {
        TransferImpactAssessment.holding(tia, expires: tiaExpires, on: date)
    }
}

extension BindingCorporateRules {
    package func assessmentHolding(on date: LocalDate) -> SafeguardHolding {
        TransferImpactAssessment.holding(tia, expires: tiaExpires, on: date)
    }
}

enum TransferImpactAssessment {
    static func holding(_ reference: String?, expires: LocalDate?, on date: LocalDate) -> SafeguardHolding {
        guard reference != nil else { return .fails(.noAssessment) }
        if let expires, expires < date { return .fails(.assessmentLapsed(after: expires)) }
        return .holds
    }
}

/// The last day a safeguard holds, for `policy check`'s warnings.
struct SafeguardDeadline: Sendable {
    /// What lapses, e.g. "the DPA DPA-7 of 'R-MAILER'".
    var what: String
    var lastDay: LocalDate
    var location: SourceLocation
}

extension Policy {
    /// Every dated safeguard the policy relies on: adequacy decisions for the countries its
    /// recipients sit in, DPF certifications, processor agreements, SCCs and assessments.
    var safeguardDeadlines: [SafeguardDeadline] {
        var deadlines: [SafeguardDeadline] = []
        for recipient in recipients {
            let name = "'\(recipient.id.id)'"
            let at = recipient.id.location
            if case let .fixed(country) = recipient.country, let adequacy = referenceData.adequacyDecision(for: country), let until = adequacy.validUntil {
                deadlines.append(SafeguardDeadline(what: "the adequacy decision for \(country) (\(adequacy.decision)) that \(name) relies on", lastDay: until, location: at))
            }
            if let dpa = recipient.dpa, dpa.status == .active, let expires = dpa.expires {
                deadlines.append(SafeguardDeadline(what: "the DPA \(dpa.reference) with \(name)", lastDay: expires, location: at))
            }
            guard let transfer = recipient.transfer else { continue }
            if let dpf = transfer.dpf, dpf.status == .active, let expires = dpf.expires {
                deadlines.append(SafeguardDeadline(what: "the DPF certification of \(name)", lastDay: expires, location: at))
            }
            if let scc = transfer.scc {
                if let expires = scc.expires {
                    deadlines.append(SafeguardDeadline(what: "the SCC (module \(scc.module)) with \(name)", lastDay: expires, location: at))
                }
                if let tia = scc.tia, let expires = scc.tiaExpires {
                    deadlines.append(SafeguardDeadline(what: "the TIA \(tia) for the SCC with \(name)", lastDay: expires, location: at))
                }
            }
            if let bcr = transfer.bcr, let tia = bcr.tia, let expires = bcr.tiaExpires {
                deadlines.append(SafeguardDeadline(what: "the TIA \(tia) for the BCR of \(name)", lastDay: expires, location: at))
            }
        }
        return deadlines
    }
}
