import Testing
@testable import CustosServer

/// Behind trusted proxies the client is the rightmost forwarded address that is not one of
/// them; from anywhere else the header is not believed.
struct TrustedProxiesTests {
    func xff(_ lines: [String]) -> [String?] { ForwardedHeader.xForwardedFor.hops(lines) }
    func forwarded(_ lines: [String]) -> [String?] { ForwardedHeader.forwarded.hops(lines) }

    @Test func addressesAndNetworksOfBothFamiliesAreParsedAndMatched() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1", "172.16.0.0/12"])
        for trusted in ["10.255.0.1", "192.168.1.7", "fd12::1", "::1", "::ffff:10.1.2.3", "172.31.255.255"] {
            #expect(proxies.isTrusted(try #require(TrustedProxies.address(trusted))), "\(trusted)")
        }
        for stranger in ["11.0.0.1", "192.168.1.8", "fe80::1", "::2", "172.32.0.0", "127.0.0.1"] {
            #expect(!proxies.isTrusted(try #require(TrustedProxies.address(stranger))), "\(stranger)")
        }
        #expect(try TrustedProxies(["0.0.0.0/0"]).isTrusted(try #require(TrustedProxies.address("203.0.113.9"))))
    }

    @Test func anEntryThatIsNoAddressIsRefusedByName() {
        for entry in ["10.0.0.0/33", "fd00::/129", "proxy.internal", "10.0.0", "10.0.0.1/", "/8", "10.0.0.1/8/8", ""] {
            #expect(throws: SettingsError("'\(entry)' is not an IP address or a network such as 10.0.0.0/8 or fd00::/8")) {
                try TrustedProxies(["10.0.0.1", entry])
            }
        }
    }

    @Test func theClientIsTheRightmostForwardedAddressThatIsNoTrustedProxy() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8"])
        #expect(proxies.client(peer: "10.0.0.5", hops: xff(["198.51.100.7"])) == "198.51.100.7")
        #expect(proxies.client(peer: "10.0.0.5", hops: xff(["203.0.113.1, 198.51.100.7, 10.0.0.9"])) == "198.51.100.7",
                "a client's own claim (203.0.113.1) to the left of the first untrusted hop is not believed")
        #expect(proxies.client(peer: "10.0.0.5", hops: xff(["203.0.113.1", "198.51.100.7 , 10.0.0.9"])) == "198.51.100.7", "several header lines are one list")
        #expect(proxies.client(peer: "10.0.0.5", hops: xff(["10.0.0.7, 10.0.0.9"])) == "10.0.0.7", "every hop trusted: the leftmost")
        #expect(proxies.client(peer: "10.0.0.5", hops: xff([])) == "10.0.0.5", "no header: the proxy itself")
        #expect(proxies.client(peer: "10.0.0.5", hops: xff(["198.51.100.7, not-an-address, 10.0.0.9"])) == "10.0.0.9",
                "what cannot be read ends what can be believed")
        #expect(proxies.client(peer: "10.0.0.5", hops: xff(["2001:db8::5"])) == "2001:db8::5")
    }

    @Test func aPeerThatIsNoTrustedProxyIsItsOwnClient() throws {
        #expect(try TrustedProxies(["10.0.0.0/8"]).client(peer: "198.51.100.7", hops: xff(["203.0.113.1"])) == "198.51.100.7")
        #expect(TrustedProxies.none.client(peer: "10.0.0.5", hops: xff(["203.0.113.1"])) == "10.0.0.5", "no trusted proxies: the header is never read")
    }

    /// RFC 7239's `Forwarded`, read only when the proxies are said to write it: `for=` of each
    /// element, quoted or not, an IPv6 address in brackets, ports dropped; `unknown`, an
    /// obfuscated identifier or an element without one `for` places no client.
    @Test func theStandardForwardedHeaderIsReadTheSameWay() throws {
        #expect(forwarded(["for=192.0.2.60;proto=http;by=203.0.113.43"]) == ["192.0.2.60"])
        #expect(forwarded(["for=\"[2001:db8:cafe::17]:4711\", For=198.51.100.7:8080", "for=10.0.0.9"]) == ["2001:db8:cafe::17", "198.51.100.7", "10.0.0.9"])
        #expect(forwarded(["for=unknown, for=_hidden, proto=https, for=1.2.3.4;for=5.6.7.8"]) == [nil, nil, nil, nil])
        #expect(forwarded(["for=\"198.51.100.7, 10.0.0.9\""]) == [nil], "a comma inside quotes does not split the element")
        let proxies = try TrustedProxies(["10.0.0.0/8"], header: .forwarded)
        #expect(proxies.client(peer: "10.0.0.5", hops: forwarded(["for=203.0.113.1, for=198.51.100.7;proto=https, for=10.0.0.9"])) == "198.51.100.7")
        #expect(proxies.client(peer: "10.0.0.5", hops: forwarded(["for=198.51.100.7, for=unknown"])) == "10.0.0.5", "an unknown hop ends what can be believed")
        #expect(proxies.client(peer: "10.0.0.5", hops: forwarded(["for=\"[2001:db8::5]:443\""])) == "2001:db8::5")
    }
}
