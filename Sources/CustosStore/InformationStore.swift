import CustosPolicy

/// What the Art. 14 information duty needs from the store: the values held from other sources
/// (by provenance) with their subjects' categories, the records of information given or
/// excepted, and the tasks of uses before the information. The rules are `InformationDesk`'s
/// (Custos); SQLite's `VaultStore` and PostgreSQL's `PostgresVault` implement this.
package protocol InformationStore: Sendable {
    /// Stores records in one transaction: all of them, or none when a subject is missing
    /// (`StoreError.invalidInput` naming it).
    func recordInformation(_ records: [InformationRecord]) throws
    /// Every record, or one subject's, oldest first.
    func informationRecords(of subject: String?) throws -> [InformationRecord]
    func informationTasks() throws -> [InformationTask]
    /// Every stored value recorded with one of these provenances, with its subject's categories.
    func indirectHoldings(provenances: [String]) throws -> [IndirectHolding]
}

extension VaultStore: InformationStore {
    package func recordInformation(_ records: [InformationRecord]) throws { try vault.recordInformation(records) }
    package func informationRecords(of subject: String?) throws -> [InformationRecord] { try vault.informationRecords(of: subject) }
    package func informationTasks() throws -> [InformationTask] { try vault.informationTasks() }
    package func indirectHoldings(provenances: [String]) throws -> [IndirectHolding] { try vault.indirectHoldings(provenances: provenances) }
}
