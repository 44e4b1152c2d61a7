/// Per requested field, the index of its stored value's provenance in `Facts.fields` (nil:
/// nothing stored), found once per decision. The steps that read a field's provenance (an
/// erasure that kept it for some purposes, compatibility with the purposes it was collected
/// for, its retention start) each scanned the stored fields by name: three or four scans of
/// string comparisons a field, a tenth of a gated read's decision. Kept inline for up to
/// sixteen fields, so a decision does not allocate for them.
struct StoredFieldPositions {
    private static let inlineCapacity = 16
    private var inline: InlineArray<16, Int32> = InlineArray(repeating: -1)
    private var spilled: [Int?] = []
    private let count: Int

    init(_ names: [String], in stored: [FieldProvenance]) {
        count = names.count
        if count <= Self.inlineCapacity {
            guard !stored.isEmpty else { return }
            for index in names.indices {
                if let position = stored.firstIndex(where: { $0.field == names[index] }) { inline[index] = Int32(position) }
            }
        } else {
            spilled = names.map { name in stored.firstIndex { $0.field == name } }
        }
    }

    subscript(index: Int) -> Int? {
        if count > Self.inlineCapacity { return spilled[index] }
        let position = inline[index]
        return position < 0 ? nil : Int(position)
    }
}
