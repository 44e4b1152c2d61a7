import Foundation
import Synchronization

/// Runs a blocking call for each of some items on a few threads at once and gives the answers
/// in the items' order. A gated read returns only once its log entry is durable, and reads
/// waiting together share one commit of the log (group commit): a breach's letters by e-mail
/// read their people's addresses this way, a page at a time, instead of one commit a person.
///
/// The threads are the caller's and threads of their own, never the cooperative pool's or an
/// event loop's: the calls block.
///
/// ```swift
/// let addresses = BlockingFanOut.map(["D-1", "D-2"], width: 16) { subject in
///     service.read(subject: subject, fields: ["email"], purpose: "P-BREACH-NOTICE", actor: "officer").values["email"]
/// }
/// ```
enum BlockingFanOut {
    static func map<Item: Sendable, Answer: Sendable>(_ items: [Item], width: Int, _ body: @escaping @Sendable (Item) -> Answer) -> [Answer] {
        guard items.count > 1, width > 1 else { return items.map(body) }
        let answers = Mutex<[Answer?]>(Array(repeating: nil, count: items.count))
        let next = Atomic<Int>(0)
        let work: @Sendable () -> Void = {
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < items.count else { return }
                let answer = body(items[index])
                answers.withLock { $0[index] = answer }
            }
        }
        let helpers = min(width, items.count) - 1
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<helpers {
            Thread.detachNewThread {
                work()
                done.signal()
            }
        }
        work()
        for _ in 0..<helpers { done.wait() }
        return answers.withLock { answers in answers.map { $0! } }
    }
}
