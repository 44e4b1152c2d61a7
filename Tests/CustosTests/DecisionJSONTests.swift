@testable import Custos
import CustosTestSupport
import Foundation
import Testing

/// The batch path writes decisions by hand; it must write exactly what JSONEncoder writes.
struct DecisionJSONTests {
    static func encoded(_ decision: Decision) -> String {
        String(decoding: DecisionJSON.bytes(decision), as: UTF8.self)
    }

    static func reference(_ decision: Decision) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(decision)) ?? Data(), as: UTF8.self)
    }

    @Test func everyDecisionOfThePolicyCorporaIsWrittenAsJSONEncoderWritesIt() throws {
        for (folder, tests) in [(RepositoryPaths.seedPolicy, RepositoryPaths.seedPolicyTests), (RepositoryPaths.edgePolicy, RepositoryPaths.edgePolicy + "/tests")] {
            let decider = HypotheticalDecisions(policy: try PrivacyEngine.compilePolicy(folder))
            let cases = PolicyCorpusTests.cases(in: tests)
            #expect(cases.count > 5)
            for testCase in cases {
                let decision = decider.decide(request: testCase.request, facts: testCase.facts, defaultAt: testCase.at)
                #expect(Self.encoded(decision) == Self.reference(decision), "\(testCase.name)")
            }
        }
    }

    @Test func stringsWithControlCharactersQuotesSlashesAndNonASCIIAreEscapedTheSameWay() {
        var random = SplitMix64(seed: 0x150_17)
        let alphabet: [Character] = ["a", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}", "é", "€", "😀", "\u{2028}", " ", "'"]
        for _ in 0..<2_000 {
            let text = String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
            let decision = Decision(outcome: .deny, action: .share, subject: text, purpose: text, actor: text, recipient: Bool.random(using: &random) ? text : nil,
                                    fields: [FieldOutcome(field: text, outcome: .deny, reasons: [.engineError])], basis: Bool.random(using: &random) ? .consent : nil,
                                    reasons: [Reason(code: .engineError, explanation: text, fields: [text])], obligations: [.notifyRecipients],
                                    policyDigest: text, hypothetical: true)
            #expect(Self.encoded(decision) == Self.reference(decision), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    /// Actions, bases, obligations, field reason codes and outcomes are written from tables of
    /// their cases: every case of each, written as JSONEncoder writes it.
    @Test func everyCaseOfTheEnumerationsWrittenFromTablesIsWrittenAsJSONEncoderWritesIt() {
        let outcomes: [Outcome] = [.permit, .partial, .deny]
        for (index, action) in Action.allCases.enumerated() {
            for basis in [nil] + LegalBasis.allCases.map(Optional.some) {
                let decision = Decision(outcome: outcomes[index % outcomes.count], action: action, subject: "S-1", purpose: "P-1", actor: "a",
                                        recipient: nil, fields: [], basis: basis, reasons: [], obligations: Obligation.allCases,
                                        policyDigest: "d", hypothetical: false)
                #expect(Self.encoded(decision) == Self.reference(decision), "\(action) \(String(describing: basis))")
            }
        }
        let everyCode = Decision(outcome: .deny, action: .read, subject: "S-1", purpose: "P-1", actor: "a", recipient: nil,
                                 fields: [FieldOutcome(field: "f", outcome: .deny, reasons: ReasonCode.allCases)], basis: nil, reasons: [],
                                 obligations: [], policyDigest: "d", hypothetical: true)
        #expect(Self.encoded(everyCode) == Self.reference(everyCode))
        for outcome in outcomes {
            let decision = Decision(outcome: outcome, action: .read, subject: "S-1", purpose: "P-1", actor: "a", recipient: nil, fields: [],
                                    basis: nil, reasons: [], obligations: [], policyDigest: "d", hypothetical: true)
            #expect(Self.encoded(decision) == Self.reference(decision), "\(outcome)")
        }
    }

    /// The writer remembers which explanation literals need no escaping, by their address: a
    /// literal that needs it is escaped every time it is written, and the literals around it
    /// the same as before they were remembered.
    @Test func explanationLiteralsAreEscapedAlikeTheFirstTimeAndEveryTimeAfter() {
        func reason(_ name: String) -> Reason {
            let quoted: Explanation = "the \"\(name)\" literal holds quotes, a backslash \\ and a tab\t"
            return Reason(code: .engineError, message: quoted, fields: [])
        }
        func plain(_ name: String) -> Reason {
            Reason(code: .allowLegalBasis, message: "a plain literal before \(name) and one after it", fields: [])
        }
        for round in 0..<3 {
            let decision = Decision(outcome: .deny, action: .read, subject: "S-1", purpose: "P-1", actor: "a", recipient: nil, fields: [],
                                    basis: nil, reasons: [reason("x\(round)"), plain("p\(round)"), reason("\"y"), plain("q\\")], obligations: [],
                                    policyDigest: "d", hypothetical: true)
            #expect(Self.encoded(decision) == Self.reference(decision), "round \(round)")
            #expect(Self.encoded(decision).contains(#"the \"x\#(round)\" literal holds quotes, a backslash \\ and a tab\t"#))
        }
        let out = ByteBuffer()
        let literal: StaticString = "needs \"escaping\""
        for _ in 0..<2 {
            #expect(!literal.withUTF8Buffer { out.appendPlainLiteral($0) })
            #expect(out.count == 0)
        }
    }
}
