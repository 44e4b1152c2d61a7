import ArgumentParser
import Custos
import Foundation
import CustosStore
import CustosPostgres
import CustosOnPostgres

/// Opening the vault from the global options: the key file, or a passphrase from
/// CUSTOS_PASSPHRASE; errors become the contract's exit codes.
extension GlobalOptions {
    var masterKey: MasterKeySource {
        if let passphrase = ProcessInfo.processInfo.environment["CUSTOS_PASSPHRASE"], !passphrase.isEmpty {
            return .passphrase(Array(passphrase.utf8))
        }
        return .file(keyFile)
    }

    /// Where the keyring lives: `--keyring`, else the file beside the vault.
    func keyringPlace() throws -> any KeyringPlace {
        guard let keyring = keyringAddress else { return KeyringFile(path: PrivacyEngine.defaultKeyring(db)) }
        guard keyring.hasPrefix("postgres://") || keyring.hasPrefix("postgresql://") else { return KeyringFile(path: keyring) }
        do {
            return PostgresKeyringPlace(address: try PostgresAddress(parsing: keyring, environment: ProcessInfo.processInfo.environment))
        } catch {
            StandardError.error("--keyring: \(error)")
            throw ExitStatus.usage
        }
    }

    /// The vault's address when `--db` names a PostgreSQL database.
    func postgresVault() throws -> PostgresAddress? {
        guard db.hasPrefix("postgres://") || db.hasPrefix("postgresql://") else { return nil }
        do {
            return try PostgresAddress(parsing: db, environment: ProcessInfo.processInfo.environment)
        } catch {
            StandardError.error("--db: \(error)")
            throw ExitStatus.usage
        }
    }

    /// A PostgreSQL vault's keyring is named: it never lives in the vault's database.
    func postgresKeyring() throws -> any KeyringPlace {
        guard keyringAddress != nil else {
            StandardError.error("a PostgreSQL vault needs --keyring (a file, or another database): the keyring never lives in the vault's database")
            throw ExitStatus.usage
        }
        return try keyringPlace()
    }

    /// The engine of a PostgreSQL vault.
    func openPostgresEngine(_ address: PostgresAddress) throws -> PostgresEngine {
        try openPostgresEngine(address, clock: { .now }, setClock: false)
    }

    /// A PostgreSQL vault's engine with its clock set to `at`, under the same rule as a SQLite
    /// vault's (DESIGN §7): allowed when the command changes nothing, and on a simulation vault.
    func openPostgresEngine(_ address: PostgresAddress, at: Instant?, changesVault: Bool) throws -> PostgresEngine {
        guard let at else { return try openPostgresEngine(address) }
        return try openPostgresEngine(address, clock: { at }, setClock: changesVault)
    }

    /// `setClock`: the clock is the caller's and the command changes the vault, so the vault
    /// must be a simulation.
    func openPostgresEngine(_ address: PostgresAddress, clock: @escaping @Sendable () -> Instant, setClock: Bool) throws -> PostgresEngine {
        warnAboutKeyPlacement()
        let place = try postgresKeyring()
        let engine: PostgresEngine
        do {
            engine = try PostgresEngine.open(vault: address, keyring: place, masterKey: masterKey, policies: policyFolder, clock: clock)
        } catch {
            throw ExitStatus.report(error)
        }
        try requireSimulation(engine.isSimulation, when: setClock)
        return engine
    }

    /// A clock set by a command that changes the vault is for simulation vaults only.
    func requireSimulation(_ isSimulation: Bool, when setClock: Bool) throws {
        guard setClock, !isSimulation else { return }
        StandardError.error("--at sets the clock only for a dry run or on a simulation vault (custos init --simulation, custos demo)")
        throw ExitStatus.usage
    }

    /// The officer's desks (requests, fulfilment, the officer's records, the information duty,
    /// breaches, the sweep, the outbox, the console's accounts) over either backend's vault:
    /// the same rules on SQLite and on PostgreSQL.
    func openOffice() throws -> ConsoleBackend {
        if let address = try postgresVault() { return try openPostgresEngine(address).consoleBackend }
        return try openEngine().consoleBackend
    }

    /// The engine the service calls need, on either backend.
    func openServiceEngine() throws -> any ServiceEngine {
        if let address = try postgresVault() { return try openPostgresEngine(address) }
        return try openEngine()
    }

    /// The keyring that holds the service accounts, for either backend's vault.
    func openServiceKeyring() throws -> Keyring {
        if let address = try postgresVault() { return try openPostgresEngine(address).vault.keyring }
        return try openEngine().store.keyring
    }

    /// The officer's view of subjects (import, show, further categories) on either backend.
    func openSubjects() throws -> any OfficeEngine {
        if let address = try postgresVault() { return try openPostgresEngine(address) }
        return try openEngine()
    }

    /// Breach letters by e-mail, on either backend: each address is read through the gate by
    /// the officer under `purpose`, and logged.
    func sendBreachLetters(_ id: String, language: String, templates: URL?, purpose: String, by recorder: String,
                           post: (BreachLetter) throws -> Void) throws -> BreachLetterRun {
        try openOffice().sendBreachLetters(id, language: language, templates: templates, purpose: purpose, by: recorder, post: post)
    }

    /// A path that opens only a SQLite vault refuses a PostgreSQL address by name rather than
    /// take it for a file name (every command checks for one first; this is the floor).
    func refusePostgres() throws {
        guard try postgresVault() != nil else { return }
        let command = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("-") && !$0.contains("://") && !$0.contains("/") }.prefix(2).joined(separator: " ")
        StandardError.error("'custos \(command)' opened a SQLite vault with a PostgreSQL address; every command works on a PostgreSQL vault (docs/scaling.md): please report this")
        throw ExitStatus.usage
    }

    func openEngine() throws -> PrivacyEngine {
        try refusePostgres()
        warnAboutKeyPlacement()
        do {
            return try PrivacyEngine.open(vault: db, keyring: keyringPlace(), masterKey: masterKey, policies: policies ?? ProcessInfo.processInfo.environment["CUSTOS_POLICIES"])
        } catch {
            throw ExitStatus.report(error)
        }
    }

    func warnAboutKeyPlacement() {
        guard case let .file(path) = masterKey else { return }
        for warning in MasterKeyFile.placementWarnings(for: path) { StandardError.write("custos: warning: \(warning)") }
    }

    /// Opens the vault with its clock set to `at` (DESIGN §7): allowed when the command
    /// changes nothing, and on a simulation vault; otherwise a usage error.
    func openEngine(at: Instant?, changesVault: Bool) throws -> PrivacyEngine {
        guard let at else { return try openEngine() }
        return try openEngine(clock: { at }, changesVault: changesVault)
    }

    /// Opens the vault with a clock of the caller's; the same rule as a set instant.
    func openEngine(clock: @escaping @Sendable () -> Instant, changesVault: Bool) throws -> PrivacyEngine {
        try refusePostgres()
        warnAboutKeyPlacement()
        let engine: PrivacyEngine
        do {
            engine = try PrivacyEngine.open(vault: db, keyring: keyringPlace(), masterKey: masterKey, policies: policyFolder, clock: clock)
        } catch {
            throw ExitStatus.report(error)
        }
        try requireSimulation(engine.store.isSimulation, when: changesVault)
        return engine
    }
}

/// The operating-system user, recorded with every change the CLI makes (DESIGN §7).
var operatingSystemUser: String {
    let name = ProcessInfo.processInfo.userName
    return name.isEmpty ? "uid-\(getuid())" : name
}

extension ExitStatus {
    /// Prints `custos: error: …` and picks the exit code: 5 for integrity failures and a
    /// wrong master key, 4 for an invalid policy, 1 otherwise.
    static func report(_ error: any Error) -> ExitCode {
        StandardError.error(String(describing: error))
        switch error {
        case StoreError.wrongMasterKey, StoreError.integrity: return integrityFailure
        case EngineError.policyNotFound, EngineError.policyNotAFolder: return runtimeError
        case is EngineError: return invalidPolicy
        case is SweepRefused, ConsentError.unknownPurpose: return denied
        default: return runtimeError
        }
    }
}

/// Prints a gated result and exits by its outcome.
func finish(_ result: GatedResult, output: OutputFormat) throws {
    switch output {
    case .json:
        struct Report: Encodable { let decision: Decision; let seq: Int64?; let values: [String: String] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Report(decision: result.decision, seq: result.logSequence, values: result.values))) ?? Data()
        try emit(String(decoding: data, as: UTF8.self))
    case .human:
        try emit(DecisionSummary(result.decision).render(), terminator: "")
        if let seq = result.logSequence { try emit("  logged      #\(seq)") }
        for field in result.decision.permittedFields {
            if let value = result.values[field] { try emit("  \(field): \(value)") }
        }
    }
    switch result.decision.outcome {
    case .permit: return
    case .deny: throw ExitStatus.denied
    case .partial: throw ExitStatus.partial
    }
}

/// A `YYYY-MM-DD` option, or a usage error naming the option.
func parseDate(_ text: String?, option: String) throws -> LocalDate? {
    guard let text else { return nil }
    guard let date = LocalDate(parsing: text) else { throw ValidationError("--\(option) must be a date as YYYY-MM-DD") }
    return date
}

/// An ISO 8601 instant option, or a usage error naming the option.
func parseInstant(_ text: String?, option: String) throws -> Instant? {
    guard let text else { return nil }
    guard let instant = Instant(iso8601: text) else { throw ValidationError("--\(option) must be an ISO 8601 instant with offset, e.g. 2025-06-02T09:00:00+02:00") }
    return instant
}

/// A comma-separated list of ids, each once, in the order given: `email,email` names one field
/// (a record would otherwise list it twice).
func fieldList(_ text: String) -> [String] {
    var seen = Set<String>()
    return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
}

