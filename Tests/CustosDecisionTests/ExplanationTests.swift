@testable import CustosDecision
import CustosPolicy
import CustosTestSupport
import Foundation
import Testing

/// An explanation kept as pieces must read exactly as the interpolated string would, however
/// its literals and interpolations are arranged.
struct ExplanationTests {
    @Test func readsLikeTheInterpolatedString() {
        let purpose = "P-DEBT-COLLECT", field = "bank_account", count = 3
        let long = String(repeating: "x", count: 40)
        let cases: [(Explanation, String)] = [
            ("no step permitted the request", "no step permitted the request"),
            ("purpose '\(purpose)' is not declared", "purpose '\(purpose)' is not declared"),
            ("\(purpose)", purpose),
            ("\(purpose)\(field)", purpose + field),
            ("\(count) of \(count + 1) fields", "\(count) of \(count + 1) fields"),
            ("a \(long) b \(field) c", "a \(long) b \(field) c"),
            ("", ""),
        ]
        for (explanation, expected) in cases {
            #expect(explanation.description == expected)
        }
    }

    @Test func moreInterpolationsThanFitInlineAreJoined() {
        let pieces = (0..<11).map { "id-\($0)" }
        let explanation: Explanation = "\(pieces[0]) \(pieces[1]) \(pieces[2]) \(pieces[3]) \(pieces[4]) \(pieces[5]) \(pieces[6]) \(pieces[7]) \(pieces[8]) \(pieces[9]) \(pieces[10]) end"
        #expect(explanation.description == pieces.joined(separator: " ") + " end")
    }

    /// Any sequence of literals and interpolations, in any order and number, reads back as
    /// the concatenation of its parts.
    @Test func randomSequencesOfPiecesReadBackWhole() {
        let literals: [StaticString] = ["", " ", "field '", "' of purpose '", "' is not declared in the policy", "é"]
        var random = SplitMix64(seed: 0xE4_2026)
        for _ in 0..<2_000 {
            var interpolation = Explanation.StringInterpolation(literalCapacity: 0, interpolationCount: 0)
            var expected = ""
            for _ in 0..<Int.random(in: 0...14, using: &random) {
                if Bool.random(using: &random) {
                    let literal = literals[Int.random(in: 0..<literals.count, using: &random)]
                    interpolation.appendLiteral(literal)
                    expected += literal.description
                } else {
                    let text = String(repeating: "ab", count: Int.random(in: 0...12, using: &random))
                    interpolation.appendInterpolation(text)
                    expected += text
                }
            }
            #expect(Explanation(stringInterpolation: interpolation).description == expected)
        }
    }

    @Test func theBytesOfThePiecesAreTheText() {
        let explanation: Explanation = "field '\("e\"mail")' was erased"
        var bytes: [UInt8] = []
        explanation.forEachUTF8Piece { bytes.append(contentsOf: $0) }
        #expect(String(decoding: bytes, as: UTF8.self) == "field 'e\"mail' was erased")
    }

    /// The writer reads a reason's explanation where it lies in the decision's buffer, through
    /// the inline arrays' addresses: its pieces, and the method's, must spell the text appended,
    /// for every shape (more texts than fit inline included).
    @Test func piecesReadInPlaceSpellTheTextAppended() {
        let literals: [StaticString] = ["", " ", "field '", "' is not declared in the policy", "é"]
        var random = SplitMix64(seed: 0x1_2026)
        var reasons: [Reason] = []
        var expected: [String] = []
        for round in 0..<500 {
            var interpolation = Explanation.StringInterpolation(literalCapacity: 0, interpolationCount: 0)
            var text = ""
            for _ in 0..<Int.random(in: 0...9, using: &random) {
                if Bool.random(using: &random) {
                    let literal = literals[Int.random(in: 0..<literals.count, using: &random)]
                    interpolation.appendLiteral(literal)
                    text += literal.description
                } else {
                    // Small and heap-allocated texts alike.
                    let piece = String(repeating: "ab", count: Int.random(in: 0...20, using: &random))
                    interpolation.appendInterpolation(piece)
                    text += piece
                }
            }
            reasons.append(Reason(code: round % 2 == 0 ? .consentMissing : .unknownId, message: Explanation(stringInterpolation: interpolation),
                                  fields: round % 3 == 0 ? ["email"] : []))
            expected.append(text)
        }
        reasons.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                var method: [UInt8] = [], inPlace: [UInt8] = []
                buffer[index].message.forEachUTF8Piece { method += $0 }
                Reason.forEachExplanationPiece(of: buffer.baseAddress! + index) { inPlace += $0 }
                #expect(String(decoding: inPlace, as: UTF8.self) == expected[index])
                #expect(String(decoding: method, as: UTF8.self) == expected[index])
            }
        }
    }

    @Test func equalityHashingAndCodingUseTheText() throws {
        let a: Explanation = "x \("y") z"
        let b = Explanation("x y z")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        let reason = Reason(code: .consentMissing, message: a)
        let decoded = try JSONDecoder().decode(Reason.self, from: JSONEncoder().encode(reason))
        #expect(decoded.explanation == "x y z")
        #expect(decoded.article == ReasonCode.consentMissing.article)
        #expect(decoded == reason)
    }

    @Test func sharedObligationListsMatchTheirCases() {
        for (offset, obligation) in Obligation.allCases.enumerated() {
            #expect(obligation.index == offset)
        }
    }
}

/// Tables indexed by a reason code's position must find every code at its own index.
struct ReasonCodePositionTests {
    @Test func everyCodeSitsAtItsIndexInAllCases() {
        #expect(MemoryLayout<ReasonCode>.size == 1)
        for (index, code) in ReasonCode.allCases.enumerated() {
            #expect(code.position == index, "\(code)")
        }
    }
}

/// A request's field ids live inline for up to eight fields and in an array beyond: both must
/// give what the interner gives, unknown fields included.
struct FieldIdsTests {
    @Test(arguments: [0, 3, 8, 9, 20])
    func idsMatchTheInterner(count: Int) {
        let interner = Interner((0..<10).map { "field_\($0)" })
        let names = (0..<count).map { $0 % 3 == 2 ? "undeclared_\($0)" : "field_\($0 % 10)" }
        let ids = FieldIds(names, in: interner)
        #expect(ids.count == names.count)
        #expect(Array(ids) == names.map { interner.id($0) })
    }
}
