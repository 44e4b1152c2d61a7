#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Hummingbird

/// The proxies whose `X-Forwarded-For` (or RFC 7239 `Forwarded`, as `forwarded-header` says)
/// the server believes (`trusted-proxies`), and the client address a request comes from behind them.
///
/// Behind a TLS-terminating proxy every connection comes from the proxy, so every limit counted
/// per address (failed authentications, e-mail codes, console sign-ins) would count every
/// visitor together, and consent evidence would name the proxy. A trusted proxy appends the
/// address it saw to `X-Forwarded-For`; the client is the rightmost address in it that is not a
/// trusted proxy, read from the right because only the entries our proxies appended can be
/// believed (a client may send the header with anything in it). A connection from an address
/// that is not trusted is its own client, whatever it sends; with no trusted proxies (the
/// default) the header is never read. Only the header the proxies write is read: one they pass
/// through untouched would be the client's own words from end to end.
///
/// ```swift
/// let proxies = try TrustedProxies(["10.0.0.0/8", "::1"])
/// proxies.client(peer: "10.0.0.5", hops: ForwardedHeader.xForwardedFor.hops(["198.51.100.7, 10.0.0.9"]))  // "198.51.100.7"
/// ```
struct TrustedProxies: Sendable, Equatable {
    /// An address or a network, as bytes (4 for IPv4, 16 for IPv6) and a prefix length in bits.
    struct Network: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for (mine, theirs) in zip(bytes, address) where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                guard mine & mask == theirs & mask else { return false }
                remaining -= 8
            }
            return true
        }
    }

    let networks: [Network]
    /// The header the proxies append the address they saw to.
    var header = ForwardedHeader.xForwardedFor

    static let none = TrustedProxies(networks: [])

    init(networks: [Network]) {
        self.networks = networks
    }

    /// Parses addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`); the error
    /// names the entry at fault.
    init(_ entries: [String], header: ForwardedHeader = .xForwardedFor) throws(SettingsError) {
        self.header = header
        networks = try entries.map { entry throws(SettingsError) in
            guard let network = Self.network(entry) else {
                throw SettingsError("'\(entry)' is not an IP address or a network such as 10.0.0.0/8 or fd00::/8")
            }
            return network
        }
    }

    static func network(_ entry: String) -> Network? {
        let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = address(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        guard parts.count == 2 else { return Network(bytes: bytes, prefix: bits) }
        guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
        return Network(bytes: bytes, prefix: prefix)
    }

    /// An IPv4 or IPv6 address's bytes; an IPv4-mapped IPv6 address is its IPv4 address.
    static func address(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    func isTrusted(_ address: [UInt8]) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client of a connection from `peer` whose forwarding header named these hops, the
    /// nearest last (nil: a hop that names no address, such as `unknown`).
    func client(peer: String, hops: [String?]) -> String {
        guard !networks.isEmpty, let peerBytes = Self.address(peer), isTrusted(peerBytes) else { return peer }
        var client = peer
        for hop in hops.reversed() {
            // Anything that is not an address ends what can be believed: the hop to its right
            // (appended by a trusted proxy) is the client.
            guard let hop, let bytes = Self.address(hop) else { break }
            client = hop
            if !isTrusted(bytes) { break }
        }
        return client
    }
}

/// The header trusted proxies write (`forwarded-header`): `X-Forwarded-For`, a list of
/// addresses, or RFC 7239's `Forwarded`, whose elements name the client in `for=` (quoted, an
/// IPv6 address in brackets, either with a port).
///
/// ```swift
/// ForwardedHeader.forwarded.hops(["for=192.0.2.60;proto=https, for=\"[2001:db8::17]:4711\""])  // ["192.0.2.60", "2001:db8::17"]
/// ```
enum ForwardedHeader: String, Sendable, Equatable, CaseIterable {
    case xForwardedFor = "x-forwarded-for"
    case forwarded

    var name: String { self == .forwarded ? "Forwarded" : "X-Forwarded-For" }

    /// The hops the header's lines name, the nearest last; nil for one that names no address.
    func hops(_ lines: [String]) -> [String?] {
        switch self {
        case .xForwardedFor:
            return lines.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.trimmingCharacters(in: .whitespaces) }
        case .forwarded:
            return lines.flatMap { Self.split($0, at: ",") }.map { element in
                let pairs = Self.split(element, at: ";").compactMap { pair -> (String, String)? in
                    guard let equals = pair.firstIndex(of: "=") else { return nil }
                    return (pair[..<equals].trimmingCharacters(in: .whitespaces).lowercased(), Self.unquoted(pair[pair.index(after: equals)...]))
                }
                let named = pairs.filter { $0.0 == "for" }
                // An element with no `for`, or with two, places no client.
                guard named.count == 1 else { return nil }
                return Self.address(named[0].1)
            }
        }
    }

    /// Splits at a separator outside quoted strings.
    static func split(_ text: String, at separator: Character) -> [String] {
        var parts: [String] = [], current = "", quoted = false, escaped = false
        for character in text {
            if escaped { current.append(character); escaped = false; continue }
            if quoted, character == "\\" { current.append(character); escaped = true; continue }
            if character == "\"" { quoted.toggle() }
            if character == separator, !quoted { parts.append(current); current = ""; continue }
            current.append(character)
        }
        parts.append(current)
        return parts
    }

    /// A parameter's value without its quotes and escapes.
    static func unquoted(_ value: Substring) -> String {
        let value = value.trimmingCharacters(in: .whitespaces)
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return value }
        var text = "", escaped = false
        for character in value.dropFirst().dropLast() {
            if !escaped, character == "\\" { escaped = true; continue }
            text.append(character)
            escaped = false
        }
        return text
    }

    /// The address of a `for=` value: `192.0.2.60`, `192.0.2.60:8080`, `[2001:db8::17]`,
    /// `[2001:db8::17]:4711`; nil for `unknown` and obfuscated identifiers (`_hidden`).
    static func address(_ node: String) -> String? {
        let host: String
        if node.hasPrefix("[") {
            guard let close = node.firstIndex(of: "]") else { return nil }
            host = String(node[node.index(after: node.startIndex)..<close])
        } else {
            let parts = node.split(separator: ":", omittingEmptySubsequences: false)
            host = parts.count == 2 ? String(parts[0]) : node
        }
        return TrustedProxies.address(host) == nil ? nil : host
    }
}

/// Sets each request's `clientAddress` from its connection and, behind trusted proxies, the
/// header they write; first on every listener, so every limit and record after it sees the client.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !proxies.networks.isEmpty else { return try await next(request, context) }
        var context = context
        context.clientAddress = proxies.client(peer: context.clientAddress, hops: proxies.header.hops(request.headers[values: .init(proxies.header.name)!]))
        return try await next(request, context)
    }
}
