import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// An SMTP client for the relay the organisation sends through (RFC 5321): a local MTA in
/// plain SMTP, or a submission server over TLS, either `starttls` (RFC 3207, port 587) or
/// implicit `tls` (RFC 8314, port 465), with `AUTH PLAIN` (RFC 4616) where it asks for an
/// account. The relay's certificate is verified against the system's roots or `caFile`, and
/// its name (or address) against the certificate; a relay that does not offer STARTTLS when it
/// is asked for is refused, never used in the clear, and a password is never sent without TLS.
///
/// Blocking: call it from the engine's threads or the command line, never an event loop. The
/// connection runs on NIO's shared event loops; this thread waits for each reply.
///
/// ```swift
/// var relay = try SMTPRelay(relay: "smtp.example.nl:587", from: "privacy@example.nl")
/// relay.security = .starttls
/// relay.account = SMTPRelay.Account(user: "custos", password: password)
/// try relay.send(to: "jan@example.nl", subject: "Uw code", body: "123456")
/// ```
package struct SMTPRelay: Sendable {
    package var host: String
    package var port: Int
    package var from: String
    package var security = Security.none
    /// PEM trust roots for the relay's certificate; nil: the system's.
    package var caFile: String?
    package var account: Account?
    package var timeoutSeconds = 10

    /// How the connection to the relay is protected.
    package enum Security: String, Sendable, CaseIterable {
        /// Plain SMTP: a relay on this machine or a trusted network.
        case none
        /// Plain at first, then TLS after `STARTTLS` (RFC 3207), as submission on port 587.
        case starttls
        /// TLS from the first byte (RFC 8314), as submission on port 465.
        case tls
    }

    /// The relay account `AUTH PLAIN` logs in with. Printed, dumped or reflected (a log line, a
    /// crash report, a test's failure message), it shows the user and never the password.
    package struct Account: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        package var user: String
        package var password: String

        package init(user: String, password: String) {
            self.user = user
            self.password = password
        }

        package var description: String { "Account(user: \(user), password: hidden)" }
        package var debugDescription: String { description }
        package var customMirror: Mirror { Mirror(self, children: ["user": user, "password": "hidden"]) }
    }

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

    /// The relay as settings name it: `security` one of none, starttls, tls; the account's
    /// password read from `passwordFile` (its first line), never from an argument or the
    /// environment, which `ps` and a process listing show.
    package init(relay: String, from: String, security: String?, caFile: String?, user: String?, passwordFile: String?) throws {
        try self.init(relay: relay, from: from)
        if let security {
            guard let chosen = Security(rawValue: security) else {
                throw Failure(description: "the relay's TLS '\(security)' is not one of " + Security.allCases.map(\.rawValue).joined(separator: ", "))
            }
            self.security = chosen
        }
        self.caFile = caFile
        switch (user, passwordFile) {
        case (nil, nil): break
        case let (user?, file?):
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw Failure(description: "the SMTP password file \(file) cannot be read") }
            account = Account(user: user, password: String(text.prefix { !$0.isNewline }))
        default: throw Failure(description: "an SMTP account needs both a user and a password file")
        }
        if let problem { throw Failure(description: problem) }
    }

    /// What is wrong with the protection settings, in words, or nil: a password only over TLS,
    /// trust roots only where TLS is used, and both readable.
    package var problem: String? {
        if account != nil, security == .none { return "an SMTP account's password is sent only over TLS: set the relay's TLS to starttls or tls" }
        if caFile != nil, security == .none { return "a CA file is for a relay reached over TLS: set the relay's TLS to starttls or tls" }
        if let account, account.user.isEmpty || account.user.contains(where: \.isNewline) || account.password.isEmpty {
            return "the SMTP account needs a user name and a password"
        }
        return nil
    }

    /// Sends one message; throws with the relay's answer (never the message) when refused.
    package func send(to recipient: String, subject: String, body: String) throws {
        guard !recipient.contains("\r"), !recipient.contains("\n"), !recipient.contains(">") else { throw Failure(description: "the recipient address cannot be used") }
        if let problem { throw Failure(description: problem) }
        let connection = try Connection(relay: self)
        defer { connection.close() }
        try connection.expect(220)
        let offered = try connection.command("EHLO custos", expect: 250)
        if security == .starttls {
            // Never go on in the clear when TLS was asked for: a relay that stopped offering it
            // (or something in between that took it away) is refused.
            guard offered.contains(where: { $0.uppercased() == "STARTTLS" }) else { throw Failure(description: "the SMTP relay does not offer STARTTLS") }
            try connection.command("STARTTLS", expect: 220)
            try connection.startTLS()
            try connection.command("EHLO custos", expect: 250)
        }
        if let account {
            let plain = Data(([0] + Array(account.user.utf8) + [0] + Array(account.password.utf8))).base64EncodedString()
            try connection.command("AUTH PLAIN \(plain)", expect: 235, what: "the login")
        }
        try connection.command("MAIL FROM:<\(from)>", expect: 250)
        try connection.command("RCPT TO:<\(recipient)>", expect: 250, 251)
        try connection.command("DATA", expect: 354)
        try connection.write(Self.message(from: from, to: recipient, subject: subject, body: body) + "\r\n.\r\n")
        try connection.expect(250)
        _ = try? connection.command("QUIT", expect: 221)
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

    /// One connection to the relay: writes from the calling thread, replies handed over from
    /// the event loop.
    final class Connection {
        private let channel: any Channel
        private let replies = SMTPReplies()
        private let relay: SMTPRelay

        init(relay: SMTPRelay) throws {
            self.relay = relay
            let replies = self.replies
            let implicit = relay.security == .tls ? try Self.tlsContext(relay) : nil
            let host = relay.host
            let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(Int64(relay.timeoutSeconds)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicit { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: implicit, serverHostname: Self.serverName(host))) }
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(replies: replies))
                    }
                }
            do { channel = try bootstrap.connect(host: relay.host, port: relay.port).wait() } catch {
                throw Failure(description: "the SMTP relay \(relay.host):\(relay.port) cannot be reached")
            }
            // Each reply is awaited at most timeoutSeconds; a relay that stops reading could still
            // hold a write, so the whole conversation ends after six times that.
            let channel = self.channel
            deadline = channel.eventLoop.scheduleTask(in: .seconds(Int64(relay.timeoutSeconds * 6))) {
                replies.end("the SMTP relay did not finish in time")
                channel.close(promise: nil)
            }
        }

        private var deadline: Scheduled<Void>?

        func close() {
            deadline?.cancel()
            channel.close(promise: nil)
        }

        /// Puts TLS under the conversation, after the relay's 220 to STARTTLS. Anything read
        /// after that 220 and before TLS came in the clear and would pass for the relay's words
        /// under TLS (the STARTTLS injection of CVE-2011-0411): the conversation is refused.
        func startTLS() throws {
            let context = try Self.tlsContext(relay), channel = self.channel, name = Self.serverName(relay.host), replies = self.replies
            do {
                try channel.eventLoop.submit {
                    // On the loop, after every byte read so far has reached the reply handler.
                    guard replies.isDrained else { throw Failure(description: "the SMTP relay sent more in the clear after agreeing to STARTTLS") }
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: name), position: .first)
                }.wait()
            } catch let failure as Failure { throw failure } catch { throw Failure(description: "TLS with the SMTP relay could not start") }
        }

        func write(_ text: String) throws {
            do { try channel.writeAndFlush(ByteBuffer(string: text)).wait() } catch {
                throw Failure(description: replies.ended ?? "the SMTP relay closed the connection")
            }
        }

        /// Sends a command and returns the reply's lines after the code (EHLO's are its extensions).
        @discardableResult
        func command(_ line: String, expect codes: Int..., what: String? = nil) throws -> [String] {
            try write(line + "\r\n")
            return try expect(codes, what: what)
        }

        @discardableResult
        func expect(_ codes: Int...) throws -> [String] { try expect(codes, what: nil) }

        func expect(_ codes: [Int], what: String?) throws -> [String] {
            let reply = try replies.next(timeoutSeconds: relay.timeoutSeconds)
            // Only the code: a relay's text often repeats the recipient's address, and the
            // reason is kept in the outbox and shown by `outbox list`.
            guard codes.contains(reply.code) else {
                throw Failure(description: "the SMTP relay refused \(what.map { "\($0) " } ?? "")with code \(reply.code)")
            }
            return reply.lines
        }

        static func tlsContext(_ relay: SMTPRelay) throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = relay.caFile { configuration.trustRoots = .file(caFile) }
            do { return try NIOSSLContext(configuration: configuration) } catch {
                throw Failure(description: "the SMTP relay's trust roots \(relay.caFile.map { "in \($0) " } ?? "")cannot be read")
            }
        }

        /// The name the certificate is checked against and sent as SNI; for an address, nil:
        /// NIOSSL then checks the certificate's IP addresses against the peer's.
        static func serverName(_ host: String) -> String? {
            TrustedProxies.address(host) == nil ? host : nil
        }
    }
}

/// One reply of the relay: its code and the text of each line after it.
struct SMTPReply: Sendable {
    let code: Int
    let lines: [String]
}

/// Replies the event loop has read, waiting for the thread that asks for them; or why the
/// conversation ended.
final class SMTPReplies: @unchecked Sendable {
    // NSCondition guards both: the caller waits on it (a blocking client, never on a loop).
    private let condition = NSCondition()
    private var queue: [SMTPReply] = []
    private var reason: String?
    /// Whether the handler holds part of a line not yet answered.
    private var partial = false

    var ended: String? { condition.withLock { reason } }

    /// Nothing read that no one asked for: no reply waiting, no part of one.
    var isDrained: Bool { condition.withLock { queue.isEmpty && !partial } }

    func holdsPartial(_ holds: Bool) { condition.withLock { partial = holds } }

    func deliver(_ reply: SMTPReply) {
        condition.withLock { queue.append(reply); condition.broadcast() }
    }

    func end(_ why: String) {
        condition.withLock {
            if reason == nil { reason = why }
            condition.broadcast()
        }
    }

    func next(timeoutSeconds: Int) throws -> SMTPReply {
        let deadline = Date(timeIntervalSinceNow: TimeInterval(timeoutSeconds))
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if let reason { throw SMTPRelay.Failure(description: reason) }
            guard condition.wait(until: deadline) else { throw SMTPRelay.Failure(description: "the SMTP relay did not answer in time") }
        }
        return queue.removeFirst()
    }
}

/// Splits what the relay sends into replies (continuation lines `250-…` up to the last
/// `250 …`) and hands each to `SMTPReplies`.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let replies: SMTPReplies
    private var pending: [UInt8] = []
    private var lines: [String] = []

    init(replies: SMTPReplies) { self.replies = replies }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let end = pending.firstIndex(of: 10) {
            let line = String(decoding: pending[..<end], as: UTF8.self).trimmingCharacters(in: .newlines)
            pending.removeSubrange(...end)
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                replies.end("the SMTP relay answered something that is not SMTP")
                context.close(promise: nil)
                return
            }
            lines.append(String(line.dropFirst(4)))
            if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
            replies.deliver(SMTPReply(code: code, lines: lines))
            lines = []
        }
        replies.holdsPartial(!pending.isEmpty || !lines.isEmpty)
        if pending.count >= 65_536 {
            replies.end("the SMTP relay's answer is too long")
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        replies.end(Self.describe(error))
        context.close(promise: nil)
    }

    /// A certificate that does not verify, a name it does not carry, a handshake that fails:
    /// said in words an operator can act on.
    static func describe(_ error: any Error) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the SMTP relay's certificate does not name the relay's host"
        }
        if String(describing: error).contains("CERTIFICATE_VERIFY_FAILED") {
            return "the SMTP relay's certificate is not trusted (its CA is not among the system's roots or in mail.ca-file)"
        }
        if error is NIOSSLError || error is NIOSSLExtraError { return "TLS with the SMTP relay failed" }
        return "the SMTP relay's connection failed"
    }

    func channelInactive(context: ChannelHandlerContext) {
        replies.end("the SMTP relay closed the connection")
        context.fireChannelInactive()
    }
}
