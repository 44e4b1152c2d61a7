import CustosPolicy

/// The interned ids of a request's fields (nil: not declared), kept inline for the usual
/// handful so that a decision does not allocate an array for them.
struct FieldIds: RandomAccessCollection {
    private static let inlineCapacity = 8
    private var inline: InlineArray<8, Int32> = InlineArray(repeating: -1)
    private var spilled: [Int?] = []
    let count: Int
    /// Whether every field is declared (nearly every request): the unknown-id step then has
    /// nothing to look for.
    let allDeclared: Bool

    init(_ names: [String], in interner: Interner) {
        count = names.count
        if count <= Self.inlineCapacity {
            var allDeclared = true
            for index in names.indices {
                let id = interner.id(names[index])
                if id == nil { allDeclared = false }
                inline[index] = id.map { Int32($0) } ?? -1
            }
            self.allDeclared = allDeclared
        } else {
            spilled = names.map { interner.id($0) }
            allDeclared = !spilled.contains(nil)
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
