import ArgumentParser
import Custos
import CustosServer
import Dispatch
import Foundation
import CustosOnPostgres
import Synchronization
import CustosStore

struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service", abstract: "Service accounts of 'custos serve': one bearer token, one actor.",
        discussion: "Examples:\n  custos service add --actor collections-service --name crm-prod\n  custos service list\n  custos service limit crm-prod --requests-per-second 200\n  custos service rotate crm-prod --keep-old-for 24h\n  custos service end-old-token crm-prod\n  custos service revoke crm-prod",
        subcommands: [ServiceAdd.self, ServiceList.self, ServiceLimit.self, ServiceRotate.self, ServiceEndOldToken.self, ServiceRevoke.self])
}

struct ServiceAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create a service account and print its token once.",
        discussion: """
        The token (256 random bits) is printed once and only a keyed hash of it is kept in the keyring. Every decision made with it has this actor; a request body cannot name another.

        With --requests-per-second the account has a rate limit of its own on 'custos serve' (a second's worth as a burst, then the rate; past it 429 with Retry-After), in place of the server's limits.requests-per-token-per-second.

        Examples:
          custos service add --actor collections-service --name crm-prod
          custos service add --actor marketing-service --name mailer --requests-per-second 50
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The policy actor the token acts as.") var actor: String
    @Option(help: "A name for the account (1-64 letters, digits, - _ . :); default the actor.") var name: String?
    @Option(help: "The account's own requests a second on 'custos serve' (1-1000000); default the server's limit.") var requestsPerSecond: Int?

    func validate() throws {
        if let requestsPerSecond { try ServiceLimit.check(requestsPerSecond) }
    }

    func run() throws {
        let accountName = name ?? actor
        let token: String
        if let address = try global.postgresVault() {
            let engine = try global.openPostgresEngine(address)
            do { token = try engine.addServiceAccount(name: accountName, actor: actor, requestsPerSecond: requestsPerSecond) } catch { throw ExitStatus.report(error) }
        } else {
            let engine = try global.openEngine()
            do { token = try engine.addServiceAccount(name: accountName, actor: actor, requestsPerSecond: requestsPerSecond) } catch { throw ExitStatus.report(error) }
        }
        let limit = requestsPerSecond.map { ", at most \($0) requests a second" } ?? ""
        try answer(global.output, [token, "service account \(accountName) acts as \(actor)\(limit); the token above is shown only now: store it as a secret"],
                   json: ["name": accountName, "actor": actor, "token": token, "requests-per-second": requestsPerSecond.map { $0 as Any } ?? NSNull()])
    }
}

struct ServiceList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List service accounts (never their tokens).",
                                                    discussion: "Example:\n  custos service list")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let accounts: [ServiceAccount]
        do { accounts = try global.openServiceKeyring().serviceAccounts() } catch { throw ExitStatus.report(error) }
        let now = Instant.now
        // An old token's end is shown only while it is ahead: once past, no earlier token works.
        func oldTokenUntil(_ account: ServiceAccount) -> Instant? { account.previousTokenWorks(at: now) ? account.previousTokenUntil : nil }
        try answer(global.output, accounts.isEmpty ? ["no service accounts"] : accounts.map { account in
            "\(account.name)  actor \(account.actor)  created \(account.createdAt)"
                + (account.requestsPerSecond.map { "  \($0) requests/s" } ?? "") + (oldTokenUntil(account).map { "  old token until \($0)" } ?? "")
                + (account.revokedAt.map { "  revoked \($0)" } ?? "")
        }, json: ["accounts": accounts.map { ["name": $0.name, "actor": $0.actor, "created-at": $0.createdAt.description,
                                              "requests-per-second": $0.requestsPerSecond.map { $0 as Any } ?? NSNull(),
                                              "old-token-until": oldTokenUntil($0).map { $0.description as Any } ?? NSNull(),
                                              "revoked-at": $0.revokedAt.map { $0.description as Any } ?? NSNull()] as [String: Any] }])
    }
}

struct ServiceLimit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limit", abstract: "Set or clear a service account's own rate limit on 'custos serve'.",
        discussion: """
        Running servers apply it from the account's next request. --none clears it: the account then goes at the server's limits.requests-per-token-per-second, or without a limit when that is not set.

        Examples:
          custos service limit crm-prod --requests-per-second 200
          custos service limit crm-prod --none
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account's name.") var name: String
    @Option(help: "Requests a second (1-1000000).") var requestsPerSecond: Int?
    @Flag(help: "No limit of its own: the server's applies.") var none = false

    func validate() throws {
        guard (requestsPerSecond != nil) != none else { throw ValidationError("give --requests-per-second N or --none (one of them)") }
        if let requestsPerSecond { try Self.check(requestsPerSecond) }
    }

    static func check(_ requestsPerSecond: Int) throws {
        guard (1...ServiceAccount.maximumRequestsPerSecond).contains(requestsPerSecond) else {
            throw ValidationError("--requests-per-second is 1 to \(ServiceAccount.maximumRequestsPerSecond)")
        }
    }

    func run() throws {
        do { try global.openServiceKeyring().limitServiceAccount(name: name, requestsPerSecond: requestsPerSecond) } catch { throw ExitStatus.report(error) }
        try answer(global.output, [requestsPerSecond.map { "service account \(name): at most \($0) requests a second" } ?? "service account \(name): the server's limit"],
                   json: ["name": name, "requests-per-second": requestsPerSecond.map { $0 as Any } ?? NSNull()])
    }
}

struct ServiceRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Give a service account a new token and print it once; the old one keeps working for a while.",
        discussion: """
        The account keeps its name, actor and limit. Its old token keeps working for --keep-old-for (default 24h, at most 30d; 0h ends it at once), so the services that hold it can take the new one without a request refused; then only the new one works. A running server applies this from the next request. Rotating again while an old token is still in its overlap ends that old token at once: an account has at most two tokens.

        Examples:
          custos service rotate crm-prod
          custos service rotate crm-prod --keep-old-for 3d
          custos service rotate crm-prod --keep-old-for 0h
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account's name.") var name: String
    @Option(help: ArgumentHelp("How long the old token keeps working, in hours or days (0h to 30d).", valueName: "24h|3d")) var keepOldFor = "24h"

    func validate() throws {
        let seconds = try parseWithin(keepOldFor, option: "keep-old-for")
        guard seconds <= ServiceAccount.maximumTokenOverlapSeconds else { throw ValidationError("--keep-old-for is at most 30d, not '\(keepOldFor)'") }
    }

    func run() throws {
        let seconds = try parseWithin(keepOldFor, option: "keep-old-for"), now = Instant.now
        let token: String
        do { token = try global.openServiceKeyring().rotateServiceToken(name: name, overlapSeconds: seconds, at: now) } catch { throw ExitStatus.report(error) }
        let until = seconds == 0 ? nil : Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + seconds * 1000)
        let old = until.map { "its old token works until \($0)" } ?? "its old token no longer works"
        try answer(global.output, [token, "service account \(name) has a new token; \(old); the token above is shown only now: store it as a secret"],
                   json: ["name": name, "token": token, "old-token-until": until.map { $0.description as Any } ?? NSNull()])
    }
}

struct ServiceEndOldToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end-old-token", abstract: "End a rotated account's old token now; its new one keeps working.",
        discussion: """
        After 'custos service rotate', once every service uses the new token (custos_replaced_token_requests_total on /metrics no longer grows), the old one need not wait for its overlap to end. A running server refuses it from the next request on.

        Example:
          custos service end-old-token crm-prod
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account's name.") var name: String

    func run() throws {
        do { try global.openServiceKeyring().endPreviousToken(name: name, at: .now) } catch { throw ExitStatus.report(error) }
        try answer(global.output, ["service account \(name): its old token no longer works"], json: ["name": name, "old-token-until": NSNull()])
    }
}

struct ServiceRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a service account; its tokens fail from the next request on.",
                                                    discussion: "Example:\n  custos service revoke crm-prod")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account's name.") var name: String

    func run() throws {
        do { try global.openServiceKeyring().revokeServiceAccount(name: name, at: .now) } catch { throw ExitStatus.report(error) }
        try answer(global.output, ["service account \(name) revoked"], json: ["name": name, "revoked": true])
    }
}

struct Serve: ParsableCommand {
    /// The clock started at `--at` and running on from there: a simulation vault's day
    /// continues in the browser (DESIGN §7 keeps a set clock to simulation vaults).
    func clock() throws -> (@Sendable () -> Instant)? {
        guard let start = try parseInstant(at, option: "at") else { return nil }
        let began = Date()
        return { Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(Date().timeIntervalSince(began) * 1000)) }
    }

    func openEngine() throws -> PrivacyEngine {
        guard let clock = try clock() else { return try global.openEngine() }
        return try global.openEngine(clock: clock, changesVault: true)
    }

    static let configuration = CommandConfiguration(
        abstract: "Serve the service API and AuthZEN over HTTP (docs/server.md).",
        discussion: """
        Settings come from a YAML file (--config), then the environment (CUSTOS_LISTEN, CUSTOS_TLS_CERT, ...), then these flags, each overriding the one before; docs/server.md lists them. Plain HTTP only on a loopback address: elsewhere give --tls-cert and --tls-key, or --insecure-http behind a TLS-terminating proxy you trust. SIGTERM or SIGINT drains: requests in flight are answered and logged first. With port 0 the system picks a free port; the line 'listening on http://HOST:PORT' says which.

        Examples:
          custos serve
          custos serve --listen 127.0.0.1:0
          custos serve --config serve.yaml --listen 0.0.0.0:8443 --tls-cert tls.pem --tls-key tls.key
          custos serve --listen 127.0.0.1:8700 --listen-public 127.0.0.1:8080 --smtp-relay 127.0.0.1:25 --mail-from privacy@example.nl
          custos --db demo/custos.db --key-file demo/custos.key serve --at 2025-10-07T08:30:00+02:00   # the demo's next morning

        The officer's console is at /console on the --listen address (never on the public one); create accounts with 'custos officer add'.
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("A YAML settings file (docs/server.md).", valueName: "file")) var config: String?
    @Option(help: ArgumentHelp("Address and port to listen on (default 127.0.0.1:8700).", valueName: "host:port")) var listen: String?
    @Option(help: "The base URL clients use, for the AuthZEN metadata; default http(s)://<listen>.") var publicURL: String?
    @Option(help: ArgumentHelp("PEM certificate chain for TLS.", valueName: "file")) var tlsCert: String?
    @Option(help: ArgumentHelp("PEM private key for TLS.", valueName: "file")) var tlsKey: String?
    @Flag(help: "Allow plain HTTP on an address other than loopback.") var insecureHTTP = false
    @Option(help: ArgumentHelp("Serve the privacy centre (the data subjects' pages) on this address too.", valueName: "host:port")) var listenPublic: String?
    @Option(help: ArgumentHelp("A folder of templates and catalogues that replace the privacy centre's built-in ones.", valueName: "dir")) var webTemplates: String?
    @Option(help: ArgumentHelp("The SMTP relay mail to data subjects goes through (else it waits in the outbox).", valueName: "host:port")) var smtpRelay: String?
    @Option(help: ArgumentHelp("The sender address of that mail.", valueName: "address")) var mailFrom: String?
    @OptionGroup var smtp: SMTPOptions
    @Option(help: ArgumentHelp("On a simulation vault only: start the server's clock at this instant (ISO 8601 with offset); it then runs at real speed.",
                               valueName: "instant")) var at: String?

    func run() throws {
        let configuration: ServerConfiguration
        do {
            let file = try config.map { path throws(SettingsError) in try ServerSettings.file(path) } ?? ServerSettings()
            var flags = ServerSettings(listen: listen, publicURL: publicURL, insecureHTTP: insecureHTTP ? true : nil, tlsCertificate: tlsCert, tlsKey: tlsKey,
                                       listenPublic: listenPublic, webTemplates: webTemplates, smtpRelay: smtpRelay, mailFrom: mailFrom)
            flags.mail = smtp.settings
            configuration = try file.overriding(with: try ServerSettings.environment(ProcessInfo.processInfo.environment)).overriding(with: flags).configuration()
        } catch {
            StandardError.error(error.message)
            throw ExitStatus.usage
        }
        let server: CustosServer, stranded: [ServiceAccount]
        if let address = try global.postgresVault() {
            let clock = try clock()
            let engine = try global.openPostgresEngine(address, clock: clock ?? { .now }, setClock: clock != nil)
            server = CustosServer(service: engine, office: engine.consoleBackend, configuration: configuration)
            do { stranded = engine.policy.strandedServiceAccounts(try engine.vault.keyring.serviceAccounts()) } catch { throw ExitStatus.report(error) }
        } else {
            let engine = try openEngine()
            server = CustosServer(engine: engine, configuration: configuration)
            do { stranded = engine.policy.strandedServiceAccounts(try engine.serviceAccounts()) } catch { throw ExitStatus.report(error) }
        }
        // Said before listening: such a service's every request will be denied, which looks like
        // an outage to it, and the cause is a policy change only the operator can see.
        for account in stranded {
            StandardError.write("custos: warning: service account \(account.name) acts as '\(account.actor)', which the policy no longer declares: every request it makes is denied (custos service revoke \(account.name), or declare the actor again)")
        }
        let failure = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let host = configuration.host, scheme = configuration.tls == nil ? "http" : "https", json = global.output == .json
        let publicHost = configuration.publicListener?.host ?? host
        Task {
            do {
                try await server.run { listener, port in
                    let bound = listener == .api ? host : publicHost
                    let url = "\(scheme)://\(bound.contains(":") ? "[\(bound)]" : bound):\(port)"
                    // Said at once, even under -o json: a supervisor waits for this line.
                    let what = listener == .api ? "listening" : "privacy-centre"
                    if json { StandardError.raw("{\"\(what)\":\"\(url)\"}\n") } else { StandardError.write("custos: \(listener == .api ? "listening on" : "privacy centre on") \(url)") }
                }
            } catch {
                failure.withLock { $0 = String(describing: error) }
            }
            done.signal()
        }
        done.wait()
        if let message = failure.withLock({ $0 }) {
            StandardError.error("the server stopped: \(message)")
            throw ExitStatus.runtimeError
        }
    }
}
