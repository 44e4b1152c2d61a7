import Hummingbird

/// The headers every page of the privacy centre and the officer's console carries: a strict
/// Content-Security-Policy (scripts, frames and foreign origins refused), no caching, no
/// referrer (a status link must not leak), no sniffing, no framing; and, on a site people
/// reach over HTTPS, HTTP Strict Transport Security, so a browser that has seen it once never
/// sends a cookie or a form over plain HTTP again.
///
/// ```swift
/// WebSecurityHeaders.apply(to: &response, overHTTPS: true)
/// ```
enum WebSecurityHeaders {
    static let contentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    /// A year, without `includeSubDomains`: the organisation's other hosts are not ours to
    /// commit to HTTPS.
    static let strictTransportSecurity = "max-age=31536000"

    static func apply(to response: inout Response, overHTTPS: Bool) {
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = contentSecurityPolicy }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if overHTTPS { response.headers[.strictTransportSecurity] = strictTransportSecurity }
    }

    /// Whether people reach a site over HTTPS: it serves TLS itself, or its public URL (behind a
    /// TLS-terminating proxy) is `https://`. Its cookies are then `Secure` and its pages carry HSTS.
    static func overHTTPS(servesTLS: Bool, publicURL: String?) -> Bool {
        servesTLS || (publicURL?.lowercased().hasPrefix("https://") ?? false)
    }
}
