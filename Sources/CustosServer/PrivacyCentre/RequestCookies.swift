import Foundation
import Hummingbird

extension Request {
    /// The request's cookies by name (every `Cookie` header; a pair without `=` is skipped).
    var cookieValues: [String: String] {
        var cookies: [String: String] = [:]
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { cookies[parts[0].trimmingCharacters(in: .whitespaces)] = String(parts[1]).trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }
}
