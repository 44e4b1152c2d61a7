import Custos
import CustosStore
import CustosOnPostgres

/// What the officer's day asks of a vault beyond the console's desks: a population to add, a
/// further category for a subject, a signed checkpoint. The engines of both backends answer
/// it, so `custos demo` runs the same day on SQLite and on PostgreSQL.
protocol SimulatedVault {
    var consoleBackend: ConsoleBackend { get }
    func addSubjects(_ subjects: [NewSubject], by actor: String) throws
    func addCategory(_ category: String, to subject: String, by actor: String) throws
    func checkpoint() throws -> AuditCheckpoint
}

extension PrivacyEngine: SimulatedVault {}
extension PostgresEngine: SimulatedVault {}
