import Foundation
import Hummingbird
import HTTPTypes
import Logging
import Custos
import CustosStore
import CustosReports

/// The officer's console (DESIGN §11) on the internal listener, never the public one: the
/// request book against its deadlines, what waits on the officer, a subject's dossier, the
/// auditor's reports and the retention sweep, in Dutch and English, without scripts. Every
/// page needs a session from a password (and TOTP where the account has one); an auditor sees
/// every page and no button that changes anything, and a change posted by hand is refused.
/// Every change goes through the same library call as the CLI, recorded with the account.
struct Console: Sendable {
    let office: ConsoleBackend
    let executor: EngineExecutor
    let pages: WebPages
    /// The reports' words in each language the console speaks.
    let reportTexts: [String: ReportTexts]
    let guarder: WebGuard
    let sessions: ConsoleSessions
    let sweepPlans = TimedCache<RetentionSweepReport>()
    /// Today's line about the log; the audit page verifies afresh every time.
    let logChecks = TimedCache<(verification: DecisionLog.Verification, at: Instant)>(lifetime: .seconds(60))
    /// Today's people owed the Art. 14 information.
    let informationOwed = TimedCache<[InformationDesk.InformationDuty]>(lifetime: .seconds(60))
    let settings: ServerConfiguration.ConsoleSettings
    /// The server's `limits.requests-per-token-per-second`: the rate of an account without its own.
    let serverRequestLimit: Int?
    let secureCookies: Bool
    let logger: Logger

    /// Every route's template, for the access log, which never names a path (request and
    /// subject ids are in them).
    static let table: [(template: String, method: String)] = [
        ("/console", "GET"), ("/console/login", "GET"), ("/console/login", "POST"), ("/console/logout", "POST"),
        ("/console/static/console.css", "GET"),
        ("/console/requests/:request", "GET"), ("/console/requests/:request/verify", "POST"), ("/console/requests/:request/extend", "POST"),
        ("/console/requests/:request/fulfil", "POST"), ("/console/requests/:request/reject", "POST"), ("/console/requests/:request/statement", "POST"),
        ("/console/requests/:request/answer.html", "GET"), ("/console/requests/:request/answer.json", "GET"),
        ("/console/requests/:request/erasure-certificate.json", "GET"),
        ("/console/subjects", "GET"), ("/console/subjects", "POST"), ("/console/subjects/:subject", "GET"), ("/console/subjects/:subject/open", "POST"), ("/console/subjects/:subject/requests", "POST"),
        ("/console/tasks/:task/done", "POST"), ("/console/objections/:objection/assess", "POST"), ("/console/subjects/:subject/informed", "POST"),
        ("/console/reports/:report", "GET"), ("/console/reports/:report/download", "GET"),
        ("/console/audit", "GET"), ("/console/audit", "POST"), ("/console/sweep", "GET"), ("/console/sweep", "POST"),
        ("/console/breaches", "GET"), ("/console/breaches", "POST"), ("/console/breaches/:breach", "GET"),
        ("/console/breaches/:breach/assess", "POST"), ("/console/breaches/:breach/notify", "POST"), ("/console/breaches/:breach/informed", "POST"),
        ("/console/breaches/:breach/close", "POST"),
        ("/console/services", "GET"), ("/console/services/:service/limit", "POST"), ("/console/services/:service/revoke", "POST"),
    ]

    static let templates = RouteTemplates(table.map(\.template))

    static func template(_ path: String) -> String? { templates.match(path) }

    static let pageNames = ["header", "footer", "login", "message", "today", "request", "subject", "subjects", "report", "audit", "sweep", "breaches", "breach", "services"]

    func add(to router: Router<CustosRequestContext>) {
        let group = router.group("console").add(middleware: ConsolePageMiddleware(pages: pages, overHTTPS: secureCookies))
        group.get("static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: pages.stylesheet)))
        }
        group.get("login") { request, _ in loginForm(request) }
        group.post("login") { request, context in try await login(request, context) }
        group.post("logout") { request, _ in try await logout(request) }
        group.get("") { request, _ in try await signedIn(request) { try await today($0) } }
        group.get("requests/:request") { request, context in
            try await signedIn(request) { try await requestPage($0, id: context.parameters.get("request") ?? "") }
        }
        group.get("requests/:request/answer.html") { request, context in
            try await signedIn(request) { try await storedAnswer($0, id: context.parameters.get("request") ?? "", json: false) }
        }
        group.get("requests/:request/answer.json") { request, context in
            try await signedIn(request) { try await storedAnswer($0, id: context.parameters.get("request") ?? "", json: true) }
        }
        group.get("requests/:request/erasure-certificate.json") { request, context in
            try await signedIn(request) { try await erasureCertificate($0, id: context.parameters.get("request") ?? "") }
        }
        for action in RequestAction.allCases {
            group.post("requests/:request/\(action.rawValue)") { request, context in
                try await acting(request, form: "request-\(action.rawValue)", fields: action.fields) { visit, form in
                    try await act(action, on: context.parameters.get("request") ?? "", form: form, visit)
                }
            }
        }
        group.get("subjects") { request, _ in try await signedIn(request) { try await findSubject($0, request: request) } }
        group.get("subjects/:subject") { request, context in
            try await signedIn(request) { try await subjectPage($0, id: context.parameters.get("subject") ?? "", opened: nil) }
        }
        group.post("subjects") { request, _ in
            // Finding changes nothing: an auditor may.
            try await acting(request, form: "find", fields: ["kind", "value"], readOnlyAllowed: true) { visit, form in try await lookUp(visit, form: form) }
        }
        let fieldBoxes = Set(office.policy.policy.fields.map { "field." + $0.id.id })
        group.post("subjects/:subject/open") { request, context in
            try await acting(request, form: "open-fields", fields: fieldBoxes, readOnlyAllowed: false) { visit, form in
                try await openFields(visit, subject: context.parameters.get("subject") ?? "", form: form)
            }
        }
        group.post("subjects/:subject/requests") { request, context in
            try await acting(request, form: "open-request", fields: ["type", "channel", "received", "purpose"]) { visit, form in
                try await openRequest(visit, subject: context.parameters.get("subject") ?? "", form: form)
            }
        }
        // Any other console path: a page, not the service API's problem document.
        group.get("**") { request, _ in
            pages.message("notFound", language: "nl", status: .notFound, link: ("/console", pages.text("nav.today", "nl")))
        }
        group.post("tasks/:task/done") { request, context in
            try await acting(request, form: "task-done", fields: []) { visit, _ in try await taskDone(visit, id: context.parameters.get("task") ?? "") }
        }
        group.post("subjects/:subject/informed") { request, context in
            try await acting(request, form: "informed", fields: ["notice", "channel"]) { visit, form in
                try await informationSent(visit, subject: context.parameters.get("subject") ?? "", form: form)
            }
        }
        group.post("objections/:objection/assess") { request, context in
            try await acting(request, form: "assess", fields: ["assessment", "reference"]) { visit, form in
                try await assess(visit, id: context.parameters.get("objection") ?? "", form: form)
            }
        }
        group.get("reports/:report") { request, context in
            try await signedIn(request) { try await reportPage($0, kind: context.parameters.get("report") ?? "", request: request) }
        }
        group.get("reports/:report/download") { request, context in
            try await signedIn(request) { try await reportDownload($0, kind: context.parameters.get("report") ?? "", request: request) }
        }
        group.get("audit") { request, _ in try await signedIn(request) { try await auditPage($0, checkpoint: nil) } }
        group.post("audit") { request, _ in
            // Verifying changes nothing: an auditor may do it.
            try await acting(request, form: "audit", fields: ["checkpoint", "use-file"], readOnlyAllowed: true) { visit, form in
                try await auditPage(visit, checkpoint: form)
            }
        }
        group.get("breaches") { request, _ in try await signedIn(request) { try await breachesPage($0) } }
        group.post("breaches") { request, _ in
            try await acting(request, form: "breach-record", fields: Self.breachRecordFields) { visit, form in try await recordBreach(visit, form: form) }
        }
        group.get("breaches/:breach") { request, context in
            try await signedIn(request) { try await breachPage($0, id: context.parameters.get("breach") ?? "") }
        }
        for action in BreachAction.allCases {
            group.post("breaches/:breach/\(action.rawValue)") { request, context in
                try await acting(request, form: "breach-\(action.rawValue)", fields: action.fields) { visit, form in
                    try await breachStep(action, on: context.parameters.get("breach") ?? "", form: form, visit)
                }
            }
        }
        group.get("services") { request, _ in try await signedIn(request) { try await servicesPage($0) } }
        group.post("services/:service/limit") { request, context in
            let name = context.parameters.get("service") ?? ""
            return try await acting(request, form: Self.serviceForm("limit", name), fields: ["requests-per-second", "clear"]) { visit, form in
                try await limitService(visit, name: name, form: form)
            }
        }
        group.post("services/:service/revoke") { request, context in
            let name = context.parameters.get("service") ?? ""
            return try await acting(request, form: Self.serviceForm("revoke", name), fields: ["confirm"]) { visit, form in
                try await revokeService(visit, name: name, form: form)
            }
        }
        group.get("sweep") { request, _ in try await signedIn(request) { try await sweepPage($0) } }
        group.post("sweep") { request, _ in
            try await acting(request, form: "sweep", fields: ["fields", "subjects", "shredded", "confirm"]) { visit, form in try await runSweep(visit, form: form) }
        }
    }

    // MARK: the visitor

    /// A signed-in visit: the account as it is now, the language, and the session for CSRF.
    struct Visit {
        var account: OfficerAccount
        var session: String
        var language: String
        var cookies: [String] = []
        var canAct: Bool { account.role == .officer }
        /// Recorded with every change, as the CLI records the operating-system user.
        var actor: String { "console:\(account.name)" }
    }

    static let sessionCookie = "custos_console"
    static let visitCookie = "custos_console_visit"

    func cookies(_ request: Request) -> [String: String] { request.cookieValues }

    /// The console's cookies are scoped to its path on the internal listener only; the public
    /// listener has no console routes and never sees them.
    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        "\(name)=\(value); Path=/console; HttpOnly; SameSite=Strict\(secureCookies ? "; Secure" : "")\(maxAge.map { "; Max-Age=\($0)" } ?? "")"
    }

    /// `?lang=` switches (and is remembered), else the cookie, else Accept-Language, else Dutch.
    func language(_ request: Request, cookies: [String: String], set: inout [String]) -> String {
        if let asked = request.uri.queryParameters.get("lang"), WebPages.languages.contains(String(asked)) {
            set.append(cookie("custos_console_lang", String(asked), maxAge: 31_536_000))
            return String(asked)
        }
        if let chosen = cookies["custos_console_lang"], WebPages.languages.contains(chosen) { return chosen }
        return (request.headers[.acceptLanguage] ?? "").lowercased().hasPrefix("en") ? "en" : "nl"
    }

    /// Runs a page for a signed-in account; anyone else is sent to the sign-in page.
    func signedIn(_ request: Request, _ body: (Visit) async throws -> Response) async throws -> Response {
        guard let visit = try await visit(request) else { return redirect("/console/login") }
        return with(try await body(visit), visit.cookies)
    }

    func visit(_ request: Request) async throws -> Visit? {
        let cookies = cookies(request)
        guard let id = cookies[Self.sessionCookie], let session = try await sessions.touch(id) else { return nil }
        // The account as it is now: removed accounts and changed roles take effect at once, and
        // an account made again under the same name is another account.
        let office = self.office
        guard let account = try await call({ try office.accounts.officer(named: session.account) }),
              account.createdAt.millisecondsSinceEpoch == session.accountCreatedAt else {
            try await sessions.end(id)
            return nil
        }
        var set: [String] = []
        let language = language(request, cookies: cookies, set: &set)
        return Visit(account: account, session: id, language: language, cookies: set)
    }

    /// Runs a change posted from a console form: a session, the form's one-use CSRF token
    /// bound to it, only the form's keys, and (unless the form changes nothing) the officer
    /// role. Each change is written to the server log with the account and the route template.
    func acting(_ request: Request, form name: String, fields: Set<String>, readOnlyAllowed: Bool = false,
                _ body: (Visit, FormBody) async throws -> Response) async throws -> Response {
        guard let visit = try await visit(request) else { return redirect("/console/login") }
        let form: FormBody
        do { form = try await FormBody.read(request, allowed: fields.union(["csrf"])) } catch FormBody.Failure.tooLarge {
            return pages.message("tooLarge", language: visit.language, status: .contentTooLarge, link: ("/console", pages.text("nav.today", visit.language)))
        } catch {
            return pages.message("badForm", language: visit.language, status: .badRequest, link: ("/console", pages.text("nav.today", visit.language)))
        }
        // The role first: an auditor's change is refused as such, whatever the form carries.
        guard visit.canAct || readOnlyAllowed else {
            logger.notice("console change refused", metadata: ["account": "\(visit.account.name)", "role": "\(visit.account.role.rawValue)",
                                                              "route": "\(Self.template(request.uri.path) ?? "unknown")"])
            return pages.message("readOnly", language: visit.language, status: .forbidden, link: ("/console", pages.text("nav.today", visit.language)))
        }
        guard try await guarder.spend(form["csrf"], visit: visit.session, form: name) else {
            return pages.message("expired", language: visit.language, status: .forbidden, link: ("/console", pages.text("nav.today", visit.language)))
        }
        let response = try await body(visit, form)
        logger.info("console action", metadata: ["account": "\(visit.account.name)", "route": "\(Self.template(request.uri.path) ?? "unknown")",
                                                 "status": "\(response.status.code)"])
        return with(response, visit.cookies)
    }

    func csrf(_ visit: Visit, _ form: String) -> String { guarder.csrfToken(visit: visit.session, form: form) }

    func redirect(_ location: String) -> Response { Response(status: .seeOther, headers: [.location: location]) }

    func with(_ response: Response, _ cookies: [String]) -> Response {
        var response = response
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    /// Renders a console page with the navigation and the account.
    func page(_ template: String, _ visit: Visit, title: String, here: String, values: [String: Any] = [:], status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        values["account"] = visit.account.name
        values["role"] = pages.text("role.\(visit.account.role.rawValue)", visit.language)
        values["canAct"] = visit.canAct
        values["logoutCsrf"] = csrf(visit, "logout")
        values["nav"] = [("/console", "nav.today"), ("/console/subjects", "nav.subjects"), ("/console/reports/activity", "nav.reports"),
                         ("/console/breaches", "nav.breaches"), ("/console/sweep", "nav.sweep"), ("/console/services", "nav.services"), ("/console/audit", "nav.audit")].map { href, key -> [String: Any] in
            // A section's pages below it (a subject, a report) keep its tab marked.
            let section = key == "nav.reports" ? "/console/reports" : href
            return ["href": href, "label": pages.text(key, visit.language), "current": href == here || (href != "/console" && here.hasPrefix(section))]
        }
        return pages.page(template, language: visit.language, title: title, here: here, values: values, status: status)
    }

    /// The answer to a change: what happened, or why it was refused, in words.
    /// `libraryLines` are the library's own words (its refusals and results), which are in
    /// English: on a page in another language they carry `lang="en"`, so a screen reader reads
    /// them as English (WCAG 2.1, 3.1.2 language of parts).
    /// `results` follow them, each in the page's language or marked as the library's English.
    func outcome(_ visit: Visit, heading: String, lines: [String], libraryLines: Bool = false, results: [ResultLine] = [], back: (href: String, label: String),
                 refused: Bool = false, extra: [String: Any] = [:]) -> Response {
        var values = extra
        values["heading"] = heading
        values[libraryLines && visit.language != "en" ? "englishParagraphs" : "paragraphs"] = lines
        values["results"] = results.map { line -> [String: Any] in
            switch line {
            case let .said(key, given, phrases, list):
                var all = given
                for (name, phrase) in phrases { all[name] = pages.text(phrase, visit.language, given) }
                if !list.isEmpty { all["list"] = list.map { "\($0.0) (\(pages.text($0.1, visit.language)))" }.joined(separator: ", ") }
                return ["text": pages.text("result.\(key)", visit.language, all), "english": false]
            case let .library(text):
                return ["text": text, "english": visit.language != "en"]
            }
        }
        values["refused"] = refused
        values["link"] = ["href": back.href, "label": back.label]
        return page("message", visit, title: heading, here: back.href, values: values, status: refused ? .conflict : .ok)
    }

    /// A refusal from the library (a desk's, or a store's refusal of an input) in the visitor's
    /// language: its words rendered from the catalogue's `refusal.KEY` texts where it has them all, else the library's English
    /// (`english`, which `outcome` marks as such); a request's refusal is led by its reason
    /// code and the article it rests on, as the CLI prints it. Any other error is the
    /// library's English.
    func refusal(_ error: any Error, _ visit: Visit) -> (lines: [String], english: Bool) {
        Self.refusal(error, pages: pages, language: visit.language)
    }

    static func refusal(_ error: any Error, pages: WebPages, language: String) -> (lines: [String], english: Bool) {
        let words: LibraryWords
        if let refusal = error as? any Refusal {
            words = refusal.words
        } else if case let .refused(stored)? = error as? StoreError {
            words = stored
        } else {
            return ([String(describing: error)], true)
        }
        let (text, translated) = pages.say(words, language)
        if let request = error as? RequestRefusal {
            return (["\(request.code.rawValue) (\(request.code.article)): \(text)"], !translated)
        }
        return ([text], !translated)
    }

    /// The answer to a change the library refused: why, in words, and the way back.
    func refused(_ visit: Visit, _ error: any Error, back: (href: String, label: String)) -> Response {
        let (lines, english) = refusal(error, visit)
        return outcome(visit, heading: pages.text("refused", visit.language), lines: lines, libraryLines: english, back: back, refused: true)
    }

    /// A template row without its absent values: a Mustache section shows for any value,
    /// even an empty text, and hides only for a missing one or false.
    static func compact(_ values: [String: Any?]) -> [String: Any] { values.compactMapValues { $0 } }

    func call<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T { try await executor.run(body) }

    /// A date as the officer reads it.
    static func day(_ instant: Instant, _ office: ConsoleBackend) -> String { office.policy.localDate(of: instant).description }

    static func minute(_ instant: Instant, _ office: ConsoleBackend) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = office.policy.timeZone
        return formatter.string(from: Date(timeIntervalSince1970: Double(instant.millisecondsSinceEpoch) / 1000))
    }
}
