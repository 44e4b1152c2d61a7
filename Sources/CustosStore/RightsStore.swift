package import CustosPolicy

/// What fulfilling a rights request needs from the store, beyond the gate's reads, the request
/// book and the officer's records: the disclosures that say whom to tell (Art. 19), the tasks
/// that tell them, rectified values, field erasure and crypto-shredding, and the stored answers
/// of access requests (with the consent history an access package gives). The rules are
/// `RightsDesk`'s (Custos); SQLite's `VaultStore` and PostgreSQL's `PostgresVault` implement this.
package protocol RightsStore: DecisionStore, RequestStore, OfficerRecordStore, ConsentStore {
    /// Every disclosure of a subject's data, oldest first.
    func disclosures(of subject: String) throws -> [DisclosureEntry]
    func tasks(openOnly: Bool) throws -> [RecipientTask]
    func completeTask(_ id: Int64, at now: Instant, by actor: String) throws
    /// Replaces (or, for incomplete data, adds) values under the subject's key, keeping their
    /// collection provenance, and records the tasks and closes the request in the same
    /// transaction (`RequestClosing`). Returns the fields that already had a value.
    func rectify(subject: String, values: [String: String], source: String, tasks: [RecipientTask], closing: RequestClosing, at now: Instant) throws -> [String]
    /// An erasure request's last step: the keyring's ledger first, then the fields destroyed
    /// (or the whole subject, crypto-shredded, with a pseudonymous proof of its consents), the
    /// kept ones marked, the tasks recorded and the request closed, in one vault transaction
    /// (`ErasureApplication`).
    func applyErasure(_ erasure: ErasureApplication, at now: Instant) throws
    /// Records a restriction (Art. 18) from a restriction request, with the recipients' tasks,
    /// and closes the request, in one transaction; `outcome` words the request's outcome from
    /// the restriction's number. Returns that number.
    func restrict(subject: String, fields: [String]?, ground: String, tasks: [RecipientTask], request: String, by actor: String,
                  outcome: @escaping @Sendable (Int64) -> LibraryWords, since: Instant) throws -> Int64
    /// The unsigned certificate an erasure request stored with its decisions, nil if none.
    func erasureCertificate(of request: String) throws -> String?
    /// Keeps a request's sealed answer (replacing an earlier one); one held for review is
    /// for the officer only.
    func storeAnswer(_ answer: SealedAnswer, request: String, heldForReview: Bool, at now: Instant) throws
    /// A request's sealed answer, or nil; `includingHeld` also gives one held for review.
    func sealedAnswer(request: String, includingHeld: Bool) throws -> SealedAnswer?
    /// Keeps the subject's sealed statement with a request (replacing an earlier one) and
    /// records the request's change, in one transaction; `change` sees the request as locked.
    func storeStatement(_ statement: SealedStatement, request: String, at now: Instant, by actor: String,
                        _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest
    /// A request's sealed statement, or nil (none given, or deleted by an erasure since).
    func sealedStatement(request: String) throws -> SealedStatement?
}

extension VaultStore: RightsStore {
    package func disclosures(of subject: String) throws -> [DisclosureEntry] { try vault.disclosures(of: subject) }
    package func tasks(openOnly: Bool) throws -> [RecipientTask] { try vault.tasks(openOnly: openOnly) }
    package func completeTask(_ id: Int64, at now: Instant, by actor: String) throws { try vault.completeTask(id, at: now, by: actor) }
    package func rectify(subject: String, values: [String: String], source: String, tasks: [RecipientTask], closing: RequestClosing,
                         at now: Instant) throws -> [String] {
        try vault.rectify(subject: subject, values: values, source: source, tasks: tasks, closing: closing, at: now)
    }
    package func applyErasure(_ erasure: ErasureApplication, at now: Instant) throws { try vault.applyErasure(erasure, at: now) }
    package func erasureCertificate(of request: String) throws -> String? { try vault.erasureCertificate(of: request) }
    package func restrict(subject: String, fields: [String]?, ground: String, tasks: [RecipientTask], request: String, by actor: String,
                          outcome: @escaping @Sendable (Int64) -> LibraryWords, since: Instant) throws -> Int64 {
        try vault.restrict(subject: subject, fields: fields, ground: ground, tasks: tasks, request: request, by: actor, outcome: outcome, since: since)
    }
    package func storeAnswer(_ answer: SealedAnswer, request: String, heldForReview: Bool, at now: Instant) throws {
        try vault.storeAnswer(answer, request: request, heldForReview: heldForReview, at: now)
    }
    package func sealedAnswer(request: String, includingHeld: Bool) throws -> SealedAnswer? {
        try vault.sealedAnswer(request: request, includingHeld: includingHeld)
    }
    package func storeStatement(_ statement: SealedStatement, request: String, at now: Instant, by actor: String,
                                _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest {
        try vault.storeStatement(statement, request: request, at: now, by: actor, change)
    }
    package func sealedStatement(request: String) throws -> SealedStatement? { try vault.sealedStatement(request: request) }
}
