import CustosCrypto
import Foundation
import Testing

/// The console's credentials: SHA-1 and HMAC-SHA-1 against FIPS 180 and RFC 2202, TOTP
/// against RFC 6238 Appendix B, Base32 against RFC 4648, Argon2id strings round-tripping.
struct ConsoleCredentialTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func sha1MatchesTheStandardVectors() {
        #expect(Self.hex(HMACSHA1.sha1(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Self.hex(HMACSHA1.sha1(Array("".utf8))) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        // 56 bytes: the padding spills into a second block.
        #expect(Self.hex(HMACSHA1.sha1(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test func hmacSHA1MatchesRFC2202() {
        #expect(Self.hex(HMACSHA1.mac(Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20))) == "b617318655057264e28bc0b6fb378c8ef146be00")
        #expect(Self.hex(HMACSHA1.mac(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        // A key longer than the block is hashed first.
        #expect(Self.hex(HMACSHA1.mac(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: [UInt8](repeating: 0xaa, count: 80)))
                == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    @Test func totpMatchesRFC6238() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8), digits: 8)
        let vectors: [(Int64, String)] = [(59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
                                          (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130")]
        for (time, code) in vectors { #expect(totp.code(atStep: TOTP.step(at: time)) == code, "T = \(time)") }
    }

    @Test func totpAcceptsOneStepEitherSideAndNoFurther() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let now = TOTP.step(at: 1_700_000_000)
        for offset: Int64 in [-1, 0, 1] { #expect(totp.matchingStep(totp.code(atStep: now + offset), around: now) == now + offset) }
        for offset: Int64 in [-3, -2, 2, 3] where ![-1, 0, 1].contains(where: { totp.code(atStep: now + $0) == totp.code(atStep: now + offset) }) {
            #expect(totp.matchingStep(totp.code(atStep: now + offset), around: now) == nil)
        }
        #expect(totp.matchingStep("12345", around: now) == nil)
        #expect(totp.matchingStep("12345a", around: now) == nil)
    }

    @Test func base32RoundTripsAndMatchesRFC4648() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.decode("mzxw6ytboi======") == Array("foobar".utf8))
        #expect(Base32.decode("not base32!") == nil)
        let secret = SecureRandom.bytes(20)
        #expect(Base32.decode(Base32.encode(secret)) == secret)
    }

    @Test func otpauthURINamesTheParametersAppsRead() {
        let uri = TOTP(secret: Array("12345678901234567890".utf8)).uri(issuer: "Custos Agency B.V.", account: "anna")
        #expect(uri == "otpauth://totp/Custos%20Agency%20B.V.:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Custos%20Agency%20B.V.&algorithm=SHA1&digits=6&period=30")
    }

    @Test func argon2idStringsVerifyOnlyTheirPassword() throws {
        let stored = try PasswordHash.hash("correct horse battery staple")
        #expect(stored.hasPrefix("$argon2id$"))
        #expect(PasswordHash.verify("correct horse battery staple", against: stored))
        #expect(!PasswordHash.verify("correct horse battery stapl", against: stored))
        #expect(!PasswordHash.verify("", against: stored))
        #expect(!PasswordHash.verify("correct horse battery staple", against: "not a hash"))
        // A fresh salt each time: the same password never gives the same string.
        #expect(try PasswordHash.hash("correct horse battery staple") != stored)
    }
}
