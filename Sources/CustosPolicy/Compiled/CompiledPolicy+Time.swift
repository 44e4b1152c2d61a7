package import Foundation

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
    package func localDate(of instant: Instant) -> LocalDate {
        let seconds = instant.millisecondsSinceEpoch >= 0 ? instant.millisecondsSinceEpoch / 1000 : (instant.millisecondsSinceEpoch - 999) / 1000
        let local = seconds + Int64(offsets.offset(at: seconds) ?? timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return LocalDate(daysSinceEpoch: Int(days))
    }

    package static func localDate(of instant: Instant, in zone: TimeZone) -> LocalDate {
        let seconds = instant.millisecondsSinceEpoch / 1000
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let local = seconds + Int64(offset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return LocalDate(daysSinceEpoch: Int(days))
    }
}

extension CompiledPolicy {
    /// The first instant of a calendar date in the controller's time zone.
    package func startOfDay(_ date: LocalDate) -> Instant {
        let midnightUTC = Int64(date.daysSinceEpoch) * 86_400
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(midnightUTC)))
        return Instant(millisecondsSinceEpoch: (midnightUTC - Int64(offset)) * 1000)
    }
}

/// A time zone's UTC offsets from 1970 to 2100 as a table of transitions (daylight saving and
/// rule changes); outside that range the caller asks the time-zone database. Every decision
/// asks once, so the lookup is a bucket index (2²² s, about 48 days: no zone changes offset
/// twice in one) and a step or two, not a binary search.
struct ZoneOffsets: Sendable {
    /// Seconds since the epoch at which `offsets[i]` starts.
    let starts: [Int64]
    let offsets: [Int]
    /// Per bucket of 2²² seconds from `first`, the transition in force at its start.
    let buckets: [Int32]
    static let first: Int64 = 0, last: Int64 = 4_102_444_800  // 2100-01-01
    static let bucketShift: Int64 = 22

    init(_ zone: TimeZone) {
        var starts = [Self.first], offsets = [zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))]
        var date = Date(timeIntervalSince1970: 0)
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next.timeIntervalSince1970 < Double(Self.last), starts.count < 1_000 {
            starts.append(Int64(next.timeIntervalSince1970))
            offsets.append(zone.secondsFromGMT(for: next))
            date = next
        }
        self.starts = starts
        self.offsets = offsets
        var buckets: [Int32] = []
        var transition = 0
        for bucket in 0...((Self.last - Self.first) >> Self.bucketShift) {
            let start = Self.first + (bucket << Self.bucketShift)
            while transition + 1 < starts.count, starts[transition + 1] <= start { transition += 1 }
            buckets.append(Int32(transition))
        }
        self.buckets = buckets
    }

    func offset(at seconds: Int64) -> Int? {
        guard seconds >= Self.first, seconds < Self.last else { return nil }
        var index = Int(buckets[Int((seconds - Self.first) >> Self.bucketShift)])
        while index + 1 < starts.count, starts[index + 1] <= seconds { index += 1 }
        return offsets[index]
    }
}
