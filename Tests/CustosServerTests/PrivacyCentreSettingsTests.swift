import Foundation
import Testing
@testable import CustosServer
import Custos

@Suite("the privacy centre's settings, pages and mail")
struct PrivacyCentreSettingsTests {
    @Test func thePublicListenerAndTheRelayComeFromTheFileTheEnvironmentOrFlags() throws {
        let path = NSTemporaryDirectory() + "serve-\(UUID().uuidString).yaml"
        try "privacy-centre: {listen: 127.0.0.1:8080, url: https://privacy.example.nl, actor: web-portal}\nmail: {relay: 127.0.0.1:2525, from: privacy@example.nl}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ServerSettings.file(path).overriding(with: try ServerSettings.environment(["CUSTOS_LISTEN_PUBLIC": "127.0.0.1:8081"])).configuration()
        #expect(configuration.publicListener?.port == 8081, "the environment overrides the file")
        #expect(configuration.publicListener?.url == "https://privacy.example.nl")
        #expect(configuration.publicListener?.identityPurpose == "P-RIGHTS-ADMIN")
        #expect(configuration.smtp?.port == 2525 && configuration.smtp?.from == "privacy@example.nl")

        let misspelt = NSTemporaryDirectory() + "serve-\(UUID().uuidString).yaml"
        try "privacy-centre: {listen: 127.0.0.1:8080, templtes: web}\n".write(toFile: misspelt, atomically: true, encoding: .utf8)
        #expect(throws: SettingsError("\(misspelt):1:42: unknown key 'templtes' in privacy-centre; the keys are listen, url, templates, actor, identity-purpose, codes-per-address")) {
            try ServerSettings.file(misspelt)
        }
        #expect(throws: SettingsError.self) { try ServerSettings(listenPublic: "0.0.0.0:8080").configuration() }
        #expect(throws: SettingsError.self) { try ServerSettings(smtpRelay: "relay", mailFrom: "a@b.nl").configuration() }
        #expect(throws: SettingsError("mail.from, mail.tls and the account need mail.relay (--smtp-relay host:port)")) { try ServerSettings(mailFrom: "a@b.nl").configuration() }
    }

    @Test func theRelaysTLSAndAccountComeFromTheFileOrTheEnvironment() throws {
        let folder = NSTemporaryDirectory() + "serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "s3cret with spaces \r\nsecond line\n".write(toFile: folder + "/password", atomically: true, encoding: .utf8)
        let path = folder + "/serve.yaml"
        try """
        mail: {relay: smtp.example.nl:587, from: privacy@example.nl, tls: starttls, ca-file: /etc/custos/smtp-ca.pem,
               user: custos, password-file: \(folder)/password}

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let relay = try #require(try ServerSettings.file(path).configuration().smtp)
        #expect(relay.security == .starttls && relay.caFile == "/etc/custos/smtp-ca.pem")
        #expect(relay.account == SMTPRelay.Account(user: "custos", password: "s3cret with spaces "), "the file's first line, as it stands")
        for shown in [String(describing: relay), String(reflecting: relay), { var text = ""; dump(relay, to: &text); return text }()] {
            #expect(shown.contains("custos") && !shown.contains("s3cret"), "the password never shows when the relay is printed")
        }
        let implicit = try ServerSettings.file(path).overriding(with: try ServerSettings.environment(["CUSTOS_SMTP_TLS": "tls"])).configuration()
        #expect(implicit.smtp?.security == .tls, "the environment overrides the file")
        #expect(throws: SettingsError.self, "an account needs its password file") {
            try ServerSettings.file(path).overriding(with: ServerSettings.environment(["CUSTOS_SMTP_PASSWORD_FILE": folder + "/missing"])).configuration()
        }
        #expect(throws: SettingsError("mail.from, mail.tls and the account need mail.relay (--smtp-relay host:port)")) {
            try ServerSettings.environment(["CUSTOS_SMTP_TLS": "starttls"]).configuration()
        }
        #expect(throws: SettingsError("CUSTOS_SMTP_TLS: 'ssl' is not one of none, starttls, tls")) { try ServerSettings.environment(["CUSTOS_SMTP_TLS": "ssl"]) }
    }

    @Test func pageRoutesAreNamedByTemplateSoTheLogNeverHoldsAStatusToken() {
        #expect(PrivacyCentre.template("/privacy/status/abcDEF123") == "/privacy/status/:token")
        #expect(PrivacyCentre.template("/privacy/status/abc/answer.json") == "/privacy/status/:token/answer.json")
        #expect(PrivacyCentre.template("/privacy/request") == "/privacy/request")
        #expect(PrivacyCentre.template("/privacy/other") == nil)
    }

    @Test func theBuiltInPagesAndBothCataloguesLoadAndEscapeWhatTheyShow() throws {
        let pages = try WebPages(overrides: nil, controller: ("Invorderingsbedrijf B.V.", "privacy@example.nl", nil))
        #expect(pages.text("mail.code.body", "en", ["code": "123456"]).contains("Your code is 123456"))
        #expect(pages.text("err.code.wrong", "nl", ["n": "2"]) == "Deze code klopt niet. U kunt het nog 2 keer proberen.")
        let response = pages.page("message", language: "en", title: "t", here: nil, values: ["heading": "x"])
        #expect(response.headers[.contentType] == "text/html; charset=utf-8")
        let html = pages.library.render(["heading": "<script>alert(1)</script>", "paragraphs": ["a & b"], "t": pages.messages["en"] ?? [:]], withTemplate: "message") ?? ""
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("a &amp; b") && !html.contains("<script>"))
    }

    /// An operator's catalogue rewords the texts it holds and keeps the others, so texts an
    /// upgrade adds never show as their keys; a key the pages do not use, or a text that is
    /// not one, is refused at start, naming the file.
    @Test func anOverrideCatalogueIsLaidOverTheBuiltInOneAndAnUnknownKeyIsRefusedAtStart() throws {
        let folder = NSTemporaryDirectory() + "web-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/messages", withIntermediateDirectories: true)
        try "{\"name\": \"Nederlands (NL)\"}".write(toFile: folder + "/messages/nl.json", atomically: true, encoding: .utf8)
        let pages = try WebPages(overrides: folder, controller: ("C", "c@example.nl", nil))
        #expect(pages.text("name", "nl") == "Nederlands (NL)")
        #expect(pages.text("err.code.wrong", "nl", ["n": "2"]) == "Deze code klopt niet. U kunt het nog 2 keer proberen.", "the other texts are the built-in ones")
        try "{\"nmae\": \"Nederlands\"}".write(toFile: folder + "/messages/nl.json", atomically: true, encoding: .utf8)
        do {
            _ = try WebPages(overrides: folder, controller: ("C", "c@example.nl", nil))
            Issue.record("a misspelt key was taken")
        } catch let failure as WebPages.Failure {
            #expect(failure.description.contains("messages/nl.json has texts the pages do not use: nmae"))
        }
        // A template that says a text no catalogue holds would leave a gap on the page.
        try "{}".write(toFile: folder + "/messages/nl.json", atomically: true, encoding: .utf8)
        try "<p>{{t.name}} {{#t.home_titel}}x{{/t.home_titel}}</p>".write(toFile: folder + "/message.mustache", atomically: true, encoding: .utf8)
        let gap = #expect(throws: WebPages.Failure.self) { try WebPages(overrides: folder, controller: ("C", "c@example.nl", nil)) }
        #expect(gap?.description == folder + "/message.mustache says t.home_titel, which messages/nl.json does not hold", "\(String(describing: gap))")
        try "<p>{{t.name}}</p>".write(toFile: folder + "/message.mustache", atomically: true, encoding: .utf8)
        _ = try WebPages(overrides: folder, controller: ("C", "c@example.nl", nil))
        try "{\"name\": 7}".write(toFile: folder + "/messages/en.json", atomically: true, encoding: .utf8)
        try "{}".write(toFile: folder + "/messages/nl.json", atomically: true, encoding: .utf8)
        #expect(throws: WebPages.Failure.self) { try WebPages(overrides: folder, controller: ("C", "c@example.nl", nil)) }
    }

    @Test func theMessageToTheRelayEncodesItsSubjectAndBody() {
        let message = SMTPRelay.message(from: "privacy@example.nl", to: "jan@example.nl", subject: "Uw code voor het privacycentrum", body: "Uw code is 123456.\n.\nEinde")
        #expect(message.contains("Subject: =?UTF-8?B?"))
        #expect(message.contains("Content-Transfer-Encoding: base64"))
        #expect(!message.contains("\r\n.\r\n"), "a line with a lone dot cannot end the message early")
        #expect(throws: SMTPRelay.Failure.self) { try SMTPRelay(relay: "relay.example.nl", from: "a@b.nl") }
    }

    @Test func formsRefuseKeysTheyDoNotHaveAndAddressesMustBeWellFormed() {
        #expect(PrivacyCentre.isEmail("jan@example.nl"))
        #expect(!PrivacyCentre.isEmail("jan@example"))
        #expect(!PrivacyCentre.isEmail("jan example@example.nl"))
        #expect(!PrivacyCentre.isEmail("jan@example.nl\r\nBcc: x@y.nl"))
        #expect(PrivacyCentre.isPostcode("1234 ab") && !PrivacyCentre.isPostcode("12345"))
        #expect(!PrivacyCentre.isShortLine(String(repeating: "x", count: 65)))
    }
}

@Suite("the privacy centre's guard: form tokens and limits")
struct WebGuardTests {
    static func engine() throws -> PrivacyEngine {
        let folder = NSTemporaryDirectory() + "guard-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("policies/invorderingsbedrijf").path
        return try PrivacyEngine.initialise(vault: folder + "/custos.db", masterKey: .file(folder + "/custos.key"), policies: policies)
    }

    @Test func aFormTokenWorksOnceForItsVisitorAndItsFormOnly() async throws {
        let executor = EngineExecutor(decidingThreads: 1)
        let store = try Self.engine().publicDoor.store
        let guarder = WebGuard(store: store, executor: executor)
        let token = guarder.csrfToken(visit: "visitor-a", form: "request")
        #expect(try await !guarder.spend(token, visit: "visitor-b", form: "request"), "another visitor's cookie")
        #expect(try await !guarder.spend(token, visit: "visitor-a", form: "preferences"), "another form")
        #expect(try await !guarder.spend(nil, visit: "visitor-a", form: "request"))
        #expect(try await !guarder.spend(token.replacingOccurrences(of: ".", with: "x"), visit: "visitor-a", form: "request"), "malformed")
        #expect(try await guarder.spend(token, visit: "visitor-a", form: "request"))
        #expect(try await !guarder.spend(token, visit: "visitor-a", form: "request"), "replayed")
        // Another server on the vault (or this one after a restart) knows it was spent.
        #expect(try await !WebGuard(store: store, executor: executor).spend(token, visit: "visitor-a", form: "request"), "replayed at another server")
        let parts = guarder.csrfToken(visit: "visitor-a", form: "request").split(separator: ".")
        let stale = "\(parts[0]).\(Int(Date().timeIntervalSince1970) - 1).\(parts[2])"
        #expect(try await !guarder.spend(stale, visit: "visitor-a", form: "request"), "an expiry changed by the client breaks the MAC")
        await executor.shutdown()
    }

    @Test func limitsCountPerKeyAndSessionsEnd() async throws {
        let executor = EngineExecutor(decidingThreads: 1)
        let store = try Self.engine().publicDoor.store
        let guarder = WebGuard(store: store, executor: executor), other = WebGuard(store: store, executor: executor)
        var allowed: [Bool] = []
        for _ in 0..<3 { allowed.append(try await guarder.allow("code-address:1.2.3.4", limit: 3)) }
        #expect(allowed == [true, true, true])
        #expect(try await !guarder.allow("code-address:1.2.3.4", limit: 3))
        #expect(try await guarder.allow("code-address:5.6.7.8", limit: 3), "another address has its own count")
        #expect(try await !other.allow("code-address:1.2.3.4", limit: 3), "another server on the vault counts the same events")
        let session = try await guarder.startSession(subjects: ["PR-1"])
        #expect(try await other.session(session)?.subjects == ["PR-1"], "another server knows the session")
        try await guarder.flash(session, "saved")
        #expect(try await other.flash(session, nil) == "saved")
        #expect(try await guarder.flash(session, nil) == nil, "a message shows once")
        try await other.endSession(session)
        #expect(try await guarder.session(session) == nil)
        #expect(guarder.addressReference("127.0.0.1").hasPrefix("client ") && !guarder.addressReference("127.0.0.1").contains("127.0.0.1"))
        await executor.shutdown()
    }

    /// Two servers on one vault share a limit: each may allow part of it, not all of it again;
    /// a restart forgets nothing; and the vault keeps a keyed hash, never the address.
    @Test func limitsCountAcrossServersAndRestartsWithoutTheAddress() async throws {
        let executor = EngineExecutor(decidingThreads: 1)
        let engine = try Self.engine()
        let store = engine.publicDoor.store
        let first = WebGuard(store: store, executor: executor), second = WebGuard(store: store, executor: executor)
        #expect(try await first.allow("try-address:10.1.2.3", limit: 4))
        #expect(try await first.allow("try-address:10.1.2.3", limit: 4))
        #expect(try await second.allow("try-address:10.1.2.3", limit: 4))
        #expect(try await second.allow("try-address:10.1.2.3", limit: 4))
        #expect(try await !first.allow("try-address:10.1.2.3", limit: 4), "two at each server are the four allowed")
        let restarted = WebGuard(store: store, executor: executor)
        #expect(try await !restarted.allow("try-address:10.1.2.3", limit: 4), "a restarted server remembers the count")
        #expect(try await restarted.allow("lookup-address:10.1.2.3", limit: 4), "what is counted is part of the key")
        let vault = engine.store.vaultPath
        let bytes = [vault, vault + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }.reduce(Data(), +)
        #expect(!bytes.isEmpty && bytes.range(of: Data("10.1.2.3".utf8)) == nil, "the vault's files hold no client address")
        await executor.shutdown()
    }
}
