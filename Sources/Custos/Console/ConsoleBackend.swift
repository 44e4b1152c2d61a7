import Foundation
package import CustosPolicy
import CustosStore
package import CustosReports

/// Everything the officer's console calls, on either backend: the desks whose rules the CLI
/// runs too, the overview of what waits, the privacy centre's stored answers and the console's
/// accounts. `PrivacyEngine` and `PostgresEngine` each assemble one over their vault.
///
/// ```swift
/// let office = engine.consoleBackend
/// let open = try office.requests.openRequests(overdue: true)
/// ```
package struct ConsoleBackend: Sendable {
    /// Gated reads and subject lookup, decided and logged as every service's are.
    package let service: any ServiceEngine
    package let requests: RequestDesk
    package let rights: RightsDesk
    package let officer: OfficerDesk
    package let information: InformationDesk
    package let breaches: BreachDesk
    package let sweeper: RetentionSweeper
    package let overview: OfficerOverview
    package let door: PublicDoor
    package let accounts: ConsoleAccounts
    let reporting: @Sendable (ReportKind, ReportPeriod, ReportTexts) throws -> ReportDocument
    let logVerification: @Sendable () throws -> LogVerification
    let checkpointVerification: @Sendable (AuditCheckpoint) throws -> CheckpointVerification

    package init(service: any ServiceEngine, requests: RequestDesk, rights: RightsDesk, officer: OfficerDesk, information: InformationDesk,
                 breaches: BreachDesk, sweeper: RetentionSweeper, overview: OfficerOverview, door: PublicDoor, accounts: ConsoleAccounts,
                 report: @escaping @Sendable (ReportKind, ReportPeriod, ReportTexts) throws -> ReportDocument,
                 verifyLog: @escaping @Sendable () throws -> LogVerification,
                 verifyCheckpoint: @escaping @Sendable (AuditCheckpoint) throws -> CheckpointVerification) {
        (self.service, self.requests, self.rights, self.officer, self.information) = (service, requests, rights, officer, information)
        (self.breaches, self.sweeper, self.overview, self.door, self.accounts) = (breaches, sweeper, overview, door, accounts)
        (reporting, logVerification, checkpointVerification) = (report, verifyLog, verifyCheckpoint)
    }

    package var policy: CompiledPolicy { service.policy }
    /// The vault's clock: the console's "today", also on a simulation vault.
    package var now: Instant { overview.now }

    /// A report over the period, in `texts`' language.
    package func report(_ kind: ReportKind, period: ReportPeriod, texts: ReportTexts = .english) throws -> ReportDocument {
        try reporting(kind, period, texts)
    }
    /// The whole log's chain, as `audit verify` checks it.
    package func verifyLog() throws -> LogVerification { try logVerification() }
    /// A signed checkpoint against this vault's log.
    package func verify(_ checkpoint: AuditCheckpoint) throws -> CheckpointVerification { try checkpointVerification(checkpoint) }
}

extension OfficerOverview {
    /// The overview's clock.
    package var now: Instant { clock() }
}

extension PrivacyEngine {
    /// The officer's console over this vault.
    package var consoleBackend: ConsoleBackend {
        ConsoleBackend(service: self, requests: requestDesk, rights: rightsDesk, officer: officerDesk, information: informationDesk, breaches: breachDesk,
                       sweeper: retentionSweeper, overview: overview, door: publicDoor, accounts: consoleAccounts,
                       report: { [self] kind, period, texts in try report(kind, period: period, texts: texts) }, verifyLog: { [self] in try verifyLog() },
                       verifyCheckpoint: { [self] in try verify($0) })
    }
}
