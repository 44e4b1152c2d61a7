import Foundation

/// How `custos serve` listens and what it accepts. Built from `ServerSettings` (a file, the
/// environment and flags); the initialiser's defaults are the documented defaults.
package struct ServerConfiguration: Sendable {
    package var host: String
    package var port: Int
    /// The base URL clients reach the server at, for the AuthZEN metadata (never guessed from
    /// a request's Host header).
    package var publicURL: String
    /// PEM certificate chain and private key; nil for plain HTTP.
    package var tls: (certificate: String, key: String)?
    /// Plain HTTP on an address other than loopback (behind a TLS-terminating proxy).
    package var insecureHTTP: Bool
    /// Request bodies above this many bytes are refused with 413.
    package var maximumBody: Int
    /// Requests in one batch call (native or AuthZEN).
    package var maximumBatch: Int
    /// A request's head and body must arrive within this many seconds (slow clients are cut off).
    package var requestSeconds: Int
    /// A connection with no traffic is closed after this many seconds.
    package var idleSeconds: Int
    /// Failed authentications allowed per client address and minute; past it, 429.
    package var failedAuthenticationsPerMinute: Int
    /// Requests one service account may make a second (a burst of one second's worth); past
    /// it, 429. Nil: no limit, as a server on every data access should not throttle at a rate
    /// nobody chose.
    package var requestsPerTokenPerSecond: Int?
    /// The proxies whose `X-Forwarded-For` names the client (`trusted-proxies`); none by default.
    var trustedProxies = TrustedProxies.none
    /// Whether the access log names the subject of a `/v1/subjects/:subject/…` request. Off by
    /// default: an operator opts in where the log's readers may see subject ids.
    package var logSubjectIds: Bool
    /// The privacy centre's listener (DESIGN §11), apart from the service API so that the API
    /// can stay internal; nil serves no public pages.
    package var publicListener: PublicListener?
    /// The SMTP relay mail to data subjects goes through; nil leaves it in the outbox.
    package var smtp: SMTPRelay?

    /// The officer's console on the service listener (DESIGN §11).
    package var console = ConsoleSettings()
    /// The threads that decide reads and logged decisions; nil: the backend's own number (one
    /// per core over SQLite, sixteen over PostgreSQL). A vault much larger than memory, whose
    /// reads wait for the disk, wants more.
    package var decidingThreads: Int?

    package struct ConsoleSettings: Sendable {
        /// A folder whose files replace the console's built-in templates and catalogues.
        package var templates: String?
        /// The policy actor and purpose of a field value the officer opens (a gated, logged read).
        package var actor: String
        package var purpose: String
        /// Minutes without a request after which a session ends.
        package var idleMinutes: Int
        /// A checkpoint file (`custos audit checkpoint --out`) the audit page compares with.
        package var checkpoint: String?

        package init(templates: String? = nil, actor: String = "officer", purpose: String = "P-RIGHTS-ADMIN", idleMinutes: Int = 15, checkpoint: String? = nil) {
            self.templates = templates
            self.actor = actor
            self.purpose = purpose
            self.idleMinutes = idleMinutes
            self.checkpoint = checkpoint
        }
    }

    /// Where the privacy centre listens and who it acts as.
    package struct PublicListener: Sendable {
        package var host: String
        package var port: Int
        /// The base URL people reach it at, for links in e-mail; default http(s)://host:port.
        package var url: String?
        /// A folder whose files replace the built-in templates and catalogues of the same name.
        package var templates: String?
        /// The policy actor the centre acts as, and the purpose it checks identities under.
        package var actor: String
        package var identityPurpose: String
        /// E-mail codes one client address may ask for in fifteen minutes (each address also
        /// gets at most three).
        package var codesPerAddress: Int

        package init(host: String, port: Int, url: String? = nil, templates: String? = nil, actor: String = "web-portal", identityPurpose: String = "P-RIGHTS-ADMIN",
                     codesPerAddress: Int = 10) {
            self.codesPerAddress = codesPerAddress
            self.host = host
            self.port = port
            self.url = url
            self.templates = templates
            self.actor = actor
            self.identityPurpose = identityPurpose
        }
    }

    package init(host: String = "127.0.0.1", port: Int = 8700, publicURL: String? = nil, tls: (certificate: String, key: String)? = nil,
                insecureHTTP: Bool = false, maximumBody: Int = 1 << 20, maximumBatch: Int = 1000, requestSeconds: Int = 10,
                idleSeconds: Int = 60, failedAuthenticationsPerMinute: Int = 20, logSubjectIds: Bool = false,
                publicListener: PublicListener? = nil, smtp: SMTPRelay? = nil) {
        self.publicListener = publicListener
        self.smtp = smtp
        self.host = host
        self.port = port
        self.tls = tls
        self.insecureHTTP = insecureHTTP
        let scheme = tls == nil ? "http" : "https"
        self.publicURL = publicURL ?? "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        self.maximumBody = maximumBody
        self.maximumBatch = maximumBatch
        self.requestSeconds = requestSeconds
        self.idleSeconds = idleSeconds
        self.failedAuthenticationsPerMinute = failedAuthenticationsPerMinute
        self.logSubjectIds = logSubjectIds
    }

    /// Plain HTTP is for loopback only (DESIGN §10).
    package var isLoopback: Bool { Self.isLoopback(host) }

    static func isLoopback(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    /// Why this configuration must not start, or nil: plain HTTP off loopback without the
    /// explicit opt-out, or TLS files that cannot be read.
    package var problem: String? {
        if let tls {
            for (what, path) in [("certificate", tls.certificate), ("key", tls.key)] where !FileManager.default.isReadableFile(atPath: path) {
                return "the TLS \(what) file \(path) cannot be read"
            }
            return nil
        }
        guard (isLoopback && publicListener.map({ Self.isLoopback($0.host) }) ?? true) || insecureHTTP else {
            return "plain HTTP is for loopback addresses only; give --tls-cert and --tls-key, or --insecure-http behind a TLS-terminating proxy you trust"
        }
        return nil
    }
}
