import CustosDecision
import CustosPolicy
import CustosTestSupport
import Testing

/// Every worked example of gdpr.md §5.1.
struct DeadlineTests {
    static let policy = SeedPolicy.compiled

    static func date(_ text: String) -> LocalDate { LocalDate(parsing: text)! }

    @Test(arguments: [
        ("2025-01-31", "2025-02-28"),   // month-end clamping
        ("2024-01-31", "2024-02-29"),   // leap year
        ("2026-01-31", "2026-03-02"),   // raw 28 Feb is a Saturday
        ("2025-11-25", "2025-12-29"),   // Christmas, Boxing Day, weekend
        ("2026-04-14", "2026-05-15"),   // Ascension Day
    ])
    func worksTheExamples(_ received: String, _ due: String) {
        let deadline = RightsDeadline(receivedOn: Self.date(received), calendar: Self.policy.holidayCalendar)
        #expect(deadline.due == Self.date(due))
    }

    @Test func extensionCountsFromReceipt() {
        let deadline = RightsDeadline(receivedOn: Self.date("2025-01-31"), calendar: Self.policy.holidayCalendar)
        #expect(deadline.extendedDeadline == Self.date("2025-04-30"))
        #expect(deadline.dueDate(extensionNoticeSentOn: Self.date("2025-02-20"), reasonsGiven: true) == Self.date("2025-04-30"))
    }

    @Test func aLateOrUnreasonedExtensionDoesNotCount() {
        let deadline = RightsDeadline(receivedOn: Self.date("2026-01-31"), calendar: Self.policy.holidayCalendar)
        // The first deadline rolled to Monday 2 March; a notice that day is still in time.
        #expect(deadline.isExtensionValid(noticeSentOn: Self.date("2026-03-02"), reasonsGiven: true))
        #expect(!deadline.isExtensionValid(noticeSentOn: Self.date("2026-03-03"), reasonsGiven: true))
        #expect(!deadline.isExtensionValid(noticeSentOn: Self.date("2026-02-10"), reasonsGiven: false))
        #expect(deadline.dueDate(extensionNoticeSentOn: Self.date("2026-03-03"), reasonsGiven: true) == Self.date("2026-03-02"))
    }

    @Test func receiptDateIsCountedInTheControllersZone() throws {
        let instant = try #require(Instant(iso8601: "2025-01-31T23:30:00Z"))
        let deadline = RightsDeadline(receivedAt: instant, policy: Self.policy)
        #expect(deadline.receivedOn == Self.date("2025-02-01"))
        // Summer time: 22:30Z on 30 June is 00:30 on 1 July in Amsterdam.
        #expect(Self.policy.localDate(of: try #require(Instant(iso8601: "2025-06-30T22:30:00Z"))) == Self.date("2025-07-01"))
    }

    @Test func dutchHolidaysFollowTheCalendarRules() throws {
        let calendar = Self.policy.holidayCalendar
        #expect(LocalDate.easterSunday(year: 2025) == Self.date("2025-04-20"))
        #expect(LocalDate.easterSunday(year: 2026) == Self.date("2026-04-05"))
        #expect(calendar.isHoliday(Self.date("2026-05-14")))  // Ascension
        #expect(calendar.isHoliday(Self.date("2025-06-09")))  // Whit Monday
        #expect(calendar.isHoliday(Self.date("2025-04-26")))  // King's Day on Saturday 26th, as 27th is a Sunday
        #expect(!calendar.isHoliday(Self.date("2025-04-27")))
        #expect(!calendar.isHoliday(Self.date("2025-04-18")))  // Good Friday is not a holiday
        #expect(calendar.isHoliday(Self.date("2025-05-05")))
    }
}

struct CalendarArithmeticTests {
    @Test func daysRoundTripOverFourCenturies() {
        var day = LocalDate(year: 1900, month: 1, day: 1)!
        var count = day.daysSinceEpoch
        while day.year < 2300 {
            #expect(LocalDate(daysSinceEpoch: count) == day)
            count += 1
            let next = day.adding(days: 1)
            #expect(next.daysSinceEpoch == count)
            day = next
        }
    }

    @Test func completedYearsTurnOnTheBirthday() {
        let birth = LocalDate(parsing: "2009-06-02")!
        #expect(birth.completedYears(until: LocalDate(parsing: "2025-06-01")!) == 15)
        #expect(birth.completedYears(until: LocalDate(parsing: "2025-06-02")!) == 16)
        let leapling = LocalDate(parsing: "2008-02-29")!
        #expect(leapling.completedYears(until: LocalDate(parsing: "2024-02-28")!) == 15)
        #expect(leapling.completedYears(until: LocalDate(parsing: "2024-02-29")!) == 16)
    }

    @Test func instantsParseAndPrint() throws {
        let instant = try #require(Instant(iso8601: "2025-06-02T09:00:00+02:00"))
        #expect(instant.description == "2025-06-02T07:00:00Z")
        #expect(Instant(iso8601: "2025-06-02T07:00:00.5Z")?.millisecondsSinceEpoch == instant.millisecondsSinceEpoch + 500)
        #expect(Instant(iso8601: "2025-06-02T07:00:00.123456Z")?.millisecondsSinceEpoch == instant.millisecondsSinceEpoch + 123)
        for bad in ["2025-06-02", "2025-06-02T09:00", "2025-13-02T09:00:00Z", "2025-06-02T25:00:00Z", "yesterday", "2025-06-02T09:00:00+0200"] {
            #expect(Instant(iso8601: bad) == nil, "\(bad)")
        }
        #expect(instant.iso8601(offsetSeconds: 7200) == "2025-06-02T09:00:00+02:00")
    }
}
