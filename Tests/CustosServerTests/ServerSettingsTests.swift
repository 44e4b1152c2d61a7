import Foundation
import Testing
@testable import CustosServer

@Suite("custos serve settings: file, environment, flags")
struct ServerSettingsTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "serve-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func flagsOverrideTheEnvironmentWhichOverridesTheFile() throws {
        let path = try file("listen: 127.0.0.1:9001\npublic-url: https://file.example\nlimits: {batch: 5, request-seconds: 3}\nlog: {subject-ids: true}\n")
        let settings = try ServerSettings.file(path)
            .overriding(with: try ServerSettings.environment(["CUSTOS_PUBLIC_URL": "https://env.example", "CUSTOS_LISTEN": "127.0.0.1:9002"]))
            .overriding(with: ServerSettings(listen: "127.0.0.1:9003"))
        let configuration = try settings.configuration()
        #expect(configuration.port == 9003)
        #expect(configuration.publicURL == "https://env.example")
        #expect(configuration.maximumBatch == 5)
        #expect(configuration.requestSeconds == 3)
        #expect(configuration.logSubjectIds)
        #expect(configuration.maximumBody == 1 << 20, "the default where no source sets it")
    }

    @Test func anUnknownOrRepeatedKeyNamesItsLineAndColumn() throws {
        let unknown = try file("listen: 127.0.0.1:0\nlimits:\n  batch: 5\n  body-byte: 10\n")
        #expect(throws: SettingsError("\(unknown):4:3: unknown key 'body-byte' in limits; the keys are body-bytes, batch, request-seconds, idle-seconds, failed-authentications-per-minute, requests-per-token-per-second")) {
            try ServerSettings.file(unknown)
        }
        let wrongType = try file("limits: {batch: many}\n")
        #expect(throws: SettingsError("\(wrongType):1:17: limits.batch must be a whole number from 1 to 1000")) { try ServerSettings.file(wrongType) }
        let top = try file("- a list\n")
        #expect(throws: SettingsError.self) { try ServerSettings.file(top) }
    }

    @Test func limitsCannotBeRaisedPastTheIssuesCeilings() throws {
        #expect(throws: SettingsError.self) { try ServerSettings.file(try file("limits: {body-bytes: 2097152}\n")) }
        #expect(throws: SettingsError("CUSTOS_MAX_BATCH: '1001' is not a whole number from 1 to 1000")) {
            try ServerSettings.environment(["CUSTOS_MAX_BATCH": "1001"])
        }
        #expect(throws: SettingsError("CUSTOS_INSECURE_HTTP: 'maybe' is not true or false")) { try ServerSettings.environment(["CUSTOS_INSECURE_HTTP": "maybe"]) }
    }

    @Test func theDecidingThreadsComeFromTheFileOrTheEnvironmentElseTheBackend() throws {
        #expect(try ServerSettings().configuration().decidingThreads == nil, "silent: the backend's own number")
        let path = try file("threads: {deciding: 4}\n")
        #expect(try ServerSettings.file(path).configuration().decidingThreads == 4)
        let both = try ServerSettings.file(path).overriding(with: try ServerSettings.environment(["CUSTOS_DECIDING_THREADS": "12"]))
        #expect(try both.configuration().decidingThreads == 12)
        #expect(throws: SettingsError("CUSTOS_DECIDING_THREADS: '0' is not a whole number from 1 to 256")) {
            try ServerSettings.environment(["CUSTOS_DECIDING_THREADS": "0"])
        }
        let misspelt = try file("threads:\n  decide: 2\n")
        #expect(throws: SettingsError("\(misspelt):2:3: unknown key 'decide' in threads; the keys are deciding")) { try ServerSettings.file(misspelt) }
        let tooMany = try file("threads: {deciding: 1000}\n")
        #expect(throws: SettingsError("\(tooMany):1:21: threads.deciding must be a whole number from 1 to 256")) { try ServerSettings.file(tooMany) }
    }

    @Test func theRequestsPerTokenComeFromTheFileOrTheEnvironmentElseNoLimit() throws {
        #expect(try ServerSettings().configuration().requestsPerTokenPerSecond == nil, "silent: no limit")
        let path = try file("limits: {requests-per-token-per-second: 200}\n")
        #expect(try ServerSettings.file(path).configuration().requestsPerTokenPerSecond == 200)
        let both = try ServerSettings.file(path).overriding(with: try ServerSettings.environment(["CUSTOS_REQUESTS_PER_TOKEN_PER_SECOND": "50"]))
        #expect(try both.configuration().requestsPerTokenPerSecond == 50)
        #expect(throws: SettingsError("CUSTOS_REQUESTS_PER_TOKEN_PER_SECOND: '0' is not a whole number from 1 to 1000000")) {
            try ServerSettings.environment(["CUSTOS_REQUESTS_PER_TOKEN_PER_SECOND": "0"])
        }
        let negative = try file("limits: {requests-per-token-per-second: -5}\n")
        #expect(throws: SettingsError("\(negative):1:41: limits.requests-per-token-per-second must be a whole number from 1 to 1000000")) {
            try ServerSettings.file(negative)
        }
    }

    @Test func trustedProxiesComeFromTheFileOrTheEnvironmentEachCheckedWhereItStands() throws {
        #expect(try ServerSettings().configuration().trustedProxies == .none, "silent: the header is never read")
        let path = try file("trusted-proxies: [10.0.0.5, \"fd00::/8\"]\n")
        #expect(try ServerSettings.file(path).configuration().trustedProxies == (try TrustedProxies(["10.0.0.5", "fd00::/8"])))
        let both = try ServerSettings.file(path).overriding(with: try ServerSettings.environment(["CUSTOS_TRUSTED_PROXIES": "127.0.0.1, 10.1.0.0/16"]))
        #expect(try both.configuration().trustedProxies == (try TrustedProxies(["127.0.0.1", "10.1.0.0/16"])))
        #expect(throws: SettingsError("CUSTOS_TRUSTED_PROXIES: 'proxy.internal' is not an IP address or a network such as 10.0.0.0/8 or fd00::/8")) {
            try ServerSettings.environment(["CUSTOS_TRUSTED_PROXIES": "10.0.0.5,proxy.internal"])
        }
        let wrong = try file("trusted-proxies:\n  - 10.0.0.5\n  - 10.0.0.0/40\n")
        #expect(throws: SettingsError("\(wrong):3:5: trusted-proxies: '10.0.0.0/40' is not an IP address or a network such as 10.0.0.0/8 or fd00::/8")) {
            try ServerSettings.file(wrong)
        }
        let notAList = try file("trusted-proxies: 10.0.0.5\n")
        #expect(throws: SettingsError("\(notAList):1:18: trusted-proxies must be a list of addresses and networks, e.g. [10.0.0.5, 10.1.0.0/16]")) {
            try ServerSettings.file(notAList)
        }
    }

    @Test func theForwardingHeaderIsNamedWithTheProxiesThatWriteIt() throws {
        let path = try file("trusted-proxies: [10.0.0.0/8]\nforwarded-header: forwarded\n")
        #expect(try ServerSettings.file(path).configuration().trustedProxies == (try TrustedProxies(["10.0.0.0/8"], header: .forwarded)))
        #expect(try ServerSettings.file(try file("trusted-proxies: [10.0.0.0/8]\n")).configuration().trustedProxies.header == .xForwardedFor, "the default")
        let back = try ServerSettings.file(path).overriding(with: try ServerSettings.environment(["CUSTOS_FORWARDED_HEADER": "x-forwarded-for"]))
        #expect(try back.configuration().trustedProxies.header == .xForwardedFor, "the environment overrides the file")
        #expect(throws: SettingsError("CUSTOS_FORWARDED_HEADER: 'X-Real-IP' is not one of x-forwarded-for, forwarded")) {
            try ServerSettings.environment(["CUSTOS_FORWARDED_HEADER": "X-Real-IP"])
        }
        let wrong = try file("trusted-proxies: [10.0.0.0/8]\nforwarded-header: [forwarded]\n")
        #expect(throws: SettingsError("\(wrong):2:19: forwarded-header must be a text")) { try ServerSettings.file(wrong) }
        let unknown = try file("trusted-proxies: [10.0.0.0/8]\nforwarded-header: via\n")
        #expect(throws: SettingsError("\(unknown):2:19: forwarded-header must be one of x-forwarded-for, forwarded")) { try ServerSettings.file(unknown) }
        #expect(throws: SettingsError("forwarded-header says what trusted proxies write: set trusted-proxies too")) {
            try ServerSettings.file(try file("forwarded-header: forwarded\n")).configuration()
        }
    }

    @Test func plainHTTPIsForLoopbackUnlessTheOperatorSaysOtherwise() throws {
        #expect(throws: SettingsError.self) { try ServerSettings(listen: "0.0.0.0:8700").configuration() }
        #expect(try ServerSettings(listen: "0.0.0.0:8700", insecureHTTP: true).configuration().host == "0.0.0.0")
        #expect(try ServerSettings(listen: "[::1]:8700").configuration().isLoopback)
        #expect(throws: SettingsError("TLS needs both a certificate and a key (--tls-cert and --tls-key)")) {
            try ServerSettings(listen: "0.0.0.0:8700", tlsCertificate: "cert.pem").configuration()
        }
        #expect(throws: SettingsError("listen: 'localhost' is not host:port, e.g. 127.0.0.1:8700")) { try ServerSettings(listen: "localhost").configuration() }
    }

    @Test func routeTemplatesNameRoutesNeverPaths() {
        #expect(Routes.template("/v1/subjects/D-1/read") == "/v1/subjects/:subject/read")
        #expect(Routes.template("/v1/subjects/lookup") == "/v1/subjects/lookup", "a literal segment wins over a parameter")
        #expect(Routes.template("/v1/subjects/D-1/consents/P-X/receipt") == "/v1/subjects/:subject/consents/:purpose/receipt")
        #expect(Routes.template("/v1/nothing") == nil)
        #expect(Routes.allowed("/v1/subjects/D-1/consents") == ["GET", "POST"])
    }
}
