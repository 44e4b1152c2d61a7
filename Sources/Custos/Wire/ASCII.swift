/// Byte tests eight bytes at a time, for the batch reader and writer, which look at every
/// byte of every line.
enum ASCII {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether every byte is below 0x80.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            if raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) & highBits != 0 { return false }
            offset += 8
        }
        while offset < bytes.count {
            if bytes[offset] >= 0x80 { return false }
            offset += 1
        }
        return true
    }

    /// The number of leading bytes that are neither a control character, `"` nor `\`,
    /// counted in whole words of eight (so possibly fewer than all of them).
    @inline(__always)
    static func plainPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count, !isSpecial(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) { offset += 8 }
        return offset
    }

    /// Whether a word holds a control character, `"` or `\` (exact: the tests for "a byte
    /// below n" and "a zero byte" never err on whether one exists).
    @inline(__always)
    static func isSpecial(_ word: UInt64) -> Bool {
        let control = (word &- ones &* 0x20) & ~word & highBits
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        return (control | ((quote &- ones) & ~quote & highBits) | ((backslash &- ones) & ~backslash & highBits)) != 0
    }

    /// Whether a byte is DEL (0x7F) or 0xC2, the lead byte of every C1 control: false means
    /// neither is there, true that one may be (the exact test is then the caller's).
    static func mayHoldDeleteOrC1(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let delete = word ^ (ones &* 0x7F), lead = word ^ (ones &* 0xC2)
            if (((delete &- ones) & ~delete) | ((lead &- ones) & ~lead)) & highBits != 0 { return true }
            offset += 8
        }
        while offset < bytes.count {
            if bytes[offset] == 0x7F || bytes[offset] == 0xC2 { return true }
            offset += 1
        }
        return false
    }
}
