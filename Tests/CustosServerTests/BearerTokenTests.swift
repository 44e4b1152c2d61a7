import Testing
@testable import CustosServer

/// The scheme's name is case-insensitive and spaces may separate it from the token (RFC 9110
/// §11.1); anything that is not one bearer token is no token.
struct BearerTokenTests {
    @Test func theSchemeIsCaseInsensitiveAndSpacesMaySeparateIt() {
        let token = "cst_" + String(repeating: "A", count: 43)
        for header in ["Bearer \(token)", "bearer \(token)", "BEARER \(token)", "bEaReR   \(token)"] {
            #expect(BearerToken.from(header) == token, "\(header)")
        }
    }

    @Test func anythingElseIsNoToken() {
        let token = "cst_" + String(repeating: "A", count: 43)
        let headers = ["", "Bearer", "Bearer ", "Bearer    ", "Basic \(token)", "Bearer\(token)", "Bearer\t\(token)",
                       "Bearers \(token)", "Bearer \(token) extra", "Bearer \(token), Bearer other",
                       "Bearer " + String(repeating: "A", count: 194), "Béarer \(token)"]
        for header in headers {
            #expect(BearerToken.from(header) == nil, "\(header)")
        }
        #expect(BearerToken.from("Bearer " + String(repeating: "A", count: 193)) != nil, "200 bytes is still a header worth hashing")
    }
}
