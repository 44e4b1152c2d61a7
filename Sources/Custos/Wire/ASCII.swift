/// Byte tests eight bytes at a time, for the batch reader and writer, which look at every
/// byte of every line (whether bytes are ASCII at all is `ASCIIBytes`, in CustosCrypto, which
/// the field opener asks too).
enum ASCII {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether a word holds a control character, `"` or `\` (exact: the tests for "a byte
    /// below n" and "a zero byte" never err on whether one exists).
    @inline(__always)
    static func isSpecial(_ word: UInt64) -> Bool {
        specialBytes(word) != 0
    }

    /// The high bit of each byte of a little-endian word that may be a control character, `"`
    /// or `\`. Bytes above a special one may be flagged wrongly (a borrow runs on), but the
    /// lowest flag is always a special byte and no special byte goes unflagged below it; so
    /// `trailingZeroBitCount / 8` is the offset of the first special byte.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let control = (word &- ones &* 0x20) & ~word & highBits
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        return control | ((quote &- ones) & ~quote & highBits) | ((backslash &- ones) & ~backslash & highBits)
    }

    /// Spaces, to fill a word past a short value's bytes: a space is not special.
    static let spaces: UInt64 = ones &* 0x20

    /// Whether a byte is DEL (0x7F) or 0xC2, the lead byte of every C1 control: false means
    /// neither is there, true that one may be (the exact test is then the caller's). The last
    /// word overlaps the one before it, and four to seven bytes are read as one word of two
    /// halves that may overlap, as ids are short.
    static func mayHoldDeleteOrC1(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base), count = bytes.count
        if count >= 8 {
            var offset = 0
            while offset + 8 < count {
                if holdsDeleteOrC1(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) { return true }
                offset += 8
            }
            return holdsDeleteOrC1(raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        if count >= 4 {
            let low = UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
            // Bytes 4 through 7 repeat the last four, overlapping or not: every byte is tested.
            return holdsDeleteOrC1(low | high << 32)
        }
        for offset in 0..<count where bytes[offset] == 0x7F || bytes[offset] == 0xC2 { return true }
        return false
    }

    @inline(__always)
    private static func holdsDeleteOrC1(_ word: UInt64) -> Bool {
        let delete = word ^ (ones &* 0x7F), lead = word ^ (ones &* 0xC2)
        return (((delete &- ones) & ~delete) | ((lead &- ones) & ~lead)) & highBits != 0
    }
}
