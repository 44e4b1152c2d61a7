package import Foundation
package import CustosPolicy
package import CustosDecision

/// What a gated read, share, store or decision needs from the store: the subject's facts with
/// the requested ciphertexts, decryption under the subject's key, the durable log, and for a
/// share or a store one write transaction in which the facts are read, the decision logged and
/// the disclosure or the values recorded (so the Art. 49 occasional limit is checked against a
/// history no other share can change meanwhile, and no value is stored without its decision). SQLite's `VaultStore` is one implementation; a PostgreSQL vault is the
/// next (docs/scaling.md). The rules of the gate live above it (`GatedAccess` in Custos).
package protocol DecisionStore: Sendable {
    /// Facts and the ciphertexts of `fields` in one read: `nil` facts, the subject is unknown.
    func factsAndCiphertexts(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data])
    /// Reads and decrypts fields; a field that does not open is in `unreadable`. Only an
    /// unreachable database or keyring is thrown (`StoreError.unavailable`).
    func openFields(_ fields: [String], of subject: String) throws -> (values: [String: String], unreadable: Set<String>)
    /// Decrypts ciphertexts read earlier; throws only when the keyring cannot be reached.
    func open(_ ciphertexts: [String: Data], of subject: String) throws -> (values: [String: String], unreadable: Set<String>)
    /// Appends to the decision log; returns the sequence number once durable. The officer's
    /// Art. 14 `task` the decision leaves, if any, commits with the entry and takes its
    /// sequence number (`DecisionLog.append`).
    func append(_ decision: Decision, at: Instant, informing task: InformationTask?) throws -> Int64
    /// The same append, suspending the caller's task until the entry is durable instead of
    /// blocking its thread (the server's gated calls).
    func append(_ decision: Decision, at: Instant, informing task: InformationTask?) async throws -> Int64
    /// The same append for a caller on a thread of its own that must not wait there (the
    /// server's engine threads): it returns at once, and `answer` is called once when the entry
    /// is durable or the append failed; `answer` must return quickly (resume a continuation).
    func append(_ decision: Decision, at: Instant, informing task: InformationTask?,
                then answer: @escaping @Sendable (Result<Int64, any Error>) -> Void)
    /// Runs `body` in one write transaction; a throw rolls everything back.
    func inGateTransaction<T>(_ body: (any GateTransaction) throws -> T) throws -> T
}

extension DecisionStore {
    /// Appends a decision that leaves no task.
    package func append(_ decision: Decision, at: Instant) throws -> Int64 { try append(decision, at: at, informing: nil) }

    /// For a store whose log has no thread to answer from (PostgreSQL's group commit is a
    /// task's): a task of its own awaits the append.
    package func append(_ decision: Decision, at: Instant, informing task: InformationTask?,
                        then answer: @escaping @Sendable (Result<Int64, any Error>) -> Void) {
        Task {
            do { answer(.success(try await append(decision, at: at, informing: task))) } catch { answer(.failure(error)) }
        }
    }
}

/// The store inside a share's or a store's write transaction.
package protocol GateTransaction {
    func facts(of subject: String) throws -> Facts?
    /// The ciphertexts of a subject's fields among `fields`, in this transaction.
    func ciphertexts(of subject: String, fields: [String]) throws -> [String: Data]
    /// The officer's sub-processor authorisations, facts of a share to a processor.
    func subProcessorRecords() throws -> [SubProcessorRecord]
    /// A recipient's Art. 49(1)(e) transfers over every subject, for the occasional limit.
    func derogationTransfers(to recipient: String) throws -> [TransferRecord]
    func append(_ decision: Decision, at: Instant) throws -> Int64
    func recordInformationTask(_ task: InformationTask) throws
    func recordDisclosure(_ disclosure: DisclosureRecord, subject: String, seq: Int64, at: Instant) throws
    /// Seals and writes values of an existing subject with their provenance (a birth date in
    /// the future or implausibly far back is refused); returns the fields that replaced a value.
    func storeFields(_ values: [String: String], of subject: String, source: String, collectedFor: [String],
                     collectedAt: Instant, now: Instant) throws -> [String]
    /// Stores an erasure request's unsigned certificate (JSON) with the decisions that made it,
    /// before anything is destroyed: fulfilling the request again after an interruption
    /// finishes what was decided and logged (`RightsStore.applyErasure`).
    func recordErasureCertificate(_ certificate: String, request: String) throws
}

extension VaultTransaction: GateTransaction {}

extension VaultStore: DecisionStore {
    package func factsAndCiphertexts(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data]) {
        try vault.factsAndCiphertexts(of: subject, fields: fields)
    }

    package func openFields(_ fields: [String], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        try vault.openFields(fields, of: subject)
    }

    package func open(_ ciphertexts: [String: Data], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        try vault.open(ciphertexts, of: subject)
    }

    package func append(_ decision: Decision, at: Instant, informing task: InformationTask?) throws -> Int64 {
        try log.append(decision, at: at, informing: task)
    }

    package func append(_ decision: Decision, at: Instant, informing task: InformationTask?) async throws -> Int64 {
        try await log.append(decision, at: at, informing: task)
    }

    package func append(_ decision: Decision, at: Instant, informing task: InformationTask?,
                        then answer: @escaping @Sendable (Result<Int64, any Error>) -> Void) {
        log.append(decision, at: at, informing: task) { answer($0.mapError { $0 }) }
    }

    /// Every share and store runs here: its `BEGIN` and `COMMIT` stay prepared.
    package func inGateTransaction<T>(_ body: (any GateTransaction) throws -> T) throws -> T {
        try pool.preparedWrite { db in try body(VaultTransaction(db: db, vault: vault)) }
    }
}
