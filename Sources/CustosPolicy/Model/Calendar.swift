/// Calendar arithmetic on `LocalDate`, proleptic Gregorian, without Foundation: the
/// evaluator uses it on every decision and it must not depend on a locale or a clock.
extension LocalDate {
    /// Days since 1970-01-01 (negative before).
    package var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// ISO weekday: 1 Monday … 7 Sunday.
    package var weekday: Int {
        let days = daysSinceEpoch
        return ((days % 7 + 7) % 7 + 3) % 7 + 1  // 1970-01-01 was a Thursday
    }

    package var isWeekend: Bool { weekday >= 6 }

    /// The furthest any date arithmetic goes, about 27 million years either way: dates are
    /// clamped there instead of overflowing (a validated policy never comes near it).
    static let dayLimit = 10_000_000_000

    package func adding(days: Int) -> LocalDate {
        LocalDate(daysSinceEpoch: Self.clamp(days, plus: daysSinceEpoch, limit: Self.dayLimit))
    }

    /// `value + offset`, kept within ±`limit` without trapping.
    static func clamp(_ value: Int, plus offset: Int, limit: Int) -> Int {
        let bounded = min(max(value, -limit), limit)
        return min(max(bounded + offset, -limit), limit)
    }

    /// Same day number `count` months later; the month's last day when it has no such day
    /// (Reg. 1182/71 Art. 3(2)(c): 31 January + 1 month = 28 or 29 February).
    package func adding(months count: Int) -> LocalDate {
        let total = Self.clamp(count, plus: year * 12 + (month - 1), limit: Self.dayLimit / 30)
        let newYear = total >= 0 ? total / 12 : (total - 11) / 12
        let newMonth = total - newYear * 12 + 1
        let newDay = min(day, LocalDate.daysIn(month: newMonth, year: newYear))
        return LocalDate(year: newYear, month: newMonth, day: newDay)!
    }

    static func saturatingProduct(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? ((a < 0) != (b < 0) ? Int.min : Int.max) : product
    }

    package func adding(_ duration: CalendarDuration) -> LocalDate {
        switch duration.unit {
        case .day: adding(days: duration.amount)
        case .week: adding(days: Self.saturatingProduct(7, duration.amount))
        case .month: adding(months: duration.amount)
        case .year: adding(months: Self.saturatingProduct(12, duration.amount))
        }
    }

    package func subtracting(_ duration: CalendarDuration) -> LocalDate {
        adding(CalendarDuration(duration.amount == Int.min ? Int.max : -duration.amount, duration.unit))
    }

    /// Completed years from `self` (a birth date) to `date`; one turns N at the start of the
    /// N-th birthday, and someone born on 29 February turns a year older on 1 March.
    package func completedYears(until date: LocalDate) -> Int {
        var years = date.year - year
        if (date.month, date.day) < (month, day) { years -= 1 }
        return years
    }

    /// Gregorian Easter Sunday (anonymous Gregorian algorithm).
    package static func easterSunday(year: Int) -> LocalDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year: year, month: month, day: day)!
    }
}

extension HolidayCalendar {
    /// The holidays of one year, as dates.
    package func holidays(in year: Int) -> [LocalDate] {
        holidays.compactMap { rule in
            if let from = rule.fromYear, year < from { return nil }
            if let until = rule.untilYear, year > until { return nil }
            switch rule.timing {
            case let .fixed(month, day, sundayShift):
                guard let date = LocalDate(year: year, month: month, day: min(day, LocalDate.daysIn(month: month, year: year))) else { return nil }
                return date.weekday == 7 ? date.adding(days: sundayShift) : date
            case let .easter(offset):
                return LocalDate.easterSunday(year: year).adding(days: offset)
            }
        }
    }

    package func isHoliday(_ date: LocalDate) -> Bool {
        holidays(in: date.year).contains(date)
    }

    /// The date itself, or the next day that is neither a weekend day nor a holiday
    /// (Reg. 1182/71 Art. 3(4)).
    package func nextWorkingDay(onOrAfter date: LocalDate) -> LocalDate {
        var day = date
        while day.isWeekend || isHoliday(day) { day = day.adding(days: 1) }
        return day
    }
}
