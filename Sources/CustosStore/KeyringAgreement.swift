/// Vault subjects without a key, and keys without a vault subject. Both should be empty;
/// `audit verify` reports either as an integrity failure (a vault restored from an older
/// backup than its keyring shows keys without subjects).
///
/// ```swift
/// let agreement = try vault.keyringAgreement()
/// if !agreement.holds { print(agreement.subjectsWithoutKey.prefix(5)) }
/// ```
package struct KeyringAgreement: Sendable, Equatable {
    package var subjectsWithoutKey: [String]
    package var keysWithoutSubject: [String]
    package var holds: Bool { subjectsWithoutKey.isEmpty && keysWithoutSubject.isEmpty }

    package init(subjectsWithoutKey: [String], keysWithoutSubject: [String]) {
        self.subjectsWithoutKey = subjectsWithoutKey
        self.keysWithoutSubject = keysWithoutSubject
    }

    /// One side of the comparison: its ids a page at a time after an id (from the first when
    /// nil) in its own order, and which of some ids it holds.
    package struct Side {
        package var page: (_ after: String?, _ limit: Int) throws -> [String]
        package var holding: (_ ids: [String]) throws -> Set<String>

        package init(page: @escaping (_ after: String?, _ limit: Int) throws -> [String], holding: @escaping (_ ids: [String]) throws -> Set<String>) {
            self.page = page
            self.holding = holding
        }
    }

    /// Compares a vault's subjects with its keyring's adopted keys a page at a time, on either
    /// backend, so neither side is held whole (two sets of every id took 141 MB for 1,000,000
    /// subjects). Both sides are read once in order and merged while both give their ids in
    /// byte order, as SQLite does; a side that does not (a PostgreSQL collation that orders
    /// `D-10` after `D1`) sends the check to the slower way that assumes no order: each page of
    /// one side is looked up by id in the other. Pending keys are not adopted keys: a subject
    /// whose import is being committed right now may show as one without a key.
    package static func measure(vault: Side, keyring: Side, pageSize: Int) throws -> KeyringAgreement {
        precondition(pageSize > 0, "a page holds at least one id")
        if let merged = try merged(vault: vault, keyring: keyring, pageSize: pageSize) { return merged }
        var agreement = KeyringAgreement(subjectsWithoutKey: [], keysWithoutSubject: [])
        try KeysetPages.forEachPage(size: pageSize, first: nil, page: vault.page, key: { Optional($0) }, what: "the vault's subjects") { page in
            let keyed = try keyring.holding(page)
            agreement.subjectsWithoutKey += page.filter { !keyed.contains($0) }
        }
        try KeysetPages.forEachPage(size: pageSize, first: nil, page: keyring.page, key: { Optional($0) }, what: "the keyring's subject keys") { page in
            let held = try vault.holding(page)
            agreement.keysWithoutSubject += page.filter { !held.contains($0) }
        }
        agreement.subjectsWithoutKey.sort()
        agreement.keysWithoutSubject.sort()
        return agreement
    }

    /// The two sides merged as two sorted lists, or nil as soon as either is found not to give
    /// its ids in strictly rising byte order (then a merge would pair them wrongly).
    private static func merged(vault: Side, keyring: Side, pageSize: Int) throws -> KeyringAgreement? {
        var subjects = InByteOrder(side: vault, pageSize: pageSize), keys = InByteOrder(side: keyring, pageSize: pageSize)
        var agreement = KeyringAgreement(subjectsWithoutKey: [], keysWithoutSubject: [])
        var subject = try subjects.next(), key = try keys.next()
        while true {
            switch (subject, key) {
            case (nil, nil):
                return agreement
            case (.outOfOrder, _), (_, .outOfOrder):
                return nil
            case (.id(let s), .id(let k)) where s == k:
                (subject, key) = (try subjects.next(), try keys.next())
            case (.id(let s), nil):
                agreement.subjectsWithoutKey.append(s)
                subject = try subjects.next()
            case (.id(let s), .id(let k)) where s.utf8.lexicographicallyPrecedes(k.utf8):
                agreement.subjectsWithoutKey.append(s)
                subject = try subjects.next()
            case (_, .id(let k)):
                agreement.keysWithoutSubject.append(k)
                key = try keys.next()
            }
        }
    }

    private enum Next: Equatable { case id(String), outOfOrder }

    /// A side's ids one at a time, a page read when the one before is used up, each checked to
    /// rise in byte order over the one before.
    private struct InByteOrder {
        let side: Side
        let pageSize: Int
        private var page: [String] = [], index = 0, last: String?, exhausted = false

        init(side: Side, pageSize: Int) { (self.side, self.pageSize) = (side, pageSize) }

        mutating func next() throws -> Next? {
            if index == page.count {
                guard !exhausted else { return nil }
                page = try side.page(last, pageSize)
                index = 0
                exhausted = page.count < pageSize
                guard !page.isEmpty else { return nil }
            }
            let id = page[index]
            index += 1
            if let last, !last.utf8.lexicographicallyPrecedes(id.utf8) { return .outOfOrder }
            last = id
            return .id(id)
        }
    }
}
