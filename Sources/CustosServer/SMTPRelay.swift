import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal SMTP client for a relay the organisation runs (RFC 5321): plain SMTP on a host
/// and port, no authentication, as a local MTA or a relay on a trusted network accepts it.
/// Blocking: call it from the engine's threads or the command line, never an event loop.
package struct SMTPRelay: Sendable {
    package var host: String
    package var port: Int
    package var from: String
    package var timeoutSeconds = 10

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package init(host: String, port: Int, from: String) {
        self.host = host
        self.port = port
        self.from = from
    }

    /// Parses `host:port`.
    package init(relay: String, from: String) throws {
        guard let colon = relay.lastIndex(of: ":"), let port = Int(relay[relay.index(after: colon)...]), (1...65535).contains(port), colon != relay.startIndex else {
            throw Failure(description: "the SMTP relay '\(relay)' is not host:port, e.g. 127.0.0.1:25")
        }
        guard !from.contains("\r"), !from.contains("\n"), from.contains("@") else { throw Failure(description: "the sender address '\(from)' is not an e-mail address") }
        self.init(host: String(relay[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port, from: from)
    }

    /// Sends one message; throws with the relay's answer (never the message) when refused.
    package func send(to recipient: String, subject: String, body: String) throws {
        guard !recipient.contains("\r"), !recipient.contains("\n"), !recipient.contains(">") else { throw Failure(description: "the recipient address cannot be used") }
        let connection = try Connection(host: host, port: port, timeout: timeoutSeconds)
        defer { connection.close() }
        try connection.expect(220)
        try connection.command("EHLO custos", expect: 250)
        try connection.command("MAIL FROM:<\(from)>", expect: 250)
        try connection.command("RCPT TO:<\(recipient)>", expect: 250, 251)
        try connection.command("DATA", expect: 354)
        try connection.write(Self.message(from: from, to: recipient, subject: subject, body: body) + "\r\n.\r\n")
        try connection.expect(250)
        try? connection.command("QUIT", expect: 221)
    }

    /// The message: UTF-8 subject as an RFC 2047 word, body in base64 (no 8-bit transport
    /// needed, no line a dot could end).
    static func message(from: String, to: String, subject: String, body: String) -> String {
        let date = DateFormatter()
        date.locale = Locale(identifier: "en_US_POSIX")
        date.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let encodedBody = Data(body.replacingOccurrences(of: "\n", with: "\r\n").utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return [
            "From: <\(from)>", "To: <\(to)>", "Subject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=", "Date: \(date.string(from: Date()))",
            "Message-ID: <\(UUID().uuidString.lowercased())@custos>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64", "", encodedBody,
        ].joined(separator: "\r\n")
    }

    /// A TCP connection with line-oriented replies.
    final class Connection {
        private let socket: Int32
        private var pending = [UInt8]()

        init(host: String, port: Int, timeout: Int) throws {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { throw Failure(description: "the SMTP relay \(host) cannot be resolved") }
            defer { freeaddrinfo(result) }
            var candidate: UnsafeMutablePointer<addrinfo>? = first
            var connected: Int32 = -1
            while let info = candidate {
                let fd = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
                if fd >= 0 {
                    var time = timeval(tv_sec: timeout, tv_usec: 0)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                    if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { connected = fd; break }
                    Glibc.close(fd)
                }
                candidate = info.pointee.ai_next
            }
            guard connected >= 0 else { throw Failure(description: "the SMTP relay \(host):\(port) refused the connection") }
            socket = connected
        }

        func close() { Glibc.close(socket) }

        func write(_ text: String) throws {
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent > 0 else { throw Failure(description: "the SMTP relay closed the connection") }
                bytes = bytes.dropFirst(sent)
            }
        }

        func command(_ line: String, expect codes: Int...) throws {
            try write(line + "\r\n")
            try expect(codes)
        }

        func expect(_ codes: Int...) throws { try expect(codes) }

        /// Reads a reply (continuation lines `250-…` up to the last `250 …`) and checks its code.
        func expect(_ codes: [Int]) throws {
            while true {
                let line = try readLine()
                guard line.count >= 3, let code = Int(line.prefix(3)) else { throw Failure(description: "the SMTP relay answered something that is not SMTP") }
                if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
                // Only the code: a relay's text often repeats the recipient's address, and the
                // reason is kept in the outbox and shown by `outbox list`.
                guard codes.contains(code) else { throw Failure(description: "the SMTP relay refused with code \(code)") }
                return
            }
        }

        private func readLine() throws -> String {
            while true {
                if let end = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<end], as: UTF8.self).trimmingCharacters(in: .newlines)
                    pending.removeSubrange(...end)
                    return line
                }
                var buffer = [UInt8](repeating: 0, count: 1024)
                let count = buffer.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw Failure(description: "the SMTP relay did not answer in time") }
                pending += buffer[..<count]
                guard pending.count < 65_536 else { throw Failure(description: "the SMTP relay's answer is too long") }
            }
        }
    }
}
