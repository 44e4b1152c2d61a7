import ArgumentParser
import Foundation
import Synchronization

/// Under `-o json` every answer is JSON, and so is standard error: the diagnostics a command
/// writes are collected and printed at exit as one object, `{"error": {"exit-code", "message",
/// "messages"}}` when the command fails, `{"messages": [...]}` when it succeeds and had something to say (warnings, a batch summary).
/// The format is known before any subcommand parses its options, because a parse error must
/// be JSON too.
enum JSONRun {
    /// Whether this run was asked for JSON (`-o json`, `--output json`, `--output=json`).
    static let isActive: Bool = {
        let arguments = Array(CommandLine.arguments.dropFirst())
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { break }
            if argument == "-ojson" || argument == "--output=json" || argument == "-o=json" { return true }
            if argument == "-o" || argument == "--output", index + 1 < arguments.count { if arguments[index + 1] == "json" { return true } }
        }
        return false
    }()

    private static let collected = Mutex<[String]>([])

    /// Keeps a diagnostic line for the closing object.
    static func collect(_ line: String) {
        var text = line
        if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { return }
        collected.withLock { $0.append(text) }
    }

    /// Prints the closing object for this exit code, if there is anything to say.
    static func finish(exitCode: Int32) {
        let messages = collected.withLock { $0 }
        var object: [String: Any]
        if exitCode == 0 {
            guard !messages.isEmpty else { return }
            object = ["messages": messages]
        } else {
            // A deny (2) or partial (3) of a decision is an answer on standard output, not an error.
            if messages.isEmpty, exitCode == 2 || exitCode == 3 { return }
            let first = messages.first.map { $0.hasPrefix("custos: error: ") ? String($0.dropFirst(15)) : $0 } ?? "exit \(exitCode)"
            object = ["error": ["exit-code": Int(exitCode), "message": first, "messages": messages]]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        StandardError.raw(String(decoding: data, as: UTF8.self) + "\n")
    }
}

/// One answer: lines for a person, an object under `-o json`.
func answer(_ output: OutputFormat, _ lines: [String], json: [String: Any]) throws {
    if output == .json {
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        try StandardOutput.write(data + Data("\n".utf8))
    } else {
        for line in lines { try emit(line) }
    }
}
