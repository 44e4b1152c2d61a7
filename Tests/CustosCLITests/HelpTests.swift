import CustosTestSupport
import Foundation
import Testing

/// `--help` of every command shows a real example; completions come from argument-parser.
struct HelpTests {
    /// Every leaf command, found by walking the SUBCOMMANDS sections of the help pages.
    static func leafCommands(_ path: [String] = []) throws -> [[String]] {
        let help = try CustosExecutable.run(path + ["--help"]).stdout
        guard let section = help.range(of: "SUBCOMMANDS:\n") else { return [path] }
        let block = help[section.upperBound...].prefix { _ in true }.split(separator: "\n\n", maxSplits: 1).first ?? ""
        let names = block.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLetter else { return nil }
            return line.dropFirst(2).split(separator: " ").first.map(String.init)
        }
        return try names.flatMap { try leafCommands(path + [$0]) }
    }

    @Test func everyCommandsHelpShowsAnExampleThatNamesTheCommand() throws {
        let commands = try Self.leafCommands()
        #expect(commands.count >= 38, "\(commands)")
        for command in commands {
            let help = try CustosExecutable.run(command + ["--help"])
            #expect(help.status == 0)
            let example = help.stdout.range(of: "Example").map { help.stdout[$0.lowerBound...] } ?? ""
            #expect(example.contains("custos \(command.joined(separator: " "))"), "\(command.joined(separator: " ")): no example of itself")
            #expect(!help.stdout.split(separator: "\n").prefix { !$0.hasPrefix("USAGE:") }.contains { $0.count > 80 },
                    "\(command.joined(separator: " ")): a help line is wider than 80 columns")
        }
    }

    /// Every command, groups included, found the same way.
    static func allCommands(_ path: [String] = []) throws -> [[String]] {
        let help = try CustosExecutable.run(path + ["--help"]).stdout
        guard let section = help.range(of: "SUBCOMMANDS:\n") else { return [path] }
        let block = help[section.upperBound...].split(separator: "\n\n", maxSplits: 1).first ?? ""
        let names = block.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLetter else { return nil }
            return line.dropFirst(2).split(separator: " ").first.map(String.init)
        }
        return try [path] + names.filter { $0 != "help" }.flatMap { try allCommands(path + [$0]) }
    }

    @Test func everyHelpPageHasAnExampleAndEveryOptionItsHelp() throws {
        let commands = try Self.allCommands()
        #expect(commands.count >= 50, "\(commands)")
        let bare = try Regex(#"^  (-[^ ,]+|<[^>]+>)(, --[^ ]+)?( <[^>]+>)?( \.\.\.)?$"#)
        for command in commands {
            let name = (["custos"] + command).joined(separator: " ")
            let help = try CustosExecutable.run(command + ["--help"]).stdout
            #expect(help.contains("Example") && help.contains(name + (command.isEmpty ? " " : "")), "\(name): no example of itself")
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (index, line) in lines.enumerated() where line.wholeMatch(of: bare) != nil {
                let next = index + 1 < lines.count ? lines[index + 1] : ""
                #expect(next.hasPrefix("        "), "\(name): '\(line.trimmingCharacters(in: .whitespaces))' has no help text")
            }
        }
    }

    @Test func shellCompletionsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try CustosExecutable.run(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("retention") && script.stdout.contains("report"), "\(shell)")
        }
    }
}

/// `custos --db office.db --keyring keys.db request list`: every global option may come before
/// the subcommand as well as after it.
struct GlobalOptionOrderTests {
    @Test func everyGlobalOptionWithAValueIsMovedBehindTheSubcommand() throws {
        let help = try CustosExecutable.run(["request", "list", "--help"]).stdout
        let globals = ["--db", "--keyring", "--key-file", "--policies", "--output"]
        for option in globals { #expect(help.contains("\(option) <"), "\(option) is not a global option with a value any more") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-order-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for option in globals {
            let value = option == "--output" ? "json" : folder.appendingPathComponent("none").path
            let run = try CustosExecutable.run([option, value, "request", "list"])
            // Whatever the vault says (there is none here), the option itself was understood.
            #expect(run.status != 64, "\(option) before the subcommand: \(run.stderr)")
            #expect(!run.stderr.contains("Unknown option"), "\(option): \(run.stderr)")
        }
    }
}
