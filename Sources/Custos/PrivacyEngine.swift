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
    /// The policy folder this engine decides under.
    public let policyFolder: String
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
        var request = request
        request.at = nil  // a caller cannot backdate a decision on vault facts
        return gate(request, releaseValues: false)
    }

    private func gate(_ request: DecisionRequest, releaseValues: Bool = true) -> GatedResult {
        let request = request.withControlCharactersEscaped
        let at = clock()
        if request.action == .share { return gateShare(request, at: at, releaseValues: releaseValues) }
        let (decision, values) = evaluate(request, at: at, releaseValues: releaseValues) {
            // Facts and the requested ciphertexts in one read transaction.
            let read = try store.vault.factsAndCiphertexts(of: request.subject, fields: releaseValues ? request.fields : [])
            return (read.facts, read.ciphertexts)
        }
        do {
            // Durable before the caller sees it; concurrent callers share the fsync.
            let seq = try store.log.append(decision, at: at)
            // A communication before the Art. 14 information: the officer's task. The decision
            // stands logged if this write fails; its obligation still tells the caller.
            if let task = informationTask(for: decision, seq: seq, at: at) { try? store.vault.recordInformationTask(task) }
            return GatedResult(decision: decision, logSequence: seq, values: values)
        } catch {
            return unlogged(request)
        }
    }

    /// A share is decided, logged and recorded in one write transaction, so the occasional
    /// limit of Art. 49 transfers is checked against a history no other share can change
    /// meanwhile (DESIGN §7).
    private func gateShare(_ request: DecisionRequest, at: Instant, releaseValues: Bool) -> GatedResult {
        do {
            return try store.inWriteTransaction { transaction -> GatedResult in
                let (decision, values) = evaluate(request, at: at, releaseValues: releaseValues) {
                    // What a processor receives reaches its sub-processors: their authorisation
                    // records are facts of a share to a processor or a sub-processor, and of no
                    // other share.
                    var facts = try transaction.facts(of: request.subject)
                    let role = request.recipient.flatMap { policy.policy.recipient($0)?.role }
                    if role == .processor || role == .subProcessor { facts?.subProcessors = try transaction.subProcessorRecords() }
                    // The occasional limit of Art. 49 counts the recipient's procedures over every
                    // subject (gdpr.md §12); only a recipient the policy allows a derogation needs them.
                    if let recipient = request.recipient, facts != nil, policy.policy.recipient(recipient)?.transfer?.derogation != nil {
                        facts?.transfers = try transaction.derogationTransfers(to: recipient)
                    }
                    return (facts, nil)
                }
                let seq = try transaction.append(decision, at: at)
                if releaseValues, let task = informationTask(for: decision, seq: seq, at: at) { try transaction.recordInformationTask(task) }
                // A disclosure is what was released: only a share that hands values over
                // records one (never `decide`), and only of the fields it actually released.
                let released = decision.permittedFields.filter { values[$0] != nil }
                if releaseValues, decision.outcome != .deny, !released.isEmpty, let recipient = request.recipient {
                    let declared: String? = policy.policy.recipient(recipient).flatMap { r in
                        if case let .fixed(country) = r.country { country } else { nil }
                    }
                    try transaction.recordDisclosure(
                        DisclosureRecord(recipient: recipient, recipientName: request.recipientName, purpose: request.purpose, fields: released,
                                         destination: request.destination ?? declared, mechanism: Self.mechanism(of: decision),
                                         procedure: request.procedure),
                        subject: request.subject, seq: seq, at: at)
                }
                return GatedResult(decision: decision, logSequence: seq, values: values)
            }
        } catch {
            return unlogged(request)
        }
    }

    /// Loads facts, decides, and decrypts the permitted fields into memory before anything
    /// is logged, so the logged decision says exactly what is released.
    /// `load` returns the facts and, when it could read them in the same transaction, the
    /// requested ciphertexts.
    private func evaluate(_ request: DecisionRequest, at: Instant, releaseValues: Bool,
                          facts load: () throws -> (Facts?, [String: Data]?)) -> (Decision, [String: String]) {
        var decision: Decision
        let ciphertexts: [String: Data]?
        do {
            let (facts, read) = try load()
            ciphertexts = read
            decision = try decideOnVault(request, facts: facts, at: at)
        } catch {
            return (.failure(request, code: .engineError, explanation: "the facts could not be loaded", digest: policy.digest), [:])
        }
        guard releaseValues, decision.outcome != .deny, request.action == .read || request.action == .share else { return (decision, [:]) }
        let permitted = decision.permittedFields
        let opened = ciphertexts.map { store.vault.open($0.filter { permitted.contains($0.key) }, of: request.subject) }
            ?? store.vault.openFields(permitted, of: request.subject)
        decision = decision.withholding(opened.unreadable, code: .fieldUnreadable,
                                        explanation: "the stored value does not open: its ciphertext or key fails integrity checks")
        let released = Set(decision.permittedFields)
        return (decision, decision.outcome == .deny ? [:] : opened.values.filter { released.contains($0.key) })
    }

    /// Nothing could be logged: fail closed and release nothing.
    private func unlogged(_ request: DecisionRequest) -> GatedResult {
        GatedResult(decision: .failure(request, code: .engineError, explanation: "the decision could not be logged", digest: policy.digest),
                    logSequence: nil, values: [:])
    }

    /// The evaluator's decision on vault facts, with the birth date decrypted for the age check.
    func decideOnVault(_ request: DecisionRequest, facts stored: Facts?, at: Instant) throws -> Decision {
        guard var facts = stored else {
            return evaluator.decide(request, facts: Facts(subject: nil), at: at)
        }
        // The birth date only matters for the consent age check: other bases never decrypt it.
        let consentBased = facts.subject.flatMap { subject in policy.policy.purpose(request.purpose)?.basis(forAnyOf: subject.categories) } == .consent
        if consentBased, facts.fields.contains(where: { $0.field == "birth_date" }) {
            let opened = store.vault.openFields(["birth_date"], of: request.subject)
            if !opened.unreadable.isEmpty {
                return .failure(request, code: .fieldUnreadable, explanation: "the subject's birth date does not open", digest: policy.digest)
            }
            facts.subject?.birthDate = opened.values["birth_date"].flatMap(LocalDate.init(parsing:))
        }
        return evaluator.decide(request, facts: facts, at: at)
    }

    static func mechanism(of decision: Decision) -> String? {
        let codes = Set(decision.codes)
        // The recipient's own mechanism: an EEA recipient's sub-processors abroad add theirs.
        if codes.contains(.intraEEA) { return "intra-eea" }
        if codes.contains(.transferDerogationLegalClaims) { return "art-49-1-e" }
        if codes.contains(.transferDPF) { return "adequacy-dpf" }
        if codes.contains(.transferAdequacy) { return "adequacy" }
        if codes.contains(.transferSCC) { return "scc" }
        if codes.contains(.transferBCR) { return "bcr" }
        if codes.contains(.intraEEA) { return "intra-eea" }
        return nil
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

    public func recordEvent(subject: String, event: String, effective: LocalDate? = nil, by actor: String) throws {
        let now = clock()
        try store.vault.recordEvent(subject: subject, event: event, effective: effective ?? policy.localDate(of: now), at: now, by: actor)
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
    package func keyringAgreement() throws -> KeyringAgreement { try store.vault.keyringAgreement() }

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
