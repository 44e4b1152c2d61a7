package import Custos
import CustosReports
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// `custos serve`: the service API, AuthZEN and the operational routes over one vault.
///
/// ```swift
/// let server = CustosServer(engine: engine, configuration: try ServerSettings(listen: "127.0.0.1:8700").configuration())
/// try await server.run()   // until SIGTERM or SIGINT; in-flight requests finish first
/// ```
package struct CustosServer: Sendable {
    /// The service API's engine: the vault's, on either backend.
    let service: any ServiceEngine
    /// The officer's console: the desks, the overview, and the privacy centre's rules and outbox
    /// the public listener and the relay use.
    let office: ConsoleBackend
    let configuration: ServerConfiguration
    /// The backend's number of threads that decide reads and logged decisions
    /// (`EngineExecutor.answer`), unless the settings name one (`threads.deciding`): one per
    /// core over a SQLite vault, whose reads take microseconds and wait for nothing; nil, as
    /// many as the blocking pool, over PostgreSQL, where every read waits for a round trip.
    let decidingThreads: Int?

    package init(engine: PrivacyEngine, configuration: ServerConfiguration) {
        self.init(service: engine, office: engine.consoleBackend, configuration: configuration, decidingThreads: EngineExecutor.oneThreadPerCore)
    }

    /// The server over any vault (a PostgreSQL one): its service engine and its console's backend.
    package init(service: any ServiceEngine, office: ConsoleBackend, configuration: ServerConfiguration, decidingThreads: Int? = nil) {
        self.service = service
        self.office = office
        self.configuration = configuration
        self.decidingThreads = decidingThreads
    }

    /// Which listener a bound port belongs to.
    package enum Listener: Sendable { case api, privacyCentre }

    /// Serves until SIGTERM or SIGINT, then drains: requests in flight are answered (and their
    /// decisions logged) before the process ends. `onListening` gets each listener's bound port:
    /// the service API's, and the privacy centre's when it is configured.
    package func run(onListening: @escaping @Sendable (Listener, Int) async -> Void = { _, _ in }) async throws {
        // Structured logs without bootstrapping the process's logging system (a library must not).
        let logger = Logger(label: "custos.serve") { label in JSONLogHandler(label: label) }
        let router = Router(context: CustosRequestContext.self)
        let metrics = ServerMetrics(policy: service.policy, log: service)
        router.add(middleware: ClientAddressMiddleware(proxies: configuration.trustedProxies))
        router.add(middleware: AccessLogMiddleware(logger: logger, metrics: metrics, logSubjectIds: configuration.logSubjectIds,
                                                   templateOf: { Routes.template($0) ?? Console.template($0) }))
        router.add(middleware: ProblemMiddleware(maximumBody: configuration.maximumBody))
        router.add(middleware: AuthenticationLimitMiddleware(limiter: FailedAuthentications(perMinute: configuration.failedAuthenticationsPerMinute)))
        let executor = EngineExecutor(decidingThreads: configuration.decidingThreads ?? decidingThreads ?? EngineExecutor.blockingThreads)
        Routes(engine: service, door: office.door, configuration: configuration, openAPI: OpenAPIDocument.data, metrics: metrics, executor: executor).add(to: router)
        // The officer's console: on this internal listener only, never on the public one.
        let consolePages = try WebPages(overrides: configuration.console.templates, controller: office.door.controllerContacts, folder: "Console",
                                        templates: Console.pageNames, stylesheet: "console.css", home: "/console")
        // Each report in the page's language; a folder's catalogue that cannot be used stops the start.
        let reportFolder = configuration.console.templates.map { URL(fileURLWithPath: $0) }
        let reportTexts = try Dictionary(uniqueKeysWithValues: ReportTexts.languages.map { ($0, try ReportTexts.load(language: $0, templates: reportFolder)) })
        Console(office: office, executor: executor, pages: consolePages, reportTexts: reportTexts, guarder: WebGuard(store: office.door.store, executor: executor),
                sessions: ConsoleSessions(store: office.door.store, executor: executor, idle: .seconds(configuration.console.idleMinutes * 60)), settings: configuration.console,
                serverRequestLimit: configuration.requestsPerTokenPerSecond,
                secureCookies: WebSecurityHeaders.overHTTPS(servesTLS: configuration.tls != nil, publicURL: configuration.publicURL),
                logger: logger).add(to: router)
        let api = Application(
            router: router,
            server: try serverBuilder(metrics: metrics),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "custos"),
            onServerRunning: { channel in await onListening(.api, channel.localAddress?.port ?? 0) },
            logger: logger
        )
        var services: [any Service] = [api, TrailUpkeep(store: office.overview.store, executor: executor, logger: logger)]
        if let listener = configuration.publicListener {
            services.append(try privacyCentre(listener, door: office.door, executor: executor, metrics: metrics, logger: logger, onListening: onListening))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await executor.shutdown()
    }

    /// The privacy centre's application on its own listener, sharing the engine's threads.
    func privacyCentre(_ listener: ServerConfiguration.PublicListener, door: PublicDoor, executor: EngineExecutor, metrics: ServerMetrics, logger: Logger,
                       onListening: @escaping @Sendable (Listener, Int) async -> Void) throws -> some Service {
        let pages = try WebPages(overrides: listener.templates, controller: door.controllerContacts)
        let router = Router(context: CustosRequestContext.self)
        router.add(middleware: ClientAddressMiddleware(proxies: configuration.trustedProxies))
        router.add(middleware: AccessLogMiddleware(logger: logger, metrics: metrics, logSubjectIds: false, templateOf: PrivacyCentre.template))
        let overHTTPS = WebSecurityHeaders.overHTTPS(servesTLS: configuration.tls != nil, publicURL: listener.url)
        router.add(middleware: PublicPageMiddleware(pages: pages, overHTTPS: overHTTPS))
        let scheme = configuration.tls == nil ? "http" : "https"
        let host = listener.host.contains(":") ? "[\(listener.host)]" : listener.host
        let base = BaseURL(listener.url ?? "\(scheme)://\(host):\(listener.port)")
        let centre = PrivacyCentre(
            door: door, executor: executor, pages: pages, guarder: WebGuard(store: door.store, executor: executor),
            web: WebActor(actor: listener.actor, identityPurpose: listener.identityPurpose),
            baseURL: base, secureCookies: overHTTPS, codesPerAddress: listener.codesPerAddress,
            mailer: configuration.smtp.map { OutboxSender(mailroom: door.mailroom, relay: $0) })
        centre.add(to: router)
        return Application(
            router: router,
            server: try serverBuilder(metrics: metrics),
            configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: "custos"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                // With port 0 the link in e-mail names the port the system chose.
                if listener.url == nil { base.set("\(scheme)://\(host):\(port)") }
                await onListening(.privacyCentre, port)
            },
            logger: logger
        )
    }

    /// HTTP/1.1 with the slow-client deadline, the idle timeout and the connection count, in
    /// TLS when a certificate is configured.
    func serverBuilder(metrics: ServerMetrics) throws -> HTTPServerBuilder {
        let requestTimeout = TimeAmount.seconds(Int64(configuration.requestSeconds))
        let http1 = HTTPServerBuilder.http1(configuration: .init(
            additionalChannelHandlers: [RequestDeadlineHandler(timeout: requestTimeout), ConnectionCounter(gauge: metrics.openConnections)],
            idleTimeout: .seconds(Int64(configuration.idleSeconds))))
        guard let tls = configuration.tls else { return http1 }
        let certificates = try NIOSSLCertificate.fromPEMFile(tls.certificate)
        let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        let tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        return try .tls(http1, tlsConfiguration: tlsConfiguration)
    }
}

