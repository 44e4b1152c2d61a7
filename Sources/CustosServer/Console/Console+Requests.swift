import Foundation
import Hummingbird
import Custos
import CustosStore

/// A request: its history, identity evidence, deadline and extension rule, and the actions
/// verify, extend, fulfil and reject through the same library calls as `custos request`.
extension Console {
    enum RequestAction: String, CaseIterable, Sendable {
        case verify, extend, fulfil, reject, statement

        var fields: Set<String> {
            switch self {
            case .verify: ["method"]
            case .extend, .reject: ["reasons"]
            case .fulfil: ["language", "ground", "fields", "values"]
            case .statement: ["statement"]
            }
        }
    }

    /// What a request page shows of the subject's own words.
    enum StatementShown: Sendable {
        case none, sealed
        case words(String)
    }

    func requestPage(_ visit: Visit, id: String) async throws -> Response {
        let office = self.office
        let canAct = visit.canAct
        let found = try await call { () -> (RightsRequest, Bool, Bool, LocalDate, StatementShown)? in
            guard let request = try office.requests.request(id) else { return nil }
            let certified = try request.type == .erasure && request.status == .completed && office.rights.store.erasureCertificate(of: id) != nil
            // The subject's own words are opened for an officer, who fulfils; an auditor learns only that they exist.
            let statement: StatementShown = if canAct {
                try office.door.statement(request: id).map(StatementShown.words) ?? .none
            } else {
                try office.rights.store.sealedStatement(request: id) == nil ? .none : .sealed
            }
            return (request, try office.door.storedAnswer(request: id, includingHeld: true) != nil, certified, office.policy.localDate(of: office.now), statement)
        }
        let language = visit.language
        guard let (request, answered, certified, today, statement) = found else {
            return pages.message("notFound", language: language, status: .notFound, link: ("/console", pages.text("nav.today", language)))
        }
        let open = request.status.isOpen
        let firstDeadline = RightsDeadline(receivedOn: request.receivedOn, calendar: office.policy.holidayCalendar)
        let extensionRule: String = if request.status == .extended || request.extensionReasons != nil {
            pages.text("request.extended", language, ["on": request.extensionNoticeOn?.description ?? "?", "reasons": request.extensionReasons ?? "", "due": request.dueOn.description])
        } else if !open {
            pages.text("request.closedRule", language)
        } else if today > firstDeadline.due {
            pages.text("request.tooLateToExtend", language, ["due": firstDeadline.due.description])
        } else {
            pages.text("request.mayExtend", language, ["due": firstDeadline.due.description, "extended": firstDeadline.extendedDue.description])
        }
        let days = request.dueOn.daysSinceEpoch - today.daysSinceEpoch
        var values: [String: Any] = [
            "id": request.id, "type": pages.text("type.\(request.type.rawValue)", language), "subject": request.subject,
            "subjectHref": "/console/subjects/\(request.subject)", "channel": pages.catalogued("channel.\(request.channel)", language) ?? request.channel,
            "received": Self.minute(request.receivedAt, office),
            "requester": pages.catalogued("requester.\(request.requester)", language) ?? request.requester,
            "identity": pages.text("identity.\(request.identity.rawValue)", language),
            "verified": request.identity == .verified, "status": pages.text("status.\(request.status.rawValue)", language),
            "due": request.dueOn.description, "overdue": open && days < 0,
            "left": !open ? "" : days < 0 ? pages.text("today.overdueBy", language, ["days": "\(-days)"]) : pages.text("today.daysLeft", language, ["days": "\(days)"]),
            "extensionRule": extensionRule, "open": open,
            "events": request.events.map { event -> [String: Any] in
                // Fields a step lists (an answer's fields to review) by their titles, as the
                // outcome says them; the channel a request came by in words.
                let words = event.detailWords.map { words in
                    words.titled { office.policy.policy.field($0)?.title(in: language) ?? $0 }
                        .saying("channel") { pages.catalogued("channel.\($0)", language) ?? $0 }
                }
                let detail = pages.recorded(words, english: event.detail, language)
                return Self.compact(["at": Self.minute(event.at, office), "event": pages.catalogued("history.\(event.event)", language) ?? event.event,
                                     "detail": detail?.text, "english": detail?.english, "by": event.by])
            },
            "answered": answered, "answerHtml": "/console/requests/\(request.id)/answer.html", "answerJson": "/console/requests/\(request.id)/answer.json",
            "certified": certified, "certificateHref": "/console/requests/\(request.id)/erasure-certificate.json",
            "complaint": pages.text("request.complaintRight", language),
        ]
        for (key, value) in [("purpose", request.purpose), ("mandate", request.mandate), ("identityMethod", request.identityMethod)] {
            if let value, !value.isEmpty { values[key] = value }
        }
        if let outcome = pages.outcome(of: request, language, policy: office.policy.policy) { values["outcome"] = outcome }
        switch statement {
        case let .words(words): values["statement"] = words
        case .sealed: values["statementSealed"] = true
        case .none: break
        }
        if visit.canAct && open {
            values["canVerify"] = request.identity != .verified
            values["canExtend"] = request.status != .extended && request.extensionReasons == nil && today <= firstDeadline.due
            values["canFulfil"] = request.identity == .verified
            values["isAccess"] = request.type == .access
            values["isRestriction"] = request.type == .restriction
            values["isRectification"] = request.type == .rectification
            values["grounds"] = RestrictionGround.allCases.map { ["value": $0.rawValue, "label": pages.text("ground.\($0.rawValue)", language)] }
            for action in RequestAction.allCases {
                values["\(action.rawValue)Path"] = "/console/requests/\(request.id)/\(action.rawValue)"
                values["\(action.rawValue)Csrf"] = csrf(visit, "request-\(action.rawValue)")
            }
        }
        return page("request", visit, title: "\(request.id) · \(values["type"] as? String ?? "")", here: "/console/requests/\(request.id)", values: values)
    }

    func act(_ action: RequestAction, on id: String, form: FormBody, _ visit: Visit) async throws -> Response {
        let office = self.office, actor = visit.actor, language = visit.language
        let back = ("/console/requests/\(id)", pages.text("request.back", language, ["id": id]))
        do {
            let lines: [ResultLine] = try await call {
                switch action {
                case .verify:
                    let request = try office.requests.verifyIdentity(request: id, method: form["method"] ?? "", by: actor)
                    return [.said("verified", ["id": request.id, "method": request.identityMethod ?? ""], phrases: ["status": "status.\(request.status.rawValue)"])]
                case .extend:
                    let request = try office.requests.extendRequest(id, reasons: form["reasons"] ?? "", by: actor)
                    return [.said("extended", ["id": request.id, "due": request.dueOn.description], phrases: ["status": "status.\(request.status.rawValue)"])]
                case .reject:
                    let request = try office.requests.rejectRequest(id, reasons: form["reasons"] ?? "", by: actor)
                    return [.said("rejected", ["id": request.id, "reasons": (form["reasons"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)])]
                case .fulfil:
                    return try Self.fulfil(office, id: id, form: form, actor: actor)
                case .statement:
                    // Words that came by letter or phone; never echoed back, they are the subject's.
                    guard let words = PublicDoor.statementWords(form["statement"] ?? "") else { throw FormProblem(key: "statement") }
                    try office.door.recordStatement(words, request: id, by: actor)
                    return [.said("statementKept", ["id": id])]
                }
            }
            // A fulfilled erasure or restriction changes what the next sweep would destroy.
            if action == .fulfil { sweepPlans.forget() }
            return outcome(visit, heading: pages.text("done.\(action.rawValue)", language, ["id": id]), lines: [], results: lines, back: back)
        } catch let problem as FormProblem {
            return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("form.\(problem.key)", language, problem.values)], back: back, refused: true)
        } catch {
            return refused(visit, error, back: back)
        }
    }

    /// A fulfilment form's value the console could not take, by its catalogue key (`form.KEY`).
    struct FormProblem: Error {
        let key: String
        var values: [String: String] = [:]
    }

    /// Fulfils by the request's right, as `custos request fulfil` does; the results that hold
    /// personal data (an access package) stay in the vault for download, never in the page.
    /// The lines are catalogue texts (`result.KEY`), so the officer reads them in the page's
    /// language, as the request records them in English.
    static func fulfil(_ office: ConsoleBackend, id: String, form: FormBody, actor: String) throws -> [ResultLine] {
        guard let request = try office.requests.request(id) else { throw FormProblem(key: "noRequest", values: ["id": id]) }
        func tasks(_ notifications: [RecipientTask]) -> [ResultLine] {
            notifications.map { .said("task", ["recipient": $0.recipient, "action": $0.action, "fields": $0.fields.joined(separator: ", ")], phrases: ["kind": "task.\($0.kind.rawValue)"]) }
        }
        switch request.type {
        case .access:
            let language = form["language"].flatMap { $0.isEmpty ? nil : $0 }
            guard language.map(["nl", "en"].contains) ?? true else { throw FormProblem(key: "answerLanguage") }
            let (package, _) = try office.rights.fulfilAccess(request: id, by: actor, language: language)
            let review = package.fields.filter(\.reviewBeforeRelease).map(\.field)
            return [.said("access", ["id": id, "fields": "\(package.fields.count)", "disclosures": "\(package.recipients.count)"])]
                + (review.isEmpty ? [] : [.said("accessReview", ["fields": review.joined(separator: ", ")])])
        case .erasure:
            let certificate = try office.rights.fulfilErasure(request: id, by: actor)
            // A field kept on several grounds with one code (two legal obligations) names it once.
            let kept = certificate.kept.map { field -> String in
                var codes: [String] = []
                for code in field.grounds.map(\.code.rawValue) where !codes.contains(code) { codes.append(code) }
                return "\(field.field) (\(codes.joined(separator: ", ")))"
            }.joined(separator: "; ")
            return [.said("erased", ["id": id, "outcome": certificate.outcome.rawValue, "fields": certificate.destroyed.joined(separator: ", ")]),
                    kept.isEmpty ? .said("keptNothing") : .said("kept", ["fields": kept]),
                    certificate.subjectKeyDestroyed ? .said("keyDestroyed") : .said("keyKept"),
                    .said("signature", ["signature": certificate.signature])] + tasks(certificate.notifications)
        case .portability:
            let export = try office.rights.fulfilPortability(request: id, by: actor)
            return [.said("portability", ["id": id, "fields": "\(export.items.count)"])]
                + (export.leftOut.isEmpty ? [] : [.said("leftOut", [:], list: export.leftOut.map { ($0.field, "portability.\($0.reason.rawValue)") })])
                + [.said("portabilityExport", ["id": id])]
        case .rectification:
            var values: [String: String] = [:]
            for line in (form["values"] ?? "").split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1)
                // Never echo a line: it holds the subject's value.
                guard parts.count == 2 else { throw FormProblem(key: "valueLines") }
                let field = parts[0].trimmingCharacters(in: .whitespaces)
                guard values.updateValue(parts[1].trimmingCharacters(in: .whitespaces), forKey: field) == nil else {
                    throw FormProblem(key: "fieldTwice")
                }
            }
            let result = try office.rights.fulfilRectification(request: id, values: values, by: actor)
            return [.said("rectified", ["id": id, "fields": result.rectified.joined(separator: ", ")])]
                + (result.completed.isEmpty ? [] : [.said("completed", ["fields": result.completed.joined(separator: ", ")])])
                + tasks(result.notifications)
        case .restriction:
            guard let ground = form["ground"].flatMap(RestrictionGround.init(rawValue:)) else {
                throw FormProblem(key: "restrictionGround")
            }
            // Each field once, as the CLI reads a list: the record would otherwise name one twice.
            var seen = Set<String>()
            let fields = form["fields"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted } }
            let restricted = fields?.isEmpty == false ? fields : nil
            let outcome = try office.rights.fulfilRestriction(request: id, fields: restricted, ground: ground, by: actor)
            return [restricted.map { .said("restricted", ["id": id, "fields": $0.joined(separator: ", "), "article": ground.article]) }
                        ?? .said("restrictedAll", ["id": id, "article": ground.article]),
                    .said("restrictionLift", ["count": "\(outcome.notifications.count)"])] + tasks(outcome.notifications)
        case .objection, .objectionDirectMarketing, .objectionAutomatedDecision:
            let outcome = try office.rights.fulfilObjection(request: id, by: actor)
            guard let objection = outcome.objection else { return [.library("\(id): \(outcome.outcome)")] }
            let since = Self.minute(objection.objection.at, office), purpose = request.purpose ?? ""
            let scope = request.purpose == nil ? "scope.everyPurpose" : "scope.purpose"
            switch (objection.objection.kind, objection.objection.assessment) {
            case (.directMarketing, _):
                return [.said("objectionDirectMarketing", ["id": id, "since": since])]
            case (.automatedDecision, _):
                return [.said("objectionAutomated", ["id": id, "purpose": purpose], phrases: ["scope": scope])]
            case (.general, .overridden?):
                let reference = objection.objection.assessmentReference ?? ""
                return [.said("objectionOverridden", ["id": id, "objection": "\(objection.id)", "purpose": purpose, "reference": reference], phrases: ["scope": scope])]
            case (.general, _):
                return [.said("objectionUpheld", ["id": id, "objection": "\(objection.id)", "purpose": purpose, "since": since], phrases: ["scope": scope])]
            }
        }
    }

    /// One line of a change's answer: the console's words (`result.KEY`, with values, and
    /// phrases: values that are catalogue texts themselves, given the same values), or the
    /// library's English as recorded.
    enum ResultLine: Sendable {
        case said(String, [String: String] = [:], phrases: [String: String] = [:], list: [(String, String)] = [])
        case library(String)
    }

    /// A completed erasure's signed certificate, as `custos request certificate` writes it.
    func erasureCertificate(_ visit: Visit, id: String) async throws -> Response {
        let office = self.office
        guard let certificate = try await call({ try office.rights.erasureCertificate(request: id) }) else {
            return pages.message("notFound", language: visit.language, status: .notFound, link: ("/console", pages.text("nav.today", visit.language)))
        }
        return Response(status: .ok, headers: [
            .contentType: "application/json",
            .contentDisposition: "attachment; filename=\"\(id)-erasure-certificate.json\"",
        ], body: ResponseBody(byteBuffer: ByteBuffer(bytes: certificate.fileBytes)))
    }

    /// A fulfilled access request's answer, as the privacy centre offers it to the subject.
    func storedAnswer(_ visit: Visit, id: String, json: Bool) async throws -> Response {
        let office = self.office
        guard let answer = try await call({ try office.door.storedAnswer(request: id, includingHeld: true) }) else {
            return pages.message("notFound", language: visit.language, status: .notFound, link: ("/console", pages.text("nav.today", visit.language)))
        }
        let body = json ? answer.json : Data(answer.html.utf8)
        return Response(status: .ok, headers: [
            .contentType: json ? "application/json" : "text/html; charset=utf-8",
            .contentDisposition: "attachment; filename=\"\(id)-access.\(json ? "json" : "html")\"",
        ], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
