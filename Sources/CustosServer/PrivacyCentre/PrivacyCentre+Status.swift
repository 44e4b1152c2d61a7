import Foundation
import Hummingbird
import Custos
import CustosStore

/// Following a request: the status page behind the unguessable link, and the answer to download.
extension PrivacyCentre {
    func status(_ request: Request, token: String) async throws -> Response {
        let visitor = visitor(request)
        let language = visitor.language
        let door = self.door
        guard let found = try await call({ try door.request(forStatusToken: token) }) else {
            return with(pages.message("link", language: language, status: .notFound), visitor)
        }
        let stored = found.type == .access && found.status == .completed ? try await call { try door.storedAnswer(request: found.id) } : nil
        // Whether a certificate is kept; it is signed only when downloaded.
        let certified = found.type == .erasure && found.status == .completed ? try await call { try door.store.erasureCertificate(of: found.id) } != nil : false
        var values: [String: Any] = [
            "id": found.id, "type": pages.text("type.\(found.type.rawValue)", language), "received": Self.date(found.receivedOn, language),
            "stage": pages.text("stage.\(found.status.rawValue)", language), "due": Self.date(found.dueOn, language),
            "rejected": found.status == .rejected,
        ]
        if found.status == .awaitingIdentity { values["stageHint"] = pages.text("stage.awaiting-identity.hint", language) }
        if found.status == .extended, let reasons = found.extensionReasons { values["extended"] = reasons }
        if !found.status.isOpen, let outcome = pages.outcome(of: found, language, policy: door.policy.policy) { values["outcome"] = outcome }
        if stored != nil {
            let base = "/privacy/status/\(token)/answer"
            values["answer"] = ["htmlPath": base + ".html", "jsonPath": base + ".json"]
        } else if found.type == .access, found.status == .completed {
            values["answerGone"] = true
        }
        if certified { values["certificate"] = ["path": "/privacy/status/\(token)/erasure-certificate.json"] }
        let here = "/privacy/status/\(token)"
        return with(pages.page("status", language: language, title: "\(pages.text("statusTitle", language)) \(found.id)", here: here, values: values), visitor)
    }

    /// A completed erasure's signed certificate as an attachment (what was destroyed, what was
    /// kept and why: field names and purposes, never a value).
    func erasureCertificate(_ request: Request, token: String) async throws -> Response {
        let visitor = visitor(request)
        let door = self.door
        guard let found = try await call({ try door.request(forStatusToken: token) }), found.type == .erasure,
              let certificate = try await call({ try door.erasureCertificate(request: found.id) }) else {
            return with(pages.message("link", language: visitor.language, status: .notFound), visitor)
        }
        return Response(status: .ok, headers: [.contentType: "application/json",
                                               .contentDisposition: "attachment; filename=\"\(found.id)-erasure-certificate.json\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: certificate.fileBytes)))
    }

    /// The stored answer as an attachment; gone after an erasure (the link page says so).
    func answer(_ request: Request, token: String, json: Bool) async throws -> Response {
        let visitor = visitor(request)
        let door = self.door
        guard let found = try await call({ try door.request(forStatusToken: token) }), found.type == .access,
              let stored = try await call({ try door.storedAnswer(request: found.id) }) else {
            return with(pages.message("link", language: visitor.language, status: .notFound), visitor)
        }
        let name = "\(found.id)-access.\(json ? "json" : "html")"
        var headers: HTTPFields = [.contentType: json ? "application/json" : "text/html; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""]
        // The package's own stylesheet is inline: allowed for this download only.
        if !json { headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" }
        let body = json ? ByteBuffer(bytes: stored.json) : ByteBuffer(string: stored.html)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
