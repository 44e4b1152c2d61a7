import Custos
import CustosCrypto
import CustosPolicy
import CustosPostgres
import CustosStore
import Foundation
import Synchronization

/// `CustosBench gate-compare SECONDS`: the gated read of ten fields and the logged decision
/// through the same gate (`GatedAccess`) on SQLite and on PostgreSQL (CUSTOS_BENCH_POSTGRES,
/// password in CUSTOS_PG_PASSWORD_FILE), in one run on one machine: alone (p50) and with 32
/// concurrent callers (per second). 1,000 subjects with the ten fields each on both. Prints a
/// Markdown table (Benchmarks/postgres/run.sh, `make bench`).
enum GateComparison {
    static func run(seconds duration: Double, seedFolder: String) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["CUSTOS_BENCH_POSTGRES"] else { print("set CUSTOS_BENCH_POSTGRES"); exit(64) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-bench-gate")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let clock = Mutex(Instant(iso8601: "2025-06-02T09:00:00+02:00")!)
        let now: @Sendable () -> Instant = { clock.withLock { $0 } }
        let engine = try PrivacyEngine.initialise(vault: folder.appendingPathComponent("custos.db").path, masterKey: .file(folder.appendingPathComponent("custos.key").path),
                                                  policies: seedFolder, clock: now)
        let keyFile = folder.appendingPathComponent("pg.key").path
        let master = try MasterKeyFile.create(at: keyFile)
        let place = KeyringFile(path: folder.appendingPathComponent("pg.keys.db").path)
        _ = try Keyring.create(in: place.create(), master: master, source: "file", salt: nil, now: now())
        let vault = try PostgresVault.open(try PostgresAddress(parsing: url, environment: environment),
                                           keyring: Keyring.open(place.open(), source: .file(keyFile)), policy: engine.policy, connections: 16)
        let postgres = GatedAccess(policy: engine.policy, evaluator: Evaluator(policy: engine.policy), store: vault, clock: now)
        let subjects = (0..<1_000).map { index in
            var values: [String: String] = [:]
            for field in VaultBenchmarks.tenFields { values[field] = "\(field) of \(index)" }
            values["birth_date"] = "1980-05-17"
            return NewSubject(id: String(format: "D-%07d", index), category: "debtor", values: values, source: "client", collectedFor: ["P-DEBT-COLLECT"])
        }
        for start in stride(from: 0, to: subjects.count, by: 250) {
            let batch = Array(subjects[start..<min(start + 250, subjects.count)])
            try engine.addSubjects(batch, by: "bench")
            try vault.importSubjects(batch, at: now(), by: "bench")
        }
        @Sendable func read(_ index: Int) -> DecisionRequest {
            DecisionRequest(actor: "collections-service", action: .read, subject: String(format: "D-%07d", index % 1_000), purpose: "P-DEBT-COLLECT",
                            fields: VaultBenchmarks.tenFields)
        }
        let sqliteGate = engine.gatedAccess
        print("| through the same gate, 1,000 subjects | SQLite | PostgreSQL |")
        print("|---|---|---|")
        var row: [String] = []
        for gate in [sqliteGate, postgres] {
            var alone = Samples()
            for index in 0..<500 {
                alone.time { precondition(gate.gate(read(index)).values.count == 10, "a read released every field") }
            }
            row.append(format(nanoseconds: alone.percentile(0.5)))
        }
        print("| gated read of 10 fields + durable log, alone, p50 | \(row[0]) | \(row[1]) |")
        for (name, release) in [("gated reads of 10 fields, 32 callers", true), ("logged decisions (no values), 32 callers", false)] {
            var rates: [String] = []
            for gate in [sqliteGate, postgres] {
                let count = Atomic<Int>(0)
                let deadline = ContinuousClock.now + .milliseconds(Int(duration * 1000))
                let elapsed = seconds {
                    onThreads(32) { thread in
                        var n = thread
                        while ContinuousClock.now < deadline {
                            n += 32
                            if gate.gate(read(n), releaseValues: release).logSequence != nil { count.add(1, ordering: .relaxed) }
                        }
                    }
                }
                rates.append(format(rate: Double(count.load(ordering: .relaxed)) / elapsed))
            }
            print("| \(name) | \(rates[0]) | \(rates[1]) |")
        }
    }
}
