import Prometheus
import NIOCore
import NIOHTTPTypes

/// Counts open connections in a gauge: one more while this connection's pipeline lives.
final class ConnectionCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    private let gauge: Gauge
    private var counted = false

    init(gauge: Gauge) {
        self.gauge = gauge
    }

    func handlerAdded(context: ChannelHandlerContext) {
        counted = true
        gauge.increment()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted { gauge.decrement() }
        counted = false
    }
}

@available(*, unavailable)
extension ConnectionCounter: Sendable {}
