import Foundation
import CustosStore
import Yams

/// The settings of `custos serve` from one source: a YAML file, the environment, or flags.
/// Layered with `overriding(with:)` in that order of precedence (flags win), then turned into a
/// `ServerConfiguration`. The file is read with Yams, as the policies are, so that an unknown
/// or misspelt key is an error naming its file, line and column (a configuration reader that
/// only looks up the keys it knows would ignore it).
///
/// ```swift
/// let settings = try ServerSettings.file("serve.yaml")
///     .overriding(with: try ServerSettings.environment(ProcessInfo.processInfo.environment))
///     .overriding(with: ServerSettings(listen: "127.0.0.1:0"))
/// let configuration = try settings.configuration()
/// ```
package struct ServerSettings: Sendable, Equatable {
    package var listen: String?
    package var publicURL: String?
    package var insecureHTTP: Bool?
    package var tlsCertificate: String?
    package var tlsKey: String?
    package var maximumBody: Int?
    package var maximumBatch: Int?
    package var requestSeconds: Int?
    package var idleSeconds: Int?
    package var failedAuthenticationsPerMinute: Int?
    package var logSubjectIds: Bool?
    package var listenPublic: String?
    package var publicSiteURL: String?
    package var webTemplates: String?
    package var webActor: String?
    package var identityPurpose: String?
    package var smtpRelay: String?
    package var mailFrom: String?
    /// How the relay is reached and logged in to (`mail.tls`, `mail.ca-file`, `mail.user`,
    /// `mail.password-file`): see `SMTPRelay`.
    package var mail = MailSettings()
    package var codesPerAddress: Int?
    /// The officer's console (on the service listener): templates, actor and purpose of a
    /// field opened, idle minutes before a session ends, and the checkpoint file to compare.
    package var console = ConsoleSettings()
    /// The threads that decide reads and logged decisions (`threads.deciding`).
    package var decidingThreads: Int?
    /// Requests a second per service account (`limits.requests-per-token-per-second`).
    package var requestsPerTokenPerSecond: Int?
    /// The proxies whose `X-Forwarded-For` names the client (`trusted-proxies`).
    package var trustedProxies: [String]?
    /// The header those proxies write: `x-forwarded-for` (the default) or `forwarded` (RFC 7239).
    package var forwardedHeader: String?

    package struct MailSettings: Sendable, Equatable {
        package var security: String?
        package var caFile: String?
        package var user: String?
        package var passwordFile: String?

        package init(security: String? = nil, caFile: String? = nil, user: String? = nil, passwordFile: String? = nil) {
            self.security = security
            self.caFile = caFile
            self.user = user
            self.passwordFile = passwordFile
        }

        func overriding(with other: MailSettings) -> MailSettings {
            MailSettings(security: other.security ?? security, caFile: other.caFile ?? caFile, user: other.user ?? user,
                         passwordFile: other.passwordFile ?? passwordFile)
        }

        var isEmpty: Bool { self == MailSettings() }
    }

    package struct ConsoleSettings: Sendable, Equatable {
        package var templates: String?
        package var actor: String?
        package var purpose: String?
        package var idleMinutes: Int?
        package var checkpoint: String?

        package init(templates: String? = nil, actor: String? = nil, purpose: String? = nil, idleMinutes: Int? = nil, checkpoint: String? = nil) {
            self.templates = templates
            self.actor = actor
            self.purpose = purpose
            self.idleMinutes = idleMinutes
            self.checkpoint = checkpoint
        }

        func overriding(with other: ConsoleSettings) -> ConsoleSettings {
            ConsoleSettings(templates: other.templates ?? templates, actor: other.actor ?? actor, purpose: other.purpose ?? purpose,
                            idleMinutes: other.idleMinutes ?? idleMinutes, checkpoint: other.checkpoint ?? checkpoint)
        }
    }

    package init(listen: String? = nil, publicURL: String? = nil, insecureHTTP: Bool? = nil, tlsCertificate: String? = nil, tlsKey: String? = nil,
                maximumBody: Int? = nil, maximumBatch: Int? = nil, requestSeconds: Int? = nil, idleSeconds: Int? = nil,
                failedAuthenticationsPerMinute: Int? = nil, logSubjectIds: Bool? = nil, listenPublic: String? = nil, publicSiteURL: String? = nil,
                webTemplates: String? = nil, webActor: String? = nil, identityPurpose: String? = nil, smtpRelay: String? = nil, mailFrom: String? = nil, codesPerAddress: Int? = nil) {
        self.codesPerAddress = codesPerAddress
        self.listenPublic = listenPublic
        self.publicSiteURL = publicSiteURL
        self.webTemplates = webTemplates
        self.webActor = webActor
        self.identityPurpose = identityPurpose
        self.smtpRelay = smtpRelay
        self.mailFrom = mailFrom
        self.listen = listen
        self.publicURL = publicURL
        self.insecureHTTP = insecureHTTP
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.maximumBody = maximumBody
        self.maximumBatch = maximumBatch
        self.requestSeconds = requestSeconds
        self.idleSeconds = idleSeconds
        self.failedAuthenticationsPerMinute = failedAuthenticationsPerMinute
        self.logSubjectIds = logSubjectIds
    }

    /// These settings with every value `other` sets taking the place of this one's.
    package func overriding(with other: ServerSettings) -> ServerSettings {
        var merged = ServerSettings(listen: other.listen ?? listen, publicURL: other.publicURL ?? publicURL, insecureHTTP: other.insecureHTTP ?? insecureHTTP,
                       tlsCertificate: other.tlsCertificate ?? tlsCertificate, tlsKey: other.tlsKey ?? tlsKey,
                       maximumBody: other.maximumBody ?? maximumBody, maximumBatch: other.maximumBatch ?? maximumBatch,
                       requestSeconds: other.requestSeconds ?? requestSeconds, idleSeconds: other.idleSeconds ?? idleSeconds,
                       failedAuthenticationsPerMinute: other.failedAuthenticationsPerMinute ?? failedAuthenticationsPerMinute,
                       logSubjectIds: other.logSubjectIds ?? logSubjectIds, listenPublic: other.listenPublic ?? listenPublic,
                       publicSiteURL: other.publicSiteURL ?? publicSiteURL, webTemplates: other.webTemplates ?? webTemplates,
                       webActor: other.webActor ?? webActor, identityPurpose: other.identityPurpose ?? identityPurpose,
                       smtpRelay: other.smtpRelay ?? smtpRelay, mailFrom: other.mailFrom ?? mailFrom, codesPerAddress: other.codesPerAddress ?? codesPerAddress)
        merged.console = console.overriding(with: other.console)
        merged.mail = mail.overriding(with: other.mail)
        merged.decidingThreads = other.decidingThreads ?? decidingThreads
        merged.requestsPerTokenPerSecond = other.requestsPerTokenPerSecond ?? requestsPerTokenPerSecond
        merged.trustedProxies = other.trustedProxies ?? trustedProxies
        merged.forwardedHeader = other.forwardedHeader ?? forwardedHeader
        return merged
    }

    /// Splits `host:port` (a bracketed IPv6 host allowed); `what` names the setting at fault.
    static func hostAndPort(_ address: String, what: String) throws(SettingsError) -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw SettingsError("\(what): '\(address)' is not host:port, e.g. 127.0.0.1:8700")
        }
        let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty else { throw SettingsError("\(what): '\(address)' names no host") }
        return (host, port)
    }

    /// The configuration these settings describe, with the defaults where they are silent.
    package func configuration() throws(SettingsError) -> ServerConfiguration {
        let (host, port) = try Self.hostAndPort(listen ?? "127.0.0.1:8700", what: "listen")
        let publicListener = try listenPublic.map { address throws(SettingsError) in
            let (host, port) = try Self.hostAndPort(address, what: "privacy-centre.listen")
            return ServerConfiguration.PublicListener(host: host, port: port, url: publicSiteURL, templates: webTemplates,
                                                      actor: webActor ?? "web-portal", identityPurpose: identityPurpose ?? "P-RIGHTS-ADMIN",
                                                      codesPerAddress: codesPerAddress ?? 10)
        }
        var smtp: SMTPRelay?
        if let smtpRelay {
            do {
                smtp = try SMTPRelay(relay: smtpRelay, from: mailFrom ?? "", security: mail.security, caFile: mail.caFile, user: mail.user,
                                     passwordFile: mail.passwordFile)
            } catch { throw SettingsError("mail: \(String(describing: error))") }
        } else if mailFrom != nil || !mail.isEmpty {
            throw SettingsError("mail.from, mail.tls and the account need mail.relay (--smtp-relay host:port)")
        }
        guard (tlsCertificate == nil) == (tlsKey == nil) else { throw SettingsError("TLS needs both a certificate and a key (--tls-cert and --tls-key)") }
        var configuration = ServerConfiguration(
            host: host, port: port, publicURL: publicURL, tls: tlsCertificate.flatMap { certificate in tlsKey.map { (certificate, $0) } },
            insecureHTTP: insecureHTTP ?? false, maximumBody: maximumBody ?? 1 << 20, maximumBatch: maximumBatch ?? 1000,
            requestSeconds: requestSeconds ?? 10, idleSeconds: idleSeconds ?? 60,
            failedAuthenticationsPerMinute: failedAuthenticationsPerMinute ?? 20, logSubjectIds: logSubjectIds ?? false,
            publicListener: publicListener, smtp: smtp)
        configuration.console = ServerConfiguration.ConsoleSettings(
            templates: console.templates, actor: console.actor ?? "officer", purpose: console.purpose ?? "P-RIGHTS-ADMIN",
            idleMinutes: console.idleMinutes ?? 15, checkpoint: console.checkpoint)
        configuration.decidingThreads = decidingThreads
        configuration.requestsPerTokenPerSecond = requestsPerTokenPerSecond
        let header = try forwardedHeader.map { name throws(SettingsError) in
            guard let header = ForwardedHeader(rawValue: name) else {
                throw SettingsError("forwarded-header: '\(name)' is not one of " + ForwardedHeader.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard trustedProxies?.isEmpty == false else { throw SettingsError("forwarded-header says what trusted proxies write: set trusted-proxies too") }
            return header
        } ?? .xForwardedFor
        do { configuration.trustedProxies = try TrustedProxies(trustedProxies ?? [], header: header) } catch { throw SettingsError("trusted-proxies: \(error.message)") }
        if let problem = configuration.problem { throw SettingsError(problem) }
        return configuration
    }

    // MARK: the environment

    /// `CUSTOS_LISTEN`, `CUSTOS_PUBLIC_URL`, `CUSTOS_INSECURE_HTTP`, `CUSTOS_TLS_CERT`,
    /// `CUSTOS_TLS_KEY`, `CUSTOS_MAX_BODY_BYTES`, `CUSTOS_MAX_BATCH`, `CUSTOS_REQUEST_SECONDS`,
    /// `CUSTOS_IDLE_SECONDS`, `CUSTOS_FAILED_AUTH_PER_MINUTE`, `CUSTOS_LOG_SUBJECT_IDS`,
    /// `CUSTOS_LISTEN_PUBLIC`, `CUSTOS_PUBLIC_SITE_URL`, `CUSTOS_SMTP_RELAY`, `CUSTOS_MAIL_FROM`,
    /// `CUSTOS_CODES_PER_ADDRESS`, `CUSTOS_SMTP_TLS`, `CUSTOS_SMTP_CA_FILE`, `CUSTOS_SMTP_USER`,
    /// `CUSTOS_SMTP_PASSWORD_FILE`, `CUSTOS_DECIDING_THREADS`, `CUSTOS_REQUESTS_PER_TOKEN_PER_SECOND`,
    /// `CUSTOS_TRUSTED_PROXIES` (addresses and networks separated by commas), `CUSTOS_FORWARDED_HEADER`.
    package static func environment(_ environment: [String: String]) throws(SettingsError) -> ServerSettings {
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(SettingsError) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text), range.contains(value) else { throw SettingsError("\(name): '\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)") }
            return value
        }
        func flag(_ name: String) throws(SettingsError) -> Bool? {
            guard let text = environment[name] else { return nil }
            switch text.lowercased() {
            case "1", "true", "yes": return true
            case "0", "false", "no": return false
            default: throw SettingsError("\(name): '\(text)' is not true or false")
            }
        }
        var settings = ServerSettings(
            listen: environment["CUSTOS_LISTEN"], publicURL: environment["CUSTOS_PUBLIC_URL"], insecureHTTP: try flag("CUSTOS_INSECURE_HTTP"),
            tlsCertificate: environment["CUSTOS_TLS_CERT"], tlsKey: environment["CUSTOS_TLS_KEY"],
            maximumBody: try integer("CUSTOS_MAX_BODY_BYTES", Limits.body), maximumBatch: try integer("CUSTOS_MAX_BATCH", Limits.batch),
            requestSeconds: try integer("CUSTOS_REQUEST_SECONDS", Limits.seconds), idleSeconds: try integer("CUSTOS_IDLE_SECONDS", Limits.seconds),
            failedAuthenticationsPerMinute: try integer("CUSTOS_FAILED_AUTH_PER_MINUTE", Limits.failedAuthentications),
            logSubjectIds: try flag("CUSTOS_LOG_SUBJECT_IDS"), listenPublic: environment["CUSTOS_LISTEN_PUBLIC"],
            publicSiteURL: environment["CUSTOS_PUBLIC_SITE_URL"], smtpRelay: environment["CUSTOS_SMTP_RELAY"], mailFrom: environment["CUSTOS_MAIL_FROM"],
            codesPerAddress: try integer("CUSTOS_CODES_PER_ADDRESS", Limits.codesPerAddress))
        settings.decidingThreads = try integer("CUSTOS_DECIDING_THREADS", Limits.threads)
        if let name = environment["CUSTOS_SMTP_TLS"], SMTPRelay.Security(rawValue: name) == nil {
            throw SettingsError("CUSTOS_SMTP_TLS: '\(name)' is not one of " + SMTPRelay.Security.allCases.map(\.rawValue).joined(separator: ", "))
        }
        settings.mail = MailSettings(security: environment["CUSTOS_SMTP_TLS"], caFile: environment["CUSTOS_SMTP_CA_FILE"], user: environment["CUSTOS_SMTP_USER"],
                                     passwordFile: environment["CUSTOS_SMTP_PASSWORD_FILE"])
        settings.requestsPerTokenPerSecond = try integer("CUSTOS_REQUESTS_PER_TOKEN_PER_SECOND", Limits.requestsPerToken)
        if let text = environment["CUSTOS_TRUSTED_PROXIES"] {
            let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            do { _ = try TrustedProxies(entries) } catch { throw SettingsError("CUSTOS_TRUSTED_PROXIES: \(error.message)") }
            settings.trustedProxies = entries
        }
        if let name = environment["CUSTOS_FORWARDED_HEADER"] {
            guard ForwardedHeader(rawValue: name) != nil else {
                throw SettingsError("CUSTOS_FORWARDED_HEADER: '\(name)' is not one of " + ForwardedHeader.allCases.map(\.rawValue).joined(separator: ", "))
            }
            settings.forwardedHeader = name
        }
        return settings
    }

    /// What each limit may be set to: a body of at most 1 MiB (the issue's ceiling), batches of
    /// at most 1,000.
    enum Limits {
        static let body = 1024...(1 << 20)
        static let batch = 1...1000
        static let seconds = 1...3600
        static let failedAuthentications = 1...100_000
        static let codesPerAddress = 1...10_000
        static let idleMinutes = 1...480
        static let threads = 1...256
        static let requestsPerToken = 1...ServiceAccount.maximumRequestsPerSecond
    }

    // MARK: the file

    /// Reads a YAML settings file:
    ///
    /// ```yaml
    /// listen: 0.0.0.0:8700
    /// public-url: https://custos.internal.example
    /// tls: {certificate: /etc/custos/tls.pem, key: /etc/custos/tls.key}
    /// limits: {body-bytes: 1048576, batch: 1000, request-seconds: 10, idle-seconds: 60, failed-authentications-per-minute: 20,
    ///          requests-per-token-per-second: 500}
    /// log: {subject-ids: false}
    /// privacy-centre: {listen: 0.0.0.0:8443, url: https://privacy.example.nl, templates: /etc/custos/web, actor: web-portal,
    ///                  identity-purpose: P-RIGHTS-ADMIN, codes-per-address: 10}
    /// mail: {relay: smtp.example.nl:587, from: privacy@example.nl, tls: starttls, ca-file: /etc/custos/smtp-ca.pem,
    ///        user: custos, password-file: /etc/custos/smtp-password}
    /// threads: {deciding: 8}
    /// trusted-proxies: [10.0.0.5, "fd00::/8"]
    /// forwarded-header: x-forwarded-for   # or forwarded (RFC 7239)
    /// ```
    package static func file(_ path: String) throws(SettingsError) -> ServerSettings {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw SettingsError("\(path): cannot be read as UTF-8 text") }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { return ServerSettings() }
            root = node
        } catch let error as YamlError {
            throw SettingsError("\(path): not YAML: \(error)")
        } catch {
            throw SettingsError("\(path): not YAML")
        }
        return try FileReader(path: path).settings(root)
    }

    private struct FileReader {
        let path: String

        func fail(_ node: Node, _ message: String) -> SettingsError {
            SettingsError("\(path):\(node.mark.map { "\($0.line):\($0.column)" } ?? "1:1"): \(message)")
        }

        /// The mapping's members, refusing keys outside `allowed` and repeated keys.
        func members(_ node: Node, _ what: String, allowed: [String]) throws(SettingsError) -> [String: Node] {
            guard let mapping = node.mapping else { throw fail(node, "\(what) must be a mapping of keys to values") }
            var members: [String: Node] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw fail(key, "a key must be a text") }
                guard allowed.contains(name) else {
                    throw fail(key, "unknown key '\(name)' in \(what); the keys are " + allowed.joined(separator: ", "))
                }
                guard members[name] == nil else { throw fail(key, "'\(name)' appears twice in \(what)") }
                members[name] = value
            }
            return members
        }

        func text(_ node: Node?, _ key: String) throws(SettingsError) -> String? {
            guard let node else { return nil }
            guard let scalar = node.scalar, node.tag.description.hasSuffix(":str") || Int(scalar.string) == nil else {
                throw fail(node, "\(key) must be a text")
            }
            return scalar.string
        }

        func integer(_ node: Node?, _ key: String, _ range: ClosedRange<Int>) throws(SettingsError) -> Int? {
            guard let node else { return nil }
            guard let value = node.int, range.contains(value) else { throw fail(node, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)") }
            return value
        }

        func flag(_ node: Node?, _ key: String) throws(SettingsError) -> Bool? {
            guard let node else { return nil }
            guard let value = node.bool else { throw fail(node, "\(key) must be true or false") }
            return value
        }

        func settings(_ root: Node) throws(SettingsError) -> ServerSettings {
            let top = try members(root, "the settings", allowed: ["listen", "public-url", "insecure-http", "tls", "limits", "log", "privacy-centre", "mail", "console", "threads",
                                                                  "trusted-proxies", "forwarded-header"])
            let console = try top["console"].map { node throws(SettingsError) in
                try members(node, "console", allowed: ["templates", "actor", "purpose", "idle-minutes", "checkpoint"])
            } ?? [:]
            let centre = try top["privacy-centre"].map { node throws(SettingsError) in
                try members(node, "privacy-centre", allowed: ["listen", "url", "templates", "actor", "identity-purpose", "codes-per-address"])
            } ?? [:]
            let mail = try top["mail"].map { node throws(SettingsError) in
                try members(node, "mail", allowed: ["relay", "from", "tls", "ca-file", "user", "password-file"])
            } ?? [:]
            let tls = try top["tls"].map { node throws(SettingsError) in try members(node, "tls", allowed: ["certificate", "key"]) } ?? [:]
            let limits = try top["limits"].map { node throws(SettingsError) in
                try members(node, "limits", allowed: ["body-bytes", "batch", "request-seconds", "idle-seconds", "failed-authentications-per-minute",
                                                      "requests-per-token-per-second"])
            } ?? [:]
            let log = try top["log"].map { node throws(SettingsError) in try members(node, "log", allowed: ["subject-ids"]) } ?? [:]
            let threads = try top["threads"].map { node throws(SettingsError) in try members(node, "threads", allowed: ["deciding"]) } ?? [:]
            var settings = ServerSettings(
                listen: try text(top["listen"], "listen"), publicURL: try text(top["public-url"], "public-url"),
                insecureHTTP: try flag(top["insecure-http"], "insecure-http"),
                tlsCertificate: try text(tls["certificate"], "tls.certificate"), tlsKey: try text(tls["key"], "tls.key"),
                maximumBody: try integer(limits["body-bytes"], "limits.body-bytes", Limits.body),
                maximumBatch: try integer(limits["batch"], "limits.batch", Limits.batch),
                requestSeconds: try integer(limits["request-seconds"], "limits.request-seconds", Limits.seconds),
                idleSeconds: try integer(limits["idle-seconds"], "limits.idle-seconds", Limits.seconds),
                failedAuthenticationsPerMinute: try integer(limits["failed-authentications-per-minute"], "limits.failed-authentications-per-minute",
                                                            Limits.failedAuthentications),
                logSubjectIds: try flag(log["subject-ids"], "log.subject-ids"),
                listenPublic: try text(centre["listen"], "privacy-centre.listen"), publicSiteURL: try text(centre["url"], "privacy-centre.url"),
                webTemplates: try text(centre["templates"], "privacy-centre.templates"), webActor: try text(centre["actor"], "privacy-centre.actor"),
                identityPurpose: try text(centre["identity-purpose"], "privacy-centre.identity-purpose"),
                smtpRelay: try text(mail["relay"], "mail.relay"), mailFrom: try text(mail["from"], "mail.from"),
                codesPerAddress: try integer(centre["codes-per-address"], "privacy-centre.codes-per-address", Limits.codesPerAddress))
            settings.console = ConsoleSettings(
                templates: try text(console["templates"], "console.templates"), actor: try text(console["actor"], "console.actor"),
                purpose: try text(console["purpose"], "console.purpose"),
                idleMinutes: try integer(console["idle-minutes"], "console.idle-minutes", Limits.idleMinutes),
                checkpoint: try text(console["checkpoint"], "console.checkpoint"))
            settings.decidingThreads = try integer(threads["deciding"], "threads.deciding", Limits.threads)
            if let node = mail["tls"], let name = try text(node, "mail.tls"), SMTPRelay.Security(rawValue: name) == nil {
                throw fail(node, "mail.tls must be one of " + SMTPRelay.Security.allCases.map(\.rawValue).joined(separator: ", "))
            }
            settings.mail = MailSettings(security: try text(mail["tls"], "mail.tls"), caFile: try text(mail["ca-file"], "mail.ca-file"),
                                         user: try text(mail["user"], "mail.user"), passwordFile: try text(mail["password-file"], "mail.password-file"))
            settings.requestsPerTokenPerSecond = try integer(limits["requests-per-token-per-second"], "limits.requests-per-token-per-second",
                                                             Limits.requestsPerToken)
            settings.trustedProxies = try top["trusted-proxies"].map { node throws(SettingsError) in try proxies(node) }
            if let node = top["forwarded-header"] {
                guard let name = try text(node, "forwarded-header"), ForwardedHeader(rawValue: name) != nil else {
                    throw fail(node, "forwarded-header must be one of " + ForwardedHeader.allCases.map(\.rawValue).joined(separator: ", "))
                }
                settings.forwardedHeader = name
            }
            return settings
        }

        /// `trusted-proxies`: a list of addresses and networks, each checked where it stands.
        func proxies(_ node: Node) throws(SettingsError) -> [String] {
            guard let sequence = node.sequence else { throw fail(node, "trusted-proxies must be a list of addresses and networks, e.g. [10.0.0.5, 10.1.0.0/16]") }
            return try sequence.map { entry throws(SettingsError) in
                guard let text = entry.scalar?.string, TrustedProxies.network(text) != nil else {
                    throw fail(entry, "trusted-proxies: '\(entry.scalar?.string ?? "…")' is not an IP address or a network such as 10.0.0.0/8 or fd00::/8")
                }
                return text
            }
        }
    }
}

/// A setting that cannot be used; the message names the file, line and column, the variable
/// or the flag at fault.
package struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
