@testable import Custos
import Testing

/// The batch writer's buffer copies short runs in overlapping words and long ones with
/// `memcpy`, and grows by doubling: every length, at every offset into the buffer and across
/// a growth, must come out byte for byte.
struct ByteBufferTests {
    @Test func runsOfEveryLengthAreAppendedWholeAtEveryOffsetAndAcrossGrowth() {
        let source = (0..<80).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let out = ByteBuffer(capacity: 64)
        var expected: [UInt8] = []
        for lead in 0..<9 {
            for length in 0...source.count {
                for _ in 0..<lead { out.append(UInt8(ascii: "-")) }
                expected += [UInt8](repeating: UInt8(ascii: "-"), count: lead)
                source.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[0..<length])) }
                expected += source[0..<length]
            }
        }
        #expect(Array(out.bytes) == expected)
        #expect(expected.count > 64 * 16, "the buffer grew several times")
    }
}
