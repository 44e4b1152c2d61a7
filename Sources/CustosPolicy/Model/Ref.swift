/// A reference from one policy element to another by id, remembering where it was written so
/// an unknown reference can be reported at its own line and column.
package struct Ref: Sendable, Hashable, Encodable, CustomStringConvertible {
    package let id: String
    package let location: SourceLocation

    package init(_ id: String, at location: SourceLocation) {
        self.id = id
        self.location = location
    }

    package var description: String { id }

    // Identity is the id alone: two mentions of `email` are the same field.
    package static func == (lhs: Ref, rhs: Ref) -> Bool { lhs.id == rhs.id }
    package func hash(into hasher: inout Hasher) { hasher.combine(id) }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(id)
    }
}

/// A calendar date without time of day (`2024-01-10`), as policies and notices use them.
public struct LocalDate: Sendable, Hashable, Comparable, Encodable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` strictly: ten ASCII bytes, digits and two hyphens, a real date.
    ///
    /// ```swift
    /// LocalDate(parsing: "2024-02-29")  // a leap day
    /// LocalDate(parsing: "2023-02-29")  // nil
    /// ```
    public init?(parsing text: String) {
        // Byte by byte: every decision whose subject has lifecycle events parses their dates,
        // and splitting the text made an array of substrings each time (7,000 instructions).
        let utf8 = text.utf8
        guard utf8.count == 10 else { return nil }
        var fields = (year: 0, month: 0, day: 0)
        for (position, byte) in utf8.enumerated() {
            if position == 4 || position == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte &- UInt8(ascii: "0"))
            switch position {
            case ..<4: fields.year = fields.year * 10 + digit
            case ..<7: fields.month = fields.month * 10 + digit
            default: fields.day = fields.day * 10 + digit
            }
        }
        self.init(year: fields.year, month: fields.month, day: fields.day)
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD`, what `init(parsing:)` reads back: a year before 1000 keeps its four
    /// digits (`0025-06-30`, a slip for 2025 that must show as typed).
    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        let y = (0..<1000).contains(year) ? String(repeating: "0", count: year < 10 ? 3 : year < 100 ? 2 : 1) + "\(year)" : "\(year)"
        return "\(y)-\(m)-\(d)"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A calendar period such as `5 years` or `24 months`. Months and years are calendar units
/// (added with month-end clamping), not fixed numbers of days.
package struct CalendarDuration: Sendable, Hashable, Encodable, CustomStringConvertible {
    package enum Unit: String, Sendable, Hashable, CaseIterable {
        case day, week, month, year
    }

    package let amount: Int
    package let unit: Unit

    package init(_ amount: Int, _ unit: Unit) {
        self.amount = amount
        self.unit = unit
    }

    /// Parses `N unit` with unit in day(s), week(s), month(s), year(s).
    package init?(parsing text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let n = Int(parts[0]), n >= 0 else { return nil }
        var unitText = String(parts[1])
        if unitText.hasSuffix("s") { unitText.removeLast() }
        guard let unit = Unit(rawValue: unitText) else { return nil }
        self.init(n, unit)
    }

    /// The longest period a policy may state: 1,000 years. Nothing the law keeps lasts
    /// longer, and every date computed from a bounded period stays far inside `Int`.
    package static let longestYears = 1000

    /// Whether the period is at most `longestYears` long (and not negative).
    package var isWithinBounds: Bool {
        let limit = switch unit {
        case .day: Self.longestYears * 366
        case .week: Self.longestYears * 53
        case .month: Self.longestYears * 12
        case .year: Self.longestYears
        }
        return (0...limit).contains(amount)
    }

    /// The length in months, for units that are whole months; nil for days and weeks.
    /// Saturates rather than trapping for a period no validated policy holds.
    package var months: Int? {
        switch unit {
        case .month: amount
        case .year: amount.multipliedReportingOverflow(by: 12).overflow ? (amount < 0 ? Int.min : Int.max) : amount * 12
        case .day, .week: nil
        }
    }

    package var description: String { "\(amount) \(unit.rawValue)\(amount == 1 ? "" : "s")" }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
