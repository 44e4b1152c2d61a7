import Foundation
public import CustosDecision
public import CustosPolicy
public import CustosStore

/// The answer to a gated read or share: the logged decision and the values of exactly the
/// permitted fields. A deny carries no values.
public struct GatedResult: Sendable {
    public let decision: Decision
    /// The decision's sequence number in the log; nil only when the log could not be written,
    /// in which case the decision is a deny.
    public let logSequence: Int64?
    public let values: [String: String]
    /// Nothing could be logged because a database the vault needs could not be reached: a
    /// server answers 503 rather than this deny.
    package var storeUnavailable = false

    init(decision: Decision, logSequence: Int64?, values: [String: String], storeUnavailable: Bool = false) {
        self.decision = decision
        self.logSequence = logSequence
        self.values = values
        self.storeUnavailable = storeUnavailable
    }
}

/// The engine other services link: every read and share of personal data goes through it,
/// is decided against the policy, logged durably, and only then answered.
///
/// The calls are synchronous and block until the decision is durable (one fsync, shared with
/// concurrent callers). Call them from your own threads or queues, not on Swift's cooperative
/// thread pool without offloading: blocked pool threads starve other tasks.
///
/// ```swift
/// let engine = try PrivacyEngine.open(vault: "custos.db", keyring: "custos.keys.db",
///                                     masterKey: .file("custos.key"), policies: "policies/invorderingsbedrijf")
/// let result = engine.read(subject: "D-1001", fields: ["email", "bank_account"],
///                          purpose: "P-DEBT-COLLECT", actor: "collections-service")
/// if result.decision.outcome != .deny { send(result.values) }
/// ```
public final class PrivacyEngine: Sendable {
    package let store: VaultStore
    public let policy: CompiledPolicy
    /// The policy folder this engine decides under (the CLI's `vault status` names it).
    package let policyFolder: String
    let evaluator: Evaluator
    let clock: @Sendable () -> Instant

    /// `custos.db` keeps its keys in `custos.keys.db` unless told otherwise.
    public static func defaultKeyring(_ vault: String) -> String {
        vault.hasSuffix(".db") ? String(vault.dropLast(3)) + ".keys.db" : vault + ".keys"
    }

    init(store: VaultStore, policy: CompiledPolicy, policyFolder: String, clock: @escaping @Sendable () -> Instant) {
        self.store = store
        self.policy = policy
        self.policyFolder = policyFolder
        evaluator = Evaluator(policy: policy)
        self.clock = clock
    }

    /// Creates a vault, its keyring and (for a key file that does not exist yet) the master
    /// key, and records the policy folder.
    public static func initialise(vault: String, keyring: String? = nil, masterKey: MasterKeySource, policies: String,
                                  simulation: Bool = false, clock: @escaping @Sendable () -> Instant = { .now }) throws -> PrivacyEngine {
        try initialise(vault: vault, keyring: KeyringFile(path: keyring ?? defaultKeyring(vault)), masterKey: masterKey, policies: policies,
                       simulation: simulation, clock: clock)
    }

    /// Creates a vault whose keyring lives in `keyring` (a file, or another database).
    package static func initialise(vault: String, keyring: any KeyringPlace, masterKey: MasterKeySource, policies: String,
                                   simulation: Bool = false, clock: @escaping @Sendable () -> Instant = { .now }) throws -> PrivacyEngine {
        // Recorded absolute, so commands run from any folder find it.
        let absolute = URL(fileURLWithPath: policies).standardizedFileURL.path
        let compiled = try compile(absolute)
        let store = try VaultStore.create(vault: vault, keyring: keyring, masterKey: masterKey, policy: compiled,
                                          policyFolder: absolute, simulation: simulation, now: clock())
        return PrivacyEngine(store: store, policy: compiled, policyFolder: absolute, clock: clock)
    }

    /// Opens a vault. The policy folder defaults to the one recorded by `initialise`.
    public static func open(vault: String, keyring: String? = nil, masterKey: MasterKeySource, policies: String? = nil,
                            clock: @escaping @Sendable () -> Instant = { .now }) throws -> PrivacyEngine {
        try open(vault: vault, keyring: KeyringFile(path: keyring ?? defaultKeyring(vault)), masterKey: masterKey, policies: policies, clock: clock)
    }

    /// Opens a vault whose keyring lives in `keyring` (a file, or another database).
    package static func open(vault: String, keyring: any KeyringPlace, masterKey: MasterKeySource, policies: String? = nil,
                             clock: @escaping @Sendable () -> Instant = { .now }) throws -> PrivacyEngine {
        let folder = try policies ?? VaultStore.recordedPolicyFolder(vault: vault)
        let compiled = try compile(folder)
        let store = try VaultStore.open(vault: vault, keyring: keyring, masterKey: masterKey, policy: compiled)
        return PrivacyEngine(store: store, policy: compiled, policyFolder: folder, clock: clock)
    }

    /// Loads, validates and compiles a policy folder; an invalid one throws with its errors.
    public static func compilePolicy(_ folder: String) throws -> CompiledPolicy { try compile(folder) }

    static func compile(_ folder: String) throws -> CompiledPolicy {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { throw EngineError.policyNotFound(folder) }
        guard isFolder.boolValue else { throw EngineError.policyNotAFolder(folder) }
        let loaded = PolicyLoader.load(directory: folder)
        guard let compiled = loaded.compiled else { throw EngineError.invalidPolicy(folder, loaded.diagnostics.errors) }
        return compiled
    }

    // MARK: gated access

    /// Reads fields of a subject for a purpose.
    public func read(subject: String, fields: [String], purpose: String, actor: String) -> GatedResult {
        gate(DecisionRequest(actor: actor, action: .read, subject: subject, purpose: purpose, fields: fields))
    }

    /// Shares fields with a recipient; `destination` for recipients whose country is given
    /// per disclosure, `procedure` for an Art. 49(1)(e) transfer. The disclosure is recorded
    /// in the same transaction as the decision.
    public func share(subject: String, fields: [String], purpose: String, recipient: String, recipientName: String? = nil,
                      destination: String? = nil, procedure: String? = nil, actor: String) -> GatedResult {
        gate(DecisionRequest(actor: actor, action: .share, subject: subject, purpose: purpose, fields: fields, recipient: recipient,
                             recipientName: recipientName, destination: destination, procedure: procedure))
    }

    /// Decides a request on the vault's facts and logs it, without returning values.
    public func decide(_ request: DecisionRequest) -> GatedResult {
        gate(request.onVaultFacts, releaseValues: false)
    }

    private func gate(_ request: DecisionRequest, releaseValues: Bool = true) -> GatedResult {
        gatedAccess.gate(request, releaseValues: releaseValues)
    }

    /// The gate over this vault's store.
    package var gatedAccess: GatedAccess { GatedAccess(policy: policy, evaluator: evaluator, store: store, clock: clock) }

    /// The evaluator's decision on vault facts, with the birth date decrypted for the age check.
    func decideOnVault(_ request: DecisionRequest, facts stored: Facts?, at: Instant) throws -> Decision {
        try gatedAccess.decideOnVault(request, facts: stored, at: at)
    }

    // MARK: subjects, events, audit

    public func addSubject(_ subject: NewSubject, by actor: String) throws {
        try store.vault.addSubject(subject, at: clock(), by: actor)
    }

    /// Records that a subject is also another kind of subject: a debtor who subscribes to the
    /// newsletter is judged for the newsletter as a subscriber, and for collection as a debtor.
    ///
    /// ```swift
    /// try engine.addCategory("website_user", to: "D-1001", by: "officer")
    /// ```
    public func addCategory(_ category: String, to subject: String, by actor: String) throws {
        try store.vault.addCategory(category, to: subject, at: clock(), by: actor)
    }

    /// Adds many subjects all or nothing (keys in one keyring transaction, rows in one vault
    /// transaction).
    public func addSubjects(_ subjects: [NewSubject], by actor: String) throws {
        try store.vault.importSubjects(subjects, at: clock(), by: actor)
    }

    /// Records that a lifecycle event took effect on `effective` (nil: today, on the engine's
    /// clock) and returns that date. A date later than today or before 1900 is refused
    /// (`LifecycleEventDates`).
    ///
    /// ```swift
    /// try engine.recordEvent(subject: "D-1001", event: "file-closed", effective: LocalDate(year: 2025, month: 6, day: 30), by: "officer")
    /// ```
    @discardableResult
    public func recordEvent(subject: String, event: String, effective: LocalDate? = nil, by actor: String) throws -> LocalDate {
        let now = clock()
        let date = effective ?? policy.localDate(of: now)
        try LifecycleEventDates.check(date, today: policy.localDate(of: now))
        try store.vault.recordEvent(subject: subject, event: event, effective: date, at: now, by: actor)
        return date
    }

    public func findSubjects(matching value: String, kind: BlindIndexKind) throws -> [String] {
        try store.vault.findSubjects(value, kind: kind)
    }

    /// The ids among `ids` that name a subject in the vault.
    package func existingSubjects(_ ids: [String]) throws -> Set<String> { try store.vault.existingSubjects(ids) }

    package func metadata(of subject: String) throws -> SubjectMetadata { try store.vault.metadata(of: subject) }

    public func verifyLog() throws -> LogVerification { try store.verifyLog() }

    /// Tells `observer` about the decision log's appends and group commits.
    package func observeLog(_ observer: any DecisionLogObserver) { store.log.observe(observer) }

    /// Whether the log's newest entry holds over the one before it (for readiness probes; the
    /// whole chain is `verifyLog`'s).
    package func verifyLogHead() throws -> Bool { try store.log.headHolds() }
    /// Throws when the keyring cannot be read now (its database went away).
    package func checkKeyring() throws { try store.keyring.check() }

    /// Whether every vault subject has its key and every key its subject (`audit verify`).
    package func keyringAgreement(pageSize: Int = KeysetPages.size) throws -> KeyringAgreement { try store.vault.keyringAgreement(pageSize: pageSize) }

    public func checkpoint() throws -> AuditCheckpoint { try store.checkpoint(at: clock()) }

    public func verify(_ checkpoint: AuditCheckpoint) throws -> CheckpointVerification { try store.verify(checkpoint) }

    /// Rotates the master key (`VaultStore.rotateMasterKey`); `resume` finishes a rotation
    /// that was interrupted after it wrote the new key file.
    package func rotateMasterKey(to source: MasterKeySource, resume: Bool = false) throws -> Int {
        try store.rotateMasterKey(to: source, resume: resume, at: clock())
    }

    /// Crypto-shreds a whole subject: the primitive erasure requests build on.
    package func shred(subject: String) throws { try store.shred(subject: subject, at: clock()) }
}

/// Failures of the engine facade.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    case invalidPolicy(String, [Diagnostic])
    case policyNotFound(String)
    case policyNotAFolder(String)

    public var description: String {
        switch self {
        case let .invalidPolicy(folder, errors): "policy '\(folder)' is invalid (\(errors.count) errors); run 'custos policy check \(folder)'"
        case let .policyNotFound(folder): "policy folder '\(folder)' not found"
        case let .policyNotAFolder(path): "'\(path)' is not a policy folder (a folder of YAML files)"
        }
    }
}
