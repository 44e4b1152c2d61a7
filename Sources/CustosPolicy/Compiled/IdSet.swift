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
public struct Interner: Sendable {
    public let names: [String]
    private let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var count: Int { names.count }

    @inline(__always)
    public func id(_ name: String) -> Int? { index[name] }

    public func name(_ id: Int) -> String { names[id] }

    /// The set of ids for names; names not interned are skipped.
    public func set(_ refs: [Ref]) -> IdSet {
        IdSet(capacity: count, members: refs.compactMap { id($0.id) })
    }
}
