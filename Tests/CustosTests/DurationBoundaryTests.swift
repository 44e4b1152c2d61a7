import Custos
import CustosTestSupport
import Foundation
import Testing

/// Durations at the edges of `Int`: a policy either refuses them with a position, or runs
/// its checks, tests, decisions and sweep plans without an arithmetic trap (a trap here would
/// crash the test process, so reaching the end is itself the assertion that matters).
struct DurationBoundaryTests {
    static let amounts = ["0", "1", "366", "1000", "1001", "12000", "12001", "52999", "53001", "366000", "366001",
                          "4294967296", "9007199254740993", "9223372036854775806", "9223372036854775807", "9223372036854775808"]
    static let units = ["days", "weeks", "months", "years"]

    /// The seed policy with one duration line replaced.
    static func policy(replacing line: String, in file: String, with value: String) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try folder.copyContents(of: URL(fileURLWithPath: RepositoryPaths.seedPolicy))
        let path = folder.path + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(line), "the seed policy still has '\(line)'")
        try Data(text.replacingOccurrences(of: line, with: line.prefix { $0 != ":" } + ": " + value).utf8).write(to: URL(fileURLWithPath: path))
        return folder
    }

    @Test(arguments: [("    keep: 2 years", "retention.yaml"), ("    minimum: 7 years", "retention.yaml"), ("    consent-validity: 24 months", "purposes.yaml")])
    func everyBoundaryIsRefusedOrSafe(line: String, file: String) throws {
        var generator = SplitMix64(seed: 7)
        for amount in Self.amounts {
            let unit = Self.units[Int(generator.next() % 4)]
            let folder = try Self.policy(replacing: line, in: file, with: "\(amount) \(unit)")
            let loaded = Custos.checkPolicy(directory: folder.path)
            let years: Double = switch unit {
            case "days": (Double(amount) ?? .infinity) / 366
            case "weeks": (Double(amount) ?? .infinity) / 53
            case "months": (Double(amount) ?? .infinity) / 12
            default: Double(amount) ?? .infinity
            }
            if years > 1000 {
                let problem = loaded.diagnostics.errors.first { $0.message.contains("longer than 1000 years") || $0.message.contains("must be a period") }
                #expect(problem != nil, "\(amount) \(unit) in '\(line)' must be refused")
                #expect(problem?.location.file.hasSuffix(file) == true && (problem?.location.line ?? 0) > 0, "with its position")
                continue
            }
            guard let compiled = loaded.compiled else { continue }  // refused for another reason (minimum above keep)
            let report = PolicyTestRunner(policy: compiled).run(files: PolicyTestRunner.testFiles(at: RepositoryPaths.seedPolicyTests))
            #expect(report.passed + report.failed > 0)
            let schedule = RetentionSchedule(policy: compiled)
            var facts = Facts(subject: SubjectFacts(id: "D-1", category: "debtor"))
            facts.events = [LifecycleEventFact(event: "file-opened", date: LocalDate(year: 2020, month: 1, day: 1)!),
                            LifecycleEventFact(event: "file-closed", date: LocalDate(year: 2021, month: 1, day: 1)!)]
            facts.fields = [FieldProvenance(field: "email", collected: LocalDate(year: 2020, month: 1, day: 1)!)]
            for year in [1970, 2025, 9999] { _ = schedule.plan(for: facts, on: LocalDate(year: year, month: 6, day: 1)!) }
        }
    }

    @Test func dateArithmeticSaturatesInsteadOfTrapping() {
        let day = LocalDate(year: 2025, month: 1, day: 31)!
        for unit in CalendarDuration.Unit.allCases {
            for amount in [Int.max, Int.min, Int.max / 7, Int.min / 12] {
                let later = day.adding(CalendarDuration(amount, unit))
                let earlier = day.subtracting(CalendarDuration(amount, unit))
                #expect(amount > 0 ? later > day : later < day, "\(amount) \(unit)")
                #expect(amount > 0 ? earlier < day : earlier > day)
            }
        }
        #expect(CalendarDuration(Int.max, .year).months == Int.max)
        #expect(!CalendarDuration(1001, .year).isWithinBounds && CalendarDuration(1000, .year).isWithinBounds)
    }
}
