import Foundation

/// What the CLI writes to a terminal, made visible: a control character other than a tab or a
/// line end is shown as `\x1B` (a C1 control, `\u{9B}`), never sent. A label, a value or an id
/// stored by someone else (a service, a form of the privacy centre, an import) could otherwise
/// hold an escape sequence that the officer's terminal obeys: recolouring or hiding lines,
/// moving the cursor over what was printed, or worse on older terminals. Written to a file or
/// a pipe, the bytes go out as they are, so `custos read … > file` keeps every value exact.
///
/// ```swift
/// let shown = TerminalText.visible(Data("a\u{1B}[2Jb\n".utf8))   // a\x1B[2Jb and a line end
/// ```
enum TerminalText {
    /// Whether the descriptor is a terminal, asked once per descriptor.
    static let standardOutputIsTerminal = isatty(STDOUT_FILENO) == 1
    static let standardErrorIsTerminal = isatty(STDERR_FILENO) == 1

    /// `data` with every control character but tab and line feed written out; the same bytes
    /// when there is none (the common case costs one scan).
    static func visible(_ data: Data) -> Data {
        guard data.contains(where: isControl) || containsC1(data) else { return data }
        var shown = Data(capacity: data.count + 16)
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            if isControl(byte) {
                shown.append(contentsOf: Array(String(format: "\\x%02X", byte).utf8))
            } else if byte == 0xC2, index + 1 < data.endIndex, (0x80...0x9F).contains(data[index + 1]) {
                shown.append(contentsOf: Array(String(format: "\\u{%02X}", data[index + 1]).utf8))
                index += 1
            } else {
                shown.append(byte)
            }
            index += 1
        }
        return shown
    }

    static func visible(_ text: String) -> String { String(decoding: visible(Data(text.utf8)), as: UTF8.self) }

    private static func isControl(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != 0x09 && byte != 0x0A) || byte == 0x7F }

    /// A C1 control (U+0080 to U+009F) is two bytes in UTF-8: C2 80 to C2 9F.
    private static func containsC1(_ data: Data) -> Bool {
        var previous: UInt8 = 0
        for byte in data {
            if previous == 0xC2, (0x80...0x9F).contains(byte) { return true }
            previous = byte
        }
        return false
    }
}
