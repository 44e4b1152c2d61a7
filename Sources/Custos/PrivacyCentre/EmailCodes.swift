package import Foundation
internal import CustosCrypto
package import CustosStore

/// E-mail codes: a person proves they read an address by typing six digits sent to it
/// (DESIGN §11). The code goes through the outbox; only keyed hashes of it and of the address
/// are kept. Whether the address belongs to anyone is not looked at here, so the answer to
/// "send me a code" is the same for every address.
extension PublicDoor {
    /// Creates a challenge for `email`, queues the mail with the code and returns the
    /// challenge's id. `mail` writes the message's subject and body around the code.
    package func startEmailChallenge(kind: String, email: String, payload: Data,
                                     mail: (_ code: String) -> (subject: String, body: String)) throws -> String {
        let now = clock()
        let code = RandomToken.sixDigits()
        let id = try store.createChallenge(kind: kind, email: email, code: code, payload: payload, at: now)
        let message = mail(code)
        _ = try store.enqueue(kind: "email-code", to: email, subject: message.subject, body: message.body, at: now)
        return id
    }

    /// How many codes were asked for `email` in the last `minutes`.
    package func recentCodeRequests(email: String, minutes: Int) throws -> Int {
        try store.challengeCount(email: email, since: Instant(millisecondsSinceEpoch: clock().millisecondsSinceEpoch - Int64(minutes) * 60_000))
    }

    /// Checks a typed code (five tries, fifteen minutes, one use).
    package func answerEmailChallenge(_ id: String, code: String) throws -> ChallengeAnswer {
        guard code.utf8.count == 6, code.utf8.allSatisfy({ (48...57).contains($0) }) else {
            // Not six digits: still a try, so that malformed guesses cannot probe for free.
            return try store.answerChallenge(id, code: "x", at: clock())
        }
        return try store.answerChallenge(id, code: code, at: clock())
    }

    /// Queues a message to a data subject (a status link); `outbox send` or the server's relay
    /// delivers it.
    package func enqueueMail(kind: String, to: String, subject: String, body: String) throws {
        try mailroom.enqueueMail(kind: kind, to: to, subject: subject, body: body)
    }
}

extension PrivacyEngine {
    /// The vault's outbox.
    package var mailroom: Mailroom { Mailroom(store: store, clock: clock) }

    /// The outbox, newest first (`Mailroom.outbox`).
    package func outbox(pendingOnly: Bool = false) throws -> [OutboxMessage] { try mailroom.outbox(pendingOnly: pendingOnly) }
}
