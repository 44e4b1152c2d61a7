@testable import Custos
import CustosCrypto
import CustosTestSupport
import Testing

/// The word-at-a-time byte tests must agree with the byte-at-a-time definitions on any input,
/// at any length and alignment.
struct ASCIITests {
    @Test func wordTestsAgreeWithBytewiseTests() {
        var random = SplitMix64(seed: 0xA5C11)
        let interesting: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA2, 0xC2, 0xDC, 0xFF]
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...40, using: &random)
            let bytes: [UInt8] = (0..<count).map { _ in
                Bool.random(using: &random) ? interesting[Int.random(in: 0..<interesting.count, using: &random)] : UInt8.random(in: 0x23...0x7E, using: &random)
            }
            let offset = Int.random(in: 0...min(3, count), using: &random)
            bytes.withUnsafeBufferPointer { whole in
                let part = UnsafeBufferPointer(rebasing: whole[offset...])
                #expect(ASCIIBytes.isASCII(part) == part.allSatisfy { $0 < 0x80 })
                #expect(ASCII.mayHoldDeleteOrC1(part) == part.contains { $0 == 0x7F || $0 == 0xC2 })
                let plain = !part.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
                let out = ByteBuffer(capacity: 64)
                out.append(UInt8(ascii: "<"))
                let appended: Bool = out.appendIfPlain(part)
                #expect(appended == plain)
                // A short value's word may be written past its end: what follows overwrites it.
                out.append(UInt8(ascii: ">"))
                let expected: [UInt8] = (plain ? [UInt8(ascii: "<")] + Array(part) : [UInt8(ascii: "<")]) + [UInt8(ascii: ">")]
                #expect(Array(out.bytes) == expected)
            }
        }
    }

    /// The reader finds a string's end a word at a time: the lowest flag of `specialBytes` must
    /// be the first quote, backslash or control character, and no flag means none.
    @Test func theLowestSpecialFlagIsTheFirstSpecialByte() {
        var random = SplitMix64(seed: 0x5_9EC1A1)
        let interesting: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA2, 0xC2, 0xDC, 0xFF]
        for _ in 0..<50_000 {
            let bytes: [UInt8] = (0..<8).map { _ in
                Int.random(in: 0..<4, using: &random) == 0 ? interesting[Int.random(in: 0..<interesting.count, using: &random)] : UInt8.random(in: 0...0xFF, using: &random)
            }
            let word = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let first = bytes.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
            let mask = ASCII.specialBytes(word)
            #expect((mask == 0 ? nil : mask.trailingZeroBitCount / 8) == first, "\(bytes)")
        }
    }
}
