import CustosPolicy

extension Evaluation {
    /// Step 1: the purpose, subject and fields exist; erased fields are gone.
    mutating func resolve() {
        if purposeId == nil {
            blockAll(.purposeNotDeclared, "purpose '\(request.purpose)' is not declared in the policy")
        }
        if let subject = facts.subject {
            if subject.id != request.subject {
                blockAll(.subjectUnknown, "the facts describe subject '\(subject.id)', not '\(request.subject)'")
            } else if subjectId == nil {
                blockAll(.subjectUnknown, "subject category '\(subject.category)' is not declared in the policy")
            }
        } else {
            blockAll(.subjectUnknown, "subject '\(request.subject)' is unknown")
        }
        if fieldNames.isEmpty {
            blockAll(.dataCategoryNotInPurpose, "the request names no fields")
        }
        for index in fieldNames.indices where request.action != .erase {
            if facts.erasedFields.contains(fieldNames[index]) {
                block(field: index, .fieldErased, "field '\(fieldNames[index])' was erased")
            } else if let provenance = provenanceIndex(of: index), let kept = facts.fields[provenance].keptFor, !kept.contains(request.purpose) {
                block(field: index, .fieldErased, "field '\(fieldNames[index])' was erased except for \(kept.joined(separator: ", "))")
            }
        }
    }

    /// Step 2: special-category, criminal and national-id data need a condition or a law.
    mutating func prohibitedData() {
        for (index, id) in fieldIds.enumerated() {
            guard let id else { continue }
            let flags = policy.fieldFlags[id]
            let name = fieldNames[index]
            if flags.specialCategory {
                if let rules, let condition = rules.purpose.article9.first(where: { $0.field.id == name })?.condition {
                    if condition == .legalClaims {
                        inform(.specialCategoryLegalClaims, "special-category field '\(name)' is used for legal claims (Art. 9(2)(f))", field: index)
                    }
                } else {
                    block(field: index, .specialCategoryNoCondition, "field '\(name)' is special-category data and purpose '\(request.purpose)' has no Art. 9(2) condition for it")
                }
            }
            if flags.criminal, !(rules?.authorisedFields.contains(id) ?? false) {
                block(field: index, .criminalDataNotAuthorised, "field '\(name)' is criminal-offence data and no law authorises it for '\(request.purpose)'")
            }
            if flags.nationalId, !(rules?.authorisedFields.contains(id) ?? false) {
                block(field: index, .nationalIdNotPermitted, "field '\(name)' is a national identification number and no law prescribes its use for '\(request.purpose)'")
            }
        }
    }

    /// Step 3: the purpose covers the subject's category, the fields and the actor; data
    /// collected for another purpose needs Art. 6(4) compatibility.
    mutating func purposeAndFields(purposeId: Int, subjectId: Int) {
        guard let rules else { return }
        if !rules.subjects.contains(subjectId) {
            blockAll(.purposeNotDeclared, "purpose '\(request.purpose)' does not cover subjects of category '\(policy.subjects.name(subjectId))'")
        }
        // Erasing what a purpose does not hold (a BSN that should never have been stored) is
        // always allowed; every other action stays inside the purpose's fields.
        for (index, id) in fieldIds.enumerated() where request.action != .erase && (id.map({ !rules.fields.contains($0) }) ?? true) {
            let known = id != nil ? "is not among the fields of purpose '\(request.purpose)'" : "is not declared in the policy"
            block(field: index, .dataCategoryNotInPurpose, "field '\(fieldNames[index])' \(known)")
        }
        if let actors = rules.actors, !(policy.actors.id(request.actor).map { actors.contains($0) } ?? false) {
            blockAll(.actorNotAuthorised, "actor '\(request.actor)' may not use purpose '\(request.purpose)'")
        }
        let exempt = rules.usesConsent || rules.usesLegalObligation
        guard !exempt, !facts.fields.isEmpty else { return }
        for index in fieldNames.indices {
            guard let provenance = provenanceIndex(of: index),
                  let sources = facts.fields[provenance].collectedFor, !sources.isEmpty, !sources.contains(request.purpose) else { continue }
            let compatible = sources.contains { source in policy.purposes.id(source).map { rules.compatibleWith.contains($0) } ?? false }
            if !compatible {
                block(field: index, .purposeIncompatible, "field '\(fieldNames[index])' was collected for \(sources.joined(separator: ", ")), which purpose '\(request.purpose)' is not assessed as compatible with")
            }
        }
    }

    /// Where the facts keep the provenance of a requested field (found in place: copying the
    /// provenance would retain its lists).
    func provenanceIndex(of index: Int) -> Int? {
        facts.fields.firstIndex { $0.field == fieldNames[index] }
    }
}
