import Foundation

/// A growable run of bytes for the batch writer: appends are a capacity check and a `memcpy`,
/// without the per-call uniqueness checks of `[UInt8]`. One owner at a time (a batch worker).
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    /// Literals found to need no escaping, by address and length (`appendPlainLiteral`).
    private let plainLiterals: UnsafeMutablePointer<(address: UInt, length: Int)>
    private static let plainLiteralSlots = 64

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
        plainLiterals = .allocate(capacity: Self.plainLiteralSlots)
        plainLiterals.initialize(repeating: (0, 0), count: Self.plainLiteralSlots)
    }

    deinit {
        base.deallocate()
        plainLiterals.deallocate()
    }

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
        let length = bytes.count
        reserve(length)
        (base + count).update(from: source, count: length)
        count += length
    }

    /// Appends the bytes if none needs escaping in a JSON string (a control character, `"` or a
    /// backslash) and returns true; otherwise appends nothing and returns false. One pass, eight
    /// bytes at a time: the test and the copy of a short value cost less together than a
    /// `memcpy` call. The last word overlaps the one before it, and a value shorter than a word
    /// is read in two halves that may overlap, so no byte is tested alone unless the value has
    /// fewer than four.
    @inline(__always)
    func appendIfPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return true }
        let length = bytes.count
        // A word past the value may be written (a short value's): it lies in the reserve, and
        // `count` grows by `length` only, as it stays unchanged on a refusal.
        reserve(length + 8)
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(base + count)
        if length >= 8 {
            var offset = 0
            while offset + 8 < length {
                let word = from.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                if ASCII.isSpecial(word) { return false }
                to.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            let last = from.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            if ASCII.isSpecial(last) { return false }
            to.storeBytes(of: last, toByteOffset: length - 8, as: UInt64.self)
        } else if length >= 4 {
            let low = UInt64(UInt32(littleEndian: from.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: from.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)))
            let word = low | high << UInt64((length - 4) * 8)  // the value's bytes, then zeros
            if ASCII.isSpecial(word | ASCII.spaces << UInt64(length * 8)) { return false }
            to.storeBytes(of: word.littleEndian, as: UInt64.self)
        } else {
            for offset in 0..<length {
                let byte = source[offset]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
                to.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            }
        }
        count += length
        return true
    }

    /// `appendIfPlain` for the bytes of a string literal (a `StaticString`'s, which lie in the
    /// binary and never change): one found plain is remembered by its address and length, in a
    /// slot of a small table (a collision replaces the slot), and then copied without its bytes
    /// being looked at again. An explanation's literals are most of the text a decision writes.
    @inline(__always)
    func appendPlainLiteral(_ literal: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = literal.baseAddress else { return true }
        let address = UInt(bitPattern: start)
        let slot = Int(truncatingIfNeeded: (address ^ address >> 7) & UInt(Self.plainLiteralSlots - 1))
        if plainLiterals[slot] == (address, literal.count) {
            append(literal)
            return true
        }
        guard appendIfPlain(literal) else { return false }
        plainLiterals[slot] = (address, literal.count)
        return true
    }

    @inline(__always)
    func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }
}
