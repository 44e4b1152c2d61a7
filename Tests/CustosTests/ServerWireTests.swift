import Foundation
import Testing
@testable import Custos
import CustosDecision

/// The server's fast paths say exactly what the strict Codable paths say.
@Suite("server wire: fast readers and writers agree with the Codable paths")
struct ServerWireTests {
    static let bodies = [
        #"{"action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["email","iban"]}"#,
        #"{"actor":"collections-service","action":"share","subject":"D-1","purpose":"P","fields":["a"],"recipient":"R-1","destination":"US","procedure":"X"}"#,
        #" { "action" : "decide", "purpose": "P-SCORE", "bulk": true, "foreign-order": false, "review": {"reviewer": "r", "can-override": true} } "#,
        #"{"action":"store","subject":"D-1","purpose":"P","fields":[],"at":"2025-06-02T09:00:00+02:00"}"#,
    ]

    @Test(arguments: bodies)
    func aRequestBodyReadFastEqualsTheCodableReading(_ body: String) throws {
        let fast = try #require(DecisionRequestBody.read(Data(body.utf8), defaultActor: "collections-service"))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        if object["actor"] == nil { object["actor"] = "collections-service" }
        let slow = try HypotheticalDecisions.decodeRequest(try JSONSerialization.data(withJSONObject: object))
        #expect(fast == slow)
    }

    @Test(arguments: [
        #"{"action":"read","purpose":"P","fields":["a"],"feilds":[]}"#,  // unknown key
        #"{"action":"read","purpose":"P","fields":["a\u0000"]}"#,        // an escape: left to the strict path
        #"{"action":"read","purpose":"P"} trailing"#,
        #"{"action":"peek","purpose":"P"}"#,
    ])
    func anythingElseIsLeftToTheStrictPath(_ body: String) {
        #expect(DecisionRequestBody.read(Data(body.utf8), defaultActor: "a") == nil)
    }

    /// A gated read's body read from its bytes gives what `JSONSerialization` reads from it,
    /// escapes and spaces included.
    @Test(arguments: [
        #"{"purpose":"P-DEBT-COLLECT","fields":["email","iban"]}"#,
        #" { "fields" : [ "person_name" ] , "purpose" : "P-DEBT-COLLECT" } "#,
        #"{"purpose":"P-DEBT-COLLECT","fields":["e\/mail","quote\"d","naïve"]}"#,
    ])
    func aGatedReadBodyReadFastEqualsTheFoundationReading(_ body: String) throws {
        let fast = try #require(GatedReadBody.read(Data(body.utf8)))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(fast.purpose == object["purpose"] as? String)
        #expect(fast.fields == object["fields"] as? [String])
    }

    @Test(arguments: [
        #"{"purpose":"P","fields":["a"],"subject":"D-2"}"#,   // a key the read body has not
        #"{"purpose":"P","purpose":"Q","fields":["a"]}"#,     // a repeated key
        #"{"purpose":"P","fields":["a",1]}"#,                 // not an id
        #"{"purpose":null,"fields":["a"]}"#,
        #"{"purpose":"P","fields":null}"#,
        #"{"purpose":"P"}"#,
        #"{"fields":["a"]}"#,
        "{\"purpose\":\"P\u{7f}\",\"fields\":[\"a\"]}",            // DEL, and a C1 control, unescaped
        "{\"purpose\":\"P\",\"fields\":[\"a\u{85}\"]}",
        #"{"purpose":"P","fields":["a"]} {}"#,
        #"{"purpose":"P","fields":["caf\u00e9"]}"#,              // a \u escape: the strict path reads it
        #"["P",["a"]]"#,
    ])
    func aGatedReadBodyOfAnyOtherShapeIsLeftToTheStrictPath(_ body: String) {
        #expect(GatedReadBody.read(Data(body.utf8)) == nil)
    }

    @Test func aGatedAnswerIsWhatTheFoundationEncodersWrite() throws {
        let request = DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"])
        let decision = Decision.failure(request, code: .engineError, explanation: "a \"quoted\" explanation\nwith a line", digest: "blake2b-256:00")
        let values = ["email": "jan@example.nl", "note": "line\nbreak \"quoted\" \\ é"]
        let written = ServerAnswer.gated(decision, seq: 42, values: values)
        let object: [String: Any] = ["decision": try JSONSerialization.jsonObject(with: HypotheticalDecisions.json(decision)), "seq": 42, "values": values]
        let expected = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(String(decoding: ServerAnswer.gated(decision, seq: nil, values: nil), as: UTF8.self).hasSuffix(#","seq":null}"#))
    }
}
