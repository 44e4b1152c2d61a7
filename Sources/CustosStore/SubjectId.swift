/// What a subject id may be: 1 to 64 characters of ASCII letters, digits and `-_.:`,
/// starting with a letter or digit. Ids appear in logs, reports and file names, so they must
/// not hide invisible characters or look-alike letters from other scripts.
package enum SubjectId {
    package static let maximumLength = 64

    /// Why `id` is not a valid subject id, or nil when it is.
    package static func problem(_ id: String) -> String? {
        guard !id.isEmpty else { return "the subject id is empty" }
        guard id.utf8.count <= maximumLength else { return "a subject id has at most \(maximumLength) characters" }
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
        }
        guard allowed else { return "a subject id may hold only ASCII letters, digits and - _ . :" }
        guard let first = id.utf8.first, (first >= 0x30 && first <= 0x39) || (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) else {
            return "a subject id starts with a letter or digit"
        }
        return nil
    }
}
