@testable import CustosPolicy
import CustosTestSupport
import Foundation
import Testing

/// The precomputed offset table must give the time-zone database's answer for every instant,
/// including the hours around daylight-saving changes.
struct ZoneOffsetTests {
    @Test(arguments: ["Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"])
    func localDatesMatchTheTimeZoneDatabase(_ zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        let offsets = ZoneOffsets(timeZone)
        var random = SplitMix64(seed: 0x20_2511)
        var instants = (0..<20_000).map { _ in Int64.random(in: -86_400 * 400...4_102_444_800 + 86_400 * 400, using: &random) }
        // Every transition, and the seconds on either side of it.
        for start in offsets.starts { instants += [start - 1, start, start + 1] }
        for seconds in instants {
            let expected = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
            if let offset = offsets.offset(at: seconds) {
                #expect(offset == expected, "\(zone) at \(seconds)")
            } else {
                #expect(seconds < ZoneOffsets.first || seconds >= ZoneOffsets.last)
            }
        }
    }
}
