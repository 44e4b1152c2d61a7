import Foundation
import Hummingbird
import Custos
import CustosStore

/// Signing in and out: a password and, for an account with a second factor, a TOTP code;
/// one answer for every failure (unknown account, wrong password, wrong or reused code,
/// locked account), limited per client address, and the account locked after five failures.
extension Console {
    /// Sign-in attempts one client address may make in fifteen minutes.
    static let signInsPerAddress = 20

    func loginForm(_ request: Request, failed: Bool = false, status: HTTPResponse.Status = .ok) -> Response {
        let cookies = cookies(request)
        var set: [String] = []
        let language = language(request, cookies: cookies, set: &set)
        var visit = cookies[Self.visitCookie].flatMap { $0.utf8.count <= 64 ? $0 : nil }
        if visit == nil {
            let made = RandomToken.make()
            visit = made
            set.append(cookie(Self.visitCookie, made))
        }
        let values: [String: Any] = ["csrf": guarder.csrfToken(visit: visit ?? "", form: "login"), "failed": failed]
        return with(pages.page("login", language: language, title: pages.text("login.title", language), here: "/console/login",
                               values: values, status: status), set)
    }

    func login(_ request: Request, _ context: CustosRequestContext) async throws -> Response {
        let address = context.clientAddress
        let cookies = cookies(request)
        var set: [String] = []
        let language = language(request, cookies: cookies, set: &set)
        guard try await guarder.allow("console-login:" + address, limit: Self.signInsPerAddress) else {
            return pages.message("tooMany", language: language, status: .tooManyRequests, link: ("/console/login", pages.text("login.title", language)))
        }
        let form: FormBody
        do { form = try await FormBody.read(request, allowed: ["csrf", "name", "password", "code"]) } catch {
            return pages.message("badForm", language: language, status: .badRequest, link: ("/console/login", pages.text("login.title", language)))
        }
        guard try await guarder.spend(form["csrf"], visit: cookies[Self.visitCookie], form: "login") else {
            return pages.message("expired", language: language, status: .forbidden, link: ("/console/login", pages.text("login.title", language)))
        }
        let name = form["name"] ?? "", password = form["password"] ?? "", code = form["code"].flatMap { $0.isEmpty ? nil : $0 }
        let office = self.office
        let result = try await call { try office.accounts.signInOfficer(name: name, password: password, code: code) }
        switch result {
        case let .success(account):
            logger.info("console sign-in", metadata: ["account": "\(account.name)", "role": "\(account.role.rawValue)"])
            let id = try await sessions.start(account: account.name, createdAt: account.createdAt)
            // A fresh session id at every sign-in (no fixation); the pre-login cookie goes.
            return with(redirect("/console"), set + [cookie(Self.sessionCookie, id), cookie(Self.visitCookie, "", maxAge: 0)])
        case let .failure(failure):
            // The log says which failure it was (for the officer investigating); the page does not.
            let why: String = switch failure {
            case .unknownOrWrong: "wrong"
            case .codeReused: "code-reused"
            case .locked: "locked"
            }
            logger.notice("console sign-in failed", metadata: ["reason": "\(why)"])
            return loginForm(request, failed: true, status: .unauthorized)
        }
    }

    func logout(_ request: Request) async throws -> Response {
        let cookies = cookies(request)
        if let id = cookies[Self.sessionCookie] {
            let form = try? await FormBody.read(request, allowed: ["csrf"])
            // Signing out needs the form's token too: a foreign page must not end a session.
            if try await guarder.spend(form?["csrf"], visit: id, form: "logout") { try await sessions.end(id) } else {
                return pages.message("expired", language: "nl", status: .forbidden, link: ("/console", "Custos"))
            }
        }
        return with(redirect("/console/login"), [cookie(Self.sessionCookie, "", maxAge: 0)])
    }
}
