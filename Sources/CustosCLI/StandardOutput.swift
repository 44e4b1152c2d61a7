import Custos
import Foundation

/// Standard output, written with checked `write(2)` calls. `print` and `FileHandle.write(_:)`
/// lose or trap on a write error (a full disk, a closed pipe, /dev/full); an answer that could
/// not be written must end the command with exit 1 and a true message, never exit 0.
enum StandardOutput {
    /// On a terminal, control characters are written out (`TerminalText`); to a file or a
    /// pipe the bytes go as they are.
    static func write(_ data: Data) throws {
        let data = TerminalText.standardOutputIsTerminal ? TerminalText.visible(data) : data
        do {
            try data.withUnsafeBytes { raw in try PrivateFile.writeAll(STDOUT_FILENO, raw, path: "standard output") }
        } catch {
            StandardError.error(String(describing: error))
            throw ExitStatus.runtimeError
        }
    }
}

/// The CLI's `print`: the same text, but a failed write is an error (exit 1).
func emit(_ text: String = "", terminator: String = "\n") throws {
    try StandardOutput.write(Data((text + terminator).utf8))
}

/// Writes an answer file with mode 0600 (`PrivateFile`); a failure is exit 1 naming the path
/// and the reason.
func writePrivateFile(_ data: Data, to path: String) throws {
    do {
        try PrivateFile.write(data, to: path)
    } catch {
        StandardError.error(String(describing: error))
        throw ExitStatus.runtimeError
    }
}
