import Foundation
import Hummingbird
import Custos

/// The privacy preference centre: after an e-mail code, every consent-based purpose that can
/// concern the person with the notice in force, one click to give or withdraw, and objections
/// to direct marketing; a signed receipt to download.
extension PrivacyCentre {
    func preferences(_ request: Request) async throws -> Response {
        let visitor = visitor(request)
        let language = visitor.language
        guard let sessionId = visitor.session, let session = try await guarder.session(sessionId) else {
            let values: [String: Any] = ["csrf": visitor.visit.map { guarder.csrfToken(visit: $0, form: "preferences-start") } ?? ""]
            return with(pages.page("preferences-start", language: language, title: pages.text("prefsTitle", language), here: "/privacy/preferences", values: values), visitor)
        }
        let door = self.door
        let choices = try await call { try Self.merged(session.subjects.map { try door.preferenceChoices(subject: $0, language: language) }) }
        let token = { visitor.visit.map { guarder.csrfToken(visit: $0, form: "preferences") } ?? "" }
        let consents = choices.filter { $0.kind == .consent }.map { choice -> [String: Any] in
            var entry: [String: Any] = [
                "purpose": choice.purpose, "title": choice.titles[language] ?? choice.title, "active": choice.active, "csrf": token(),
                "stateText": pages.text(choice.active ? "given" : "notGiven", language), "version": choice.noticeVersion.map(String.init) ?? "",
                "receiptPath": "/privacy/preferences/receipt/\(choice.purpose)",
            ]
            if let text = choice.noticeText, let shown = choice.noticeLanguage {
                entry["notice"] = true
                entry["noticeLines"] = Self.paragraphs(text)
                // The form says which text was shown, and the consent records it; a text in
                // another language than the page's is marked so (WCAG 3.1.2).
                entry["noticeLanguage"] = shown
                if shown != language { entry["noticeLang"] = shown }
            }
            return entry
        }
        let objections = choices.filter { $0.kind == .directMarketingObjection }.map { choice -> [String: Any] in
            ["purpose": choice.purpose, "title": choice.titles[language] ?? choice.title, "active": choice.active, "csrf": token()]
        }
        var values: [String: Any] = [
            "consents": consents, "objections": objections, "hasChoices": !choices.isEmpty, "hasObjections": !objections.isEmpty,
            "endCsrf": visitor.visit.map { guarder.csrfToken(visit: $0, form: "preferences-end") } ?? "",
        ]
        if let flash = try await guarder.flash(sessionId, nil) { values["flash"] = flash }
        return with(pages.page("preferences", language: language, title: pages.text("prefsTitle", language), here: "/privacy/preferences", values: values), visitor)
    }

    /// One person may be more than one subject under an address: a choice shows as given only
    /// when it is given for every one of them, and a click applies to all.
    static func merged(_ lists: [[PreferenceChoice]]) -> [PreferenceChoice] {
        var merged: [PreferenceChoice] = []
        for choice in lists.joined() {
            if let index = merged.firstIndex(where: { $0.purpose == choice.purpose && $0.kind == choice.kind }) {
                merged[index].active = merged[index].active && choice.active
            } else {
                merged.append(choice)
            }
        }
        return merged
    }

    /// A notice's Markdown as plain paragraphs (no markup is interpreted: it is escaped).
    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { block in
            block.split(separator: "\n").map { line in
                line.trimmingCharacters(in: CharacterSet(charactersIn: "#*> ").union(.whitespaces)).replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
            }.joined(separator: " ")
        }.filter { !$0.isEmpty }
    }

    func startPreferences(_ request: Request, _ context: CustosRequestContext) async throws -> Response {
        var visitor = visitor(request)
        let language = visitor.language
        let form: FormBody
        do { form = try await FormBody.read(request, allowed: ["csrf", "email"]) } catch { return with(formFailure(error, language), visitor) }
        guard try await guarder.spend(form["csrf"], visit: visitor.visit, form: "preferences-start") else {
            return with(pages.message("csrf", language: language, status: .forbidden), visitor)
        }
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.isEmail(email) else {
            let values: [String: Any] = ["csrf": visitor.visit.map { guarder.csrfToken(visit: $0, form: "preferences-start") } ?? "",
                                         "email": email, "emailError": pages.text("err.email", language)]
            return with(pages.page("preferences-start", language: language, title: pages.text("prefsTitle", language), here: "/privacy/preferences",
                                   values: values, status: .unprocessableContent), visitor)
        }
        let payload = try JSONEncoder().encode(PreferencesStart(email: email, language: language))
        return try await sendCode(kind: "preferences", email: email, payload: payload, visitor: &visitor, context: context)
    }

    func changePreference(_ request: Request, _ context: CustosRequestContext) async throws -> Response {
        let visitor = visitor(request)
        let language = visitor.language
        let form: FormBody
        do { form = try await FormBody.read(request, allowed: ["csrf", "purpose", "action", "version", "notice-language"]) } catch { return with(formFailure(error, language), visitor) }
        guard try await guarder.spend(form["csrf"], visit: visitor.visit, form: "preferences"), let sessionId = visitor.session,
              let session = try await guarder.session(sessionId) else {
            return with(pages.message("csrf", language: language, status: .forbidden, link: ("/privacy/preferences", pages.text("page.again", language))), visitor)
        }
        let purpose = String((form["purpose"] ?? "").prefix(64)), action = form["action"] ?? ""
        let version = form["version"].flatMap { Int($0) }
        let noticeLanguage = form["notice-language"].flatMap { $0.isEmpty ? nil : String($0.prefix(8)) }
        let evidence = "privacy centre; " + guarder.addressReference(address(context))
        let door = self.door, actor = web.actor
        guard ["give", "withdraw", "object"].contains(action),
              noticeLanguage.map(LanguageCode.isWellFormed) ?? true else {
            return with(pages.message("csrf", language: language, status: .badRequest), visitor)
        }
        let refusal: String?
        do {
            refusal = try await call {
                var refusal: String?
                // Every subject of the address that has this choice; one that has not is left
                // alone, and a purpose none of them has is refused (no partial change).
                let kind: PreferenceChoice.Kind = action == "object" ? .directMarketingObjection : .consent
                let concerned = try session.subjects.filter { subject in
                    try door.preferenceChoices(subject: subject).contains { $0.purpose == purpose && $0.kind == kind }
                }
                guard !concerned.isEmpty else { throw ConsentError.unknownPurpose(purpose, suggestion: nil) }
                for subject in concerned {
                    if action == "object" {
                        try door.objectToDirectMarketing(subject: subject, purpose: purpose)
                    } else {
                        refusal = try door.setPreference(subject: subject, purpose: purpose, give: action == "give", noticeVersion: version,
                                                             noticeLanguage: noticeLanguage, evidence: evidence, actor: actor) ?? refusal
                    }
                }
                return refusal
            }
        } catch is ConsentError {
            // A purpose that is not a choice of this person; any other failure is the error page.
            return with(pages.message("notFound", language: language, status: .notFound, link: ("/privacy/preferences", pages.text("page.again", language))), visitor)
        }
        let flash = refusal ?? pages.text(action == "give" ? "flash.given" : action == "withdraw" ? "flash.withdrawn" : "flash.objected", language)
        try await guarder.flash(sessionId, flash)
        return with(Response(status: .seeOther, headers: [.location: "/privacy/preferences"]), visitor)
    }

    func endPreferences(_ request: Request) async throws -> Response {
        var visitor = visitor(request)
        let form: FormBody
        do { form = try await FormBody.read(request, allowed: ["csrf"]) } catch { return with(formFailure(error, visitor.language), visitor) }
        guard try await guarder.spend(form["csrf"], visit: visitor.visit, form: "preferences-end") else {
            return with(pages.message("csrf", language: visitor.language, status: .forbidden), visitor)
        }
        try await guarder.endSession(visitor.session)
        visitor.cookies.append(cookie("custos_session", "", maxAge: 0))
        return with(Response(status: .seeOther, headers: [.location: "/privacy"]), visitor)
    }

    /// The receipt of a given consent as a JWS, for the session's subject that gave it.
    func receipt(_ request: Request, purpose: String) async throws -> Response {
        let visitor = visitor(request)
        guard let session = try await guarder.session(visitor.session) else {
            return with(Response(status: .seeOther, headers: [.location: "/privacy/preferences"]), visitor)
        }
        let door = self.door
        let jws = try await call { () -> String? in
            for subject in session.subjects where try door.preferenceChoices(subject: subject).contains(where: { $0.purpose == purpose && $0.kind == .consent && $0.active }) {
                return try door.engine.consentReceiptJWS(subject: subject, purpose: purpose)
            }
            return nil
        }
        guard let jws else { return with(pages.message("notFound", language: visitor.language, status: .notFound), visitor) }
        return Response(status: .ok, headers: [.contentType: "application/jose", .contentDisposition: "attachment; filename=\"consent-receipt-\(purpose).jws\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: jws)))
    }
}
