/// Whether UTF-8 bytes are plain ASCII, eight at a time. In the lowest module because both the
/// field opener (an ASCII value needs no UTF-8 validation) and the batch reader (an ASCII id
/// becomes a `String` without one) ask it, on every value and every id.
package enum ASCIIBytes {
    /// Whether every byte is below 0x80. Inlinable: the batch reader asks it of every id, and a
    /// call across modules would cost each one more than the test itself.
    @inlinable
    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let highBits: UInt64 = 0x8080_8080_8080_8080
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
}
