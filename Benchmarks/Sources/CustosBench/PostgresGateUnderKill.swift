import Custos
import CustosCrypto
import CustosPolicy
import CustosPostgres
import CustosStore
import Foundation
import Synchronization

/// Several processes deciding through the gate on one PostgreSQL vault, one of them killed
/// (Tests/postgres/run.sh, `make postgres-check`; larger in `make bench`):
///
/// - `CustosBench postgres-gate-setup FOLDER SUBJECTS`: a keyring file and key in FOLDER, and
///   SUBJECTS debtors in the vault at CUSTOS_BENCH_POSTGRES.
/// - `CustosBench postgres-gate-load FOLDER SECONDS CALLERS`: CALLERS threads, each gated reads
///   of two fields and, every fourth call, a share to the foreign lawyer (an Art. 49(1)(e)
///   transfer, at most three procedures in twelve months) for a procedure of its own; prints
///   `ACK seq outcome action procedure` the moment each decision is answered, as a server would.
/// - `CustosBench postgres-gate-verify FOLDER FILE…`: the chain verifies, every answered number
///   is in it once, and no more than three procedures were permitted to the lawyer.
enum PostgresGateUnderKill {
    static let lawyer = "R-FOREIGN-LAWYER"

    static func open(_ folder: String, seedFolder: String) throws -> (PostgresVault, GatedAccess) {
        let environment = ProcessInfo.processInfo.environment
        let policy = try PrivacyEngine.compilePolicy(seedFolder)
        let keyring = try Keyring.open(KeyringFile(path: folder + "/keys.db").open(), source: .file(folder + "/master.key"))
        let vault = try PostgresVault.open(try PostgresAddress(parsing: environment["CUSTOS_BENCH_POSTGRES"] ?? "", environment: environment),
                                           keyring: keyring, policy: policy, connections: 8)
        return (vault, GatedAccess(policy: policy, evaluator: Evaluator(policy: policy), store: vault, clock: { .now }))
    }

    static func setup(folder: String, subjects: Int, seedFolder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let master = try MasterKeyFile.create(at: folder + "/master.key")
        _ = try Keyring.create(in: KeyringFile(path: folder + "/keys.db").create(), master: master, source: "file", salt: nil, now: .now)
        let (vault, _) = try open(folder, seedFolder: seedFolder)
        for start in stride(from: 0, to: subjects, by: 500) {
            try vault.importSubjects((start..<min(start + 500, subjects)).map { index in
                NewSubject(id: "D-\(index)", category: "debtor", values: ["email": "d\(index)@example.nl", "person_name": "Naam \(index)"], source: "client")
            }, at: .now, by: "bench")
        }
        print("set up \(subjects) subjects")
    }

    static func load(folder: String, seconds: Double, callers: Int, subjects: Int, seedFolder: String) throws {
        let (_, gate) = try open(folder, seedFolder: seedFolder)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let process = ProcessInfo.processInfo.processIdentifier
        onThreads(callers) { caller in
            var n = 0
            while ContinuousClock.now < deadline {
                n += 1
                let subject = "D-\(Int.random(in: 0..<subjects))"
                let share = n % 4 == 0
                let procedure = share ? "P\(process)-\(caller)-\(n)" : "-"
                let request = share
                    ? DecisionRequest(actor: "collections-service", action: .share, subject: subject, purpose: "P-DEBT-COLLECT", fields: ["person_name"],
                                      recipient: lawyer, recipientName: "Avukatlık Bürosu Demir", destination: "TR", procedure: procedure)
                    : DecisionRequest(actor: "collections-service", action: .read, subject: subject, purpose: "P-DEBT-COLLECT", fields: ["email", "person_name"])
                let result = gate.gate(request)
                // Only a logged decision is an answer; one write(2) per line, so a SIGKILL loses none.
                guard let seq = result.logSequence else { continue }
                FileHandle.standardOutput.write(Data("ACK \(seq) \(result.decision.outcome.rawValue) \(request.action.rawValue) \(procedure)\n".utf8))
            }
        }
    }

    static func verify(folder: String, files: [String], seedFolder: String) throws {
        let (vault, _) = try open(folder, seedFolder: seedFolder)
        let log = vault.log
        let verification = try BlockingBridge.wait { try await log.verify() }
        var acknowledged: [Int64] = []
        var permittedProcedures: Set<String> = []
        for file in files {
            for line in ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n") {
                let parts = line.split(separator: " ").map(String.init)
                guard parts.count == 5, parts[0] == "ACK", let seq = Int64(parts[1]) else { continue }
                acknowledged.append(seq)
                if parts[3] == "share", parts[2] != "deny" { permittedProcedures.insert(parts[4]) }
            }
        }
        let missing = acknowledged.filter { $0 < 1 || $0 > verification.headSeq }
        let duplicated = acknowledged.count - Set(acknowledged).count
        let recorded = try vault.derogationProcedures(to: lawyer)
        print("gate: \(verification.entries) decisions logged, chain \(verification.isIntact ? "intact" : "BROKEN: \(verification.problem ?? "")"); \(acknowledged.count) answered, \(missing.count) of them missing, \(duplicated) numbers given twice; Art. 49 procedures permitted to the lawyer: \(permittedProcedures.count) answered, \(recorded) recorded (limit 3)")
        if !verification.isIntact || !missing.isEmpty || duplicated > 0 || permittedProcedures.count > 3 || recorded > 3 || acknowledged.isEmpty { exit(1) }
    }
}
