import CustosCrypto
import PropertyBased
import Testing

struct XChaCha20Poly1305Tests {
    static let associatedData = Array("subject:S-1/field:email/key:v1".utf8)

    @Test func sealsAndOpens() throws {
        let key = try SecretKey.random()
        let plain = Array("jan.jansen@example.nl".utf8)
        let sealed = try XChaCha20Poly1305.seal(plain, key: key, associatedData: Self.associatedData)
        #expect(sealed.count == plain.count + XChaCha20Poly1305.nonceByteCount + XChaCha20Poly1305.tagByteCount)
        #expect(!sealed.indices.dropFirst(24).isEmpty && Array(sealed[24..<(24 + plain.count)]) != plain)
        #expect(try XChaCha20Poly1305.open(sealed, key: key, associatedData: Self.associatedData) == plain)
    }

    @Test func roundTripsAnyValue() async throws {
        let key = try SecretKey.random()
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...512), Gen.uint8().array(of: 0...64)) { plain, context in
            let sealed = try XChaCha20Poly1305.seal(plain, key: key, associatedData: context)
            #expect(try XChaCha20Poly1305.open(sealed, key: key, associatedData: context) == plain)
        }
    }

    /// Flipping any bit anywhere in the sealed value makes it fail to open.
    @Test func rejectsEveryTamperedByte() async throws {
        let key = try SecretKey.random()
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 1...128), Gen.int(in: 0...10_000), Gen.int(in: 0...7)) { plain, position, bit in
            var sealed = try XChaCha20Poly1305.seal(plain, key: key, associatedData: Self.associatedData)
            sealed[position % sealed.count] ^= UInt8(1 << bit)
            #expect(throws: CryptoError.authenticationFailed) {
                try XChaCha20Poly1305.open(sealed, key: key, associatedData: Self.associatedData)
            }
        }
    }

    @Test func rejectsAnotherContextKeyOrTruncation() throws {
        let key = try SecretKey.random(), other = try SecretKey.random()
        let sealed = try XChaCha20Poly1305.seal(Array("NL91ABNA0417164300".utf8), key: key, associatedData: Self.associatedData)
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: key, associatedData: Array("subject:S-2/field:email/key:v1".utf8))
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(sealed, key: other, associatedData: Self.associatedData)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(Array(sealed.dropLast()), key: key, associatedData: Self.associatedData)
        }
        #expect(throws: CryptoError.malformedCiphertext) {
            try XChaCha20Poly1305.open(Array(sealed.prefix(20)), key: key, associatedData: Self.associatedData)
        }
    }

    @Test func nonceIsFreshEveryTime() throws {
        let key = try SecretKey.random()
        let first = try XChaCha20Poly1305.seal([1, 2, 3], key: key, associatedData: [])
        let second = try XChaCha20Poly1305.seal([1, 2, 3], key: key, associatedData: [])
        #expect(first.prefix(24) != second.prefix(24))
        #expect(first != second)
    }

    /// Test vector A.3.1 of draft-irtf-cfrg-xchacha-03 (AEAD_XChaCha20_Poly1305).
    @Test func matchesTheDraftTestVector() throws {
        var keyBytes = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
        let key = try SecretKey.consuming(&keyBytes)
        #expect(keyBytes.allSatisfy { $0 == 0 }, "the caller's copy of the key is wiped")
        let nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657")
        let aad = hex("50515253c0c1c2c3c4c5c6c7")
        let plain = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let expected = hex(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb" +
            "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452" +
            "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9" +
            "21f9664c97637da9768812f615c68b13b52e" + "c0875924c1c7987947deafd8780acf49")
        let sealed = try XChaCha20Poly1305.seal(plain, key: key, associatedData: aad, nonce: nonce)
        #expect(Array(sealed.dropFirst(24)) == expected)
        #expect(try XChaCha20Poly1305.open(sealed, key: key, associatedData: aad) == plain)
    }
}

struct SecretKeyTests {
    @Test func neverShowsItsBytes() throws {
        let key = try SecretKey.random()
        #expect(String(describing: key) == "SecretKey(redacted)")
        #expect(String(reflecting: key) == "SecretKey(redacted)")
    }

    @Test func comparesInConstantTimeByValue() throws {
        var bytes = [UInt8](repeating: 7, count: 32)
        var same = [UInt8](repeating: 7, count: 32)
        let a = try SecretKey.consuming(&bytes), b = try SecretKey.consuming(&same)
        #expect(a.isEqual(to: b))
        #expect(!a.isEqual(to: try SecretKey.random()))
    }

    @Test func refusesAKeyOfTheWrongLength() {
        var short = [UInt8](repeating: 1, count: 16)
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 16)) { try SecretKey.consuming(&short) }
        #expect(short.allSatisfy { $0 == 0 })
    }
}

struct Blake2bTests {
    @Test func matchesKnownAnswers() {
        // RFC 7693 Appendix A: BLAKE2b-512("abc").
        #expect(Blake2b.hex(Blake2b.hash(Array("abc".utf8), byteCount: 64)) ==
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1" +
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
        #expect(Blake2b.hex(Blake2b.hash([])) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
    }

    @Test func keyedHashDependsOnTheKey() throws {
        let input = Array("jan.jansen@example.nl".utf8)
        let a = try SecretKey.random(), b = try SecretKey.random()
        #expect(Blake2b.keyedHash(input, key: a) == Blake2b.keyedHash(input, key: a))
        #expect(Blake2b.keyedHash(input, key: a) != Blake2b.keyedHash(input, key: b))
        #expect(Blake2b.keyedHash(input, key: a) != Blake2b.hash(input))
    }

    @Test func linksLibsodium() {
        #expect(sodiumVersion.split(separator: ".").count == 3)
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
