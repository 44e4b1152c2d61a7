import Foundation
import Testing
import Custos
import CustosStore
import CustosPostgres
import CustosOnPostgres
import CustosTestSupport
import PostgresNIO
import CustosPolicy
import CustosDecision

/// The suites nested here run on each backend a test run can reach: SQLite always, and a
/// PostgreSQL vault when `CUSTOS_TEST_POSTGRES` names a server (make postgres-check starts a
/// throwaway cluster, sets it and runs them again with `--filter CustosTests.OnBothBackends`). The same
/// assertions hold on both; the engine is reached through `ConsoleBackend`, which both build.
enum OnBothBackends {}

enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// SQLite, and PostgreSQL when this run has a server; only PostgreSQL when the run says
    /// so (`make postgres-check` runs these suites again after `make test`'s SQLite run).
    static var reachable: [Backend] {
        let environment = ProcessInfo.processInfo.environment
        guard environment["CUSTOS_TEST_POSTGRES"] != nil else { return [.sqlite] }
        return environment["CUSTOS_TEST_POSTGRES_ONLY"] == "1" ? [.postgres] : [.sqlite, .postgres]
    }
}

/// A fresh vault on one backend with a clock the test controls: the officer's desks
/// (`office`), the service engine, and the subject register.
final class BackendFixture: Sendable {
    let backend: Backend
    let clock: TestClock
    let office: ConsoleBackend
    let register: any OfficeEngine
    /// The SQLite vault's files (for a look at their raw bytes); none for PostgreSQL.
    let files: [String]
    /// The keyring's SQLite file, which both backends' fixtures keep their keys in.
    let keyringFile: String

    var service: any ServiceEngine { office.service }
    var adding: @Sendable ([NewSubject]) throws -> Void { { [register] in try register.addSubjects($0, by: "test") } }

    private init(backend: Backend, clock: TestClock, office: ConsoleBackend, register: any OfficeEngine, keyringFile: String, files: [String] = []) {
        (self.backend, self.clock, self.office, self.register, self.keyringFile, self.files) = (backend, clock, office, register, keyringFile, files)
    }

    /// The raw bytes of the vault's files on SQLite; nil on PostgreSQL (whose files this
    /// process does not own; Tests/postgres checks the server's own log instead).
    func rawFileBytes() -> [UInt8]? {
        guard backend == .sqlite else { return nil }
        return files.flatMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } ?? [] }
    }

    func add(_ subjects: NewSubject...) throws { try adding(subjects) }

    /// Runs `body` over a fresh vault on `backend`, on a thread of its own (`onAThreadOfItsOwn`):
    /// the engine's calls block, and a PostgreSQL vault's are answered by tasks on Swift's
    /// cooperative pool, which a blocked pool thread would starve.
    static func with(_ backend: Backend, start: Instant = VaultFixture.now, _ body: @escaping @Sendable (BackendFixture) throws -> Void) async throws {
        let folder = try TemporaryDirectory()
        defer { withExtendedLifetime(folder) {} }
        let path = folder.path, clock = TestClock(start)
        switch backend {
        case .sqlite:
            try await onAThreadOfItsOwn {
                let engine = try PrivacyEngine.initialise(vault: path + "/custos.db", masterKey: .file(path + "/custos.key"),
                                                          policies: RepositoryPaths.seedPolicy, clock: { clock.now })
                let keyring = PrivacyEngine.defaultKeyring(path + "/custos.db")
                try body(BackendFixture(backend: backend, clock: clock, office: engine.consoleBackend, register: engine, keyringFile: keyring,
                                        files: VaultStore.files(vault: path + "/custos.db", keyring: keyring)))
            }
        case .postgres:
            // A PostgreSQL vault holds a pool of connections and waits at most five seconds
            // for an answer: a few at a time, so that many parallel cases neither exhaust the
            // server's connections nor starve each other of the two cores.
            await PostgresSlots.shared.acquire()
            defer { Task { await PostgresSlots.shared.release() } }
            let environment = ProcessInfo.processInfo.environment
            let admin = try PostgresAddress(parsing: environment["CUSTOS_TEST_POSTGRES"] ?? "", environment: environment)
            let name = "custos_suite_\(UInt32.random(in: 0...UInt32.max))"
            try await adminQuery(admin, "CREATE DATABASE \(name)")
            do {
                try await onAThreadOfItsOwn {
                    let engine = try PostgresEngine.initialise(vault: admin.database(name), keyring: KeyringFile(path: path + "/custos.keys.db"),
                                                               masterKey: .file(path + "/custos.key"), policies: RepositoryPaths.seedPolicy,
                                                               clock: { clock.now })
                    defer { engine.close() }
                    try body(BackendFixture(backend: backend, clock: clock, office: engine.consoleBackend, register: engine, keyringFile: path + "/custos.keys.db"))
                }
            } catch {
                try? await adminQuery(admin, "DROP DATABASE \(name) WITH (FORCE)")
                throw error
            }
            try await adminQuery(admin, "DROP DATABASE \(name) WITH (FORCE)")
        }
    }

    private static func adminQuery(_ address: PostgresAddress, _ sql: String) async throws {
        let client = PostgresClient(configuration: .init(host: address.host, port: address.port, username: address.user,
                                                         password: address.password, database: address.database, tls: .disable))
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await client.query(PostgresQuery(unsafeSQL: sql))
    }
}

/// How many PostgreSQL vaults the suites hold open at once.
actor PostgresSlots {
    static let shared = PostgresSlots(slots: 2)
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(slots: Int) { free = slots }

    func acquire() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// The engine's calls as the suites under `OnBothBackends` make them, with `PrivacyEngine`'s
/// defaults, over either backend's `ConsoleBackend`: the same call reaches the same desk on
/// SQLite and on PostgreSQL.
struct TestEngine: Sendable {
    let office: ConsoleBackend
    let register: any OfficeEngine
    var adding: @Sendable ([NewSubject]) throws -> Void { { [register] in try register.addSubjects($0, by: "test") } }

    var policy: CompiledPolicy { office.policy }
    /// The stores' reads the assertions look at (registers, never values).
    var store: any OverviewStore { office.overview.store }

    /// The breach register's desk, whose calls keep `PrivacyEngine`'s names and defaults.
    var breachDesk: BreachDesk { office.breaches }
    /// The console's overview.
    var overview: OfficerOverview { office.overview }

    func addSubject(_ subject: NewSubject, by actor: String) throws { try adding([subject]) }
    func addCategory(_ category: String, to subject: String, by actor: String) throws { try register.addCategory(category, to: subject, by: actor) }
    func importSubjects(_ parsed: SubjectImport, by actor: String) throws -> [SubjectImport.Problem] { try register.importSubjects(parsed, by: actor) }
    func fulfilPortability(request id: String, by actor: String) throws -> PortabilityExport { try office.rights.fulfilPortability(request: id, by: actor) }
    func sweepRetention(dryRun: Bool, by actor: String, safety: SweepSafety = SweepSafety(), pageSize: Int = 500) throws -> RetentionSweepReport {
        try office.sweeper.sweepRetention(dryRun: dryRun, by: actor, safety: safety, pageSize: pageSize)
    }
    /// The keyring that holds the subjects' keys.
    var keyring: Keyring { office.service.signingKeyring }
    func sendBreachLetters(_ id: String, language: String = "nl", purpose: String = PrivacyEngine.breachNoticePurpose, actor: String = "officer",
                           by recorder: String, pageSize: Int = BreachDesk.lettersPerPage, post: (BreachLetter) throws -> Void) throws -> BreachLetterRun {
        try office.sendBreachLetters(id, language: language, purpose: purpose, actor: actor, by: recorder, pageSize: pageSize, post: post)
    }
    /// The privacy centre's rules over this vault.
    var publicDoor: PublicDoor { office.door }
    func verifyLog() throws -> LogVerification { try office.verifyLog() }
    func consentReceiptJWS(subject: String, purpose: String) throws -> String { try office.service.consentReceiptJWS(subject: subject, purpose: purpose) }
    func verifyReceipt(jws: String) -> (verification: ConsentReceipt.Verification, body: ConsentReceipt.Body?) { office.service.verifyReceipt(jws: jws) }
    var receiptJWKS: String { office.service.receiptJWKS }
    func outbox(pendingOnly: Bool = false) throws -> [OutboxMessage] { try office.door.mailroom.outbox(pendingOnly: pendingOnly) }
    func metadata(of subject: String) throws -> SubjectMetadata { try store.metadata(of: subject) }
    func recordEvent(subject: String, event: String, effective: LocalDate? = nil, by actor: String) throws {
        try office.service.recordEvent(subject: subject, event: event, effective: effective, by: actor)
    }
    func read(subject: String, fields: [String], purpose: String, actor: String) -> GatedResult {
        office.service.read(subject: subject, fields: fields, purpose: purpose, actor: actor)
    }
    func share(subject: String, fields: [String], purpose: String, recipient: String, recipientName: String? = nil,
               destination: String? = nil, procedure: String? = nil, actor: String) -> GatedResult {
        office.service.share(subject: subject, fields: fields, purpose: purpose, recipient: recipient, recipientName: recipientName,
                             destination: destination, procedure: procedure, actor: actor)
    }
    func decide(_ request: DecisionRequest) -> GatedResult { office.service.decide(request) }
    func consents(for subject: String) throws -> (history: [ConsentLedgerEvent], current: [String: ConsentLedgerEvent], refusals: [ConsentRefusal]) {
        try office.service.consents(for: subject)
    }
    func consentReceipt(subject: String, purpose: String) throws -> ConsentReceipt { try office.service.consentReceipt(subject: subject, purpose: purpose) }
    func verify(_ receipt: ConsentReceipt) -> ConsentReceipt.Verification { office.service.verifyReceipt(receipt) }
    func giveConsent(_ grant: ConsentGrant, by actor: String) throws -> [ConsentOutcome] { try office.service.giveConsent(grant, by: actor) }
    func withdrawConsent(subject: String, purposes: [String], channel: String, evidence: String? = nil, effective: Instant? = nil, by actor: String) throws {
        try office.service.withdrawConsent(subject: subject, purposes: purposes, channel: channel, evidence: evidence, effective: effective, by: actor)
    }

    func openRequest(subject: String, type: RightsRequestType, purpose: String? = nil, channel: String, receivedAt: Instant? = nil,
                     requester: String = "subject", mandate: String? = nil, identityVerifiedBy method: String? = nil, by actor: String) throws -> RightsRequest {
        try office.requests.openRequest(subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: receivedAt, requester: requester,
                                        mandate: mandate, identityVerifiedBy: method, by: actor)
    }
    func request(_ id: String) throws -> RightsRequest? { try office.requests.request(id) }
    func openRequests(overdue: Bool = false, dueWithinDays days: Int? = nil) throws -> [RightsRequest] {
        try office.requests.openRequests(overdue: overdue, dueWithinDays: days)
    }
    func verifyIdentity(request id: String, method: String, by actor: String) throws -> RightsRequest {
        try office.requests.verifyIdentity(request: id, method: method, by: actor)
    }
    func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant? = nil) throws -> Int64 {
        try office.requests.recordObjection(subject: subject, purpose: purpose, kind: kind, effective: effective)
    }

    func fulfilAccess(request id: String, by actor: String, language: String? = nil) throws -> (package: AccessPackage, html: String) {
        try office.rights.fulfilAccess(request: id, by: actor, language: language)
    }
    func fulfilObjection(request id: String, by actor: String) throws -> RightsOutcome { try office.rights.fulfilObjection(request: id, by: actor) }
    func fulfilRestriction(request id: String, fields: [String]? = nil, ground: RestrictionGround, by actor: String) throws -> RightsOutcome {
        try office.rights.fulfilRestriction(request: id, fields: fields, ground: ground, by: actor)
    }
    func fulfilErasure(request id: String, by actor: String) throws -> ErasureCertificate { try office.rights.fulfilErasure(request: id, by: actor) }
    func tasks(openOnly: Bool = true) throws -> [RecipientTask] { try office.rights.tasks(openOnly: openOnly) }
    func completeTask(_ id: Int64, by actor: String) throws { try office.rights.completeTask(id, by: actor) }

    @discardableResult
    func placeHold(subject: String, reference: String, since: LocalDate? = nil, fields: [String]? = nil, purposes: [String]? = nil, by actor: String) throws -> Int64 {
        try office.officer.placeHold(subject: subject, reference: reference, since: since, fields: fields, purposes: purposes, by: actor)
    }
    func liftHold(id: Int64, until: LocalDate? = nil, by actor: String) throws { try office.officer.liftHold(id: id, until: until, by: actor) }
    func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?, by actor: String) throws {
        try office.officer.assessObjection(id: id, assessment: assessment, reference: reference, by: actor)
    }
    func placeRestriction(subject: String, fields: [String]?, ground: String) throws -> Int64 {
        try office.officer.placeRestriction(subject: subject, fields: fields, ground: ground)
    }
    func liftRestriction(id: Int64, subjectInformedAt informed: Instant) throws { try office.officer.liftRestriction(id: id, subjectInformedAt: informed) }

    @discardableResult
    func recordSubProcessor(_ recipient: String, state: AuthorisationState, effective: Instant? = nil, note: String? = nil, by actor: String) throws -> Int64 {
        try office.officer.recordSubProcessor(recipient, state: state, effective: effective, note: note, by: actor)
    }
    func subProcessors(at instant: Instant? = nil) throws -> [SubProcessorStatus] { try office.officer.subProcessors(at: instant) }

    func informationDuties() throws -> [InformationDesk.InformationDuty] { try office.information.informationDuties() }
    func recordInformationGiven(subject: String, notice: String, at: Instant, channel: String?, by actor: String) throws {
        try office.information.recordInformationGiven(subject: subject, notice: notice, at: at, channel: channel, by: actor)
    }
    func recordInformationException(subject: String, notice: String, exception: InformationException, ground: String, by actor: String) throws {
        try office.information.recordInformationException(subject: subject, notice: notice, exception: exception, ground: ground, by: actor)
    }
}

extension BackendFixture {
    /// The engine's calls, the same on both backends.
    var engine: TestEngine { TestEngine(office: office, register: register) }

    /// A debtor with an open file and three values that appear nowhere else (as `VaultFixture.addDebtor`).
    @discardableResult
    func addDebtor(_ id: String, marker: String) throws -> [String: String] {
        let values = ["email": "\(marker)@example.nl", "bank_account": "NL91ABNA04171643\(marker.suffix(2))", "person_name": "Name \(marker)"]
        try add(NewSubject(id: id, category: "debtor", values: values, source: "client"))
        // Opened on 2025-01-10, or today on a clock before it: a date later than today is refused.
        try engine.recordEvent(subject: id, event: "file-opened", effective: min(LocalDate(year: 2025, month: 1, day: 10)!, engine.policy.localDate(of: clock.now)), by: "test")
        return values
    }
}
