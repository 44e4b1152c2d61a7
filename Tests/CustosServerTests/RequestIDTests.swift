import Foundation
import Testing
@testable import CustosServer

/// A request without an `X-Request-ID` gets a random version-4 UUID, as Foundation's `UUID()`
/// made before (the access log and clients see the same form).
struct RequestIDTests {
    @Test func aGeneratedIdIsARandomVersion4UUIDInLowercase() throws {
        let ids = (0..<2_000).map { _ in RequestID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let uuid = try #require(UUID(uuidString: id), "\(id) is a UUID")
            #expect(uuid.uuidString.lowercased() == id)
            let bytes = uuid.uuid
            #expect(bytes.6 >> 4 == 4, "version 4: \(id)")
            #expect(bytes.8 >> 6 == 0b10, "RFC 9562 variant: \(id)")
        }
        // Every hex digit outside the fixed version and variant bits takes every value somewhere.
        let digits = ids.map { Array($0.replacingOccurrences(of: "-", with: "")) }
        for position in 0..<32 where position != 12 {
            #expect(Set(digits.map { $0[position] }).count >= (position == 16 ? 4 : 16), "digit \(position) varies")
        }
    }
}
