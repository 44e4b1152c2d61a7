/// Gathers a stream of consent events, ordered by subject, into one subject's history at a
/// time for the consent report (`ReportSource.readConsentLedger`), so that the report holds
/// one subject's events, never the ledger's.
///
/// ```swift
/// var grouped = ConsentLedgerGroups()
/// for event in ordered { if let history = grouped.add(event) { tally.add(history) } }
/// if let history = grouped.finish() { tally.add(history) }
/// ```
package struct ConsentLedgerGroups {
    private var current: [ConsentHistoryEntry] = []

    package init() {}

    /// The next event; the last subject's history when this one starts another.
    package mutating func add(_ event: ConsentHistoryEntry) -> [ConsentHistoryEntry]? {
        var done: [ConsentHistoryEntry]?
        if let last = current.last, last.subject != event.subject {
            done = current
            current.removeAll(keepingCapacity: true)
        }
        current.append(event)
        return done
    }

    /// The last subject's history, if any.
    package mutating func finish() -> [ConsentHistoryEntry]? {
        defer { current.removeAll() }
        return current.isEmpty ? nil : current
    }
}
