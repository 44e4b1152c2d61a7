import ArgumentParser
import Custos

@main
struct CustosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custos",
        abstract: "Custos: a privacy-compliance engine for the GDPR and the Dutch UAVG.",
        discussion: """
        Exit codes: 0 success or permit, 1 runtime error, 2 deny or refused, 3 partial,
        4 invalid policy or failed policy test, 5 integrity failure, 64 usage.
        """,
        version: Custos.version,
        subcommands: [Init.self, PolicyCommand.self, Decide.self, SubjectCommand.self, EventCommand.self, ConsentCommand.self, Read.self, Share.self, RequestCommand.self, TaskCommand.self, HoldCommand.self, ObjectionCommand.self, RestrictionCommand.self, RetentionCommand.self, ReportCommand.self, Audit.self, DemoCommand.self, Keys.self]
    )
}
