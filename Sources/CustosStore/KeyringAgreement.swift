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

    /// Compares a vault's subjects with its keyring's adopted keys a page at a time, on either
    /// backend: each page of one side is looked up by id in the other, so neither side is held
    /// whole (two sets of every id took 141 MB for 1,000,000 subjects). The two sides are not
    /// merged as sorted lists, because a PostgreSQL vault orders ids by its collation and the
    /// keyring may order them another way. Pending keys are not adopted keys: a subject whose
    /// import is being committed right now may show as one without a key.
    package static func measure(subjects: (_ after: String?, _ limit: Int) throws -> [String], existing: ([String]) throws -> Set<String>,
                                keyring: Keyring, pageSize: Int) throws -> KeyringAgreement {
        var agreement = KeyringAgreement(subjectsWithoutKey: [], keysWithoutSubject: [])
        try KeysetPages.forEachPage(size: pageSize, first: nil, page: subjects, key: { Optional($0) }, what: "the vault's subjects") { page in
            let keyed = try keyring.adoptedAmong(page)
            agreement.subjectsWithoutKey += page.filter { !keyed.contains($0) }
        }
        try KeysetPages.forEachPage(size: pageSize, first: nil, page: keyring.adoptedSubjects, key: { Optional($0) }, what: "the keyring's subject keys") { page in
            let held = try existing(page)
            agreement.keysWithoutSubject += page.filter { !held.contains($0) }
        }
        agreement.subjectsWithoutKey.sort()
        agreement.keysWithoutSubject.sort()
        return agreement
    }
}
