package import CustosPolicy
package import CustosDecision
package import CustosStore

/// What the officer's tools (the CLI's subject commands, `custos demo`, the suites on both
/// backends) ask of an engine beyond the console's desks: the subject register, a signed
/// checkpoint and the vault's agreement with its keyring. `PrivacyEngine` (SQLite) and `PostgresEngine` (CustosOnPostgres) answer it.
///
/// ```swift
/// let engine: any OfficeEngine = try PrivacyEngine.open(vault: "custos.db", masterKey: .file("custos.key"))
/// try engine.addCategory("website_user", to: "D-1001", by: "officer")
/// ```
package protocol OfficeEngine: Sendable {
    var policy: CompiledPolicy { get }
    /// The console's desks over this engine's vault.
    var consoleBackend: ConsoleBackend { get }
    func addSubjects(_ subjects: [NewSubject], by actor: String) throws
    func addCategory(_ category: String, to subject: String, by actor: String) throws
    func importSubjects(_ parsed: SubjectImport, by actor: String) throws -> [SubjectImport.Problem]
    /// The retention plans of imported subjects that no legal hold keeps (the import's warning).
    func unheldAfterImport(_ subjects: [String]) throws -> [RetentionSchedule.Plan]
    func metadata(of subject: String) throws -> SubjectMetadata
    /// A signed checkpoint of the log's head now.
    func checkpoint() throws -> AuditCheckpoint
    /// Whether every vault subject has its key and every key its subject (`audit verify`),
    /// both sides read `pageSize` ids at a time.
    func keyringAgreement(pageSize: Int) throws -> KeyringAgreement
}

extension PrivacyEngine: OfficeEngine {}
