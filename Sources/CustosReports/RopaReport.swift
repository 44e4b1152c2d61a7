import CustosPolicy

/// The Art. 30(1) record of processing activities, from the policy alone (gdpr.md §11): the
/// controller and DPO, every purpose with its basis, subjects, data, recipients, retention and
/// assessments, recipients by category and by name, third-country transfers with their
/// safeguards, retention per rule, and the technical and organisational measures.
package enum RopaReport {
    package static func build(_ context: ReportContext) -> ReportDocument {
        let policy = context.policy.policy, t = context.texts
        let controller = policy.controller
        let items = [t("column.item"), t("column.value")]
        var sections: [ReportSection] = []

        sections.append(ReportSection(id: "controller", title: t("ropa.controllerSection"), tables: [
            ReportTable(id: "controller", caption: t("ropa.controller"), columns: items, rows: [
                [t("ropa.name"), controller?.name ?? t("value.notDeclared")],
                [t("ropa.address"), controller?.address ?? ""],
                [t("ropa.contact"), controller?.contact ?? ""],
                [t("ropa.dpo"), controller?.dpo.map { "\($0.name), \($0.contact)" } ?? t("value.noneDeclared")],
                [t("ropa.country"), controller?.country ?? ""],
                [t("ropa.registrations"), controller?.registrations.joined(separator: "; ") ?? ""],
            ], isItemTable: true),
        ]))

        let none = t("value.none")
        var purposeTables = [ReportTable(id: "purposes", caption: t("ropa.overview"),
                                         columns: [t("column.purpose"), t("column.title"), t("column.legalBasis"), t("column.retention")],
                                         rows: policy.purposes.map { purpose in
                                             [purpose.id.id, purpose.title(in: t.language), purpose.allBases.map(\.rawValue).joined(separator: ", "), purpose.retention?.id ?? none]
                                         })]
        for purpose in policy.purposes {
            let bases = purpose.subjects.map { subject in "\(subject.id): \(purpose.basis(for: subject.id).map { "\($0.rawValue) (\($0.article))" } ?? none)" }
            let dataCategories = Array(Set(purpose.fields.compactMap { policy.field($0.id)?.category })).sorted()
            var assessments: [String] = []
            if let lia = purpose.lia { assessments.append(t("ropa.lia", ["lia": lia])) }
            if let dpia = purpose.dpia { assessments.append(t("ropa.dpia", ["dpia": dpia])) }
            if let compatibility = purpose.compatibleWith {
                assessments.append(t("ropa.compatibility", ["assessment": compatibility.assessment ?? "?", "purposes": compatibility.purposes.map(\.id).joined(separator: ", ")]))
            }
            var rows = [
                [t("ropa.description"), purpose.description ?? ""],
                [t("ropa.basisPerCategory"), bases.joined(separator: "; ")],
                [t("ropa.law"), purpose.law.joined(separator: "; ")],
                [t("ropa.subjectCategories"), purpose.subjects.map(\.id).joined(separator: ", ")],
                [t("ropa.dataCategories"), dataCategories.joined(separator: ", ")],
                [t("ropa.fields"), purpose.fields.map(\.id).joined(separator: ", ")],
                [t("ropa.recipients"), purpose.recipients.map { policy.recipient($0.id)?.name ?? $0.id }.joined(separator: "; ")],
                [t("ropa.retention"), purpose.retention.map { ruleId in
                    policy.retentionRule(ruleId.id).map { t("ropa.retentionRule", ["rule": ruleId.id, "keep": t.duration($0.keep), "from": $0.from.id]) } ?? ruleId.id
                } ?? none],
                [t("ropa.assessments"), assessments.joined(separator: "; ")],
            ]
            if let profiling = purpose.profiling {
                rows.append([t("ropa.profiling"), t(profiling.automatedDecision ? "ropa.automated" : "ropa.notAutomated", ["effect": profiling.effect.rawValue])
                    + (profiling.logic.map { t("ropa.logic", ["logic": $0]) } ?? "")])
            }
            purposeTables.append(ReportTable(id: "purpose-\(purpose.id.id)", caption: "\(purpose.id.id): \(purpose.title(in: t.language))", columns: items,
                                             rows: rows.filter { !$0[1].isEmpty }, isItemTable: true))
        }
        sections.append(ReportSection(id: "purposes", title: t("ropa.purposes"), tables: purposeTables))

        let subjectRows = policy.subjectCategories.map { category -> [String] in
            let fields = Set(policy.purposes.filter { $0.subjects.contains { $0.id == category.id.id } }.flatMap { $0.fields.map(\.id) })
            return [category.id.id, category.title(in: t.language), policy.fields.filter { fields.contains($0.id.id) }.map(\.id.id).joined(separator: ", ")]
        }
        let fieldRows = policy.fields.map { field -> [String] in
            var flags: [String] = []
            if let special = field.specialCategory { flags.append(t("ropa.flag.special", ["kind": special.rawValue])) }
            if field.criminal { flags.append(t("ropa.flag.criminal")) }
            if field.nationalId { flags.append(t("ropa.flag.nationalId")) }
            if field.derived { flags.append(t("ropa.flag.derived")) }
            if field.providedBySubject { flags.append(t("ropa.flag.providedBySubject")) }
            if field.mayContainThirdPartyData { flags.append(t("ropa.flag.thirdPartyData")) }
            let used = policy.purposes.filter { $0.fields.contains { $0.id == field.id.id } }.map(\.id.id)
            return [field.id.id, field.title(in: t.language), field.category ?? "", flags.joined(separator: "; "), used.isEmpty ? t("ropa.notProcessed") : used.joined(separator: ", ")]
        }
        sections.append(ReportSection(id: "categories", title: t("ropa.categories"), tables: [
            ReportTable(id: "subject-categories", caption: t("ropa.subjectCategoriesCaption"),
                        columns: [t("column.category"), t("column.title"), t("column.fieldsProcessed")], rows: subjectRows),
            ReportTable(id: "fields", caption: t("ropa.personalData"),
                        columns: [t("column.field"), t("column.title"), t("column.category"), t("column.flags"), t("column.purposes")], rows: fieldRows),
        ]))

        // Safeguards as the evaluator judges them on the day the record is drawn up: a lapsed
        // one says so, never "active".
        let today = context.policy.localDate(of: context.generatedAt)
        let roleOrder: [RecipientRole] = [.processor, .subProcessor, .controller, .jointController, .publicAuthority]
        let recipientRows = roleOrder.flatMap { role in
            policy.recipients.filter { $0.role == role }.map { recipient -> [String] in
                let purposes = policy.purposes.filter { $0.recipients.contains { $0.id == recipient.id.id } }.map(\.id.id)
                let agreement = recipient.dpa.map { dpa in
                    t("ropa.dpa", ["reference": dpa.reference,
                                   "state": SafeguardStates.describe(dpa.holding(on: today), on: today, t, active: SafeguardStates.active(until: dpa.expires, t))])
                } ?? recipient.arrangement ?? ""
                return [role.rawValue, recipient.id.id, recipient.name, recipient.country.description, agreement,
                        recipient.engagedBy.map { t("ropa.engagedBy", ["by": $0.id]) } ?? "", purposes.joined(separator: ", ")]
            }
        }
        sections.append(ReportSection(id: "recipients", title: t("ropa.recipientsSection"), tables: [
            ReportTable(id: "recipients", caption: t("ropa.recipientsCaption"),
                        columns: [t("column.category"), t("column.recipient"), t("column.name"), t("column.country"), t("column.agreement"), t("column.engagedBy"),
                                  t("column.purposes")],
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
            let mechanisms = SafeguardStates.mechanisms(of: recipient, on: today, reference: reference, t)
            var derogation = ""
            if let found = recipient.transfer?.derogation {
                derogation = "Art. 49(1)(\(found.ground.rawValue.split(separator: "-").last ?? "?"))" +
                    (found.occasional.map { t("ropa.occasional", ["max": "\($0.max)", "per": t.duration($0.per)]) } ?? "")
            }
            let remote = recipient.accessFrom.filter { !reference.isEEA($0) }
            let country = recipient.country.description + (remote.isEmpty ? "" : t("ropa.remoteAccess", ["countries": remote.joined(separator: ", ")]))
            return [recipient.id.id, recipient.name, country, mechanisms.isEmpty ? t("value.noneDeclared") : mechanisms.joined(separator: "; "), derogation]
        }
        sections.append(ReportSection(id: "transfers", title: t("ropa.transfers"),
                                      notes: transferRows.isEmpty ? [t("ropa.noTransfers")] : [],
                                      tables: [ReportTable(id: "transfers", caption: t("ropa.transfersCaption"),
                                                           columns: [t("column.recipient"), t("column.name"), t("column.country"), t("column.safeguard"),
                                                                     t("column.art49")], rows: transferRows)]))

        var retentionRows = policy.retentionRules.map { rule -> [String] in
            let purposes = policy.purposes.filter { $0.retention?.id == rule.id.id }.map(\.id.id)
            return [rule.id.id, t("ropa.keepFrom", ["keep": t.duration(rule.keep), "from": rule.from.id]) + (rule.fromYearEnd ? t("ropa.yearEnd") : ""),
                    rule.minimum.map { "\(t.duration($0)) (\(rule.minimumGround ?? rule.ground))" } ?? "", rule.ground, rule.onExpiry.rawValue, purposes.joined(separator: ", ")]
        }
        if let log = policy.decisionLog {
            retentionRows.append(["decision-log", t("ropa.keepFromEntry", ["keep": t.duration(log.keep)]), "", log.ground, "delete", t("ropa.theLog")])
        }
        if let proof = policy.consentProof {
            retentionRows.append(["consent-proof", t("ropa.keepFromErasure", ["keep": t.duration(proof.keep)]), "", proof.ground, "delete", t("ropa.consentProofs")])
        }
        sections.append(ReportSection(id: "retention", title: t("ropa.retentionSection"), tables: [
            ReportTable(id: "retention", caption: t("ropa.retentionCaption"),
                        columns: [t("column.rule"), t("column.period"), t("column.minimum"), t("column.ground"), t("column.onExpiry"), t("column.purposes")],
                        rows: retentionRows),
        ]))
        sections.append(ReportSection(id: "measures", title: t("ropa.measures"), notes: [controller?.measures ?? t("value.notDeclared")]))
        sections.append(ReportSection(id: "processor", title: t("ropa.processor"), notes: [t("ropa.noProcessorRecord")]))
        return context.document("ropa", t("ropa.title"), sections)
    }
}
