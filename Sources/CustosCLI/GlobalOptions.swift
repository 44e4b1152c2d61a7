import ArgumentParser
import Foundation

/// Options every command accepts (DESIGN §8); defaults come from the environment first.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Vault: a SQLite file, or postgres://user@host[:port]/database with --keyring elsewhere and the password in CUSTOS_PG_PASSWORD_FILE (env CUSTOS_DB).", valueName: "path-or-address"))
    var db: String = ProcessInfo.processInfo.environment["CUSTOS_DB"] ?? "./custos.db"

    @Option(name: .long, help: ArgumentHelp("Keyring: a file (default: the vault's name with .keys.db) or postgres://user@host[:port]/database, never the vault's database; the password comes from CUSTOS_PG_PASSWORD_FILE or CUSTOS_PG_PASSWORD (env CUSTOS_KEYRING).", valueName: "path-or-address"))
    var keyring: String?

    /// `--keyring`, else CUSTOS_KEYRING (empty counts as unset).
    var keyringAddress: String? { keyring ?? ProcessInfo.processInfo.environment["CUSTOS_KEYRING"].flatMap { $0.isEmpty ? nil : $0 } }

    @Option(name: .long, help: ArgumentHelp("Master key file (env CUSTOS_KEY_FILE).", valueName: "path"))
    var keyFile: String = ProcessInfo.processInfo.environment["CUSTOS_KEY_FILE"] ?? "./custos.key"

    @Option(name: .long, help: ArgumentHelp("Policy folder (env CUSTOS_POLICIES).", valueName: "dir"))
    var policies: String?

    /// `--policies`, else CUSTOS_POLICIES.
    var policyFolder: String? { policies ?? ProcessInfo.processInfo.environment["CUSTOS_POLICIES"] }

    @Option(name: [.short, .long], help: "Output format: human or json.")
    var output: OutputFormat = .human
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json
}

/// The exit codes of the CLI contract (DESIGN §8).
enum ExitStatus {
    static let runtimeError = ExitCode(1)
    static let denied = ExitCode(2)
    static let partial = ExitCode(3)
    static let invalidPolicy = ExitCode(4)
    static let integrityFailure = ExitCode(5)
    static let usage = ExitCode(64)
}

/// Writes to standard error; diagnostics and errors never go to standard output.
enum StandardError {
    static func write(_ line: String) {
        if JSONRun.isActive { JSONRun.collect(line); return }
        raw((TerminalText.standardErrorIsTerminal ? TerminalText.visible(line) : line) + "\n")
    }

    /// Rewrites the current terminal line (progress on a terminal; never under `-o json`).
    static func overwrite(_ line: String) {
        if JSONRun.isActive { return }
        raw("\r" + (TerminalText.standardErrorIsTerminal ? TerminalText.visible(line) : line))
    }

    /// `FileHandle.write(_:)` traps when the write fails; a diagnostic that cannot be written
    /// is dropped instead (there is nowhere left to say so).
    static func raw(_ text: String) {
        let data = Data(text.utf8)
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// `custos: error: message`, the contract's form for errors.
    static func error(_ message: String) {
        write("custos: error: \(message)")
    }
}
