import Foundation
import Hummingbird
import Custos
import CustosStore

/// The breach register in the console (gdpr.md §14): every breach with its 72-hour clock,
/// recording one, and a breach's page with whom it touches (counts, never a person), the AP
/// notification's content, and the officer's steps: assess, notify, tell the people, close.
/// Each step is the same library call as `custos breach …`, recorded with the account.
extension Console {
    /// The steps a breach's page posts, with the form keys each accepts.
    enum BreachAction: String, CaseIterable {
        case assess, notify, informed, close

        var fields: Set<String> {
            switch self {
            case .assess: ["risk", "exception", "consequences", "measures", "cause", "member-states"]
            case .notify: ["at", "final", "late-reasons"]
            case .informed: ["count"]
            case .close: []
            }
        }
    }

    static let breachRecordFields: Set<String> = [
        "nature-confidentiality", "nature-integrity", "nature-availability", "scope", "keys-compromised",
        "aware", "discovered", "processor-notice", "from", "to", "description", "measures",
    ]

    func breachesPage(_ visit: Visit) async throws -> Response {
        let office = self.office, language = visit.language
        let breaches = try await call { try office.breaches.breaches(dueWithinSeconds: nil) }
        let now = office.now
        let rows = breaches.reversed().map { breach -> [String: Any] in
            let clock = clockLabel(breach, now: now, language)
            return Self.compact([
                "id": breach.id, "href": "/console/breaches/\(breach.id)", "nature": breach.nature.map { pages.text("nature.\($0.rawValue)", language) }.joined(separator: ", "),
                "involved": involved(breach.scope, language), "aware": Self.minute(breach.awareAt, office), "due": Self.minute(breach.apDeadline, office),
                "overdue": clock?.overdue == true ? true : nil, "left": clock?.text,
                "notified": breach.apNotifiedAt.map { Self.minute($0, office) },
                "risk": breach.risk.map { pages.text("risk.\($0.rawValue)", language) } ?? pages.text("breach.notAssessed", language),
                "status": pages.text(breach.closedAt == nil ? "breach.open" : "breach.closed", language),
            ])
        }
        var values: [String: Any] = ["breaches": rows, "none": rows.isEmpty]
        if visit.canAct {
            values["csrf"] = csrf(visit, "breach-record")
            values["scopes"] = [["value": "vault", "label": pages.text("breach.scopeVault", language)]]
                + office.policy.policy.recipients.map { ["value": "recipient:\($0.id.id)", "label": "\($0.id.id): \($0.name)"] }
                + office.policy.actors.names.map { ["value": "actor:\($0)", "label": pages.text("breach.scopeActor", language, ["actor": $0])] }
            values["awareNow"] = Self.localInput(now, office)
        }
        return page("breaches", visit, title: pages.text("nav.breaches", language), here: "/console/breaches", values: values)
    }

    /// The kinds of data Art. 33 and the EDPB single out, in the page's language.
    func markedLabel(_ kind: String, _ language: String) -> String {
        if let special = AffectedSubjects.specialCategory(of: kind) { return pages.text("marked.special", language, ["kind": special]) }
        return pages.text("marked.\(kind.replacingOccurrences(of: " ", with: "-"))", language)
    }

    /// The 72-hour clock of a breach that still awaits its notification, in words: hours
    /// left, or hours over (then `overdue`); nil once it no longer runs.
    func clockLabel(_ breach: Breach, now: Instant, _ language: String) -> (overdue: Bool, text: String)? {
        guard breach.awaitsNotification else { return nil }
        let hours = (breach.apDeadline.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 3_600_000
        return hours < 0 ? (true, pages.text("breach.hoursOver", language, ["hours": "\(-hours)"]))
            : (false, pages.text("breach.hoursLeft", language, ["hours": "\(hours)"]))
    }

    func involved(_ scope: Breach.Scope, _ language: String) -> String {
        switch scope {
        case let .recipient(recipient): recipient
        case let .actor(actor): pages.text("breach.scopeActor", language, ["actor": actor])
        case .vault: pages.text("breach.scopeVault", language)
        }
    }

    func breachPage(_ visit: Visit, id: String) async throws -> Response {
        let office = self.office, language = visit.language
        let found = try await call { () -> (Breach, AffectedSubjects, String, [String: Int])? in
            guard let breach = try office.breaches.breach(id) else { return nil }
            return (breach, try office.breaches.affectedSubjects(breach), try office.breaches.breachNotification(id, language: language).markdown, try office.breaches.breachLetterCounts(id))
        }
        guard let (breach, affected, notification, letters) = found else {
            return pages.message("notFound", language: language, status: .notFound, link: ("/console/breaches", pages.text("nav.breaches", language)))
        }
        let now = office.now
        let clock = clockLabel(breach, now: now, language)
        var values: [String: Any] = Self.compact([
            "id": breach.id, "nature": breach.nature.map { pages.text("nature.\($0.rawValue)", language) }.joined(separator: ", "),
            "involved": involved(breach.scope, language), "window": "\(Self.minute(breach.windowFrom, office)) – \(Self.minute(breach.windowTo, office))",
            "discovered": Self.minute(breach.discoveredAt, office), "aware": Self.minute(breach.awareAt, office),
            "processorNotice": breach.processorNoticeAt.map { Self.minute($0, office) }, "due": Self.minute(breach.apDeadline, office),
            "overdue": clock?.overdue == true ? true : nil, "left": clock?.text,
            "notified": breach.apNotifiedAt.map { Self.minute($0, office) + (breach.apFinal ? " (\(pages.text("breach.final", language)))" : "") },
            "risk": breach.risk.map { pages.text("risk.\($0.rawValue)", language) } ?? pages.text("breach.notAssessed", language),
            "exception": breach.subjectsException.map { pages.text("exception.\($0.rawValue)", language) },
            "lateReasons": breach.lateReasons, "closed": breach.closedAt.map { Self.minute($0, office) },
            "description": breach.description, "measures": breach.measures, "consequences": breach.consequences,
            "cause": breach.cause.map { pages.text("breach.cause.\($0.rawValue)", language) },
            "memberStates": breach.otherMemberStates.map { $0.isEmpty ? pages.text("none", language) : $0.joined(separator: ", ") },
            "memberStatesInput": breach.otherMemberStates?.joined(separator: ", "),
            "affected": "\(affected.subjectCount)", "records": "\(affected.records)", "unintelligible": affected.unintelligible ? true : nil,
        ])
        values["byCategory"] = affected.byCategory.sorted { $0.key < $1.key }.map { ["label": office.policy.policy.subjectCategory($0.key)?.title(in: language) ?? $0.key, "count": "\($0.value)"] }
        values["byField"] = affected.byField.sorted { $0.key < $1.key }.map { ["label": office.policy.policy.field($0.key)?.title(in: language) ?? $0.key, "count": "\($0.value)"] }
        values["marked"] = affected.marked.sorted { $0.key < $1.key }.map { kind, fields -> [String: Any] in
            ["label": markedLabel(kind, language),
             "fields": fields.map { office.policy.policy.field($0)?.title(in: language) ?? $0 }.joined(separator: "; ")]
        }
        values["events"] = breach.events.map { event -> [String: Any] in
            let detail = pages.recorded(event.detailWords, english: event.detail, language)
            return Self.compact(["at": Self.minute(event.at, office), "event": pages.catalogued("breachHistory.\(event.event)", language) ?? event.event,
                                 "detail": detail?.text, "english": detail?.english, "by": event.by])
        }
        values["notification"] = notification
        if !letters.isEmpty {
            values["letters"] = pages.text("breach.lettersSent", language, ["email": "\(letters["email"] ?? 0)", "post": "\(letters["post"] ?? 0)"])
        }
        if visit.canAct, breach.closedAt == nil {
            values["open"] = true
            values["risks"] = Breach.Risk.allCases.map { ["value": $0.rawValue, "label": pages.text("risk.\($0.rawValue)", language), "selected": $0 == breach.risk] }
            values["exceptions"] = Breach.SubjectsException.allCases.map { ["value": $0.rawValue, "label": pages.text("exception.\($0.rawValue)", language), "selected": $0 == breach.subjectsException] }
            values["causes"] = Breach.Cause.allCases.map { ["value": $0.rawValue, "label": pages.text("breach.cause.\($0.rawValue)", language), "selected": $0 == breach.cause] }
            values["notifyNow"] = Self.localInput(now, office)
            values["canInform"] = breach.risk == .high && breach.subjectsException == nil
            values["affectedCount"] = "\(affected.subjectCount)"
            for action in BreachAction.allCases {
                values["\(action.rawValue)Path"] = "/console/breaches/\(breach.id)/\(action.rawValue)"
                values["\(action.rawValue)Csrf"] = csrf(visit, "breach-\(action.rawValue)")
            }
        }
        return page("breach", visit, title: breach.id, here: "/console/breaches/\(breach.id)", values: values)
    }

    func recordBreach(_ visit: Visit, form: FormBody) async throws -> Response {
        let office = self.office, actor = visit.actor, language = visit.language
        let back = ("/console/breaches", pages.text("nav.breaches", language))
        func refused(_ line: String, library: Bool = false) -> Response {
            outcome(visit, heading: pages.text("refused", language), lines: [line], libraryLines: library, back: back, refused: true)
        }
        let natures = Breach.Nature.allCases.filter { form["nature-\($0.rawValue)"] == "on" }
        let scopeText = form["scope"] ?? ""
        let scope: Breach.Scope
        if scopeText == "vault" {
            scope = .vault
        } else if scopeText.hasPrefix("recipient:") {
            scope = .recipient(String(scopeText.dropFirst("recipient:".count)))
        } else if scopeText.hasPrefix("actor:") {
            scope = .actor(String(scopeText.dropFirst("actor:".count)))
        } else {
            return refused(pages.text("breach.scopeMissing", language))
        }
        guard let aware = Self.instant(fromLocalInput: form["aware"], office) else { return refused(pages.text("breach.badInstant", language, ["field": pages.text("breach.aware", language)])) }
        guard let from = Self.instant(fromLocalInput: form["from"], office) else { return refused(pages.text("breach.badInstant", language, ["field": pages.text("breach.from", language)])) }
        var optional: [String: Instant] = [:]
        for key in ["discovered", "processor-notice", "to"] {
            guard let text = form[key], !text.isEmpty else { continue }
            guard let instant = Self.instant(fromLocalInput: text, office) else { return refused(pages.text("breach.badInstant", language, ["field": key])) }
            optional[key] = instant
        }
        let report = BreachDesk.BreachReport(
            nature: natures, discoveredAt: optional["discovered"], awareAt: aware, processorNoticeAt: optional["processor-notice"], scope: scope,
            window: (from, optional["to"] ?? aware), description: form["description"] ?? "", measures: form["measures"].flatMap { $0.isEmpty ? nil : $0 },
            keysCompromised: form["keys-compromised"] == "on")
        do {
            let breach = try await call { try office.breaches.recordBreach(report, by: actor) }
            return redirect("/console/breaches/\(breach.id)")
        } catch let refusal as BreachRefusal {
            return self.refused(visit, refusal, back: back)
        }
    }

    func breachStep(_ action: BreachAction, on id: String, form: FormBody, _ visit: Visit) async throws -> Response {
        let office = self.office, actor = visit.actor, language = visit.language
        let back = ("/console/breaches/\(id)", pages.text("request.back", language, ["id": id]))
        func text(_ key: String) -> String? { form[key].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } }
        do {
            switch action {
            case .assess:
                guard let risk = form["risk"].flatMap(Breach.Risk.init(rawValue:)) else { throw BreachFormProblem(line: pages.text("breach.riskMissing", language)) }
                // A value the form does not offer is refused, not read as none.
                let exception = try text("exception").map { value in
                    guard let exception = Breach.SubjectsException(rawValue: value) else { throw BreachFormProblem(line: pages.text("page.badForm.text", language)) }
                    return exception
                }
                let cause = try text("cause").map { value in
                    guard let cause = Breach.Cause(rawValue: value) else { throw BreachFormProblem(line: pages.text("page.badForm.text", language)) }
                    return cause
                }
                // Empty: no other member state (the field shows what was recorded before); a
                // form without the field keeps what was recorded.
                let states = form["member-states"].map { $0.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init) }
                let (consequences, measures) = (text("consequences"), text("measures"))
                _ = try await call {
                    try office.breaches.assessBreach(id, risk: risk, exception: exception, measures: measures, consequences: consequences, cause: cause,
                                                     otherMemberStates: states, by: actor)
                }
            case .notify:
                let at = try text("at").map { input -> Instant in
                    guard let instant = Self.instant(fromLocalInput: input, office) else {
                        throw BreachFormProblem(line: pages.text("breach.badInstant", language, ["field": pages.text("breach.notifiedAt", language)]))
                    }
                    return instant
                }
                let (final, late) = (form["final"] == "on", text("late-reasons"))
                _ = try await call { try office.breaches.notifyAuthority(id, at: at, final: final, lateReasons: late, by: actor) }
            case .informed:
                guard let count = form["count"].flatMap(Int.init), count >= 0 else { throw BreachFormProblem(line: pages.text("breach.countMissing", language)) }
                _ = try await call { try office.breaches.recordSubjectsInformed(id, count: count, by: actor) }
            case .close:
                _ = try await call { try office.breaches.closeBreach(id, by: actor) }
            }
            return redirect("/console/breaches/\(id)")
        } catch let problem as BreachFormProblem {
            // The console's own words, in the page's language.
            return outcome(visit, heading: pages.text("refused", language), lines: [problem.line], back: back, refused: true)
        } catch let refusal as BreachRefusal {
            return refused(visit, refusal, back: back)
        }
    }

    /// A breach form's value the console could not read, in the catalogue's words.
    struct BreachFormProblem: Error { let line: String }

    /// An instant as a `datetime-local` input shows it, in the controller's time zone.
    static func localInput(_ instant: Instant, _ office: ConsoleBackend) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        formatter.timeZone = office.policy.timeZone
        return formatter.string(from: Date(timeIntervalSince1970: Double(instant.millisecondsSinceEpoch) / 1000))
    }

    /// A `datetime-local` value (`2025-10-06T17:00`) read in the controller's time zone.
    static func instant(fromLocalInput text: String?, _ office: ConsoleBackend) -> Instant? {
        guard let text, !text.isEmpty else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = office.policy.timeZone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return Instant(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded())) }
        }
        return nil
    }
}
