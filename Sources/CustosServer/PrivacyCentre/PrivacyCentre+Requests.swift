import Foundation
import Hummingbird
import Custos
import CustosPolicy
import CustosStore

/// Asking for a right: the form, the e-mail code, and the request opened once the code is typed.
extension PrivacyCentre {
    static let requestTypes: [RightsRequestType] = [
        .access, .rectification, .erasure, .restriction, .objection, .objectionDirectMarketing, .objectionAutomatedDecision, .portability,
    ]

    /// Codes per client address and per e-mail address within fifteen minutes, and code tries
    /// per client address.
    static let codesPerEmail = 3, triesPerAddress = 30

    /// The identity checks as form inputs: name `id.<field>[.<part>]`.
    var checkInputs: [(key: String, name: String, id: String, label: String, autocomplete: String)] {
        door.identityChecks.map { item in
            let key = item.part.map { "\(item.field.id).\($0.rawValue)" } ?? item.field.id
            return (key, "id.\(key)", "id-" + key.replacingOccurrences(of: ".", with: "-"), key, item.part == .postcode ? "postal-code" : "off")
        }
    }

    func requestForm(_ request: Request) -> Response {
        let visitor = visitor(request)
        return with(renderRequestForm(visitor, values: [:], errors: [:]), visitor)
    }

    func renderRequestForm(_ visitor: Visitor, values: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        let language = visitor.language
        let checks = checkInputs.map { input -> [String: Any] in
            var entry: [String: Any] = ["name": input.name, "id": input.id, "value": values[input.name] ?? "", "autocomplete": input.autocomplete,
                                        "label": pages.messages[language]?["check.\(input.key)"] ?? input.key]
            if let error = errors[input.name] { entry["error"] = error }
            return entry
        }
        var context: [String: Any] = [
            "csrf": visitor.visit.map { guarder.csrfToken(visit: $0, form: "request") } ?? "",
            "email": values["email"] ?? "", "statement": values["statement"] ?? "", "hasErrors": !errors.isEmpty, "hasChecks": !checks.isEmpty, "checks": checks,
            "types": Self.requestTypes.map { type -> [String: Any] in
                ["value": type.rawValue, "label": pages.text("type.\(type.rawValue)", language), "hint": pages.text("type.\(type.rawValue).hint", language),
                 "checked": values["type"] == type.rawValue]
            },
        ]
        if let error = errors["email"] { context["emailError"] = error }
        if let error = errors["type"] { context["typeError"] = error }
        if let error = errors["statement"] { context["statementError"] = error }
        return pages.page("request", language: language, title: pages.text("askTitle", language), here: "/privacy/request", values: context, status: status)
    }

    /// A well-formed address: one `@`, a dot in the domain, no spaces or controls, at most 254.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
              parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return text.unicodeScalars.allSatisfy { $0.value > 32 && $0.value != 127 && !"<>()[]\\,;:\"".unicodeScalars.contains($0) }
    }

    static func isShortLine(_ text: String) -> Bool {
        text.count <= 64 && text.unicodeScalars.allSatisfy { !CharacterSet.controlCharacters.contains($0) }
    }

    static func isPostcode(_ text: String) -> Bool {
        let compact = text.uppercased().replacingOccurrences(of: " ", with: "")
        let scalars = Array(compact.unicodeScalars)
        return scalars.count == 6 && scalars.prefix(4).allSatisfy { CharacterSet.decimalDigits.contains($0) }
            && scalars.suffix(2).allSatisfy { ("A"..."Z").contains(Character($0)) }
    }

    func submitRequest(_ request: Request, _ context: CustosRequestContext) async throws -> Response {
        var visitor = visitor(request)
        let language = visitor.language
        let form: FormBody
        do { form = try await FormBody.read(request, allowed: Set(["csrf", "type", "email", "statement"] + checkInputs.map(\.name))) } catch {
            return with(formFailure(error, language), visitor)
        }
        guard try await guarder.spend(form["csrf"], visit: visitor.visit, form: "request") else { return with(pages.message("csrf", language: language, status: .forbidden), visitor) }
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [String: String] = [:]
        let type = form["type"].flatMap(RightsRequestType.init(rawValue:))
        if type == nil { errors["type"] = pages.text("err.type", language) }
        if !Self.isEmail(email) { errors["email"] = pages.text("err.email", language) }
        let typed = form["statement"] ?? "", statement = PublicDoor.statementWords(typed)
        if BlankText.isBlank(typed) {
            if type == .rectification { errors["statement"] = pages.text("err.statementMissing", language) }
        } else if statement == nil {
            errors["statement"] = pages.text("err.statementLong", language)
        } else if let type, type != .rectification {
            errors["statement"] = pages.text("err.statementOnly", language)
        }
        var identity: [String: String] = [:]
        for input in checkInputs {
            let value = (form[input.name] ?? "").trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { continue }
            if !Self.isShortLine(value) {
                errors[input.name] = pages.text("err.field", language)
            } else if input.key.hasSuffix(".postcode"), !Self.isPostcode(value) {
                errors[input.name] = pages.text("err.postcode", language)
            } else {
                identity[input.key] = value
            }
        }
        guard let type, errors.isEmpty else {
            var values = form.values
            values["csrf"] = nil
            return with(renderRequestForm(visitor, values: values, errors: errors, status: .unprocessableContent), visitor)
        }
        let payload = try JSONEncoder().encode(WebRightsForm(type: type, email: email, identity: identity, language: language,
                                                                 statement: type == .rectification ? statement : nil))
        return try await sendCode(kind: "request", email: email, payload: payload, visitor: &visitor, context: context)
    }

    /// The same page whether or not anyone has the address: only the rate limits can refuse.
    func sendCode(kind: String, email: String, payload: Data, visitor: inout Visitor, context: CustosRequestContext) async throws -> Response {
        let language = visitor.language
        let door = self.door
        let recent = try await call { try door.recentCodeRequests(email: email, minutes: 15) }
        guard recent < Self.codesPerEmail, try await guarder.allow("code-address:" + address(context), limit: codesPerAddress) else {
            return with(pages.message("tooMany", language: language, status: .tooManyRequests), visitor)
        }
        let subject = pages.text("mail.code.subject", language), template = pages.text("mail.code.body", language)
        let challenge = try await call {
            try door.startEmailChallenge(kind: kind, email: email, payload: payload) { code in (subject, template.replacingOccurrences(of: "{code}", with: code)) }
        }
        mailer?.kick()
        return with(codePage(visitor, challenge: challenge, error: nil, status: .ok), visitor)
    }

    func codePage(_ visitor: Visitor, challenge: String, error: String?, status: HTTPResponse.Status) -> Response {
        var values: [String: Any] = ["csrf": visitor.visit.map { guarder.csrfToken(visit: $0, form: "code") } ?? "", "challenge": challenge]
        if let error { values["error"] = error }
        return pages.page("code", language: visitor.language, title: pages.text("codeTitle", visitor.language), here: nil, values: values, status: status)
    }

    func confirmCode(_ request: Request, _ context: CustosRequestContext) async throws -> Response {
        var visitor = visitor(request)
        let language = visitor.language
        let form: FormBody
        do { form = try await FormBody.read(request, allowed: ["csrf", "challenge", "code"]) } catch { return with(formFailure(error, language), visitor) }
        guard try await guarder.spend(form["csrf"], visit: visitor.visit, form: "code") else { return with(pages.message("csrf", language: language, status: .forbidden), visitor) }
        guard try await guarder.allow("try-address:" + address(context), limit: Self.triesPerAddress) else {
            return with(pages.message("tooMany", language: language, status: .tooManyRequests), visitor)
        }
        let challenge = String((form["challenge"] ?? "").prefix(64))
        let code = (form["code"] ?? "").trimmingCharacters(in: .whitespaces)
        let door = self.door
        let answer = try await call { try door.answerEmailChallenge(challenge, code: code) }
        switch answer {
        case let .wrong(remaining):
            return with(codePage(visitor, challenge: challenge, error: pages.text("err.code.wrong", language, ["n": String(remaining)]), status: .unprocessableContent), visitor)
        case .locked: return with(pages.message("locked", language: language, status: .forbidden), visitor)
        case .expired, .unknown: return with(pages.message("expired", language: language, status: .gone), visitor)
        case let .confirmed(confirmed) where confirmed.kind == "request":
            guard let form = try? JSONDecoder().decode(WebRightsForm.self, from: confirmed.payload) else { return with(pages.message("error", language: language, status: .internalServerError), visitor) }
            return with(try await opened(form, visitor: visitor), visitor)
        case let .confirmed(confirmed):
            guard let start = try? JSONDecoder().decode(PreferencesStart.self, from: confirmed.payload) else { return with(pages.message("error", language: language, status: .internalServerError), visitor) }
            let subjects = try await call { try door.engine.findSubjects(matching: start.email, kind: .email) }
            let session = try await guarder.startSession(subjects: subjects.sorted())
            visitor.cookies.append(cookie("custos_session", session, maxAge: 1800))
            return with(Response(status: .seeOther, headers: [.location: "/privacy/preferences"]), visitor)
        }
    }

    /// Opens the request for every subject the confirmed address belongs to, mails each status
    /// link, and shows the request numbers and deadlines.
    func opened(_ form: WebRightsForm, visitor: Visitor) async throws -> Response {
        let door = self.door, web = self.web, language = form.language
        let requests = try await call { try door.openWebRequest(form, as: web) }
        guard !requests.isEmpty else { return pages.message("nothing", language: visitor.language, status: .ok) }
        for opened in requests {
            let link = baseURL.string + "/privacy/status/" + opened.statusToken
            let due = Self.date(opened.request.dueOn, language)
            let subject = pages.text("mail.status.subject", language, ["id": opened.request.id])
            let body = pages.text("mail.status.body", language, ["id": opened.request.id, "due": due, "link": link])
            try await call { try door.enqueueMail(kind: "status-link", to: form.email, subject: subject, body: body) }
        }
        mailer?.kick()
        let values: [String: Any] = ["requests": requests.map { opened -> [String: Any] in
            ["id": opened.request.id, "type": pages.text("type.\(opened.request.type.rawValue)", visitor.language),
             "received": Self.date(opened.request.receivedOn, visitor.language), "due": Self.date(opened.request.dueOn, visitor.language),
             "statusPath": "/privacy/status/" + opened.statusToken]
        }]
        return pages.page("opened", language: visitor.language, title: pages.text("openedTitle", visitor.language), here: nil, values: values)
    }

    func formFailure(_ error: any Error, _ language: String) -> Response {
        if case FormBody.Failure.tooLarge = error { return pages.message("tooLarge", language: language, status: .contentTooLarge) }
        return pages.message("csrf", language: language, status: .badRequest)
    }

    static let months = [
        "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"],
        "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    ]

    /// "30 december 2026" / "30 December 2026".
    static func date(_ date: LocalDate, _ language: String) -> String {
        "\(date.day) \(months[language]?[date.month - 1] ?? String(date.month)) \(date.year)"
    }
}

/// What the preference centre's code confirms: the address, and the language it was asked in.
struct PreferencesStart: Codable {
    var email: String
    var language: String
}
