import CustosPolicy

extension Evaluation {
    /// Step 1: the purpose, subject and fields exist; erased fields are gone.
    mutating func resolve() {
        if request.fields.count > DecisionRequest.maximumFields {
            blockAll(.engineError, "the request names \(request.fields.count) fields; at most \(DecisionRequest.maximumFields) are allowed")
        }
        if purposeId == nil {
            blockAll(.purposeNotDeclared, "purpose '\(request.purpose)' is not declared in the policy")
        }
        unknownIds()
        if let subject = facts.subject {
            if subject.id != request.subject {
                blockAll(.subjectUnknown, "the facts describe subject '\(subject.id)', not '\(request.subject)'")
            } else if subjectId == nil {
                let undeclared = subject.categories.first { policy.subjects.id($0) == nil } ?? ""
                blockAll(.subjectUnknown, subject.categories.isEmpty ? "the subject has no category" : "subject category '\(undeclared)' is not declared in the policy")
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

    /// UNKNOWN_ID beside the legal refusal, for each id the policy does not declare at all,
    /// with the nearest declared one: a calling service can tell its typo from a refusal.
    mutating func unknownIds() {
        func hint(_ id: String, in interner: Interner) -> String {
            closestMatch(to: id, in: interner.names).map { " (did you mean '\($0)'?)" } ?? ""
        }
        var parts: [String] = []
        if purposeId == nil { parts.append("purpose '\(request.purpose)'\(hint(request.purpose, in: policy.purposes))") }
        if actorId == nil { parts.append("actor '\(request.actor)'\(hint(request.actor, in: policy.actors))") }
        if request.action == .share, let recipient = request.recipient, recipientId == nil {
            parts.append("recipient '\(recipient)'\(hint(recipient, in: policy.recipients))")
        }
        let wholeRequest = !parts.isEmpty
        // Nearly every request names only declared fields: nothing to collect, nothing to word.
        if !wholeRequest, fieldIds.allDeclared { return }
        let unknown = (0..<fieldIds.count).filter { fieldIds[$0] == nil }
        parts += unknown.prefix(5).map { "field '\(fieldNames[$0])'\(hint(fieldNames[$0], in: policy.fields))" }
        if unknown.count > 5 { parts.append("\(unknown.count - 5) more fields") }
        guard !parts.isEmpty else { return }
        let explanation = Explanation("not declared in the policy: \(parts.joined(separator: ", "))")
        if wholeRequest {
            inform(.unknownId, explanation)
        } else {
            for index in unknown { inform(.unknownId, explanation, field: index) }
        }
    }

    /// Step 2: special-category, criminal and national-id data need a condition or a law.
    mutating func prohibitedData() {
        // By index: `enumerated()` copied the ids out, on every decision.
        for index in 0..<fieldIds.count {
            guard let id = fieldIds[index] else { continue }
            let flags = policy.fieldFlags[id]
            let name = fieldNames[index]
            if flags.specialCategory {
                if let rules, let condition = rules.article9Conditions[id] {
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
            let categories = facts.subject?.categories ?? []
            blockAll(.purposeNotDeclared, categories.count > 1
                ? "purpose '\(request.purpose)' covers none of the subject's categories (\(categories.map { "'\($0)'" }.joined(separator: ", ")))"
                : "purpose '\(request.purpose)' does not cover subjects of category '\(policy.subjects.name(subjectId))'")
        }
        // Erasing what a purpose does not hold (a BSN that should never have been stored) is
        // always allowed; every other action stays inside the purpose's fields.
        for index in 0..<fieldIds.count where request.action != .erase && (fieldIds[index].map({ !rules.fields.contains($0) }) ?? true) {
            let known = fieldIds[index] != nil ? "is not among the fields of purpose '\(request.purpose)'" : "is not declared in the policy"
            block(field: index, .dataCategoryNotInPurpose, "field '\(fieldNames[index])' \(known)")
        }
        if let actors = rules.actors, !(actorId.map { actors.contains($0) } ?? false) {
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

    /// Where the facts keep the provenance of a requested field (an index, not the provenance:
    /// copying it would retain its lists), as found once when the evaluation began.
    func provenanceIndex(of index: Int) -> Int? { storedPositions[index] }
}
