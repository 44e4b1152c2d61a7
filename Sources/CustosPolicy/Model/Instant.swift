import Foundation

/// A point in time: milliseconds since 1970-01-01T00:00:00Z. Written and read as ISO 8601
/// with an offset (`2025-06-02T09:00:00+02:00`, `2025-01-31T23:30:00Z`); the evaluator gets
/// it from its caller and never reads a clock.
public struct Instant: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)`; a bare date is not an instant.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              index < bytes.count, bytes[index] == 84 || bytes[index] == 116 else { return nil }  // 'T' or 't'
        index += 1
        guard let hour = number(2), expect(58), let minute = number(2), hour < 24, minute < 60 else { return nil }
        var second = 0, millisecond = 0
        if expect(58) {
            guard let s = number(2), s < 61 else { return nil }
            second = min(s, 59)
            if expect(46) {
                var digits = 0
                var fraction = 0
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    if digits < 3 { fraction = fraction * 10 + Int(bytes[index] - 48) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                if digits < 3 { for _ in digits..<3 { fraction *= 10 } }
                millisecond = fraction
            }
        }
        var offsetMinutes = 0
        if expect(90) || expect(122) {  // 'Z' or 'z'
            offsetMinutes = 0
        } else {
            guard index < bytes.count, bytes[index] == 43 || bytes[index] == 45 else { return nil }
            let sign = bytes[index] == 45 ? -1 : 1
            index += 1
            guard let offsetHours = number(2), expect(58), let offsetMins = number(2), offsetHours < 24, offsetMins < 60 else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMins)
        }
        guard index == bytes.count, let date = LocalDate(year: year, month: month, day: day) else { return nil }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        self.init(millisecondsSinceEpoch: seconds * 1000 + Int64(millisecond))
    }

    public var description: String { iso8601(offsetSeconds: 0) }

    /// ISO 8601 at the given UTC offset; whole seconds unless milliseconds are set.
    public func iso8601(offsetSeconds: Int) -> String {
        let local = millisecondsSinceEpoch + Int64(offsetSeconds) * 1000
        let seconds = floorDiv(local, 1000)
        let millis = Int(local - seconds * 1000)
        let days = Int(floorDiv(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let date = LocalDate(daysSinceEpoch: days)
        guard (1000...9999).contains(date.year), abs(offsetSeconds) < 86_400 else {
            return Self.interpolated(date, secondOfDay: secondOfDay, millis: millis, offsetSeconds: offsetSeconds)
        }
        // Four-digit years (every instant a policy or a vault holds) are written digit by
        // digit into one string: interpolating the parts made and joined a dozen strings,
        // about 5,000 instructions an instant, on every explanation that names one.
        return String(unsafeUninitializedCapacity: 29) { text in
            var count = 0
            func put(_ byte: UInt8) { text[count] = byte; count += 1 }
            func two(_ value: Int) { put(48 + UInt8(value / 10)); put(48 + UInt8(value % 10)) }
            two(date.year / 100); two(date.year % 100); put(45); two(date.month); put(45); two(date.day)
            put(84); two(secondOfDay / 3600); put(58); two(secondOfDay / 60 % 60); put(58); two(secondOfDay % 60)
            if millis != 0 { put(46); put(48 + UInt8(millis / 100)); two(millis % 100) }
            if offsetSeconds == 0 {
                put(90)
            } else {
                let magnitude = abs(offsetSeconds) / 60
                put(offsetSeconds < 0 ? 45 : 43); two(magnitude / 60); put(58); two(magnitude % 60)
            }
            return count
        }
    }

    /// The same text for any year (negative, or of more than four digits), by interpolation.
    private static func interpolated(_ date: LocalDate, secondOfDay: Int, millis: Int, offsetSeconds: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(date)T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if millis != 0 {
            let padded = String(1000 + millis).dropFirst()
            text += ".\(padded)"
        }
        if offsetSeconds == 0 { return text + "Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(offsetSeconds) / 60
        return text + "\(sign)\(two(magnitude / 60)):\(two(magnitude % 60))"
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let instant = Instant(iso8601: text) else {
            // The value is not echoed: facts carry personal data.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 instant with an offset, e.g. 2025-06-02T09:00:00+02:00")
        }
        self = instant
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

extension LocalDate: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(parsing: text) else {
            // The value is not echoed: a birth date is personal data.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a date as YYYY-MM-DD")
        }
        self = date
    }
}

extension Instant {
    /// The current instant from the system clock. Only callers at the edge (the CLI, the
    /// engine facade) read it; the evaluator never does.
    public static var now: Instant {
        Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
