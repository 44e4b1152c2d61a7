package import Custos
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// `custos serve`: the service API, AuthZEN and the operational routes over one vault.
///
/// ```swift
/// let server = CustosServer(engine: engine, configuration: try ServerSettings(listen: "127.0.0.1:8700").configuration())
/// try await server.run()   // until SIGTERM or SIGINT; in-flight requests finish first
/// ```
package struct CustosServer: Sendable {
    let engine: PrivacyEngine
    let configuration: ServerConfiguration

    package init(engine: PrivacyEngine, configuration: ServerConfiguration) {
        self.engine = engine
        self.configuration = configuration
    }

    /// Serves until SIGTERM or SIGINT, then drains: requests in flight are answered (and their
    /// decisions logged) before the process ends. `onListening` gets the bound port.
    package func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        // Structured logs without bootstrapping the process's logging system (a library must not).
        let logger = Logger(label: "custos.serve") { label in JSONLogHandler(label: label) }
        let router = Router(context: CustosRequestContext.self)
        let metrics = ServerMetrics(policy: engine.policy, log: engine)
        router.add(middleware: AccessLogMiddleware(logger: logger, metrics: metrics, logSubjectIds: configuration.logSubjectIds))
        router.add(middleware: ProblemMiddleware(maximumBody: configuration.maximumBody))
        router.add(middleware: AuthenticationLimitMiddleware(limiter: FailedAuthentications(perMinute: configuration.failedAuthenticationsPerMinute)))
        let executor = EngineExecutor()
        Routes(engine: engine, configuration: configuration, openAPI: OpenAPIDocument.data, metrics: metrics, executor: executor).add(to: router)
        let app = Application(
            router: router,
            server: try serverBuilder(metrics: metrics),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "custos"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.runService()
        await executor.shutdown()
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
