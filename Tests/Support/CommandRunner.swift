public import Foundation

/// Runs the built `custos` executable the way a user would, capturing both streams.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum CustosExecutable {
    /// The `custos` binary next to the test bundle in the build folder.
    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("custos")
    }

    public static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
                           stdin: String? = nil, binary: URL? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = binary ?? executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? RepositoryPaths.root
        var env = ProcessInfo.processInfo.environment
        env["CUSTOS_POLICIES"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) }
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
