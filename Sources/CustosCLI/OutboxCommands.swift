import ArgumentParser
import Custos
import CustosServer
import Foundation
import CustosStore

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Mail to data subjects (e-mail codes, status links) waiting for the SMTP relay, or sent.",
        discussion: "Examples:\n  custos outbox list\n  custos outbox show 3\n  custos outbox send --smtp-relay 127.0.0.1:25 --mail-from privacy@example.nl",
        subcommands: [OutboxList.self, OutboxShow.self, OutboxSend.self])
}

struct OutboxList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List messages, newest first: id, kind, when queued, sent or why not (never an address or a text).",
        discussion: "Example:\n  custos outbox list --pending")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only messages not sent yet.") var pending = false

    func run() throws {
        let mailroom = try global.openOffice().door.mailroom
        let messages: [OutboxMessage]
        do { messages = try mailroom.outbox(pendingOnly: pending) } catch { throw ExitStatus.report(error) }
        try answer(global.output, messages.isEmpty ? ["the outbox is empty"] : messages.map { message in
            "\(message.id)  \(message.kind)  queued \(message.createdAt)  " + (message.sentAt.map { "sent \($0)" } ?? "pending\(message.lastError.map { " (\(message.attempts) tries; \($0))" } ?? "")")
        }, json: ["messages": messages.map { message -> [String: Any] in
            ["id": message.id, "kind": message.kind, "queued-at": message.createdAt.description, "sent-at": message.sentAt?.description as Any,
             "attempts": message.attempts, "last-error": message.lastError as Any]
        }])
    }
}

struct OutboxShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print one message with its address and text (personal data: for the officer's eyes).",
        discussion: "Example:\n  custos outbox show 3\n  custos outbox show 3 -o json")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The message's id from 'outbox list'.") var id: Int64

    func run() throws {
        let mailroom = try global.openOffice().door.mailroom
        let found: OutboxMessage?
        do { found = try mailroom.outbox().first { $0.id == id } } catch { throw ExitStatus.report(error) }
        guard let message = found else {
            StandardError.error("no message \(id) in the outbox (sent mail is kept a week)")
            throw ExitStatus.runtimeError
        }
        try answer(global.output, ["to: \(message.to)", "subject: \(message.subject)", "", message.body],
                   json: ["id": message.id, "kind": message.kind, "to": message.to, "subject": message.subject, "body": message.body])
    }
}

struct OutboxSend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send every pending message through an SMTP relay; a failure stays pending with its reason.",
        discussion: """
        Exit 0 when everything went, 1 when a message failed. With --test ADDRESS one fixed message (no personal data) goes to that address instead, and the outbox is left alone: a check of the relay settings.

        Examples:
          custos outbox send --smtp-relay 127.0.0.1:25 --mail-from privacy@example.nl
          custos outbox send --smtp-relay smtp.example.nl:587 --smtp-tls starttls --smtp-user custos --smtp-password-file /etc/custos/smtp-password --mail-from privacy@example.nl
          custos outbox send --smtp-relay smtp.example.nl:465 --smtp-tls tls --mail-from privacy@example.nl --test officer@example.nl
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The relay.", valueName: "host:port")) var smtpRelay: String
    @Option(help: ArgumentHelp("The sender address.", valueName: "address")) var mailFrom: String
    @OptionGroup var smtp: SMTPOptions
    @Option(help: ArgumentHelp("Send one test message to this address, not the outbox.", valueName: "address")) var test: String?

    func run() throws {
        let relay: SMTPRelay
        do {
            let mail = smtp.settings
            relay = try SMTPRelay(relay: smtpRelay, from: mailFrom, security: mail.security, caFile: mail.caFile, user: mail.user, passwordFile: mail.passwordFile)
        } catch {
            StandardError.error(String(describing: error))
            throw ExitStatus.usage
        }
        if let test {
            do { try relay.send(to: test, subject: "Custos: test message", body: "The relay settings work: this message came through \(relay.host):\(relay.port).\n") } catch {
                StandardError.error(String(describing: error))
                throw ExitStatus.runtimeError
            }
            try answer(global.output, ["test message sent through \(relay.host):\(relay.port)"], json: ["test": true, "sent": 1])
            return
        }
        let mailroom = try global.openOffice().door.mailroom
        let result: (sent: Int, failed: Int)
        do { result = try OutboxSender(mailroom: mailroom, relay: relay).sendPending() } catch { throw ExitStatus.report(error) }
        try answer(global.output, ["sent \(result.sent), failed \(result.failed)"], json: ["sent": result.sent, "failed": result.failed])
        if result.failed > 0 { throw ExitStatus.runtimeError }
    }
}
