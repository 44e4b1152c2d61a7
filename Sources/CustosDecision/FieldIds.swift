import CustosPolicy

/// The interned ids of a request's fields (nil: not declared), kept inline for the usual
/// handful so that a decision does not allocate an array for them.
struct FieldIds: RandomAccessCollection {
    private static let inlineCapacity = 8
    private var inline: InlineArray<8, Int32> = InlineArray(repeating: -1)
    private var spilled: [Int?] = []
    let count: Int

    init(_ names: [String], in interner: Interner) {
        count = names.count
        if count <= Self.inlineCapacity {
            for index in names.indices { inline[index] = interner.id(names[index]).map { Int32($0) } ?? -1 }
        } else {
            spilled = names.map { interner.id($0) }
        }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(index: Int) -> Int? {
        if count > Self.inlineCapacity { return spilled[index] }
        let id = inline[index]
        return id < 0 ? nil : Int(id)
    }
}
