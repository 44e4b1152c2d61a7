package import CustosPolicy

/// What the breach register needs from the store beyond the reads reports make (disclosures and
/// log entries in a window): breaches with their history, the letters sent per person and
/// channel, and who holds what now; letters by e-mail go through the vault's outbox. The rules
/// are `BreachDesk`'s (Custos); SQLite's `VaultStore` and PostgreSQL's `PostgresVault` implement this.
package protocol BreachStore: ReportSource, OutboxStore {
    /// Stores a new breach numbered `BR-<year>-NNNN` (four digits at least) in the year of awareness.
    func recordBreach(_ breach: Breach, year: Int, at now: Instant) throws -> String
    /// Changes a breach in one transaction with its history line; `change` may refuse.
    func updateBreach(_ id: String, at now: Instant, by actor: String, _ change: (Breach) throws -> (Breach, event: BreachEvent, detail: LibraryWords?)) throws -> Breach
    func breach(_ id: String) throws -> Breach?
    /// Every breach, by awareness.
    func breaches() throws -> [Breach]
    /// Records the letters sent, one row per person and channel, with the history line.
    func recordBreachLetters(_ id: String, subjects: [String], channel: String, language: String, event: BreachEvent, detail: LibraryWords,
                             at now: Instant, by actor: String) throws
    func breachLetterSubjects(_ id: String, channel: String) throws -> Set<String>
    func breachLetterCounts(_ id: String) throws -> [String: Int]
    /// At most `limit` subjects the vault holds with ids after `after` (from the first when
    /// nil), by id in the store's order, each with its first category and the fields it holds
    /// now, sorted (none for a subject that holds no field): one page of `forEachHeldSubject`.
    func heldFields(after: String?, limit: Int) throws -> [(subject: String, category: String, fields: [String])]
    /// The first category of each subject still in the vault.
    func categories(of subjects: Set<String>) throws -> [String: String]
}

extension VaultStore: BreachStore {
    package func recordBreach(_ breach: Breach, year: Int, at now: Instant) throws -> String { try vault.recordBreach(breach, year: year, at: now) }
    package func updateBreach(_ id: String, at now: Instant, by actor: String,
                              _ change: (Breach) throws -> (Breach, event: BreachEvent, detail: LibraryWords?)) throws -> Breach {
        try vault.updateBreach(id, at: now, by: actor, change)
    }
    package func breach(_ id: String) throws -> Breach? { try vault.breach(id) }
    package func breaches() throws -> [Breach] { try vault.breaches() }
    package func recordBreachLetters(_ id: String, subjects: [String], channel: String, language: String, event: BreachEvent, detail: LibraryWords,
                                     at now: Instant, by actor: String) throws {
        try vault.recordBreachLetters(id, subjects: subjects, channel: channel, language: language, event: event, detail: detail, at: now, by: actor)
    }
    package func breachLetterSubjects(_ id: String, channel: String) throws -> Set<String> { try vault.breachLetterSubjects(id, channel: channel) }
    package func breachLetterCounts(_ id: String) throws -> [String: Int] { try vault.breachLetterCounts(id) }
    package func heldFields(after: String?, limit: Int) throws -> [(subject: String, category: String, fields: [String])] {
        try vault.heldFields(after: after, limit: limit)
    }
    package func categories(of subjects: Set<String>) throws -> [String: String] { try vault.categories(of: subjects) }
}

extension BreachStore {
    /// Calls `body` with every subject the vault holds, by id, with its first category and the
    /// fields it holds now (none for a subject without fields), reading `pageSize` subjects at
    /// a time: a breach of the whole vault counts what it touches without every row of the
    /// vault's fields in memory at once.
    ///
    /// ```swift
    /// var fields = 0
    /// try store.forEachHeldSubject { _, _, held in fields += held.count }
    /// ```
    package func forEachHeldSubject(pageSize: Int = KeysetPages.size, _ body: (_ subject: String, _ category: String, _ fields: [String]) throws -> Void) throws {
        try KeysetPages.forEach(size: pageSize, first: nil as String?, page: { after, limit in try heldFields(after: after, limit: limit) },
                                key: { $0.subject }, what: "the vault's subjects") { try body($0.subject, $0.category, $0.fields) }
    }
}
