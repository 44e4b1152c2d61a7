@testable import CustosPolicy
import Foundation
import Testing

/// `Instant.iso8601(offsetSeconds:)` writes four-digit years byte by byte; these hold it to
/// Foundation's calendar and to the parser, and the other years to the interpolated form.
struct InstantTextTests {
    @Test func writesKnownInstants() {
        // Four-digit years before the Gregorian reform, proleptic as ISO 8601 counts them.
        #expect(Instant(iso8601: "1141-05-15T12:38:44-12:00")!.iso8601(offsetSeconds: -43_200) == "1141-05-15T12:38:44-12:00")
        #expect(Instant(iso8601: "1000-01-01T00:00:00Z")!.description == "1000-01-01T00:00:00Z")
        let instant = Instant(iso8601: "2025-06-02T09:00:00+02:00")!
        #expect(instant.description == "2025-06-02T07:00:00Z")
        #expect(instant.iso8601(offsetSeconds: 7200) == "2025-06-02T09:00:00+02:00")
        #expect(instant.iso8601(offsetSeconds: -16_200) == "2025-06-02T02:30:00-04:30")
        #expect(Instant(millisecondsSinceEpoch: 5).description == "1970-01-01T00:00:00.005Z")
        #expect(Instant(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(Instant(millisecondsSinceEpoch: 120).iso8601(offsetSeconds: 3600) == "1970-01-01T01:00:00.120+01:00")
    }

    @Test func agreesWithFoundationAndTheParser() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        let offsets = [0, 3600, 7200, -18_000, 19_800, 45_900, -43_200, 50_400]
        // From 1600-01-01 (Foundation's Gregorian calendar is Julian before 1582; an instant is
        // proleptic Gregorian) to 9999-12-31, milliseconds half the time.
        let range = Int64(-11_676_096_000_000)...Int64(253_402_300_799_000)
        for _ in 0..<5_000 {
            var milliseconds = Int64.random(in: range, using: &generator)
            if Bool.random(using: &generator) { milliseconds -= milliseconds % 1000 }
            let offset = offsets.randomElement(using: &generator)!
            let instant = Instant(millisecondsSinceEpoch: milliseconds)
            let text = instant.iso8601(offsetSeconds: offset)
            let shifted = Date(timeIntervalSince1970: TimeInterval(milliseconds + Int64(offset) * 1000) / 1000)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: shifted)
            let millis = Int((milliseconds % 1000 + 1000) % 1000)
            var expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
            if millis != 0 { expected += String(format: ".%03d", millis) }
            expected += offset == 0 ? "Z" : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 3600, abs(offset) / 60 % 60)
            guard text == expected, Instant(iso8601: text) == instant else {
                Issue.record("\(milliseconds) at \(offset): \(text), expected \(expected)")
                return
            }
        }
    }

    @Test func writesOtherYearsByInterpolation() {
        #expect(Instant(millisecondsSinceEpoch: 253_402_300_800_000).description == "10000-01-01T00:00:00Z")
        // Year 999: four digits, as ISO 8601 and `LocalDate` write it, so that it reads back.
        #expect(Instant(millisecondsSinceEpoch: -30_610_224_000_001).description == "0999-12-31T23:59:59.999Z")
        #expect(Instant(iso8601: "0999-12-31T23:59:59.999Z") == Instant(millisecondsSinceEpoch: -30_610_224_000_001))
        #expect(Instant(millisecondsSinceEpoch: 0).iso8601(offsetSeconds: 90_000) == "1970-01-02T01:00:00+25:00")
    }
}
