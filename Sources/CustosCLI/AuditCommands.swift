import ArgumentParser
import Custos
import Foundation
import CustosStore
import CustosPostgres
import CustosOnPostgres

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the decision log and write signed checkpoints.", discussion: "Examples:\n  custos audit verify\n  custos audit checkpoint --out /safe/place/head.json",
        subcommands: [AuditVerify.self, AuditCheckpointCommand.self])
}

struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Recompute the hash chain; with --checkpoint, check that no entry after it was deleted.",
        discussion: "Exit 0 when the log holds, 5 at the first broken entry or a failed checkpoint.\n\nExamples:\n  custos audit verify\n  custos audit verify --checkpoint /safe/place/head.json")

    @OptionGroup var global: GlobalOptions
    @Option(help: "A checkpoint file written by 'custos audit checkpoint'.") var checkpoint: String?

    func run() throws {
        if let address = try global.postgresVault() { return try verifyPostgres(address) }
        let engine = try global.openEngine()
        let verification: DecisionLog.Verification
        do { verification = try engine.verifyLog() } catch { throw ExitStatus.report(error) }
        guard verification.isIntact else {
            StandardError.error("decision log broken at entry \(verification.firstBroken ?? 0): \(verification.problem ?? "")")
            throw ExitStatus.integrityFailure
        }
        var lines = ["decision log intact: \(verification.entries) entries, head #\(verification.headSeq) \(verification.headHash)"]
        var json: [String: Any] = ["log": ["intact": true, "entries": verification.entries, "head-seq": verification.headSeq, "head-hash": verification.headHash]]
        if let anchor = verification.anchor {
            lines.append("entries up to #\(anchor.seq) (before \(anchor.prunedBefore)) were pruned under the log's retention; their signed head verifies")
            json["pruned-up-to"] = anchor.seq
        }
        try requireAgreement { try engine.keyringAgreement() }
        lines.append("vault and keyring agree: every subject has its key")
        json["keyring-agrees"] = true
        if let checkpoint {
            let (line, status) = try verify(checkpoint) { try engine.verify($0) }
            lines.append(line)
            json["checkpoint"] = status
        }
        try answer(global.output, lines, json: json)
    }

    /// A PostgreSQL vault's log: the whole chain, shared by every process on the database.
    private func verifyPostgres(_ address: PostgresAddress) throws {
        let engine = try global.openPostgresEngine(address)
        let verification: LogVerification
        do { verification = try engine.verifyLog() } catch { throw ExitStatus.report(error) }
        guard verification.isIntact else {
            StandardError.error("decision log broken at entry \(verification.firstBroken ?? 0): \(verification.problem ?? "")")
            throw ExitStatus.integrityFailure
        }
        var lines = ["decision log intact: \(verification.entries) entries, head #\(verification.headSeq) \(verification.headHash)"]
        var json: [String: Any] = ["log": ["intact": true, "entries": verification.entries, "head-seq": verification.headSeq, "head-hash": verification.headHash]]
        try requireAgreement { try engine.keyringAgreement(pageSize: KeysetPages.size) }
        lines.append("vault and keyring agree: every subject has its key")
        json["keyring-agrees"] = true
        if let checkpoint {
            let (line, status) = try verify(checkpoint) { try engine.vault.verify($0, vault: engine.vaultId) }
            lines.append(line)
            json["checkpoint"] = status
        }
        try answer(global.output, lines, json: json)
    }

    /// Exit 5 when some subject has no key or some key no subject.
    private func requireAgreement(_ check: () throws -> KeyringAgreement) throws {
        let agreement: KeyringAgreement
        do { agreement = try check() } catch { throw ExitStatus.report(error) }
        guard agreement.holds else {
            func some(_ ids: [String]) -> String { ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? ", …" : "") }
            if !agreement.subjectsWithoutKey.isEmpty {
                StandardError.error("vault and keyring disagree: \(agreement.subjectsWithoutKey.count) subjects have no key in the keyring (their data cannot be read): \(some(agreement.subjectsWithoutKey))")
            }
            if !agreement.keysWithoutSubject.isEmpty {
                StandardError.error("vault and keyring disagree: the keyring holds \(agreement.keysWithoutSubject.count) keys of subjects the vault does not have (a vault restored from an older backup?): \(some(agreement.keysWithoutSubject))")
            }
            throw ExitStatus.integrityFailure
        }
    }

    /// The checkpoint comparison: a line and a status when it holds, else exit 5.
    private func verify(_ checkpoint: String, _ judge: (AuditCheckpoint) throws -> CheckpointVerification) throws -> (String, String) {
        guard let data = FileManager.default.contents(atPath: checkpoint) else {
            StandardError.error("cannot read checkpoint '\(checkpoint)': no such file, or not readable")
            throw ExitStatus.runtimeError
        }
        guard let parsed = try? JSONDecoder().decode(AuditCheckpoint.self, from: data) else {
            StandardError.error("'\(checkpoint)' is not a checkpoint written by 'custos audit checkpoint'")
            throw ExitStatus.usage
        }
        let result: CheckpointVerification
        do { result = try judge(parsed) } catch { throw ExitStatus.report(error) }
        switch result {
        case .holds: return ("checkpoint #\(parsed.seq) of \(parsed.at) holds", "holds")
        case .signatureInvalid:
            StandardError.error("checkpoint signature is not valid for this vault's signing key")
        case .otherVault:
            StandardError.error("the checkpoint belongs to another vault")
        case let .entriesMissing(head, seq):
            StandardError.error("the log ends at #\(head) but the checkpoint saw #\(seq): newer entries were deleted")
        case let .headDiffers(seq):
            StandardError.error("entry #\(seq) differs from the checkpoint: the log was rewritten")
        case let .pruned(anchor):
            return ("checkpoint #\(parsed.seq) of \(parsed.at) predates the retention pruning (entries up to #\(anchor) were pruned); the chain from the signed anchor holds", "pruned")
        }
        throw ExitStatus.integrityFailure
    }
}

struct AuditCheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Sign the log head (Ed25519) into a file to keep elsewhere.",
        discussion: """
        On a SQLite vault it then brings the index of subjects' trails up to the head (custos serve also keeps it up to date).

        Example:
          custos audit checkpoint --out /safe/place/head.json
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Where to write the checkpoint.") var out: String

    func run() throws {
        let checkpoint: AuditCheckpoint
        if let address = try global.postgresVault() {
            let engine = try global.openPostgresEngine(address)
            do { checkpoint = try engine.vault.checkpoint(vault: engine.vaultId, at: .now) } catch { throw ExitStatus.report(error) }
        } else {
            let engine = try global.openEngine()
            do { checkpoint = try engine.checkpoint() } catch { throw ExitStatus.report(error) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writePrivateFile((try? encoder.encode(checkpoint)) ?? Data(), to: out)
        try answer(global.output, ["checkpoint #\(checkpoint.seq) written to \(out); keep it away from the vault"],
                   json: ["checkpoint": out, "seq": checkpoint.seq, "hash": checkpoint.hash])
    }
}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the master key.", discussion: "Example:\n  custos keys rotate --new-key-file custos.key.2026",
        subcommands: [KeysRotate.self])
}

struct KeysRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Rewrap every key under a new master key version and retire the old one.",
        discussion: """
        The new key is written to --new-key-file (mode 0600; an existing file is refused), or derived from CUSTOS_NEW_PASSPHRASE. The keyring is rewrapped in one transaction: if the command is interrupted, either the old key still opens the vault, or the rotation finished. If it was interrupted after writing the new key file, run the same command with --resume to finish. The key file appears whole or not at all (written under a side name, --new-key-file.partial-…, then linked into place); a side file left by an interruption is never read and may be deleted. Afterwards the command checks that the new key opens the vault and the old one no longer does; keep the old key only as long as keyring backups made with it.

        Examples:
          custos keys rotate --new-key-file custos.key.2026
          custos keys rotate --new-key-file custos.key.2026 --resume    # after an interruption
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Where to create the new master key file; it must not exist yet.") var newKeyFile: String?
    @Flag(help: "Finish a rotation that was interrupted after it wrote --new-key-file.") var resume = false

    func run() throws {
        let source: MasterKeySource
        if let passphrase = ProcessInfo.processInfo.environment["CUSTOS_NEW_PASSPHRASE"], !passphrase.isEmpty {
            source = .passphrase(Array(passphrase.utf8))
        } else if let newKeyFile {
            source = .file(newKeyFile)
        } else {
            throw ValidationError("give --new-key-file PATH or set CUSTOS_NEW_PASSPHRASE")
        }
        // The keyring is rotated, whichever backend holds the vault; then the vault is opened
        // again with each key: what changed is checked rather than assumed.
        let keyring: Keyring
        let opens: (MasterKeySource) -> Bool
        if let address = try global.postgresVault() {
            keyring = try global.openPostgresEngine(address).vault.keyring
            let place = try global.postgresKeyring()
            opens = { source in (try? PostgresEngine.open(vault: address, keyring: place, masterKey: source, policies: global.policyFolder)) != nil }
        } else {
            keyring = try global.openEngine().store.keyring
            opens = { source in (try? PrivacyEngine.open(vault: global.db, keyring: global.keyringPlace(), masterKey: source)) != nil }
        }
        let version: Int
        do {
            version = try keyring.rotateMasterKey(to: source, resume: resume, at: .now)
        } catch let error as StoreError where error == .rotationComplete(newKeyFile ?? "") {
            try emit(error.description)
            return
        } catch {
            throw ExitStatus.report(error)
        }
        let newOpens = opens(source)
        let oldOpens = opens(global.masterKey)
        let newName = newKeyFile.map { "the key file \($0)" } ?? "the new passphrase (CUSTOS_NEW_PASSPHRASE)"
        let oldName: String = if case let .file(path) = global.masterKey { "the old key file \(path)" } else { "the old passphrase" }
        guard newOpens, !oldOpens else {
            StandardError.error("after rotating to master key version \(version), \(newName) \(newOpens ? "opens" : "does NOT open") the vault and \(oldName) \(oldOpens ? "still opens" : "does not open") it")
            throw ExitStatus.integrityFailure
        }
        if global.output == .json {
            try emit(KebabJSON.string(KeyRotation(masterVersion: version, opensWith: newKeyFile ?? "CUSTOS_NEW_PASSPHRASE", oldKeyOpens: false)))
            return
        }
        try emit("every key is now wrapped under master key version \(version); older versions are retired")
        try emit("the vault now opens with \(newName): use it from now on (--key-file, or CUSTOS_KEY_FILE / CUSTOS_PASSPHRASE)")
        try emit("\(oldName) no longer opens this keyring; keep it only as long as keyring backups made before now")
    }
}

/// What `keys rotate -o json` prints.
struct KeyRotation: Encodable {
    let masterVersion: Int
    let opensWith: String
    let oldKeyOpens: Bool
}
