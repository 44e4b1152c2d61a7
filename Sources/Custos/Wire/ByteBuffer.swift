import Foundation

/// A growable run of bytes for the batch writer: appends are a capacity check and a `memcpy`,
/// without the per-call uniqueness checks of `[UInt8]`. One owner at a time (a batch worker).
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func removeAll() { count = 0 }

    @inline(__always)
    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends the bytes if none needs escaping in a JSON string (a control character, `"` or a
    /// backslash) and returns true; otherwise appends nothing and returns false. One pass, eight
    /// bytes at a time: the test and the copy of a short value cost less together than a
    /// `memcpy` call.
    @inline(__always)
    func appendIfPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return true }
        let length = bytes.count
        reserve(length)  // words are written only within `length`; a refusal leaves `count` as it was
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(base + count)
        var offset = 0
        while offset + 8 <= length {
            let word = from.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            if ASCII.isSpecial(word) { return false }
            to.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < length {
            let byte = source[offset]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            to.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
        count += length
        return true
    }

    @inline(__always)
    func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }
}
