import Foundation

/// A set of interned ids as a bitset: membership and subset tests cost a few word
/// operations, never a string comparison.
public struct IdSet: Sendable, Hashable {
    public private(set) var words: [UInt64]

    public init(capacity: Int) {
        words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    public init(capacity: Int, members: some Sequence<Int>) {
        self.init(capacity: capacity)
        for member in members { insert(member) }
    }

    public mutating func insert(_ id: Int) {
        words[id >> 6] |= 1 << UInt64(id & 63)
    }

    @inline(__always)
    public func contains(_ id: Int) -> Bool {
        let word = id >> 6
        return word < words.count && words[word] & (1 << UInt64(id & 63)) != 0
    }

    public func isSubset(of other: IdSet) -> Bool {
        for index in words.indices where words[index] & ~(index < other.words.count ? other.words[index] : 0) != 0 {
            return false
        }
        return true
    }

    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Member ids in ascending order.
    public var members: [Int] {
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
/// full, keyed by a multiplicative hash of the UTF-8 bytes. The keys come from the policy, not from callers,
/// so a caller cannot flood the table; a caller's string only probes it.
public final class Interner: Sendable {
    public let names: [String]
    /// Slot → id + 1 (0: empty); the length is a power of two.
    private let slots: [Int32]
    private let mask: Int

    public init(_ names: [String]) {
        self.names = names
        var size = 8
        while size < names.count * 2 { size <<= 1 }
        var slots = [Int32](repeating: 0, count: size)
        for (id, name) in names.enumerated() {
            var slot = Self.hash(name) & (size - 1)
            var duplicate = false
            while slots[slot] != 0 {
                if names[Int(slots[slot]) - 1] == name { duplicate = true; break }  // the first declaration wins
                slot = (slot + 1) & (size - 1)
            }
            if !duplicate { slots[slot] = Int32(id + 1) }
        }
        self.slots = slots
        mask = size - 1
    }

    public var count: Int { names.count }

    @inline(__always)
    public func id(_ name: String) -> Int? {
        var slot = Self.hash(name) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if names[entry - 1] == name { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    public func name(_ id: Int) -> String { names[id] }

    /// The set of ids for names; names not interned are skipped.
    public func set(_ refs: [Ref]) -> IdSet {
        IdSet(capacity: count, members: refs.compactMap { id($0.id) })
    }

    /// The id of a name given as UTF-8 bytes (a batch line's), without making a string.
    public func id(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(bytes) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            var name = names[entry - 1]
            if name.withUTF8({ $0.count == bytes.count && (bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0) }) {
                return entry - 1
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    static func hash(_ name: String) -> Int {
        var name = name
        return name.withUTF8 { hash($0) }
    }

    /// A multiplicative hash over the UTF-8 bytes, eight at a time: ids are short, and a
    /// byte-at-a-time loop was most of a lookup.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = UInt64(bytes.count) &* multiplier
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return Int(truncatingIfNeeded: hash) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* multiplier
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
