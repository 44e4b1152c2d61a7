package import Custos
import Foundation
import Synchronization

/// Sends the outbox through the SMTP relay: after each new message the server queues, and by
/// `custos outbox send`. One round at a time; a message that fails stays pending with the
/// reason, and is tried again on the next round.
package final class OutboxSender: Sendable {
    let mailroom: Mailroom
    let relay: SMTPRelay
    private let state = Mutex<(running: Bool, again: Bool)>((false, false))

    package init(mailroom: Mailroom, relay: SMTPRelay) {
        self.mailroom = mailroom
        self.relay = relay
    }

    /// Starts a round in the background unless one is running (which then runs once more).
    func kick() {
        let start = state.withLock { state -> Bool in
            if state.running { state.again = true; return false }
            state.running = true
            return true
        }
        guard start else { return }
        Thread.detachNewThread { [self] in
            while true {
                _ = try? sendPending()
                let more = state.withLock { state -> Bool in
                    if state.again { state.again = false; return true }
                    state.running = false
                    return false
                }
                if !more { return }
            }
        }
    }

    /// Sends every pending message, oldest first; returns how many went and how many failed.
    package func sendPending() throws -> (sent: Int, failed: Int) {
        var sent = 0, failed = 0
        for message in try mailroom.outbox(pendingOnly: true).reversed() {
            do {
                try relay.send(to: message.to, subject: message.subject, body: message.body)
                try mailroom.markOutbox(message.id, sent: true)
                sent += 1
            } catch {
                try mailroom.markOutbox(message.id, sent: false, error: String(describing: error))
                failed += 1
            }
        }
        return (sent, failed)
    }
}
