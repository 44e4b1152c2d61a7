/// The strings one batch reader made lately, found again by their bytes.
///
/// A batch's lines repeat a small vocabulary (actors, purposes, fields, recipients, events,
/// notices): a string found here costs a hash and a comparison instead of a check, an
/// allocation and a copy, and, a line later, a free. Each reading thread has its own table:
/// strings shared between threads would have them contend for the strings' reference counts.
/// Values that rarely repeat (subject ids) are not put here, so as not to push the vocabulary
/// out; a slot holds the last string that hashed to it, so a collision costs only a miss.
final class RecentStrings {
    private static let slotCount = 256
    /// Longer strings are made each time: ids are short.
    static let longest = 32

    /// Per slot, the length of its bytes (0: empty; empty strings are not kept).
    private let lengths: UnsafeMutablePointer<UInt8>
    /// `longest` bytes per slot.
    private let bytes: UnsafeMutablePointer<UInt8>
    /// Per slot, its string. Raw memory rather than an array: an array in a class property is
    /// checked for exclusive access on every read.
    private let strings: UnsafeMutablePointer<String>

    init() {
        lengths = .allocate(capacity: Self.slotCount)
        lengths.initialize(repeating: 0, count: Self.slotCount)
        bytes = .allocate(capacity: Self.slotCount * Self.longest)
        strings = .allocate(capacity: Self.slotCount)
        strings.initialize(repeating: "", count: Self.slotCount)
    }

    deinit {
        lengths.deallocate()
        bytes.deallocate()
        strings.deinitialize(count: Self.slotCount)
        strings.deallocate()
    }

    /// The string these UTF-8 bytes spell (nil if they are not UTF-8), from the table when
    /// it holds them, else made by `make` and kept.
    @inline(__always)
    func string(_ raw: UnsafeBufferPointer<UInt8>, make: (UnsafeBufferPointer<UInt8>) -> String?) -> String? {
        let count = raw.count
        guard count > 0, count <= Self.longest, let source = raw.baseAddress else { return make(raw) }
        let slot = Self.slot(source, count)
        let kept = bytes + slot * Self.longest
        if Int(lengths[slot]) == count, Self.equal(UnsafeRawPointer(kept), UnsafeRawPointer(source), count) {
            return strings[slot]
        }
        guard let made = make(raw) else { return nil }
        kept.update(from: source, count: count)
        lengths[slot] = UInt8(count)
        strings[slot] = made
        return made
    }

    /// The slot of `count` (1 through 32) bytes: their first and last eight (or four, or the
    /// bytes themselves) and the count, multiplied and shifted.
    @inline(__always)
    private static func slot(_ source: UnsafePointer<UInt8>, _ count: Int) -> Int {
        let raw = UnsafeRawPointer(source)
        var key: UInt64
        if count >= 8 {
            key = raw.loadUnaligned(as: UInt64.self) ^ (raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) &* 0x9E37_79B9)
        } else if count >= 4 {
            key = UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32
        } else {
            key = UInt64(source[0]) | UInt64(source[count / 2]) << 8 | UInt64(source[count - 1]) << 16
        }
        key ^= UInt64(count) << 56
        return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }

    /// Whether `count` (1 through 32) bytes at `a` and `b` are equal, in words that may overlap.
    /// The same comparison as `Interner`'s private one, kept here on purpose: shared as an
    /// `@inlinable package` function of `CustosPolicy`, it was called, not inlined, and a batch
    /// line cost 390 instructions more (measured with callgrind).
    @inline(__always)
    private static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        if count >= 8 {
            var offset = 0
            while offset + 8 < count {
                if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
                offset += 8
            }
            return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        for offset in 0..<count where a.load(fromByteOffset: offset, as: UInt8.self) != b.load(fromByteOffset: offset, as: UInt8.self) {
            return false
        }
        return true
    }
}
