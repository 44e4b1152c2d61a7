import Custos
import Foundation

/// `CustosBench cold-facts FOLDER SUBJECTS [ROUNDS]`: the vault benchmark's cold and warm
/// facts rows on a vault kept in FOLDER (built with SUBJECTS subjects, as `vault` builds
/// them, when FOLDER holds none), each round on a fresh open. The vault outlives the run, so
/// two binaries can be alternated on the same rows, and a copy of a vault one binary built can
/// be opened (and migrated) by another.
enum ColdFactsProbe {
    static func run(folder: String, subjects total: Int, rounds: Int, seedFolder: String) throws {
        let vault = folder + "/custos.db", key = folder + "/custos.key"
        let now = Instant(iso8601: "2025-06-02T09:00:00+02:00")!
        if !FileManager.default.fileExists(atPath: vault) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let engine = try PrivacyEngine.initialise(vault: vault, masterKey: .file(key), policies: seedFolder, clock: { now })
            let buildTime = try seconds {
                for start in stride(from: 0, to: total, by: 10_000) {
                    try engine.addSubjects((start..<min(total, start + 10_000)).map(VaultBenchmarks.subject), by: "bench")
                }
                try VaultBenchmarks.recordFileEvents(engine, subjects: total)
            }
            print(String(format: "built %d subjects in %.0f s", total, buildTime))
        }
        for round in 1...rounds {
            let opening = ContinuousClock.now
            let engine = try PrivacyEngine.open(vault: vault, masterKey: .file(key), clock: { now })
            let opened = (ContinuousClock.now - opening).components
            let openTime = Double(opened.seconds) + Double(opened.attoseconds) / 1e18
            let (cold, warm) = try VaultBenchmarks.coldAndWarm(engine, evaluator: Evaluator(policy: engine.policy), subjects: total, at: now)
            print("round \(round): open \(String(format: "%.2f", openTime)) s, cold p50 \(format(nanoseconds: cold.percentile(0.5))), "
                + "warm p50 \(format(nanoseconds: warm.percentile(0.5)))")
        }
    }
}

/// `CustosBench cold-read FOLDER SUBJECTS`: a gated read alone among a kept vault's SUBJECTS
/// subjects, each read of a subject not read before (as `make bench`'s row among 1,000,000),
/// timed in its stages beside whole reads of other such subjects and the run's bare sync.
enum ColdReadProbe {
    static func run(folder: String, subjects total: Int) throws {
        let engine = try PrivacyEngine.open(vault: folder + "/custos.db", masterKey: .file(folder + "/custos.key"))
        let fields = VaultBenchmarks.tenFields
        var random = SystemRandomNumberGenerator()
        let decided = try engine.gatedAccess.decideOnVault(
            DecisionRequest(actor: "collections-service", action: .read, subject: "D-0001000", purpose: "P-DEBT-COLLECT", fields: fields),
            facts: engine.store.factsAndCiphertexts(of: "D-0001000", fields: fields).facts, at: Instant.now, ciphertexts: [:])
        for pass in 1...2 {
            var stages = GatedReadStages()
            for _ in 0..<1_000 {
                try stages.time(engine, subject: String(format: "D-%07d", Int.random(in: 0..<total, using: &random)),
                                whole: String(format: "D-%07d", Int.random(in: 0..<total, using: &random)))
            }
            print("pass \(pass): a cold gated read in stages: \(stages.summary); bare sync \(format(nanoseconds: try VaultBenchmarks.fsyncCost(in: URL(fileURLWithPath: folder))))")
            var appendsAlone = Samples()
            for _ in 0..<1_000 { try appendsAlone.time { _ = try engine.store.log.append(decided, at: Instant.now) } }
            print("  appends back to back \(format(nanoseconds: appendsAlone.percentile(0.5))), a page rewritten in place and synced \(format(nanoseconds: try VaultBenchmarks.inPlaceSyncCost(in: URL(fileURLWithPath: folder))))")
        }
    }
}
