/// The stored form of one encrypted field value:
///
///     byte 0        format version (1)
///     bytes 1...4   key version of the subject key, big-endian
///     bytes 5...    XChaCha20-Poly1305: 24-byte nonce ‖ ciphertext ‖ 16-byte tag
///
/// The associated data binds subject, field and key version, so a ciphertext copied to
/// another row, field or subject fails to open. Known-answer vectors in
/// `Tests/CustosCryptoTests/FieldCiphertextVectors.json` pin the format.
package enum FieldCiphertext {
    package static let formatVersion: UInt8 = 1
    static let headerByteCount = 5

    package static func associatedData(subject: String, field: String, keyVersion: UInt32) -> [UInt8] {
        // Built in one buffer: every field a gated read opens builds one.
        let version = String(keyVersion)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(domain.count + subject.utf8.count + field.utf8.count + version.utf8.count + 3)
        bytes.append(contentsOf: domain)
        bytes.append(0)
        bytes.append(contentsOf: subject.utf8)
        bytes.append(0)
        bytes.append(contentsOf: field.utf8)
        bytes.append(0)
        bytes.append(contentsOf: version.utf8)
        return bytes
    }

    private static let domain = Array("custos/field/v1".utf8)

    package static func seal(_ value: [UInt8], subject: String, field: String, key: SecretKey, keyVersion: UInt32,
                            nonce: [UInt8]? = nil) throws(CryptoError) -> [UInt8] {
        let context = associatedData(subject: subject, field: field, keyVersion: keyVersion)
        let sealed: [UInt8]
        if let nonce {
            sealed = try XChaCha20Poly1305.seal(value, key: key, associatedData: context, nonce: nonce)
        } else {
            sealed = try XChaCha20Poly1305.seal(value, key: key, associatedData: context)
        }
        return [formatVersion] + withUnsafeBytes(of: keyVersion.bigEndian) { Array($0) } + sealed
    }

    /// The key version a ciphertext was sealed under, read from its header.
    package static func keyVersion(of ciphertext: [UInt8]) throws(CryptoError) -> UInt32 {
        guard ciphertext.count > headerByteCount, ciphertext[0] == formatVersion else { throw .malformedCiphertext }
        return ciphertext[1...4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    package static func open(_ ciphertext: [UInt8], subject: String, field: String, key: SecretKey) throws(CryptoError) -> [UInt8] {
        let version = try keyVersion(of: ciphertext)
        return try XChaCha20Poly1305.open(ciphertext, from: headerByteCount, key: key,
                                          associatedData: associatedData(subject: subject, field: field, keyVersion: version))
    }
}
