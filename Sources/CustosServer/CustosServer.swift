public import Custos
import Foundation
import Hummingbird
import Logging

/// `custos serve`: the service API, AuthZEN and the operational routes over one vault.
///
/// ```swift
/// let server = CustosServer(engine: engine, configuration: ServerConfiguration(port: 8700))
/// try await server.run()   // until SIGTERM or SIGINT; in-flight requests finish first
/// ```
public struct CustosServer: Sendable {
    let engine: PrivacyEngine
    let configuration: ServerConfiguration

    public init(engine: PrivacyEngine, configuration: ServerConfiguration) {
        self.engine = engine
        self.configuration = configuration
    }

    /// Serves until SIGTERM or SIGINT, then drains: requests in flight are answered (and their
    /// decisions logged) before the process ends.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        // Structured logs without bootstrapping the process's logging system (a library must not).
        let logger = Logger(label: "custos.serve") { label in JSONLogHandler(label: label) }
        let router = Router(context: BasicRequestContext.self)
        let metrics = ServerMetrics(policy: engine.policy)
        router.add(middleware: AccessLogMiddleware(logger: logger, metrics: metrics))
        router.add(middleware: ProblemMiddleware(maximumBody: configuration.maximumBody))
        Routes(engine: engine, configuration: configuration, openAPI: OpenAPIDocument.data, metrics: metrics).add(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "custos"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.runService()
    }
}
