import Foundation
import Synchronization
import CustosStore

/// Latency samples of one benchmark, in nanoseconds.
struct Samples {
    var nanoseconds: [Double] = []

    mutating func time(_ body: () throws -> Void) rethrows {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        nanoseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start))
    }

    func percentile(_ p: Double) -> Double {
        guard !nanoseconds.isEmpty else { return 0 }
        let sorted = nanoseconds.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
}

/// Wall time of a block, in seconds.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func format(nanoseconds: Double) -> String {
    switch nanoseconds {
    case ..<1_000: String(format: "%.0f ns", nanoseconds)
    case ..<1_000_000: String(format: "%.2f µs", nanoseconds / 1_000)
    case ..<1_000_000_000: String(format: "%.2f ms", nanoseconds / 1_000_000)
    default: String(format: "%.2f s", nanoseconds / 1_000_000_000)
    }
}

func format(rate: Double) -> String {
    rate >= 1_000_000 ? String(format: "%.2f M/s", rate / 1_000_000) : rate >= 1_000 ? String(format: "%.1f k/s", rate / 1_000) : String(format: "%.0f /s", rate)
}

/// One row of the results table.
struct Row {
    var name: String
    var result: String
    var target: String
    var verdict: String
    /// The process's peak resident memory while the row was measured.
    var peak: String
}

final class Table {
    var rows: [Row] = []

    init() { PeakMemory.reset() }

    func add(_ name: String, _ result: String, target: String = "", met: Bool? = nil) {
        let verdict = met.map { $0 ? "met" : "MISSED" } ?? ""
        let peak = PeakMemory.megabytes.map { "\($0) MB" } ?? "?"
        rows.append(Row(name: name, result: result, target: target, verdict: verdict, peak: peak))
        print(String(format: "  %-58@ %-34@ %-10@ %@", name as NSString, result as NSString, peak as NSString,
                     ([target, verdict].filter { !$0.isEmpty }.joined(separator: " → ")) as NSString))
        // The next row's peak is its own: measured from here.
        PeakMemory.reset()
    }

    var markdown: String {
        var lines = ["| benchmark | result | peak memory | target | |", "|---|---|---|---|---|"]
        for row in rows { lines.append("| \(row.name) | \(row.result) | \(row.peak) | \(row.target) | \(row.verdict) |") }
        return lines.joined(separator: "\n")
    }
}

/// The process's peak resident set size (Linux's `VmHWM`), reset between benchmarks by
/// writing 5 to `/proc/self/clear_refs`, so each row reports the peak of its own work (the
/// memory still held from earlier rows included: it is resident).
enum PeakMemory {
    static var megabytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kilobytes / 1024
    }

    static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}

/// Runs `work` on `count` threads at once and waits for all.
func onThreads(_ count: Int, _ work: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            work(index)
            group.leave()
        }
    }
    group.wait()
}

/// Runs async work to its end from a synchronous benchmark, whose thread is not one of the
/// cooperative pool's, so blocking it starves nothing the work needs.
func blockingUntilDone<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<T?>(nil)
    Task.detached {
        let value = await work()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0! }
}

/// The processor time this process spent (user and system), to tell a row bound by the
/// processor (both cores busy) from one that waits (on the disk, on a lock).
struct ProcessorTime {
    let user: Double
    let system: Double

    static var now: ProcessorTime {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return ProcessorTime(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }

    /// `body`'s wall time, and how many cores it kept busy on average in user and system time.
    static func measure(_ body: () throws -> Void) rethrows -> (seconds: Double, userCores: Double, systemCores: Double) {
        let before = now
        let wall = try seconds(body)
        let after = now
        return (wall, (after.user - before.user) / wall, (after.system - before.system) / wall)
    }
}

/// Counts a decision log's group commits and their entries (the log's observer), for the
/// group size a row reached.
final class GroupCommitCount: DecisionLogObserver {
    /// Commits, their entries, and the time spent inside them (the transaction and its sync).
    struct Counts {
        var commits = 0, entries = 0, committing = Duration.zero
        /// What was counted between `earlier` and these counts.
        func since(_ earlier: Counts) -> Counts {
            Counts(commits: commits - earlier.commits, entries: entries - earlier.entries, committing: committing - earlier.committing)
        }
    }

    private let counts = Mutex(Counts())
    func appended(in duration: Duration) {}
    func committed(group size: Int, in duration: Duration) {
        counts.withLock { $0.commits += 1; $0.entries += size; $0.committing += duration }
    }
    var snapshot: Counts { counts.withLock { $0 } }
}

/// A fixed set of threads that run blocking calls for tasks, as `custos serve`'s engine
/// executor does (a NIO thread pool there), so no task blocks the cooperative pool.
final class WorkerThreads: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)
    private let count: Int

    init(count: Int) {
        self.count = count
        for _ in 0..<count {
            Thread.detachNewThread { [self] in
                while true {
                    available.wait()
                    // A signal with nothing queued is `stop()`'s.
                    guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return }
                    job()
                }
            }
        }
    }

    /// Runs `body` on one of the threads; the task resumes when `body` calls its answer, which
    /// it may do later from another thread (as the server's `EngineExecutor.answer`).
    func answer<T: Sendable>(_ body: @escaping @Sendable (_ answer: @escaping @Sendable (T) -> Void) -> Void) async -> T {
        await withUnsafeContinuation { continuation in
            jobs.withLock { $0.append { body { continuation.resume(returning: $0) } } }
            available.signal()
        }
    }

    /// Ends the threads once the jobs queued are done.
    func stop() {
        for _ in 0..<count { available.signal() }
    }
}
