/// The cases of a payload-free string enumeration as JSON strings, quoted and escaped once,
/// for the decision writer: an action, a legal basis, an obligation or a field's reason code
/// written through its `rawValue` made a string and scanned it for escapes on every decision.
///
/// A case without a payload is stored as its index in declaration order, which is `allCases`'
/// order, so the table is indexed by the stored byte. That is checked for every case when the
/// table is made; an enumeration that ever stops fitting (a payload, more than 256 cases) is
/// written through its raw value instead, so the bytes never depend on the check.
///
/// ```swift
/// static let actions = QuotedCases<Action>()
/// actions.append(.read, to: out)   // "read", with its quotes
/// ```
struct QuotedCases<Value: RawRepresentable & CaseIterable>: Sendable where Value.RawValue == String {
    private let quoted: [[UInt8]]
    /// Whether every case is stored as its index in `allCases`; false: `quoted` is unused.
    private let indexedByTag: Bool

    init() {
        var table: [[UInt8]] = []
        var fits = MemoryLayout<Value>.size == 1
        for (index, value) in Value.allCases.enumerated() {
            if fits, Self.tag(value) != index { fits = false }
            let out = ByteBuffer(capacity: 64)
            DecisionJSON.string(value.rawValue, out)
            table.append(Array(out.bytes))
        }
        quoted = table
        indexedByTag = fits
    }

    @inline(__always)
    private static func tag(_ value: Value) -> Int {
        withUnsafeBytes(of: value) { Int($0[0]) }
    }

    @inline(__always)
    func append(_ value: Value, to out: ByteBuffer) {
        guard indexedByTag else { return DecisionJSON.string(value.rawValue, out) }
        quoted[Self.tag(value)].withUnsafeBufferPointer { out.append($0) }
    }
}
