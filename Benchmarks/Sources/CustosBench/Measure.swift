import Foundation
import Synchronization

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
