import Foundation
package import Custos
package import CustosStore
package import CustosPostgres
package import CustosPolicy
package import CustosDecision
package import CustosReports
import CustosCrypto

/// The engine over a PostgreSQL vault (`custos --db postgres://… serve`): the same gate and the
/// same consent rules as `PrivacyEngine`, over `PostgresVault`, with the keyring in a place of
/// its own (a file, or another database). It answers the whole service API: reads, shares,
/// stores and logged decisions, subject lookups, consent and its receipts, objections and the
/// request book. What the PostgreSQL vault does not hold yet (docs/scaling.md) is not served.
///
/// ```swift
/// let engine = try PostgresEngine.open(vault: address, keyring: KeyringFile(path: "custos.keys.db"), masterKey: .file("custos.key"))
/// let result = engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
/// ```
package final class PostgresEngine: ServiceEngine {
    package let policy: CompiledPolicy
    package let policyFolder: String
    package let vault: PostgresVault
    package let vaultId: String
    let gate: GatedAccess
    let desk: ConsentDesk
    /// The request book's rules over this vault (`custos request …` on PostgreSQL).
    package let requests: RequestDesk
    /// The officer's records' rules over this vault (`custos hold …`, `restriction …`).
    package let officer: OfficerDesk
    /// Fulfilling requests (not access packages or portability yet) and their tasks.
    package let rights: RightsDesk
    /// The retention sweep over this vault (`custos retention sweep`).
    package let sweeper: RetentionSweeper
    /// The reports built from the vault alone (ropa, activity, transfers, consent).
    package let reporter: Reporter
    /// The Art. 14 information duty over this vault (`custos notice …`).
    package let information: InformationDesk
    /// The breach register over this vault (`custos breach …`; letters by e-mail are SQLite's).
    package let breaches: BreachDesk
    package let mailroom: Mailroom
    let clock: @Sendable () -> Instant

    private init(vault: PostgresVault, policy: CompiledPolicy, policyFolder: String, vaultId: String, clock: @escaping @Sendable () -> Instant) {
        self.vault = vault
        self.policy = policy
        self.policyFolder = policyFolder
        self.vaultId = vaultId
        self.clock = clock
        let evaluator = Evaluator(policy: policy)
        gate = GatedAccess(policy: policy, evaluator: evaluator, store: vault, clock: clock)
        desk = ConsentDesk(policy: policy, clock: clock, decisions: vault, consents: vault)
        requests = RequestDesk(policy: policy, clock: clock, store: vault)
        officer = OfficerDesk(policy: policy, clock: clock, store: vault)
        rights = RightsDesk(policy: policy, evaluator: evaluator, clock: clock, store: vault, keyring: vault.keyring)
        sweeper = RetentionSweeper(policy: policy, clock: clock, store: vault, rights: rights)
        information = InformationDesk(policy: policy, clock: clock, store: vault)
        breaches = BreachDesk(policy: policy, clock: clock, store: vault)
        mailroom = Mailroom(store: vault, clock: clock)
        reporter = Reporter(policy: policy, clock: clock, source: vault, subjectExists: { [vault] in try !vault.existingSubjects([$0]).isEmpty })
    }

    /// Creates the vault's schema and its keyring (and, for a key file that does not exist
    /// yet, the master key), and records the policy folder. A database that already holds a
    /// vault, or a place that already holds a keyring in use, is refused; a failed init leaves
    /// the keyring it made removed again. An init interrupted (SIGKILL, power) after it made the
    /// keyring and before it recorded the vault left an unused keyring that opens with this
    /// master key beside a vault without settings: the next init finishes it.
    ///
    /// A `simulation` vault (`custos init --simulation`, `custos demo`) lets commands set its
    /// clock, and its reports say that every record in it is simulated.
    package static func initialise(vault address: PostgresAddress, keyring place: any KeyringPlace, masterKey: MasterKeySource, policies: String,
                                   simulation: Bool = false, clock: @escaping @Sendable () -> Instant = { .now }) throws -> PostgresEngine {
        let folder = URL(fileURLWithPath: policies).standardizedFileURL.path
        let policy = try PrivacyEngine.compilePolicy(folder)
        let database = try PostgresVault.connect(address)
        var interrupted: Keyring?
        do {
            guard try PostgresVault.meta(of: database)["vault-id"] == nil else { throw StoreError.alreadyInitialised(address.description) }
            if try place.exists() {
                guard let keyring = try? Keyring.open(place.open(), source: masterKey), try keyring.holdsNothingYet() else {
                    throw StoreError.keyringExists(place.location)
                }
                interrupted = keyring
            }
        } catch {
            database.close()
            throw error
        }
        var created: [String] = []
        // Only a keyring this call made is removed again: one another init made meanwhile
        // (create refuses it) is left alone.
        var made = false
        do {
            let keyring: Keyring
            if let interrupted {
                keyring = interrupted
            } else {
                let master = try masterKey.materialise(created: &created)
                let storage = try place.create()
                made = true
                keyring = try Keyring.create(in: storage, master: master.key, source: master.source, salt: master.salt, now: clock())
            }
            let vault = try PostgresVault.open(database, keyring: keyring, policy: policy, simulation: simulation)
            let id = Blake2b.hex(SecureRandom.bytes(16))
            try vault.initialiseMeta(["vault-id": id, "policy-folder": folder, "created-at": clock().description, "simulation": simulation ? "true" : "false"])
            return PostgresEngine(vault: vault, policy: policy, policyFolder: folder, vaultId: id, clock: clock)
        } catch {
            database.close()
            if made { place.discard() }
            for file in created { try? FileManager.default.removeItem(atPath: file) }
            throw error
        }
    }

    /// Opens a vault; the policy folder defaults to the one recorded at init. Erasures the
    /// vault missed (a restored backup) are replayed first.
    package static func open(vault address: PostgresAddress, keyring place: any KeyringPlace, masterKey: MasterKeySource, policies: String? = nil,
                             clock: @escaping @Sendable () -> Instant = { .now }) throws -> PostgresEngine {
        // One connection pool, first for the vault's settings, then for the vault itself.
        let database = try PostgresVault.connect(address)
        do {
            let meta = try PostgresVault.meta(of: database)
            guard let id = meta["vault-id"], let folder = policies ?? meta["policy-folder"] else { throw StoreError.notInitialised(address.description) }
            let policy = try PrivacyEngine.compilePolicy(folder)
            let keyring = try Keyring.open(place.open(), source: masterKey)
            return PostgresEngine(vault: try PostgresVault.open(database, keyring: keyring, policy: policy), policy: policy, policyFolder: folder,
                                  vaultId: id, clock: clock)
        } catch {
            database.close()
            throw error
        }
    }

    /// Ends the vault's connections (a process that ends closes them anyway; a test that
    /// opens many engines closes each).
    package func close() { vault.close() }

    /// Whether this is a simulation vault, whose clock commands may set.
    package var isSimulation: Bool { vault.isSimulation }

    /// A signed checkpoint of the log's head now (`custos audit checkpoint`).
    package func checkpoint() throws -> AuditCheckpoint { try vault.checkpoint(vault: vaultId, at: clock()) }

    // MARK: the service API

    package func serviceAccount(forToken token: String) throws -> ServiceAccount? { try vault.keyring.serviceAccount(forToken: token) }
    package func knownServiceAccount(forToken token: String) -> ServiceAccount? { vault.keyring.knownServiceAccount(forToken: token) }

    package var gatedAccess: GatedAccess { gate }

    package func read(subject: String, fields: [String], purpose: String, actor: String) -> GatedResult {
        gate.gate(DecisionRequest(actor: actor, action: .read, subject: subject, purpose: purpose, fields: fields))
    }

    package func share(subject: String, fields: [String], purpose: String, recipient: String, recipientName: String?,
                       destination: String?, procedure: String?, actor: String) -> GatedResult {
        gate.gate(DecisionRequest(actor: actor, action: .share, subject: subject, purpose: purpose, fields: fields, recipient: recipient,
                                  recipientName: recipientName, destination: destination, procedure: procedure))
    }

    package func decide(_ request: DecisionRequest) -> GatedResult {
        gate.gate(request.onVaultFacts, releaseValues: false)
    }

    package func existingSubjects(_ ids: [String]) throws -> Set<String> { try vault.existingSubjects(ids) }

    package func findSubjects(matching value: String, kind: BlindIndexKind) throws -> [String] { try vault.findSubjects(value, kind: kind) }

    /// Records that a lifecycle event took effect on `effective` (nil: today, on the engine's
    /// clock) and returns that date. A date later than today or before 1900 is refused
    /// (`LifecycleEventDates`).
    ///
    /// ```swift
    /// try engine.recordEvent(subject: "D-1001", event: "file-closed", effective: LocalDate(year: 2025, month: 6, day: 30), by: "officer")
    /// ```
    @discardableResult
    package func recordEvent(subject: String, event: String, effective: LocalDate?, by actor: String) throws -> LocalDate {
        let now = clock()
        let date = effective ?? policy.localDate(of: now)
        try LifecycleEventDates.check(date, today: policy.localDate(of: now))
        try vault.recordEvent(subject: subject, event: event, effective: date, at: now, by: actor)
        return date
    }

    package func giveConsent(_ grant: ConsentGrant, by actor: String) throws -> [ConsentOutcome] { try desk.giveConsent(grant, by: actor) }

    package func withdrawConsent(subject: String, purposes: [String], channel: String, evidence: String?, effective: Instant?, by actor: String) throws {
        try desk.withdrawConsent(subject: subject, purposes: purposes, channel: channel, evidence: evidence, effective: effective, by: actor)
    }

    package func consents(for subject: String) throws -> (history: [ConsentLedgerEvent], current: [String: ConsentLedgerEvent], refusals: [ConsentRefusal]) {
        try desk.consents(for: subject)
    }

    package func verifyLogHead() throws -> Bool {
        let log = vault.log
        return try BlockingBridge.wait { try await log.headHolds() }
    }

    package func checkKeyring() throws { try vault.keyring.check() }

    package func observeLog(_ observer: any DecisionLogObserver) { vault.log.observe(observer) }

    package func createSubject(_ subject: NewSubject, purpose: String, actor: String) throws -> StoreResult {
        try gate.createSubject(subject, purpose: purpose, actor: actor) { permitted in try addSubjects([permitted], by: actor) }
    }

    package func store(subject: String, values: [String: String], purpose: String, source: String, collectedAt: Instant?, actor: String) throws -> StoreResult {
        try gate.store(subject: subject, values: values, purpose: purpose, source: source, collectedAt: collectedAt, actor: actor)
    }

    package func consentReceipt(subject: String, purpose: String) throws -> ConsentReceipt {
        try desk.receipt(subject: subject, purpose: purpose, signedBy: vault.keyring)
    }

    package var signingKeyring: Keyring { vault.keyring }

    package func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant?) throws -> Int64 {
        try requests.recordObjection(subject: subject, purpose: purpose, kind: kind, effective: effective)
    }

    package func openRequest(subject: String, type: RightsRequestType, purpose: String?, channel: String, receivedAt: Instant?, requester: String,
                             mandate: String?, identityVerifiedBy method: String?, opening: RequestOpening = .none, by actor: String) throws -> RightsRequest {
        try requests.openRequest(subject: subject, type: type, purpose: purpose, channel: channel, receivedAt: receivedAt, requester: requester,
                                 mandate: mandate, identityVerifiedBy: method, opening: opening, by: actor)
    }

    package func request(_ id: String) throws -> RightsRequest? { try requests.request(id) }

    // MARK: the officer's calls that work here

    /// Imports parsed subjects all or nothing; returns the problems that stopped it.
    package func importSubjects(_ parsed: SubjectImport, by actor: String) throws -> [SubjectImport.Problem] {
        let problems = parsed.problems(existing: try vault.existingSubjects(parsed.ids))
        guard problems.isEmpty else { return problems }
        try vault.importSubjects(at: clock(), by: actor) { try parsed.forEachPage($0) }
        return []
    }

    /// The imported subjects that the next retention sweep would touch today.
    package func unheldAfterImport(_ subjects: [String]) throws -> [RetentionSchedule.Plan] {
        try SubjectImport.unheld(subjects, policy: policy, today: policy.localDate(of: clock())) { try vault.factsAndCiphertexts(of: $0, fields: []).facts }
    }

    package func addCategory(_ category: String, to subject: String, by actor: String) throws {
        try vault.addCategory(category, to: subject, at: clock(), by: actor)
    }

    package func metadata(of subject: String) throws -> SubjectMetadata { try vault.metadata(of: subject) }

    /// Every report, on this vault.
    package func report(_ kind: ReportKind, period: ReportPeriod = ReportPeriod(), subject: String? = nil, generatedAt: Instant? = nil,
                        texts: ReportTexts = .english) throws -> ReportDocument {
        try reporter.report(kind, period: period, subject: subject, generatedAt: generatedAt, texts: texts,
                            registers: ReportRegisters(requests: vault, tasks: vault, information: information, breaches: breaches))
    }

    /// Adds subjects all or nothing (`custos subject add`).
    package func addSubjects(_ subjects: [NewSubject], by actor: String) throws {
        try vault.importSubjects(subjects, at: clock(), by: actor)
    }

    package func addServiceAccount(name: String, actor: String, requestsPerSecond: Int? = nil) throws -> String {
        try policy.checkServiceAccount(name: name, actor: actor)
        return try vault.keyring.addServiceAccount(name: name, actor: actor, requestsPerSecond: requestsPerSecond, at: clock())
    }

    package func verifyLog() throws -> LogVerification { try vault.verifyLog() }

    /// The privacy centre's rules over this vault.
    package var publicDoor: PublicDoor { PublicDoor(engine: self, store: vault, clock: clock) }

    /// The officer's console over this vault.
    package var consoleBackend: ConsoleBackend {
        ConsoleBackend(service: self, requests: requests, rights: rights, officer: officer, information: information, breaches: breaches,
                       sweeper: sweeper, overview: OfficerOverview(policy: policy, clock: clock, store: vault), door: publicDoor, accounts: consoleAccounts,
                       report: { [self] kind, period, texts in try report(kind, period: period, texts: texts) }, verifyLog: { [vault] in try vault.verifyLog() },
                       verifyCheckpoint: { [vault, vaultId] in try vault.verify($0, vault: vaultId) })
    }

    /// The console's accounts, in this vault's keyring.
    package var consoleAccounts: ConsoleAccounts {
        ConsoleAccounts(keyring: vault.keyring, clock: clock, controller: policy.controllerContacts.name)
    }
}

extension PostgresEngine: OfficeEngine {
    package func keyringAgreement(pageSize: Int) throws -> KeyringAgreement { try vault.keyringAgreement(pageSize: pageSize) }
}
