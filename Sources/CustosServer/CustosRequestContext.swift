import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context and the client's address,
/// which the failed-authentication limit counts by.
struct CustosRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
