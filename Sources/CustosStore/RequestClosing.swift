/// A request closed as fulfilled in the transaction that fulfils it: the erasure's
/// destruction, the rectification's new values or the restriction, with the recipients'
/// tasks and the request's `fulfilled` event, commit together. A kill can then leave the work
/// undone and the request open (fulfil it again), never the work done and the request open,
/// which a second fulfilment would have done twice (its tasks twice, a second restriction) or
/// could not finish at all (an erased subject).
///
/// A request that is no longer open when the transaction closes it is refused, which rolls the
/// transaction back: two officers fulfilling it at once fulfil it once.
///
/// ```swift
/// let closing = RequestClosing(request: "RQ-2026-0004", outcome: words, actor: "officer")
/// ```
package struct RequestClosing: Sendable {
    package var request: String
    /// The outcome, recorded on the request and as its `fulfilled` event's detail.
    package var outcome: LibraryWords
    package var actor: String

    package init(request: String, outcome: LibraryWords, actor: String) {
        self.request = request
        self.outcome = outcome
        self.actor = actor
    }
}
