import ArgumentParser
import CustosServer

/// How the SMTP relay is reached and logged in to, for `serve` and `outbox send`.
struct SMTPOptions: ParsableArguments {
    @Option(name: .customLong("smtp-tls"), help: ArgumentHelp("none (default), starttls (port 587) or tls (port 465).", valueName: "mode")) var security: String?
    @Option(name: .customLong("smtp-ca-file"), help: ArgumentHelp("PEM trust roots for the relay's certificate; default the system's.", valueName: "file"))
    var caFile: String?
    @Option(name: .customLong("smtp-user"), help: ArgumentHelp("The relay account AUTH PLAIN logs in with (over TLS only).", valueName: "name")) var user: String?
    @Option(name: .customLong("smtp-password-file"), help: ArgumentHelp("A file whose first line is that account's password.", valueName: "file"))
    var passwordFile: String?

    var settings: ServerSettings.MailSettings { .init(security: security, caFile: caFile, user: user, passwordFile: passwordFile) }

    func validate() throws {
        if let security, SMTPRelay.Security(rawValue: security) == nil {
            throw ValidationError("--smtp-tls is one of " + SMTPRelay.Security.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }
}
