package import CustosPolicy
package import CustosStore

/// The outbox on either backend with the clock that stamps what was sent: where e-mail codes,
/// status links and breach letters wait for `custos outbox send` or the server's relay.
///
/// ```swift
/// let mailroom = engine.mailroom
/// for message in try mailroom.outbox(pendingOnly: true) { print(message.id, message.kind) }
/// ```
package struct Mailroom: Sendable {
    package let store: any OutboxStore
    let clock: @Sendable () -> Instant

    package init(store: any OutboxStore, clock: @escaping @Sendable () -> Instant) {
        self.store = store
        self.clock = clock
    }

    /// Queues a message to a data subject; the address and text are sealed.
    package func enqueueMail(kind: String, to: String, subject: String, body: String) throws {
        _ = try store.enqueue(kind: kind, to: to, subject: subject, body: body, at: clock())
    }

    /// The outbox, newest first. Addresses and texts are opened: for an officer, never logged.
    package func outbox(pendingOnly: Bool = false) throws -> [OutboxMessage] { try store.outbox(pendingOnly: pendingOnly) }

    /// Records that a message was sent, or why sending failed.
    package func markOutbox(_ id: Int64, sent: Bool, error: String? = nil) throws {
        try store.markOutbox(id, sentAt: sent ? clock() : nil, error: error)
    }
}
