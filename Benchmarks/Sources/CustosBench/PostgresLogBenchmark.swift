import Foundation
import Synchronization
import CustosDecision
import CustosPolicy
import CustosPostgres
import CustosStore

/// The decision the log benchmarks append: a permitted read of one field, ids only.
func loggedRead(subject: String) -> Decision {
    Decision(outcome: .permit, action: .read, subject: subject, purpose: "P-DEBT-COLLECT", actor: "collections-service",
             recipient: nil, fields: [FieldOutcome(field: "email", outcome: .permit, reasons: [])], basis: nil,
             reasons: [], obligations: [], policyDigest: "bench", hypothetical: false)
}

/// 4,096 logged reads about subjects drawn at random among `subjects` (named as `subject
/// import` names them in the benchmarks, `D-0000001`…): a log's entries are about many people,
/// and an index on the subject pays for that in pages touched per commit.
func loggedReads(among subjects: Int = 1_000_000) -> [Decision] {
    (0..<4_096).map { _ in loggedRead(subject: String(format: "D-%07d", Int.random(in: 1...subjects))) }
}

/// `CustosBench postgres-log SECONDS APPENDERS`: one process appending decisions to the
/// PostgreSQL decision log from APPENDERS concurrent callers for SECONDS, against the server in
/// CUSTOS_BENCH_POSTGRES (password in CUSTOS_PG_PASSWORD_FILE). Benchmarks/postgres/run.sh runs
/// one, two and three such processes at once on one database, as several `custos serve` would.
/// Prints `RESULT appends/s mean-group p50-ms p99-ms`.
enum PostgresLogBenchmark {
    static func run(seconds: Double, appenders: Int) async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["CUSTOS_BENCH_POSTGRES"] else { print("set CUSTOS_BENCH_POSTGRES"); exit(64) }
        let database = try await PostgresDatabase.open(try PostgresAddress(parsing: url, environment: environment), connections: 2)
        defer { database.close() }
        let log = PostgresDecisionLog(database)
        let decision = loggedRead(subject: "D-1")
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<appenders {
                group.addTask {
                    var samples: [Double] = []
                    while ContinuousClock.now < deadline {
                        let start = ContinuousClock.now
                        _ = try await log.append(decision, at: .now)
                        let elapsed = ContinuousClock.now - start
                        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                    }
                    return samples
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }.sorted()
        }
        let totals = await log.groupTotals()
        let rate = Double(latencies.count) / seconds
        let mean = Double(totals.entries) / Double(max(1, totals.groups))
        let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
        let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        print(String(format: "RESULT %.0f %.1f %.2f %.2f", rate, mean, p50, p99))
    }
}

/// The log under a SIGKILL (Tests/postgres/run.sh, `make postgres-check`):
/// `CustosBench postgres-load SECONDS CALLERS` appends from CALLERS concurrent callers and
/// prints `ACK seq` the moment each append is acknowledged (as a server would answer), so a
/// process killed mid-run leaves the list of what it answered; `CustosBench postgres-verify
/// FILE…` then checks that the chain verifies and that every acknowledged number is in it.
enum PostgresLogUnderKill {
    static func load(seconds: Double, callers: Int) async throws {
        let environment = ProcessInfo.processInfo.environment
        let database = try await PostgresDatabase.open(try PostgresAddress(parsing: environment["CUSTOS_BENCH_POSTGRES"] ?? "", environment: environment))
        let log = PostgresDecisionLog(database)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var n = 0
                    while ContinuousClock.now < deadline {
                        n += 1
                        let seq = try await log.append(loggedRead(subject: "D-\(caller)-\(n)"), at: .now)
                        // One write(2) per line, unbuffered: a SIGKILL loses no acknowledged line.
                        FileHandle.standardOutput.write(Data("ACK \(seq)\n".utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        database.close()
    }

    static func verify(acknowledged files: [String]) async throws {
        let environment = ProcessInfo.processInfo.environment
        let database = try await PostgresDatabase.open(try PostgresAddress(parsing: environment["CUSTOS_BENCH_POSTGRES"] ?? "", environment: environment))
        defer { database.close() }
        let verification = try await PostgresDecisionLog(database).verify()
        var acknowledged: [Int64] = []
        for file in files {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            acknowledged += text.split(separator: "\n").compactMap { $0.hasPrefix("ACK ") ? Int64($0.dropFirst(4)) : nil }
        }
        let missing = acknowledged.filter { $0 < 1 || $0 > verification.headSeq }
        let duplicated = acknowledged.count - Set(acknowledged).count
        print("log: \(verification.entries) entries, chain \(verification.isIntact ? "intact" : "BROKEN at \(verification.firstBroken ?? 0): \(verification.problem ?? "")"); \(acknowledged.count) acknowledged, \(missing.count) of them missing, \(duplicated) numbers given twice")
        if !verification.isIntact || !missing.isEmpty || duplicated > 0 { exit(1) }
    }
}

/// `CustosBench sqlite-log SECONDS [APPENDERS]`: the SQLite decision log with APPENDERS
/// (32) appending threads for SECONDS, so Benchmarks/postgres/run.sh sets the PostgreSQL log
/// beside SQLite's in one run. Prints `RESULT appends/s mean-group mean-commit-µs` (the group
/// commits' size and time).
enum SQLiteLogBenchmark {
    /// Sums the group commits' sizes and times.
    final class Groups: DecisionLogObserver {
        let totals = Mutex((groups: 0, entries: 0, nanoseconds: Int64(0)))
        func appended(in duration: Duration) {}
        func committed(group size: Int, in duration: Duration) {
            let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
            totals.withLock { $0 = ($0.groups + 1, $0.entries + size, $0.nanoseconds + nanoseconds) }
        }

        /// `RESULT appends/s mean-group mean-commit-µs`.
        func printResult(appended: Int, seconds: Double) {
            let totals = totals.withLock { $0 }
            print(String(format: "RESULT %.0f %.1f %.0f", Double(appended) / seconds,
                         Double(totals.entries) / Double(max(1, totals.groups)), Double(totals.nanoseconds) / Double(max(1, totals.groups)) / 1_000))
        }
    }

    static func run(seconds: Double, appenders: Int, seedFolder: String) throws {
        let engine = try VaultBenchmarks.temporaryEngine("sqlite-log", seedFolder: seedFolder)
        let groups = Groups()
        engine.store.log.observe(groups)
        let decisions = loggedReads()
        let count = Atomic<Int>(0)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        onThreads(appenders) { thread in
            var next = thread * 127
            while ContinuousClock.now < deadline {
                if (try? engine.store.log.append(decisions[next % decisions.count], at: .now)) != nil { count.add(1, ordering: .relaxed) }
                next += 1
            }
        }
        groups.printResult(appended: count.load(ordering: .relaxed), seconds: seconds)
    }

    /// `CustosBench sqlite-log-async SECONDS [TASKS]`: the same log appended to by TASKS (32)
    /// tasks on the cooperative pool through the asynchronous append, which suspends a task
    /// instead of blocking a thread. Prints the same `RESULT` line.
    static func runAsync(seconds: Double, tasks: Int, seedFolder: String) async throws {
        let engine = try VaultBenchmarks.temporaryEngine("sqlite-log-async", seedFolder: seedFolder)
        let groups = Groups()
        let log = engine.store.log
        log.observe(groups)
        let appended = await appends(to: log, of: loggedReads(), tasks: tasks, seconds: seconds)
        groups.printResult(appended: appended, seconds: seconds)
    }

    /// How many durable appends of `decisions`, taken in turn, TASKS tasks make in SECONDS,
    /// each awaiting its own.
    static func appends(to log: DecisionLog, of decisions: [Decision], tasks: Int, seconds: Double) async -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        return await withTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        if (try? await log.append(decisions[(task * 127 + count) % decisions.count], at: .now)) != nil { count += 1 }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
    }
}
