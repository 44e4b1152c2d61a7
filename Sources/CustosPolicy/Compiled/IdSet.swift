import Foundation

/// A set of interned ids as a bitset: membership and subset tests cost a few word
/// operations, never a string comparison.
package struct IdSet: Sendable, Hashable {
    package private(set) var words: [UInt64]

    package init(capacity: Int) {
        words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    package init(capacity: Int, members: some Sequence<Int>) {
        self.init(capacity: capacity)
        for member in members { insert(member) }
    }

    package mutating func insert(_ id: Int) {
        words[id >> 6] |= 1 << UInt64(id & 63)
    }

    @inline(__always)
    package func contains(_ id: Int) -> Bool {
        let word = id >> 6
        return word < words.count && words[word] & (1 << UInt64(id & 63)) != 0
    }

    package func isSubset(of other: IdSet) -> Bool {
        for index in words.indices where words[index] & ~(index < other.words.count ? other.words[index] : 0) != 0 {
            return false
        }
        return true
    }

    package var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    package var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Member ids in ascending order.
    package var members: [Int] {
        var result: [Int] = []
        for (index, word) in words.enumerated() {
            var rest = word
            while rest != 0 {
                result.append(index * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return result
    }
}

/// Dense integer ids for the names of one kind (fields, purposes, …), in declaration order.
///
/// Every decision looks up its purpose, fields, subject category and recipient here, so the
/// lookup avoids `Dictionary<String, Int>`'s SipHash: an open-addressing table at most half
/// full, keyed by a multiplicative hash of the UTF-8 bytes. The keys come from the policy, not
/// from callers, so a caller cannot flood the table; a caller's string only probes it.
///
/// The table and the names' bytes live in one allocation that is written once, here, and only
/// read afterwards, so a lookup touches no reference count: threads deciding at once (a batch)
/// would otherwise contend for the counts of the policy's strings.
package final class Interner: @unchecked Sendable {
    package let names: [String]
    /// Slot → id + 1 (0: empty); `mask + 1` slots, a power of two.
    private let slots: UnsafeMutablePointer<Int32>
    private let mask: Int
    /// Per id, the offset and length of its name in `bytes`.
    private let spans: UnsafeMutablePointer<(offset: Int, count: Int)>
    private let bytes: UnsafeMutablePointer<UInt8>

    package init(_ names: [String]) {
        self.names = names
        var size = 8
        while size < names.count * 2 { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        spans = .allocate(capacity: max(names.count, 1))
        let total = names.reduce(0) { $0 + $1.utf8.count }
        bytes = .allocate(capacity: max(total, 1))
        var offset = 0
        for (id, name) in names.enumerated() {
            let utf8 = Array(name.utf8)
            (bytes + offset).initialize(from: utf8, count: utf8.count)
            spans[id] = (offset, utf8.count)
            offset += utf8.count
        }
        for id in names.indices {
            var slot = hash(of: id) & mask
            var duplicate = false
            while slots[slot] != 0 {
                if equal(Int(slots[slot]) - 1, id) { duplicate = true; break }  // the first declaration wins
                slot = (slot + 1) & mask
            }
            if !duplicate { slots[slot] = Int32(id + 1) }
        }
    }

    deinit {
        slots.deallocate()
        spans.deallocate()
        bytes.deallocate()
    }

    package var count: Int { names.count }

    @inline(__always)
    package func id(_ name: String) -> Int? {
        // In place (a native or small string always is): a mutable copy for `withUTF8`
        // retained and released the name on every lookup.
        if let found = name.utf8.withContiguousStorageIfAvailable({ id(utf8: $0) }) { return found }
        var name = name
        return name.withUTF8 { id(utf8: $0) }
    }

    /// The id of a name given as UTF-8 bytes (a batch line's), without making a string.
    package func id(utf8 name: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(name) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            let span = spans[entry - 1]
            if span.count == name.count, span.count == 0 || Self.equal(bytes + span.offset, name.baseAddress!, span.count) {
                return entry - 1
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether `name` is the name of `id` (which must be below `count`): one comparison, for
    /// a caller that can guess the id, such as a reader expecting an object's keys in order.
    package func matches(_ id: Int, utf8 name: UnsafeBufferPointer<UInt8>) -> Bool {
        let span = spans[id]
        return span.count == name.count && (span.count == 0 || Self.equal(bytes + span.offset, name.baseAddress!, span.count))
    }

    package func name(_ id: Int) -> String { names[id] }

    private func hash(of id: Int) -> Int {
        Self.hash(UnsafeBufferPointer(start: bytes + spans[id].offset, count: spans[id].count))
    }

    private func equal(_ a: Int, _ b: Int) -> Bool {
        spans[a].count == spans[b].count && memcmp(bytes + spans[a].offset, bytes + spans[b].offset, spans[a].count) == 0
    }

    /// Whether `count` (> 0) bytes at `a` and `b` are equal, in words that may overlap: names
    /// are short, and a call to `memcmp` cost more than the comparison.
    @inline(__always)
    private static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let a = UnsafeRawPointer(a), b = UnsafeRawPointer(b)
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
        return a.load(as: UInt8.self) == b.load(as: UInt8.self)
            && a.load(fromByteOffset: count >> 1, as: UInt8.self) == b.load(fromByteOffset: count >> 1, as: UInt8.self)
            && a.load(fromByteOffset: count - 1, as: UInt8.self) == b.load(fromByteOffset: count - 1, as: UInt8.self)
    }

    /// The set of ids for names; names not interned are skipped.
    package func set(_ refs: [Ref]) -> IdSet {
        IdSet(capacity: count, members: refs.compactMap { id($0.id) })
    }

    /// A multiplicative hash over the UTF-8 bytes, eight at a time, the last word (or, for
    /// shorter names, the two halves) loaded so that it overlaps the one before: ids are short,
    /// and a byte-at-a-time tail was most of a lookup.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        let count = bytes.count
        var hash = UInt64(count) &* multiplier
        guard let base = bytes.baseAddress, count > 0 else { return Int(truncatingIfNeeded: hash) }
        let raw = UnsafeRawPointer(base)
        let last: UInt64
        if count >= 8 {
            var offset = 0
            while offset + 8 < count {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
                hash ^= hash >> 32
                offset += 8
            }
            last = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4 {
            last = UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32
        } else {
            last = UInt64(bytes[0]) | UInt64(bytes[count >> 1]) << 8 | UInt64(bytes[count - 1]) << 16
        }
        hash = (hash ^ last) &* multiplier
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
