import Testing
@testable import CustosServer

/// Behind trusted proxies the client is the rightmost forwarded address that is not one of
/// them; from anywhere else the header is not believed.
struct TrustedProxiesTests {
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
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["198.51.100.7"]) == "198.51.100.7")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.1, 198.51.100.7, 10.0.0.9"]) == "198.51.100.7",
                "a client's own claim (203.0.113.1) to the left of the first untrusted hop is not believed")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.1", "198.51.100.7 , 10.0.0.9"]) == "198.51.100.7", "several header lines are one list")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["10.0.0.7, 10.0.0.9"]) == "10.0.0.7", "every hop trusted: the leftmost")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: []) == "10.0.0.5", "no header: the proxy itself")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["198.51.100.7, not-an-address, 10.0.0.9"]) == "10.0.0.9",
                "what cannot be read ends what can be believed")
        #expect(proxies.client(peer: "10.0.0.5", forwardedFor: ["2001:db8::5"]) == "2001:db8::5")
    }

    @Test func aPeerThatIsNoTrustedProxyIsItsOwnClient() throws {
        #expect(try TrustedProxies(["10.0.0.0/8"]).client(peer: "198.51.100.7", forwardedFor: ["203.0.113.1"]) == "198.51.100.7")
        #expect(TrustedProxies.none.client(peer: "10.0.0.5", forwardedFor: ["203.0.113.1"]) == "10.0.0.5", "no trusted proxies: the header is never read")
    }
}
