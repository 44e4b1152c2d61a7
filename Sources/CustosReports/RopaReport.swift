import CustosPolicy

/// The Art. 30(1) record of processing activities, from the policy alone (gdpr.md §11): the
/// controller and DPO, every purpose with its basis, subjects, data, recipients, retention and
/// assessments, recipients by category and by name, third-country transfers with their
/// safeguards, retention per rule, and the technical and organisational measures.
package enum RopaReport {
    package static func build(_ context: ReportContext) -> ReportDocument {
        let policy = context.policy.policy
        let controller = policy.controller
        var sections: [ReportSection] = []

        sections.append(ReportSection(id: "controller", title: "Controller and data protection officer (Art. 30(1)(a))", tables: [
            ReportTable(id: "controller", caption: "Controller", columns: ["Item", "Value"], rows: [
                ["Name", controller?.name ?? "not declared"],
                ["Address", controller?.address ?? ""],
                ["Contact", controller?.contact ?? ""],
                ["Data protection officer", controller?.dpo.map { "\($0.name), \($0.contact)" } ?? "none declared"],
                ["Country", controller?.country ?? ""],
                ["Registrations", controller?.registrations.joined(separator: "; ") ?? ""],
            ]),
        ]))

        var purposeTables = [ReportTable(id: "purposes", caption: "Overview", columns: ["Purpose", "Title", "Legal basis", "Retention"],
                                         rows: policy.purposes.map { purpose in
                                             [purpose.id.id, purpose.title, purpose.allBases.map(\.rawValue).joined(separator: ", "), purpose.retention?.id ?? "none"]
                                         })]
        for purpose in policy.purposes {
            let bases = purpose.subjects.map { subject in "\(subject.id): \(purpose.basis(for: subject.id).map { "\($0.rawValue) (\($0.article))" } ?? "none")" }
            let dataCategories = Array(Set(purpose.fields.compactMap { policy.field($0.id)?.category })).sorted()
            var assessments: [String] = []
            if let lia = purpose.lia { assessments.append("LIA \(lia)") }
            if let dpia = purpose.dpia { assessments.append("DPIA \(dpia)") }
            if let compatibility = purpose.compatibleWith { assessments.append("compatibility \(compatibility.assessment ?? "?") with \(compatibility.purposes.map(\.id).joined(separator: ", "))") }
            var rows = [
                ["Description", purpose.description ?? ""],
                ["Legal basis per subject category", bases.joined(separator: "; ")],
                ["Law", purpose.law.joined(separator: "; ")],
                ["Categories of data subjects", purpose.subjects.map(\.id).joined(separator: ", ")],
                ["Categories of personal data", dataCategories.joined(separator: ", ")],
                ["Fields", purpose.fields.map(\.id).joined(separator: ", ")],
                ["Recipients", purpose.recipients.map { policy.recipient($0.id)?.name ?? $0.id }.joined(separator: "; ")],
                ["Retention", purpose.retention.map { ruleId in policy.retentionRule(ruleId.id).map { "\(ruleId.id): \($0.keep) from \($0.from.id)" } ?? ruleId.id } ?? "none"],
                ["Assessments", assessments.joined(separator: "; ")],
            ]
            if let profiling = purpose.profiling {
                rows.append(["Profiling", "\(profiling.automatedDecision ? "automated decisions" : "no automated decisions"), effect \(profiling.effect.rawValue)\(profiling.logic.map { "; logic: \($0)" } ?? "")"])
            }
            purposeTables.append(ReportTable(id: "purpose-\(purpose.id.id)", caption: "\(purpose.id.id): \(purpose.title)", columns: ["Item", "Value"],
                                             rows: rows.filter { !$0[1].isEmpty }))
        }
        sections.append(ReportSection(id: "purposes", title: "Purposes of the processing (Art. 30(1)(b))", tables: purposeTables))

        let subjectRows = policy.subjectCategories.map { category -> [String] in
            let fields = Set(policy.purposes.filter { $0.subjects.contains { $0.id == category.id.id } }.flatMap { $0.fields.map(\.id) })
            return [category.id.id, category.title, policy.fields.filter { fields.contains($0.id.id) }.map(\.id.id).joined(separator: ", ")]
        }
        let fieldRows = policy.fields.map { field -> [String] in
            var flags: [String] = []
            if let special = field.specialCategory { flags.append("special category (\(special.rawValue))") }
            if field.criminal { flags.append("criminal-offence data") }
            if field.nationalId { flags.append("national id") }
            if field.derived { flags.append("derived") }
            if field.providedBySubject { flags.append("provided by the subject") }
            if field.mayContainThirdPartyData { flags.append("may contain third-party data") }
            let used = policy.purposes.filter { $0.fields.contains { $0.id == field.id.id } }.map(\.id.id)
            return [field.id.id, field.title, field.category ?? "", flags.joined(separator: "; "), used.isEmpty ? "in no purpose: not processed" : used.joined(separator: ", ")]
        }
        sections.append(ReportSection(id: "categories", title: "Categories of data subjects and personal data (Art. 30(1)(c))", tables: [
            ReportTable(id: "subject-categories", caption: "Categories of data subjects", columns: ["Category", "Title", "Fields processed"], rows: subjectRows),
            ReportTable(id: "fields", caption: "Personal data", columns: ["Field", "Title", "Category", "Flags", "Purposes"], rows: fieldRows),
        ]))

        // Safeguards as the evaluator judges them on the day the record is drawn up: a lapsed
        // one says so, never "active".
        let today = context.policy.localDate(of: context.generatedAt)
        let roleOrder: [RecipientRole] = [.processor, .subProcessor, .controller, .jointController, .publicAuthority]
        let recipientRows = roleOrder.flatMap { role in
            policy.recipients.filter { $0.role == role }.map { recipient -> [String] in
                let purposes = policy.purposes.filter { $0.recipients.contains { $0.id == recipient.id.id } }.map(\.id.id)
                let agreement = recipient.dpa.map { "DPA \($0.reference) (\(SafeguardStates.describe($0.holding(on: today), on: today, active: $0.expires.map { "active until \($0)" } ?? "active")))" } ?? recipient.arrangement ?? ""
                return [role.rawValue, recipient.id.id, recipient.name, recipient.country.description, agreement,
                        recipient.engagedBy.map { "engaged by \($0.id)" } ?? "", purposes.joined(separator: ", ")]
            }
        }
        sections.append(ReportSection(id: "recipients", title: "Recipients, by category and by name (Art. 30(1)(d))", tables: [
            ReportTable(id: "recipients", caption: "Recipients", columns: ["Category", "Recipient", "Name", "Country", "Agreement", "Engaged by", "Purposes"],
                        rows: recipientRows),
        ]))

        let reference = policy.referenceData
        let transferRows = policy.recipients.compactMap { recipient -> [String]? in
            // Remote access from a third country is a transfer too (EDPB 05/2021).
            let outside: Bool
            switch recipient.country {
            case let .fixed(country): outside = !reference.isEEA(country) || recipient.accessFrom.contains { !reference.isEEA($0) }
            case .perDisclosure: outside = true
            }
            guard outside else { return nil }
            let mechanisms = SafeguardStates.mechanisms(of: recipient, on: today, reference: reference)
            var derogation = ""
            if let found = recipient.transfer?.derogation {
                derogation = "Art. 49(1)(\(found.ground.rawValue.split(separator: "-").last ?? "?"))" +
                    (found.occasional.map { ", occasional: at most \($0.max) per \($0.per)" } ?? "")
            }
            let remote = recipient.accessFrom.filter { !reference.isEEA($0) }
            let country = recipient.country.description + (remote.isEmpty ? "" : " (remote access from \(remote.joined(separator: ", ")))")
            return [recipient.id.id, recipient.name, country, mechanisms.isEmpty ? "none declared" : mechanisms.joined(separator: "; "), derogation]
        }
        sections.append(ReportSection(id: "transfers", title: "Transfers to third countries (Art. 30(1)(e))",
                                      notes: transferRows.isEmpty ? ["The policy declares no recipient outside the EEA."] : [],
                                      tables: [ReportTable(id: "transfers", caption: "Third-country recipients and their safeguards",
                                                           columns: ["Recipient", "Name", "Country", "Safeguard", "Art. 49 documentation"], rows: transferRows)]))

        var retentionRows = policy.retentionRules.map { rule -> [String] in
            let purposes = policy.purposes.filter { $0.retention?.id == rule.id.id }.map(\.id.id)
            return [rule.id.id, "\(rule.keep) from \(rule.from.id)\(rule.fromYearEnd ? " (end of that year)" : "")",
                    rule.minimum.map { "\($0) (\(rule.minimumGround ?? rule.ground))" } ?? "", rule.ground, rule.onExpiry.rawValue, purposes.joined(separator: ", ")]
        }
        if let log = policy.decisionLog { retentionRows.append(["decision-log", "\(log.keep) from each entry", "", log.ground, "delete", "the decision log"]) }
        if let proof = policy.consentProof { retentionRows.append(["consent-proof", "\(proof.keep) from the erasure", "", proof.ground, "delete", "consent proofs of erased subjects"]) }
        sections.append(ReportSection(id: "retention", title: "Time limits for erasure (Art. 30(1)(f))", tables: [
            ReportTable(id: "retention", caption: "Retention rules", columns: ["Rule", "Period", "Statutory minimum", "Ground", "On expiry", "Purposes"], rows: retentionRows),
        ]))
        sections.append(ReportSection(id: "measures", title: "Technical and organisational measures (Art. 30(1)(g), 32(1))",
                                      notes: [controller?.measures ?? "not declared"]))
        sections.append(ReportSection(id: "processor", title: "Processing as a processor (Art. 30(2))",
                                      notes: ["The policy declares no processing carried out on behalf of other controllers, so there is no Art. 30(2) record."]))
        return context.document("ropa", "Record of processing activities", sections)
    }
}
