/// A reason's one-line explanation, kept as the literal text and the ids between them until
/// someone reads it.
///
/// Nearly every decision carries a reason or two, and most callers read only the codes:
/// joining the pieces on every decision was the largest single cost of the evaluator. The
/// pieces live inline, without an allocation: literals as `StaticString`s (plain bytes to
/// copy) and up to three interpolated strings between them (a message with more is joined
/// when it is made). The text is joined when `description` is read; `decide --batch` writes
/// the pieces straight into its output.
///
/// ```swift
/// let explanation: Explanation = "purpose '\(purpose)' is not declared in the policy"
/// print(explanation)   // purpose 'P-X' is not declared in the policy
/// ```
public struct Explanation: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringInterpolation {
    static let textCapacity = 3
    /// Literal `i` comes before text `i`; there is one literal more than texts, or as many.
    // No default values: an initialiser that assigns `self` whole (an interpolation's) made
    // them first and destroyed them again, on every reason recorded.
    private var literals: InlineArray<4, StaticString>
    private var texts: InlineArray<3, String>
    private var literalCount: UInt8
    private var textCount: UInt8

    public init(_ text: String) {
        self.init(empty: ())
        appendText(text)
    }

    public init(stringLiteral literal: StaticString) {
        self.init(empty: ())
        appendLiteral(literal)
    }

    public init(stringInterpolation: consuming StringInterpolation) {
        self = stringInterpolation.explanation
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var explanation = Explanation(empty: ())

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: StaticString) {
            explanation.appendLiteral(literal)
        }

        public mutating func appendInterpolation(_ text: String) {
            explanation.appendText(text)
        }

        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            explanation.appendText(value.description)
        }
    }

    private init(empty: Void) {
        literals = InlineArray(repeating: "")
        texts = InlineArray(repeating: "")
        literalCount = 0
        textCount = 0
    }

    private mutating func appendLiteral(_ literal: StaticString) {
        // Only text may follow a literal; two literals in a row get an empty text between them.
        if literalCount > textCount { appendText("") }
        guard literal.hasPointerRepresentation else {
            appendText(literal.description)
            return
        }
        literals[Int(literalCount)] = literal
        literalCount += 1
    }

    private mutating func appendText(_ text: String) {
        if Int(textCount) == Self.textCapacity {
            // More pieces than fit inline (no message of ours has that many): join them.
            let joined = description
            self = Explanation(empty: ())
            literalCount = 1
            texts[0] = joined
            textCount = 1
        }
        if literalCount == textCount {
            literals[Int(literalCount)] = ""
            literalCount += 1
        }
        texts[Int(textCount)] = text
        textCount += 1
    }

    /// Calls `body` with the UTF-8 bytes of each piece, in order.
    package func forEachUTF8Piece(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        withUnsafePointer(to: self) { Self.forEachUTF8Piece(of: $0, body) }
    }

    /// `forEachUTF8Piece` of the explanation at `explanation`, read where it lies: called as a
    /// method on a reason in a buffer (`decide --batch`'s writer), the whole value (150 bytes,
    /// its texts retained) was copied out and destroyed again, on every reason written.
    package static func forEachUTF8Piece(of explanation: UnsafePointer<Explanation>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        forEachUTF8Piece(of: explanation, literal: body, text: body)
    }

    /// `forEachUTF8Piece(of:_:)` with the literal pieces apart from the interpolated ones: a
    /// literal's bytes lie in the binary and never change, so a writer may remember what it
    /// found in them (`decide --batch`'s remembers which need no escaping).
    package static func forEachUTF8Piece(of explanation: UnsafePointer<Explanation>, literal literalBody: (UnsafeBufferPointer<UInt8>) -> Void,
                                         text body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let base = UnsafeRawPointer(explanation)
        let literalCount = Int(explanation.pointee.literalCount), textCount = Int(explanation.pointee.textCount)
        // The inline arrays are read element by element through their addresses, so no text
        // but the one being written is retained.
        let literals = (base + Self.literalsOffset).assumingMemoryBound(to: StaticString.self)
        let texts = (base + Self.textsOffset).assumingMemoryBound(to: String.self)
        for index in 0..<literalCount {
            let literal = literals[index]
            if literal.utf8CodeUnitCount > 0 { literal.withUTF8Buffer(literalBody) }
            // In place (a native or small string always is): a mutable copy for `withUTF8`
            // retained and released the text.
            if index < textCount, texts[index].utf8.withContiguousStorageIfAvailable(body) == nil {
                var text = texts[index]
                text.withUTF8 { body($0) }
            }
        }
    }

    // An inline array's elements lie at its own address, one stride apart. `offset(of:)` is
    // nil only for a property that is not stored inline, which these are.
    private static let literalsOffset = MemoryLayout<Explanation>.offset(of: \Explanation.literals)!
    private static let textsOffset = MemoryLayout<Explanation>.offset(of: \Explanation.texts)!

    public var description: String {
        var result = ""
        forEachUTF8Piece { result += String(decoding: $0, as: UTF8.self) }
        return result
    }

    public static func == (lhs: Explanation, rhs: Explanation) -> Bool { lhs.description == rhs.description }

    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
