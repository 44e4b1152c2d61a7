import CustosTestSupport
import Foundation
import Testing

/// What the CLI writes to a terminal shows a control character instead of sending it, so a
/// stored label or value (or an id echoed back) cannot drive the officer's terminal; written to
/// a pipe or a file, the bytes are kept exactly.
struct TerminalOutputTests {
    /// Runs custos with both streams on a pseudo-terminal and returns what the terminal got.
    static func onATerminal(_ arguments: [String]) throws -> String {
        // posix_openpt and friends are not in Swift's Glibc module: the same by hand on Linux.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        defer { close(master) }
        // TIOCSPTLCK and TIOCGPTN, macros Swift does not import: _IOW('T', 0x31, int) and
        // _IOR('T', 0x30, unsigned int) of Linux's generic ioctls (x86-64 and arm64 alike).
        var unlock: Int32 = 0, number: UInt32 = 0
        #expect(ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        let process = Process()
        process.executableURL = CustosExecutable.executable
        process.arguments = arguments
        process.currentDirectoryURL = RepositoryPaths.root
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        (process.standardOutput, process.standardError) = (terminal, terminal)
        try process.run()
        close(slave)
        var got = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Read until the child's side is closed (EIO on Linux once it has exited).
        while true {
            let count = read(master, &buffer, buffer.count)
            if count > 0 { got.append(contentsOf: buffer[0..<count]); continue }
            if count < 0, errno == EINTR { continue }
            break
        }
        process.waitUntilExit()
        return String(decoding: got, as: UTF8.self)
    }

    @Test func aControlCharacterIsShownOnATerminalAndKeptInAPipe() throws {
        let folder = "/nonexistent/pol\u{1B}[2Jicy\u{9B}31m"
        let shown = try Self.onATerminal(["policy", "check", folder])
        #expect(shown.contains(#"pol\x1B[2Jicy\u{9B}31m"#), "\(shown)")
        #expect(!shown.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{9B}" }, "nothing for the terminal to obey")
        let piped = try CustosExecutable.run(["policy", "check", folder])
        #expect(piped.status != 0 && piped.stderr.contains(folder), "a pipe gets the bytes as they are")
    }
}
