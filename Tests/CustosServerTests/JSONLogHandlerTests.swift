import Foundation
import Logging
import Testing
@testable import CustosServer

/// A log line is one JSON object: every member once, keys sorted, the event's metadata over
/// the handler's and both over the fixed members, texts escaped only where JSON needs it.
struct JSONLogHandlerTests {
    @Test func aLineHoldsEveryMemberOnceInKeyOrder() throws {
        let line = JSONLogHandler.line(ts: "2026-12-05T18:00:00.000Z", level: .info, label: "custos.access", message: "request",
                                       metadata: ["route": "/healthz", "event": "handler"],
                                       eventMetadata: ["event": "request", "status": .stringConvertible(200), "note": "a \"quoted\"\nline\\ é\u{1}",
                                                       "list": .array(["a", "b"]), "nested": .dictionary(["z": "1", "a": "2"])])
        let text = try #require(String(bytes: line, encoding: .utf8))
        #expect(text == #"{"event":"request","label":"custos.access","level":"info","list":["a","b"],"message":"request","#
            + #""nested":{"a":"2","z":"1"},"note":"a \"quoted\"\nline\\ é\u0001","route":"/healthz","status":"200","#
            + #""ts":"2026-12-05T18:00:00.000Z"}"# + "\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["note"] as? String == "a \"quoted\"\nline\\ é\u{1}")
        #expect(object.count == 10)
    }

    @Test func metadataMayReplaceAFixedMember() throws {
        let line = JSONLogHandler.line(ts: "t", level: .warning, label: "l", message: "m", metadata: ["message": "from the handler"], eventMetadata: nil)
        #expect(String(bytes: line, encoding: .utf8) == #"{"label":"l","level":"warning","message":"from the handler","ts":"t"}"# + "\n")
    }
}
