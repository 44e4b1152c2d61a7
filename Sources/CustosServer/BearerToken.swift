/// The token of an `Authorization: Bearer …` header (RFC 6750 §2.1).
///
/// RFC 9110 §11.1 makes the scheme's name case-insensitive and lets one or more spaces
/// separate it from the credentials, so `bearer  cst_…` is the same token as `Bearer cst_…`;
/// clients and gateways send both. Anything else (another scheme, no token, a token with
/// spaces or over 200 bytes, which no `custos service add` token is) is no token at all, and
/// the caller answers the same 401 as for an unknown one.
enum BearerToken {
    /// The longest header worth hashing: a token is 47 characters, so this leaves room to
    /// spare without letting a stranger make every request hash a megabyte.
    static let longestHeader = 200

    static func from(_ header: String) -> String? {
        let bytes = header.utf8
        guard bytes.count <= longestHeader, bytes.count > 7 else { return nil }
        let scheme = bytes.prefix(6)
        guard String(decoding: scheme, as: UTF8.self).lowercased() == "bearer",
              bytes[bytes.index(bytes.startIndex, offsetBy: 6)] == UInt8(ascii: " ") else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == UInt8(ascii: " ") }
        guard !token.isEmpty, !token.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else { return nil }
        return String(decoding: token, as: UTF8.self)
    }
}
