import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context and the client's address,
/// which the limits per address count by.
struct CustosRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection's peer.
    let remoteAddress: SocketAddress?
    /// The client: the peer, or behind a trusted proxy the address it forwarded
    /// (`ClientAddressMiddleware`). What every limit per address counts by.
    var clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        clientAddress = remoteAddress?.ipAddress ?? "unknown"
    }
}
