import Foundation

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
}

final class Table {
    var rows: [Row] = []

    func add(_ name: String, _ result: String, target: String = "", met: Bool? = nil) {
        let verdict = met.map { $0 ? "met" : "MISSED" } ?? ""
        rows.append(Row(name: name, result: result, target: target, verdict: verdict))
        print(String(format: "  %-58@ %-34@ %@", name as NSString, result as NSString, ([target, verdict].filter { !$0.isEmpty }.joined(separator: " → ")) as NSString))

    }

    var markdown: String {
        var lines = ["| benchmark | result | target | |", "|---|---|---|---|"]
        for row in rows { lines.append("| \(row.name) | \(row.result) | \(row.target) | \(row.verdict) |") }
        return lines.joined(separator: "\n")
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
