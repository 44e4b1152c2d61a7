package import Foundation
package import CustosPolicy
package import CustosDecision

/// What a gated read, share or decision needs from the store: the subject's facts with the
/// requested ciphertexts, decryption under the subject's key, the durable log, and for a share
/// one write transaction in which the facts are read, the decision logged and the disclosure
/// recorded (so the Art. 49 occasional limit is checked against a history no other share can
/// change meanwhile). SQLite's `VaultStore` is one implementation; a PostgreSQL vault is the
/// next (docs/scaling.md). The rules of the gate live above it (`GatedAccess` in Custos).
package protocol DecisionStore: Sendable {
    /// Facts and the ciphertexts of `fields` in one read: `nil` facts, the subject is unknown.
    func factsAndCiphertexts(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data])
    /// Reads and decrypts fields; a field that does not open is in `unreadable`, never thrown.
    func openFields(_ fields: [String], of subject: String) -> (values: [String: String], unreadable: Set<String>)
    /// Decrypts ciphertexts read earlier.
    func open(_ ciphertexts: [String: Data], of subject: String) -> (values: [String: String], unreadable: Set<String>)
    /// Appends to the decision log; returns the sequence number once durable.
    func append(_ decision: Decision, at: Instant) throws -> Int64
    func recordInformationTask(_ task: InformationTask) throws
    /// Runs `body` in one write transaction; a throw rolls everything back.
    func inShareTransaction<T>(_ body: (any ShareTransaction) throws -> T) throws -> T
}

/// The store inside a share's write transaction.
package protocol ShareTransaction {
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
}

extension VaultTransaction: ShareTransaction {}

extension VaultStore: DecisionStore {
    package func factsAndCiphertexts(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data]) {
        try vault.factsAndCiphertexts(of: subject, fields: fields)
    }

    package func openFields(_ fields: [String], of subject: String) -> (values: [String: String], unreadable: Set<String>) {
        vault.openFields(fields, of: subject)
    }

    package func open(_ ciphertexts: [String: Data], of subject: String) -> (values: [String: String], unreadable: Set<String>) {
        vault.open(ciphertexts, of: subject)
    }

    package func append(_ decision: Decision, at: Instant) throws -> Int64 { try log.append(decision, at: at) }

    package func recordInformationTask(_ task: InformationTask) throws { try vault.recordInformationTask(task) }

    package func inShareTransaction<T>(_ body: (any ShareTransaction) throws -> T) throws -> T {
        try inWriteTransaction { try body($0) }
    }
}
