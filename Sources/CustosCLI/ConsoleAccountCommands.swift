import ArgumentParser
import Custos
import Foundation
import CustosStore

struct OfficerAccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "officer", abstract: "Accounts of the officer's console (custos serve): officers act, auditors read.",
        discussion: "Examples:\n  custos officer add anna --role officer --totp < password.txt\n  custos officer list\n  custos officer remove anna",
        subcommands: [OfficerAdd.self, OfficerList.self, OfficerRemove.self])
}

struct OfficerAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create a console account; the password is read from standard input, never from the command line.",
        discussion: """
        The password (at least 12 characters) is hashed with Argon2id (libsodium's interactive limits). With --totp a second factor is created and its otpauth:// URI printed once: add it to an authenticator app (RFC 6238, SHA-1, 6 digits, 30 s).

        Example:
          custos officer add anna --role officer --totp
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account's name (1-64 letters, digits, - _ . :).") var name: String
    @Option(help: "officer (acts) or auditor (reads everything, changes nothing).") var role: String
    @Flag(help: "Require a TOTP code at sign-in; prints the otpauth:// URI once.") var totp = false

    func run() throws {
        guard let parsedRole = OfficerRole(rawValue: role) else {
            StandardError.error("--role is officer or auditor, not '\(role)'")
            throw ExitStatus.usage
        }
        let accounts = try global.openOffice().accounts
        let password = try PasswordPrompt.read("Password for \(name): ")
        let uri: String?
        do { uri = try accounts.addOfficer(name: name, role: parsedRole, password: password, secondFactor: totp) } catch { throw ExitStatus.report(error) }
        var lines = ["console account \(name) (\(parsedRole.rawValue)) created"]
        if let uri { lines += [uri, "add the URI above to an authenticator app now: it is shown only once"] }
        try answer(global.output, lines, json: ["name": name, "role": parsedRole.rawValue, "otpauth": uri as Any? ?? NSNull()])
    }
}

struct OfficerList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List console accounts (never a password or secret).",
                                                    discussion: "Example:\n  custos officer list")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let accounts = try global.openOffice().accounts
        let officers: [OfficerAccount]
        do { officers = try accounts.officers() } catch { throw ExitStatus.report(error) }
        try answer(global.output, officers.isEmpty ? ["no console accounts"] : officers.map { account in
            "\(account.name)  \(account.role.rawValue)  \(account.secondFactor ? "password + TOTP" : "password only")  created \(account.createdAt)"
                + (account.lockedUntil.map { "  locked until \($0)" } ?? "")
        }, json: ["accounts": officers.map { ["name": $0.name, "role": $0.role.rawValue, "totp": $0.secondFactor, "created-at": $0.createdAt.description,
                                              "locked-until": $0.lockedUntil.map { $0.description as Any } ?? NSNull()] as [String: Any] }])
    }
}

struct OfficerRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a console account; its sessions end at their next request.",
                                                    discussion: "Example:\n  custos officer remove anna")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The account's name.") var name: String

    func run() throws {
        let accounts = try global.openOffice().accounts
        do { try accounts.removeOfficer(name: name) } catch { throw ExitStatus.report(error) }
        try answer(global.output, ["console account \(name) removed"], json: ["name": name, "removed": true])
    }
}

/// A password from the terminal without echo, or the first line of standard input when it is
/// not a terminal (scripts, tests): never an argument, which `ps` and shell history would keep.
enum PasswordPrompt {
    static func read(_ prompt: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            FileHandle.standardError.write(Data(prompt.utf8))
            var saved = termios()
            tcgetattr(STDIN_FILENO, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return readLine(strippingNewline: true) ?? ""
        }
        guard let line = readLine(strippingNewline: true) else {
            StandardError.error("no password on standard input")
            throw ExitStatus.usage
        }
        return line
    }
}
