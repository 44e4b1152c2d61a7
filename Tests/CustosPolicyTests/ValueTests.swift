@testable import CustosPolicy
import CustosTestSupport
import Foundation
import Testing

struct ValueParsingTests {
    @Test(arguments: [
        ("5 years", CalendarDuration(5, .year)), ("1 year", CalendarDuration(1, .year)),
        ("24 months", CalendarDuration(24, .month)), ("30 days", CalendarDuration(30, .day)),
        ("2 weeks", CalendarDuration(2, .week)), ("0 days", CalendarDuration(0, .day)),
    ])
    func parsesPeriods(_ text: String, _ expected: CalendarDuration) {
        #expect(CalendarDuration(parsing: text) == expected)
    }

    @Test(arguments: ["five years", "5", "5 decades", "-1 year", "", "5years"])
    func rejectsBadPeriods(_ text: String) {
        #expect(CalendarDuration(parsing: text) == nil)
    }

    @Test func parsesDatesStrictly() {
        #expect(LocalDate(parsing: "2024-02-29") != nil)
        #expect(LocalDate(parsing: "2025-02-29") == nil)
        #expect(LocalDate(parsing: "2024-2-1") == nil)
        #expect(LocalDate(parsing: "2024-13-01") == nil)
        #expect(LocalDate(parsing: "2024-04-31") == nil)
        #expect(LocalDate(parsing: "2000-02-29") != nil && LocalDate(parsing: "1900-02-29") == nil)
        #expect(LocalDate(parsing: "2024-01-10")?.description == "2024-01-10")
        // A date reads back as it was written, a year before 1000 too (a slip for 2025 is shown
        // as typed, not as "25-06-30").
        for text in ["0025-06-30", "0001-01-01", "0999-12-31", "0000-01-01", "9999-12-31"] {
            #expect(LocalDate(parsing: text)?.description == text)
        }
        #expect(LocalDate(parsing: "2024-01-10") == LocalDate(year: 2024, month: 1, day: 10))
        // Ten ASCII bytes, digits where digits belong: no sign, space, other digits or tail.
        for text in ["2024-+1-05", "+024-01-05", "2024-01- 5", "2024/01/05", "2024-01-05 ", "2024-01-05T00", "2024-01-0",
                     "２０２４-01-05", "2024-01-0\u{0665}", "", "-2024-01-05", "2024-00-05", "2024-01-00"] {
            #expect(LocalDate(parsing: text) == nil, "\(text)")
        }
    }

    @Test func kebabCasesPropertyNamesButNotIds() {
        #expect(kebabCase("subjectCategories") == "subject-categories")
        #expect(kebabCase("fromYearEnd") == "from-year-end")
        #expect(kebabCase("P-DEBT-COLLECT") == "P-DEBT-COLLECT")
        #expect(kebabCase("person_name") == "person_name")
        #expect(kebabCase("article9") == "article9")
    }

    @Test func suggestsTheClosestKey() {
        #expect(closestMatch(to: "retension", in: PolicyDecoder.purposeKeys) == "retention")
        #expect(closestMatch(to: "zzzzzz", in: PolicyDecoder.purposeKeys) == nil)
    }
}

struct IdSetTests {
    /// An IdSet behaves like a Set<Int> for any members.
    @Test(arguments: 0..<200)
    func behavesLikeASet(_ seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed))
        let capacity = Int.random(in: 1...300, using: &generator)
        let a = Set((0..<Int.random(in: 0...40, using: &generator)).map { _ in Int.random(in: 0..<capacity, using: &generator) })
        let b = Set((0..<Int.random(in: 0...40, using: &generator)).map { _ in Int.random(in: 0..<capacity, using: &generator) })
        let setA = IdSet(capacity: capacity, members: a), setB = IdSet(capacity: capacity, members: b)
        #expect(setA.members == a.sorted())
        #expect(setA.count == a.count)
        #expect(setA.isEmpty == a.isEmpty)
        #expect(setA.isSubset(of: setB) == a.isSubset(of: b))
        #expect(setA.isSubset(of: IdSet(capacity: capacity, members: a.union(b))))
        for probe in 0..<capacity { #expect(setA.contains(probe) == a.contains(probe)) }
        #expect(!setA.contains(capacity + 64))
    }
}

struct ReferenceDataTests {
    static let data = PolicyLoader.builtInReferenceData(sink: DiagnosticSink())

    @Test func builtInDataIsClean() {
        let sink = DiagnosticSink()
        _ = PolicyLoader.builtInReferenceData(sink: sink)
        #expect(sink.items.isEmpty, "\(sink.items)")
    }

    @Test func knowsTheEEA() {
        #expect(Self.data.eea.count == 30)
        for country in ["NL", "BE", "DE", "IS", "LI", "NO"] { #expect(Self.data.isEEA(country)) }
        for country in ["CH", "GB", "US", "IN"] { #expect(!Self.data.isEEA(country)) }
    }

    @Test func knowsAdequacyWithDatesAndScope() throws {
        let uk = try #require(Self.data.adequacyDecision(for: "GB"))
        #expect(uk.isInForce(on: LocalDate(year: 2031, month: 12, day: 27)!))
        #expect(!uk.isInForce(on: LocalDate(year: 2031, month: 12, day: 28)!))
        #expect(Self.data.adequacyDecision(for: "US")?.requires == ["dpf-certified"])
        #expect(Self.data.adequacyDecision(for: "CA")?.requires == ["commercial-organisation"])
        #expect(Self.data.adequacyDecision(for: "KR")?.excludes.contains("fsc-supervised-credit-information") == true)
        let brazil = try #require(Self.data.adequacyDecision(for: "BR"))
        #expect(!brazil.isInForce(on: LocalDate(year: 2026, month: 1, day: 27)!))
        for country in ["IN", "TR", "CN", "MA", "AE", "ZA"] { #expect(Self.data.adequacyDecision(for: country) == nil) }
    }

    @Test func hasTheDutchHolidayCalendar() throws {
        let calendar = try #require(Self.data.holidayCalendar(named: "NL"))
        let names = calendar.holidays.map(\.name)
        for name in ["New Year's Day", "Easter Monday", "King's Day", "Liberation Day", "Ascension Day", "Whit Monday", "Christmas Day", "Boxing Day"] {
            #expect(names.contains(name))
        }
        #expect(!names.contains("Good Friday"))
    }

    @Test func aPolicyCanOverrideReferenceData() throws {
        let folder = try TemporaryDirectory()
        try folder.copyContents(of: RepositoryPaths.policyCorpus.appendingPathComponent("base"))
        try folder.write("""
        reference-data:
          adequacy:
            IN: {name: India, decision: hypothetical decision, valid-from: 2030-01-01}
            US: {name: United States, decision: (EU) 2023/1795, valid-from: 2023-07-10, valid-until: 2026-12-31, requires: [dpf-certified]}
        """, to: "reference.yaml")
        let loaded = PolicyLoader.load(directory: folder.path)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let data = loaded.policy.referenceData
        #expect(data.adequacyDecision(for: "IN")?.validFrom == LocalDate(year: 2030, month: 1, day: 1))
        #expect(data.adequacyDecision(for: "US")?.validUntil == LocalDate(year: 2026, month: 12, day: 31))
        #expect(data.adequacy.filter { $0.country == "US" }.count == 1)
        #expect(data.adequacyDecision(for: "CH") != nil, "entries not overridden stay")
    }
}
