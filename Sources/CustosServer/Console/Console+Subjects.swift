import Foundation
import Hummingbird
import Custos
import CustosStore
import CustosPolicy

/// A subject: metadata, consents, objections, restrictions, holds, disclosures by recipient,
/// the access trail and the requests; never a field value unless the officer opens it, and
/// opening is a gated read under the rights-administration purpose, logged like any other.
extension Console {
    /// The subject finder: by id, or by e-mail, phone or IBAN through the blind index. Posted,
    /// so that an address never stands in a URL.
    func findSubject(_ visit: Visit, request: Request) async throws -> Response {
        page("subjects", visit, title: pages.text("nav.subjects", visit.language), here: "/console/subjects",
             values: ["csrf": csrf(visit, "find"), "kinds": BlindIndexKind.allCases.map { ["value": $0.rawValue, "label": pages.text("find.\($0.rawValue)", visit.language)] }])
    }

    func lookUp(_ visit: Visit, form: FormBody) async throws -> Response {
        let office = self.office
        let value = (form["value"] ?? "").trimmingCharacters(in: .whitespaces)
        let kind = form["kind"] ?? "id"
        // The form offers the id and the blind-indexed kinds, and asks for a value.
        guard !value.isEmpty, kind == "id" || BlindIndexKind(rawValue: kind) != nil else {
            return outcome(visit, heading: pages.text("refused", visit.language), lines: [pages.text("page.badForm.text", visit.language)],
                           back: ("/console/subjects", pages.text("nav.subjects", visit.language)), refused: true)
        }
        let found: [String] = try await call {
            guard let blind = BlindIndexKind(rawValue: kind) else { return try office.overview.dossier(of: value) == nil ? [] : [value] }
            return try office.service.findSubjects(matching: value, kind: blind)
        }
        var values: [String: Any] = ["csrf": csrf(visit, "find"), "searched": true, "found": found.map { ["id": $0, "href": "/console/subjects/\($0)"] },
                                     "none": found.isEmpty]
        values["kinds"] = BlindIndexKind.allCases.map { ["value": $0.rawValue, "label": pages.text("find.\($0.rawValue)", visit.language)] }
        return page("subjects", visit, title: pages.text("nav.subjects", visit.language), here: "/console/subjects", values: values)
    }

    func subjectPage(_ visit: Visit, id: String, opened: GatedResult?) async throws -> Response {
        let office = self.office
        let language = visit.language
        guard let dossier = try await call({ try office.overview.dossier(of: id) }) else {
            return pages.message("notFound", language: language, status: .notFound, link: ("/console/subjects", pages.text("nav.subjects", language)))
        }
        let metadata = dossier.metadata
        var byRecipient: [String: [DisclosureEntry]] = [:]
        for disclosure in dossier.disclosures { byRecipient[disclosure.recipient, default: []].append(disclosure) }
        var values: [String: Any] = [
            "id": metadata.id, "categories": metadata.categories.map { office.policy.policy.subjectCategory($0)?.title(in: language) ?? $0 }.joined(separator: ", "), "kind": pages.text("subject.kind.\(metadata.kind.rawValue)", language),
            "fields": metadata.fields.map { held -> [String: Any] in
                // The policy's title in the page's language, with the id the CLI takes.
                ["field": held.field, "title": office.policy.policy.field(held.field)?.title(in: language) ?? held.field, "source": held.source,
                 "collected": Self.minute(held.collectedAt, office)]
            },
            // What the policy calls the event, in the page's language, beside its id.
            "events": metadata.events.map { recorded -> [String: Any] in
                ["event": recorded.event, "date": recorded.date.description,
                 "description": office.policy.policy.lifecycleEvent(recorded.event)?.description(in: language) ?? ""]
            },
            "erased": metadata.erasedFields.joined(separator: ", "), "hasErased": !metadata.erasedFields.isEmpty,
            "consents": dossier.consents.map { event -> [String: Any] in
                // Words in the page's language; the purpose's id stays beside its title, as
                // `custos consent` takes it. A channel the form does not offer is shown as written.
                ["purpose": event.purpose, "purposeTitle": office.policy.policy.purpose(event.purpose)?.title(in: language) ?? event.purpose,
                 "state": pages.text("consent.state.\(event.state.rawValue)", language),
                 "notice": event.noticeId.map { "\($0) v\(event.noticeVersion ?? 0)\(event.language.map { " (\($0))" } ?? "")" } ?? "",
                 "method": event.method.map { pages.text("consent.method.\($0.rawValue)", language) } ?? "",
                 "channel": event.channel.map { pages.catalogued("channel.\($0)", language) ?? $0 } ?? "",
                 "at": Self.minute(event.effectiveAt, office), "by": event.recordedBy]
            },
            "objections": dossier.objections.map { entry -> [String: Any] in
                ["id": entry.id, "purpose": entry.objection.purpose ?? pages.text("all", language),
                 "kind": pages.text("subject.objectionKind.\(entry.objection.kind.rawValue)", language),
                 "since": Self.minute(entry.objection.at, office), "assessment": Self.objectionState(entry.objection, pages: pages, language),
                 "reference": entry.objection.assessmentReference ?? ""]
            },
            "restrictions": dossier.restrictions.map { entry -> [String: Any] in
                ["id": entry.id, "fields": fieldTitles(entry.restriction.fields, language), "ground": entry.restriction.ground ?? "", "hasGround": entry.restriction.ground != nil,
                 "since": Self.minute(entry.restriction.since, office), "lifted": entry.restriction.lifted.map { Self.minute($0, office) } ?? "",
                 "isLifted": entry.restriction.lifted != nil]
            },
            "holds": dossier.holds.map { entry -> [String: Any] in
                ["id": entry.id, "reference": entry.hold.reference, "since": entry.hold.since.description, "until": entry.hold.until?.description ?? "",
                 "scope": fieldTitles(entry.hold.fields, language)]
            },
            "recipients": byRecipient.keys.sorted().map { recipient -> [String: Any] in
                ["recipient": recipient, "count": byRecipient[recipient]!.count,
                 "disclosures": byRecipient[recipient]!.map { disclosure -> [String: Any] in
                     ["at": Self.minute(disclosure.at, office), "purpose": disclosure.purpose, "fields": disclosure.fields.joined(separator: ", "),
                      "name": disclosure.recipientName ?? "", "destination": disclosure.destination ?? "", "seq": disclosure.decisionSeq]
                 }]
            },
            "trail": dossier.trail.reversed().map { entry -> [String: Any] in
                Self.compact(["seq": entry.seq, "at": Self.minute(entry.at, office), "actor": entry.actor,
                              "action": trailWord("action", entry.action, language), "purpose": entry.purpose, "recipient": entry.recipient,
                              "fields": entry.fields.map { fieldOutcome($0, language) }.joined(separator: ", "),
                              "outcome": trailWord("outcome", entry.outcome, language), "deny": entry.outcome != "permit",
                              "codes": entry.codes.joined(separator: ", ")])
            },
            "trailCount": dossier.trailCount,
            "requests": dossier.requests.map { ["id": $0.id, "href": "/console/requests/\($0.id)", "type": pages.text("type.\($0.type.rawValue)", language),
                                               "status": pages.text("status.\($0.status.rawValue)", language), "due": $0.dueOn.description] },
            "openPath": "/console/subjects/\(metadata.id)/open", "openCsrf": visit.canAct ? csrf(visit, "open-fields") : "",
            "requestPath": "/console/subjects/\(metadata.id)/requests", "requestCsrf": visit.canAct ? csrf(visit, "open-request") : "",
            "types": RightsRequestType.allCases.map { ["value": $0.rawValue, "label": pages.text("type.\($0.rawValue)", language)] },
            "channels": Self.channels.map { ["value": $0, "label": pages.text("channel.\($0)", language)] },
            "purpose": settings.purpose, "actor": settings.actor,
        ]
        values["hasConsents"] = !(values["consents"] as! [Any]).isEmpty
        values["hasObjections"] = !dossier.objections.isEmpty
        values["hasRestrictions"] = !dossier.restrictions.isEmpty
        values["hasHolds"] = !dossier.holds.isEmpty
        values["hasRecipients"] = !byRecipient.isEmpty
        values["hasTrail"] = !dossier.trail.isEmpty
        values["hasRequests"] = !dossier.requests.isEmpty
        if let opened {
            values["opened"] = true
            values["openedOutcome"] = trailWord("outcome", opened.decision.outcome.rawValue, visit.language)
            if let seq = opened.logSequence { values["openedSeq"] = String(seq) }
            values["openedValues"] = opened.values.keys.sorted().map { ["field": $0, "value": opened.values[$0] ?? ""] }
            values["openedReasons"] = opened.decision.reasons.map { "\($0.code.rawValue) (\($0.article)): \($0.explanation)" }
        }
        return page("subject", visit, title: metadata.id, here: "/console/subjects/\(metadata.id)", values: values)
    }

    /// The channels a request reaches the officer by, as `custos request open --channel` names them.
    static let channels = ["letter", "e-mail", "phone", "web-form", "employee"]

    /// Records a request that reached the officer on another channel (a letter, a call), as
    /// `custos request open` does: the deadline runs from when it was received, never later
    /// than now; the page then shows the new request.
    func openRequest(_ visit: Visit, subject: String, form: FormBody) async throws -> Response {
        let language = visit.language, office = self.office, actor = visit.actor
        let back = ("/console/subjects/\(subject)", subject)
        guard let type = form["type"].flatMap(RightsRequestType.init(rawValue:)), let channel = form["channel"], Self.channels.contains(channel) else {
            return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("subject.chooseType", language)], back: back, refused: true)
        }
        var received: Instant?
        if let date = form["received"], !date.isEmpty {
            guard let day = LocalDate(parsing: date) else {
                return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("subject.badReceived", language)], back: back, refused: true)
            }
            received = office.policy.startOfDay(day)
        }
        let purpose = form["purpose"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        let receivedAt = received
        do {
            let request = try await call { try office.requests.openRequest(subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: receivedAt, by: actor) }
            return redirect("/console/requests/\(request.id)")
        } catch {
            return refused(visit, error, back: back)
        }
    }

    /// Opens field values: one gated read by the console's actor under the rights-administration
    /// purpose, decided and logged before anything is shown. The page that shows them is not
    /// cached and its URL holds no value.
    func openFields(_ visit: Visit, subject: String, form: FormBody) async throws -> Response {
        let fields = form.values.filter { $0.key.hasPrefix("field.") && $0.value == "on" }.map { String($0.key.dropFirst(6)) }.sorted()
        guard !fields.isEmpty else {
            return outcome(visit, heading: pages.text("refused", visit.language), lines: [pages.text("subject.chooseFields", visit.language)],
                           back: ("/console/subjects/\(subject)", subject), refused: true)
        }
        let office = self.office, purpose = settings.purpose, actor = settings.actor
        let result = try await call { office.service.read(subject: subject, fields: fields, purpose: purpose, actor: actor) }
        logger.info("console field read", metadata: ["account": "\(visit.account.name)", "log-seq": "\(result.logSequence.map(String.init) ?? "none")",
                                                     "outcome": "\(result.decision.outcome.rawValue)"])
        return try await subjectPage(visit, id: subject, opened: result)
    }

    /// Where an objection stands: a general one waits for its assessment or has one; one to
    /// direct marketing stops it outright (Art. 21(3)); one to automated decisions puts a human
    /// in them (Art. 22(3)). Neither of the last two is assessed.
    static func objectionState(_ objection: Objection, pages: WebPages, _ language: String) -> String {
        switch (objection.kind, objection.assessment) {
        case (.directMarketing, _): pages.text("subject.objectionState.absolute", language)
        case (.automatedDecision, _): pages.text("subject.objectionState.human", language)
        case (.general, .upheld?): pages.text("subject.objectionState.upheld", language)
        case (.general, .overridden?): pages.text("subject.objectionState.overridden", language)
        case (.general, .pending?), (.general, nil): pages.text("awaiting", language)
        }
    }

    /// A log entry's action or outcome in the page's words (`trail.action.read`: "inzage");
    /// a code the console has no words for is shown as the log records it. Reason codes
    /// stay codes.
    func trailWord(_ kind: String, _ code: String, _ language: String) -> String {
        pages.catalogued("trail.\(kind).\(code)", language) ?? code
    }

    /// Fields by their titles in `language`, or "all" where the list is absent (a restriction
    /// or hold over every field). Semicolons between them: a title may hold a comma.
    func fieldTitles(_ fields: [String]?, _ language: String) -> String {
        guard let fields else { return pages.text("all", language) }
        return fields.map { office.policy.policy.field($0)?.title(in: language) ?? $0 }.joined(separator: "; ")
    }

    /// A field of a log entry (`email=deny`): the field, and what was decided about it where
    /// that was not a permit.
    func fieldOutcome(_ recorded: String, _ language: String) -> String {
        let parts = recorded.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return recorded }
        return parts[1] == "permit" ? parts[0] : "\(parts[0]) (\(trailWord("outcome", parts[1], language)))"
    }
}
