import ArgumentParser
import Foundation
import Custos

@main
struct CustosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custos",
        abstract: "Custos: a privacy-compliance engine for the GDPR and the Dutch UAVG.",
        discussion: """
        Exit codes: 0 success or permit, 1 runtime error, 2 deny or refused, 3 partial, 4 invalid policy or failed policy test, 5 integrity failure, 64 usage. Every command answers in JSON with -o json.

        Examples:
          custos init --policies policies/invorderingsbedrijf
          custos read --subject D-1001 --purpose P-DEBT-COLLECT --fields email \\
              --actor collections-service
          custos --db office.db request list --overdue -o json
        """,
        version: Custos.version,
        subcommands: [Init.self, PolicyCommand.self, Decide.self, SubjectCommand.self, EventCommand.self, ConsentCommand.self, Read.self, Share.self, RequestCommand.self, TaskCommand.self, HoldCommand.self, SubProcessorCommand.self, ObjectionCommand.self, RestrictionCommand.self, RetentionCommand.self, ReportCommand.self, Audit.self, DemoCommand.self, Keys.self, ServiceCommand.self, OfficerAccountCommand.self, BreachCommand.self, NoticeCommand.self, Serve.self, OutboxCommand.self]
    )

    /// DESIGN §8 puts the global options before the subcommand (`custos --db x.db read …`);
    /// they are declared on each subcommand, so leading ones are moved behind it.
    static func main() {
        let arguments = GlobalArgumentOrder.reordered(Array(CommandLine.arguments.dropFirst()))
        guard JSONRun.isActive else { main(arguments); return }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            JSONRun.finish(exitCode: 0)
        } catch {
            let code = exitCode(for: error).rawValue
            // Help and version requests print as usual; everything else is one JSON object.
            if code == 0 { exit(withError: error) }
            if !(error is ExitCode) { JSONRun.collect(message(for: error)) }
            JSONRun.finish(exitCode: code)
            Foundation.exit(code)
        }
    }
}

enum GlobalArgumentOrder {
    static let withValue: Set<String> = ["--db", "--keyring", "--key-file", "--policies", "-o", "--output"]

    static func reordered(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard withValue.contains(name) else { break }
            if argument.contains("=") || index + 1 >= arguments.count {
                leading.append(argument)
                index += 1
            } else {
                leading += [argument, arguments[index + 1]]
                index += 2
            }
        }
        return Array(arguments[index...]) + leading
    }
}
