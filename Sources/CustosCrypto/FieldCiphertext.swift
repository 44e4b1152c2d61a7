internal import CSodium

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

    /// `custos/field/v1 NUL subject NUL field NUL key-version`: the one definition, which the
    /// opener below writes in its two parts.
    package static func associatedData(subject: String, field: String, keyVersion: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(domain.count + subject.utf8.count + field.utf8.count + 13)
        appendSubjectPart(subject, to: &bytes)
        appendFieldPart(field, keyVersion: keyVersion, to: &bytes)
        return bytes
    }

    /// `custos/field/v1 NUL subject NUL`: the part every field of a subject shares.
    private static func appendSubjectPart(_ subject: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: domain)
        bytes.append(0)
        bytes.append(contentsOf: subject.utf8)
        bytes.append(0)
    }

    /// `field NUL key-version`, the version as `String(keyVersion)`'s digits, without a string.
    private static func appendFieldPart(_ field: String, keyVersion: UInt32, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: field.utf8)
        bytes.append(0)
        var divisor: UInt32 = 1
        while keyVersion / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(keyVersion / divisor % 10))
            divisor /= 10
        }
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

    /// Opens many fields of one subject under one key: the associated data's common part
    /// (domain, subject) is written once, and every value is decrypted into one buffer that
    /// is wiped when the opener ends. A gated read of ten fields opens them all this way.
    ///
    /// ```swift
    /// var opener = FieldCiphertext.SubjectOpener(subject: "D-1", key: key)
    /// let name = ciphertext.withUnsafeBytes { opener.open($0, field: "full_name") }  // nil: withhold
    /// ```
    package struct SubjectOpener: ~Copyable {
        private let key: SecretKey
        private var associatedData: [UInt8]
        private let commonCount: Int
        /// The plaintext buffer, owned here so that `deinit` can zero it in place.
        private var plaintext = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)

        package init(subject: String, key: SecretKey) {
            self.key = key
            var bytes: [UInt8] = []
            bytes.reserveCapacity(FieldCiphertext.domain.count + subject.utf8.count + 48)
            FieldCiphertext.appendSubjectPart(subject, to: &bytes)
            associatedData = bytes
            commonCount = bytes.count
        }

        deinit { Self.release(plaintext) }

        private static func release(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
            guard let base = buffer.baseAddress else { return }
            sodium_memzero(base, buffer.count)
            buffer.deallocate()
        }

        /// The field's value as text, or nil when its ciphertext is malformed, fails
        /// authentication under this subject, field and its key version, or is not UTF-8:
        /// the same answers as `FieldCiphertext.open` followed by UTF-8 validation.
        package mutating func open(_ ciphertext: UnsafeRawBufferPointer, field: String) -> String? {
            guard ciphertext.count > headerByteCount, ciphertext[0] == formatVersion else { return nil }
            let version = ciphertext[1...4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            associatedData.removeSubrange(commonCount...)
            FieldCiphertext.appendFieldPart(field, keyVersion: version, to: &associatedData)
            let sealed = UnsafeRawBufferPointer(rebasing: ciphertext[headerByteCount...])
            let needed = max(0, sealed.count - XChaCha20Poly1305.nonceByteCount - XChaCha20Poly1305.tagByteCount)
            if plaintext.count < needed {
                Self.release(plaintext)
                plaintext = .allocate(capacity: max(needed, 64))
                plaintext.initialize(repeating: 0)
            }
            let buffer = plaintext
            return associatedData.withUnsafeBufferPointer { context -> String? in
                guard let count = XChaCha20Poly1305.open(sealed, into: buffer, key: key, associatedData: context) else { return nil }
                let value = UnsafeBufferPointer(rebasing: buffer[..<count])
                // ASCII is valid UTF-8 as it stands, and most values are ASCII (e-mail addresses,
                // phone numbers, IBANs): `String(validating:as:)` is generic and unspecialised
                // here, about 1,000 instructions a field, a twentieth of a gated read's ten.
                return ASCIIBytes.isASCII(value) ? String(decoding: value, as: UTF8.self) : String(validating: value, as: UTF8.self)
            }
        }
    }
}
