import Custos

/// The human summary of `custos policy show`: what a privacy officer checks at a glance.
struct PolicySummary {
    let compiled: CompiledPolicy
    private var policy: Policy { compiled.policy }

    init(_ compiled: CompiledPolicy) { self.compiled = compiled }

    func render() -> String {
        var out = ""
        func line(_ text: String = "") { out += text + "\n" }

        line("Policy \(policy.name)")
        line("  digest      \(compiled.digest)")
        if let controller = policy.controller {
            line("  controller  \(controller.name), \(controller.address)")
            line("  contact     \(controller.contact)" + (controller.dpo.map { "; DPO \($0.name) <\($0.contact)>" } ?? ""))
            line("  counted in  \(controller.timezone), holidays \(controller.holidayCalendar)")
        }
        line()
        line("Purposes (\(policy.purposes.count))")
        for purpose in policy.purposes {
            line()
            line("  \(purpose.id)  \(purpose.title)")
            line("    subjects    \(purpose.subjects.map(\.id).joined(separator: ", "))")
            line("    basis       \(basisText(purpose))")
            if let notice = purpose.notice { line("    notice      \(notice.id)" + (purpose.consentValidity.map { "; consent valid \($0)" } ?? "")) }
            line("    fields      \(purpose.fields.map(\.id).joined(separator: ", "))")
            for condition in purpose.article9 { line("    art. 9      \(condition.field.id): \(condition.condition.rawValue)") }
            if let profiling = purpose.profiling {
                line("    profiling   " + (profiling.automatedDecision ? "automated decisions, effect \(profiling.effect.rawValue)" : "profiling only") + (purpose.dpia.map { "; DPIA \($0)" } ?? ""))
            }
            if let marketing = purpose.directMarketing { line("    marketing   direct marketing by \(marketing.channel.rawValue); objection is absolute") }
            if let compatibility = purpose.compatibleWith {
                line("    compatible  \(compatibility.purposes.map(\.id).joined(separator: ", "))" + (compatibility.assessment.map { " (\($0))" } ?? ""))
            }
            line("    retention   \(purpose.retention.flatMap { policy.retentionRule($0.id) }.map(retentionText) ?? "none")")
            line("    recipients  \(purpose.recipients.isEmpty ? "none (internal only)" : purpose.recipients.map(recipientText).joined(separator: ", "))")
            let transfers = purpose.recipients.compactMap(transferText)
            if !transfers.isEmpty { line("    transfers   \(transfers.joined(separator: "; "))") }
            line("    actors      \(purpose.actors.map { $0.map(\.id).joined(separator: ", ") } ?? "any actor")")
            var flags: [String] = []
            if purpose.legalClaims { flags.append("legal claims") }
            if purpose.statutoryRetention { flags.append("statutory archive only") }
            if purpose.mayInvolveMinors { flags.append("may involve minors") }
            if !flags.isEmpty { line("    flags       \(flags.joined(separator: ", "))") }
        }
        line()
        line("Recipients (\(policy.recipients.count))")
        for recipient in policy.recipients {
            var detail = "\(recipient.role.rawValue), \(recipient.country)"
            if let dpa = recipient.dpa { detail += ", DPA \(dpa.reference) (\(dpa.status.rawValue))" }
            line("  \(recipient.id.id.padding(toLength: 18, withPad: " ", startingAt: 0))\(recipient.name) [\(detail)]")
        }
        line()
        line("Retention rules (\(policy.retentionRules.count))")
        for rule in policy.retentionRules {
            line("  \(rule.id.id.padding(toLength: 22, withPad: " ", startingAt: 0))\(retentionText(rule))")
        }
        line()
        line("Notices (\(policy.notices.count))")
        for notice in policy.notices {
            let versions = notice.versions.map { version in
                "v\(version.version) from \(version.effective) in \(version.languages.joined(separator: "/"))\(version.materialChange ? " (material change)" : "")"
            }
            line("  \(notice.id.id.padding(toLength: 12, withPad: " ", startingAt: 0))\(notice.title): \(versions.joined(separator: ", "))")
        }
        return out
    }

    private func basisText(_ purpose: Purpose) -> String {
        func describe(_ basis: LegalBasis) -> String { "\(basis.rawValue) (\(basis.article))" }
        var text: String
        switch purpose.basis {
        case let .uniform(basis): text = describe(basis)
        case let .perSubject(entries): text = entries.map { "\($0.subject.id): \(describe($0.basis))" }.joined(separator: "; ")
        }
        if let lia = purpose.lia { text += "; LIA \(lia)" }
        if !purpose.law.isEmpty { text += "; law: \(purpose.law.joined(separator: ", "))" }
        return text
    }

    private func retentionText(_ rule: RetentionRule) -> String {
        var text = "\(rule.id): keep \(rule.keep) from \(rule.from.id)\(rule.fromYearEnd ? " (end of that financial year)" : "")"
        if let minimum = rule.minimum { text += ", minimum \(minimum)" }
        if rule.onExpiry != .delete { text += ", then \(rule.onExpiry.rawValue)" }
        return text + "; \(rule.ground)"
    }

    private func recipientText(_ ref: Ref) -> String {
        guard let recipient = policy.recipient(ref.id) else { return ref.id }
        return "\(ref.id) (\(recipient.role.rawValue), \(recipient.country))"
    }

    /// The Chapter V route to a recipient outside the EEA, or nil for an EEA recipient.
    private func transferText(_ ref: Ref) -> String? {
        guard let recipient = policy.recipient(ref.id) else { return nil }
        let data = policy.referenceData
        let instruments = recipient.transfer
        var routes: [String] = []
        if case let .fixed(country) = recipient.country {
            if data.isEEA(country) { return nil }
            if let adequacy = data.adequacyDecision(for: country) {
                routes.append("adequacy \(adequacy.decision)" + (adequacy.requires.isEmpty ? "" : " if \(adequacy.requires.joined(separator: ", "))"))
            }
        }
        if let dpf = instruments?.dpf { routes.append("DPF \(dpf.status.rawValue)" + (dpf.expires.map { " until \($0)" } ?? "")) }
        if let scc = instruments?.scc { routes.append("SCC module \(scc.module)" + (scc.tia.map { ", TIA \($0)" } ?? ", no TIA")) }
        if let bcr = instruments?.bcr { routes.append("BCR \(bcr.reference)") }
        if let derogation = instruments?.derogation {
            routes.append("derogation \(derogation.ground.rawValue)" + (derogation.occasional.map { ", at most \($0.max) per \($0.per)" } ?? ""))
        }
        return "\(ref.id) → \(recipient.country): " + (routes.isEmpty ? "EEA and adequate destinations only" : routes.joined(separator: ", "))
    }
}
