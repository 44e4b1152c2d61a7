public import Foundation

extension CompiledPolicy {
    static func timeZone(of policy: Policy) -> TimeZone {
        policy.controller.flatMap { TimeZone(identifier: $0.timezone) } ?? TimeZone(identifier: "UTC")!
    }

    static func holidayCalendar(of policy: Policy) -> HolidayCalendar {
        policy.controller.flatMap { policy.referenceData.holidayCalendar(named: $0.holidayCalendar) }
            ?? HolidayCalendar(name: "none", holidays: [])
    }

    /// The calendar date of an instant in the controller's time zone: a request at
    /// 2025-01-31T23:30Z is received on 2025-02-01 in Amsterdam.
    public func localDate(of instant: Instant) -> LocalDate {
        Self.localDate(of: instant, in: timeZone)
    }

    public static func localDate(of instant: Instant, in zone: TimeZone) -> LocalDate {
        let seconds = instant.millisecondsSinceEpoch / 1000
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let local = seconds + Int64(offset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return LocalDate(daysSinceEpoch: Int(days))
    }
}

extension CompiledPolicy {
    /// The first instant of a calendar date in the controller's time zone.
    public func startOfDay(_ date: LocalDate) -> Instant {
        let midnightUTC = Int64(date.daysSinceEpoch) * 86_400
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(midnightUTC)))
        return Instant(millisecondsSinceEpoch: (midnightUTC - Int64(offset)) * 1000)
    }
}
