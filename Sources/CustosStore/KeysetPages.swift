/// Reads a list that may outgrow memory a page at a time, each page asked for after the key
/// of the last item of the one before (keyset paging), so a reader holds one page, and an item
/// added meanwhile may be read but none is read twice. The decision log's entries (by sequence
/// number), the disclosure ledger (by row), the vault's subjects and the keyring's adopted keys
/// (by id) are read this way, on either backend.
///
/// ```swift
/// try KeysetPages.forEach(size: 2, first: Int64.min, page: { after, limit in log.page(after: after, limit: limit) },
///                         key: \.seq, what: "the decision log") { entry in print(entry.seq) }
/// ```
package enum KeysetPages {
    /// Items a page holds unless a caller says otherwise: about 25 MB of log rows and entries.
    package static let size = 10_000

    /// Calls `body` with every item of the pages `page(after, limit)` gives, starting after
    /// `first`, until a page holds fewer than `size` items. A full page whose last key is the
    /// one it was asked to start after is an error naming `what`, never an endless read
    /// (only equality is checked: PostgreSQL orders ids by its own collation, not Swift's).
    package static func forEach<Item, Key: Equatable>(size: Int, first: Key, page: (_ after: Key, _ limit: Int) throws -> [Item],
                                                      key: (Item) -> Key, what: String, _ body: (Item) throws -> Void) throws {
        try forEachPage(size: size, first: first, page: page, key: key, what: what) { items in
            for item in items { try body(item) }
        }
    }

    /// `forEach`, a whole page to each call of `body` (a caller that looks a page up at once).
    package static func forEachPage<Item, Key: Equatable>(size: Int, first: Key, page: (_ after: Key, _ limit: Int) throws -> [Item],
                                                          key: (Item) -> Key, what: String, _ body: ([Item]) throws -> Void) throws {
        precondition(size > 0, "a page holds at least one item")
        var after = first
        while true {
            let items = try page(after, size)
            try body(items)
            guard items.count == size, let last = items.last.map(key) else { return }
            if last == after { throw StoreError.integrity("\(what): a page does not advance past the one before") }
            after = last
        }
    }
}
