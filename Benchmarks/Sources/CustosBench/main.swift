import Custos
import Foundation

/// `make bench`: every benchmark of the performance issue, printed as a table and written to
/// BENCHMARKS-latest.md. Release build; nothing here is a test.
let arguments = Set(CommandLine.arguments.dropFirst())
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let seedFolder = root.appendingPathComponent("policies/invorderingsbedrijf").path
let table = Table()
print("Custos benchmarks (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
let seed = try PrivacyEngine.compilePolicy(seedFolder)
func wanted(_ name: String) -> Bool { arguments.isEmpty || arguments.contains(name) }
if arguments.contains("profile-decision") { ProfileDecision.run(policy: seed); exit(0) }
if arguments.contains("profile-import") { try ProfileImport.run(seedFolder: seedFolder); exit(0) }
if arguments.contains("profile-read") { try ProfileRead.run(seedFolder: seedFolder); exit(0) }
if arguments.contains("profile-gated-decision") { try ProfileGatedDecision.run(seedFolder: seedFolder); exit(0) }
if arguments.contains("profile-erasure") { try ProfileErasure.run(seedFolder: seedFolder); exit(0) }
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "postgres-log" {
    try await PostgresLogBenchmark.run(seconds: Double(CommandLine.arguments[2]) ?? 10, appenders: Int(CommandLine.arguments[3]) ?? 32)
    exit(0)
}
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "postgres-load" {
    try await PostgresLogUnderKill.load(seconds: Double(CommandLine.arguments[2]) ?? 5, callers: Int(CommandLine.arguments[3]) ?? 16)
    exit(0)
}
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "postgres-verify" {
    try await PostgresLogUnderKill.verify(acknowledged: Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "postgres-gate-setup" {
    try PostgresGateUnderKill.setup(folder: CommandLine.arguments[2], subjects: Int(CommandLine.arguments[3]) ?? 1_000, seedFolder: seedFolder)
    exit(0)
}
if CommandLine.arguments.count == 6, CommandLine.arguments[1] == "postgres-gate-load" {
    try PostgresGateUnderKill.load(folder: CommandLine.arguments[2], seconds: Double(CommandLine.arguments[3]) ?? 5,
                                   callers: Int(CommandLine.arguments[4]) ?? 8, subjects: Int(CommandLine.arguments[5]) ?? 1_000, seedFolder: seedFolder)
    exit(0)
}
if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "postgres-gate-verify" {
    try PostgresGateUnderKill.verify(folder: CommandLine.arguments[2], files: Array(CommandLine.arguments.dropFirst(3)), seedFolder: seedFolder)
    exit(0)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "gate-compare" {
    try GateComparison.run(seconds: Double(CommandLine.arguments[2]) ?? 10, seedFolder: seedFolder)
    exit(0)
}
if (3...4).contains(CommandLine.arguments.count), CommandLine.arguments[1] == "sqlite-log" {
    try SQLiteLogBenchmark.run(seconds: Double(CommandLine.arguments[2]) ?? 10, appenders: CommandLine.arguments.count == 4 ? Int(CommandLine.arguments[3]) ?? 32 : 32,
                               seedFolder: seedFolder)
    exit(0)
}
if (3...4).contains(CommandLine.arguments.count), CommandLine.arguments[1] == "sqlite-log-async" {
    try await SQLiteLogBenchmark.runAsync(seconds: Double(CommandLine.arguments[2]) ?? 10,
                                          tasks: CommandLine.arguments.count == 4 ? Int(CommandLine.arguments[3]) ?? 32 : 32, seedFolder: seedFolder)
    exit(0)
}
if (4...5).contains(CommandLine.arguments.count), CommandLine.arguments[1] == "cold-facts" {
    try ColdFactsProbe.run(folder: CommandLine.arguments[2], subjects: Int(CommandLine.arguments[3]) ?? 1_000_000,
                           rounds: CommandLine.arguments.count == 5 ? Int(CommandLine.arguments[4]) ?? 5 : 5, seedFolder: seedFolder)
    exit(0)
}
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "cold-read" {
    try ColdReadProbe.run(folder: CommandLine.arguments[2], subjects: Int(CommandLine.arguments[3]) ?? 1_000_000)
    exit(0)
}
if (3...4).contains(CommandLine.arguments.count), ["callers", "callers-awaiting"].contains(CommandLine.arguments[1]) {
    try VaultBenchmarks.callers(seconds: Double(CommandLine.arguments[2]) ?? 5,
                                threads: CommandLine.arguments.count == 4 ? Int(CommandLine.arguments[3]) ?? 32 : 32,
                                awaiting: CommandLine.arguments[1] == "callers-awaiting", seedFolder: seedFolder)
    exit(0)
}
if arguments.contains("probe-read") { try ProbeReadOverhead.run(seedFolder: seedFolder); exit(0) }
if wanted("decision") { InMemoryDecision.run(table, policy: seed) }
if wanted("policy") { try PolicyBenchmarks.run(table, seedFolder: seedFolder) }
if wanted("growth") { try PolicyBenchmarks.growth(table) }
if wanted("vault") {
    let subjects = ProcessInfo.processInfo.environment["BENCH_SUBJECTS"].flatMap(Int.init) ?? 1_000_000
    try VaultBenchmarks.run(table, seedFolder: seedFolder, subjects: subjects)
}
// The table, for BENCHMARKS.md.
let results = root.appendingPathComponent("Benchmarks/results-latest.md")
try? (table.markdown + "\n").write(to: results, atomically: true, encoding: .utf8)
print("results written to \(results.path)")
