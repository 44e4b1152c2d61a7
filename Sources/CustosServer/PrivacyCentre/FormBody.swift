import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, read with a size limit. A key the form does
/// not have, or a key sent twice, is refused: a form that is not ours is not guessed at.
struct FormBody: Sendable {
    let values: [String: String]

    enum Failure: Error { case tooLarge, malformed }

    static let limit = 16 * 1024

    static func read(_ request: Request, allowed: Set<String>) async throws -> FormBody {
        var buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw Failure.tooLarge }
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        var values: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : ""),
                  allowed.contains(key), values[key] == nil else { throw Failure.malformed }
            values[key] = value
        }
        return FormBody(values: values)
    }

    /// `+` is a space; percent escapes must form UTF-8.
    static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    subscript(_ key: String) -> String? { values[key] }
}
