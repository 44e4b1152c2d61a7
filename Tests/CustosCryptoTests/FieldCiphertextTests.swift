import CustosCrypto
import CustosTestSupport
import Foundation
import Testing

/// The stored ciphertext format, pinned by vectors computed outside this code base
/// (PyNaCl), so a change to the format or its associated data cannot pass unnoticed.
struct FieldCiphertextTests {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let subject: String, field: String, keyVersion: UInt32, key: String, nonce: String, plaintext: String, ciphertext: String
        enum CodingKeys: String, CodingKey { case subject, field, keyVersion = "key-version", key, nonce, plaintext, ciphertext }
        var testDescription: String { "\(subject)/\(field)/v\(keyVersion)" }
    }

    struct File: Decodable { let vectors: [Vector] }

    static let vectors: [Vector] = {
        let url = RepositoryPaths.root.appendingPathComponent("Tests/CustosCryptoTests/FieldCiphertextVectors.json")
        return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors) ?? []
    }()

    @Test func vectorsAreThere() { #expect(Self.vectors.count == 4) }

    @Test(arguments: vectors)
    func sealsAndOpensTheKnownAnswer(_ vector: Vector) throws {
        var keyBytes = hex(vector.key)
        let key = try SecretKey.consuming(&keyBytes, storage: .ordinary)
        let sealed = try FieldCiphertext.seal(Array(vector.plaintext.utf8), subject: vector.subject, field: vector.field, key: key,
                                              keyVersion: vector.keyVersion, nonce: hex(vector.nonce))
        #expect(Blake2b.hex(sealed) == vector.ciphertext)
        #expect(try FieldCiphertext.keyVersion(of: hex(vector.ciphertext)) == vector.keyVersion)
        #expect(try FieldCiphertext.open(hex(vector.ciphertext), subject: vector.subject, field: vector.field, key: key) == Array(vector.plaintext.utf8))
        #expect(throws: CryptoError.authenticationFailed) {
            try FieldCiphertext.open(hex(vector.ciphertext), subject: vector.subject + "x", field: vector.field, key: key)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try FieldCiphertext.open(hex(vector.ciphertext), subject: vector.subject, field: "other_field", key: key)
        }
        var relabelled = hex(vector.ciphertext)
        relabelled[4] ^= 1  // claims another key version
        #expect(throws: CryptoError.authenticationFailed) {
            try FieldCiphertext.open(relabelled, subject: vector.subject, field: vector.field, key: key)
        }
    }

    /// The opener a gated read uses for all of a subject's fields answers what
    /// `FieldCiphertext.open` answers, field after field through one reused buffer, and nil
    /// (withhold) for every way a ciphertext can fail.
    @Test(arguments: vectors)
    func theSubjectOpenerOpensTheKnownAnswerAndNothingElse(_ vector: Vector) throws {
        var keyBytes = hex(vector.key)
        let key = try SecretKey.consuming(&keyBytes, storage: .ordinary)
        let ciphertext = hex(vector.ciphertext)
        var opener = FieldCiphertext.SubjectOpener(subject: vector.subject, key: key)
        let long = try FieldCiphertext.seal(Array(String(repeating: "é", count: 300).utf8), subject: vector.subject, field: "notes", key: key, keyVersion: 7)
        // A long value first, so the known answer is decrypted into a buffer holding older bytes.
        #expect(long.withUnsafeBytes { opener.open($0, field: "notes") } == String(repeating: "é", count: 300))
        #expect(ciphertext.withUnsafeBytes { opener.open($0, field: vector.field) } == vector.plaintext)
        #expect(ciphertext.withUnsafeBytes { opener.open($0, field: "other_field") } == nil)
        var otherSubject = FieldCiphertext.SubjectOpener(subject: vector.subject + "x", key: key)
        #expect(ciphertext.withUnsafeBytes { otherSubject.open($0, field: vector.field) } == nil)
        var relabelled = ciphertext
        relabelled[4] ^= 1  // claims another key version
        #expect(relabelled.withUnsafeBytes { opener.open($0, field: vector.field) } == nil)
        var tampered = ciphertext
        tampered[tampered.count - 1] ^= 0x80
        #expect(tampered.withUnsafeBytes { opener.open($0, field: vector.field) } == nil)
        var otherFormat = ciphertext
        otherFormat[0] = 2
        #expect(otherFormat.withUnsafeBytes { opener.open($0, field: vector.field) } == nil)
        for cut in [0, 1, 5, 5 + 24, 5 + 24 + 15] {
            #expect(Array(ciphertext.prefix(cut)).withUnsafeBytes { opener.open($0, field: vector.field) } == nil, "cut at \(cut)")
        }
        let notText = try FieldCiphertext.seal([0xC3, 0x28], subject: vector.subject, field: vector.field, key: key, keyVersion: vector.keyVersion)
        #expect(notText.withUnsafeBytes { opener.open($0, field: vector.field) } == nil, "not UTF-8: withheld")
        // Past the first eight bytes too, where ASCII is recognised a word at a time.
        for (bytes, value) in [(Array("0123456789abcdef".utf8) + [0xFF], nil), (Array("0123456789ab".utf8) + [0xC3, 0x28], nil),
                               (Array("0123456789abcdefé".utf8), "0123456789abcdefé"), (Array("mail@example.nl".utf8), "mail@example.nl")] as [([UInt8], String?)] {
            let sealed = try FieldCiphertext.seal(bytes, subject: vector.subject, field: vector.field, key: key, keyVersion: vector.keyVersion)
            #expect(sealed.withUnsafeBytes { opener.open($0, field: vector.field) } == value, "\(bytes)")
        }
        #expect(ciphertext.withUnsafeBytes { opener.open($0, field: vector.field) } == vector.plaintext, "a failure leaves the opener usable")
    }

    @Test func keysWrapAndSignaturesVerify() throws {
        let master = try SecretKey.random()
        let subjectKey = try SecretKey.random(storage: .ordinary)
        let context = Array("custos/subject-key/D-1/1/1".utf8)
        let wrapped = try KeyWrap.wrap(subjectKey, under: master, context: context)
        #expect(try KeyWrap.unwrap(wrapped, under: master, context: context, storage: .ordinary).isEqual(to: subjectKey))
        #expect(throws: CryptoError.authenticationFailed) { try KeyWrap.unwrap(wrapped, under: master, context: Array("custos/subject-key/D-2/1/1".utf8), storage: .ordinary) }
        let seed = try SecretKey.random()
        let signature = Ed25519.sign(Array("head 10".utf8), seed: seed)
        #expect(Ed25519.verify(signature, of: Array("head 10".utf8), publicKey: Ed25519.publicKey(seed: seed)))
        #expect(!Ed25519.verify(signature, of: Array("head 11".utf8), publicKey: Ed25519.publicKey(seed: seed)))
    }

    @Test func aPassphraseGivesTheSameKeyForTheSameSalt() throws {
        let salt = [UInt8](repeating: 9, count: PassphraseKey.saltByteCount)
        var first = Array("correct horse".utf8), second = Array("correct horse".utf8), wrong = Array("correct horsf".utf8)
        let a = try PassphraseKey.derive(passphrase: &first, salt: salt)
        #expect(first.allSatisfy { $0 == 0 }, "the passphrase buffer is wiped")
        #expect(a.isEqual(to: try PassphraseKey.derive(passphrase: &second, salt: salt)))
        #expect(!a.isEqual(to: try PassphraseKey.derive(passphrase: &wrong, salt: salt)))
    }
}
