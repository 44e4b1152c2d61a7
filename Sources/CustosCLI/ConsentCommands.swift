import ArgumentParser
import Custos
import Foundation

struct ConsentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent", abstract: "Give, withdraw, list and prove consent.",
        discussion: "Examples:\n  custos consent give --subject PR-1 --purpose P-NEWSLETTER-EMAIL --method \\\n      checkbox-ticked --channel web-form --age 41\n  custos consent list --subject PR-1",
        subcommands: [ConsentGive.self, ConsentWithdraw.self, ConsentList.self, ConsentReceiptCommand.self, ConsentVerifyReceipt.self])
}

/// An instant from ISO 8601, or a date taken as the start of that day in the controller's zone.
private func instant(_ text: String?, engine: any ServiceEngine) throws -> Instant? {
    guard let text else { return nil }
    if let instant = Instant(iso8601: text) { return instant }
    if let date = LocalDate(parsing: text) {
        let offset = engine.policy.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(date.daysSinceEpoch) * 86_400))
        return Instant(millisecondsSinceEpoch: (Int64(date.daysSinceEpoch) * 86_400 - Int64(offset)) * 1000)
    }
    throw ValidationError("--effective must be a date (YYYY-MM-DD) or an ISO 8601 instant")
}

struct ConsentGive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "give", abstract: "Record consent, per purpose, after the checks at the door.",
        discussion: "Refused (exit 2, recorded with its code): a purpose not based on consent, a pre-ticked box or other non-affirmative method, a notice version that does not disclose the purpose, a consent tied to a service, or someone under 16 (or of unknown age where minors may sign up) without verified parental authorisation.\n\nExample:\n  custos consent give --subject PR-1 --purpose P-NEWSLETTER-EMAIL --method \\\n      double-opt-in --channel web-form --age 41")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(name: .customLong("purpose"), help: "A purpose; repeat for a consent to several purposes in one act (stored per purpose).")
    var purposes: [String]
    @Option(help: "The notice version shown; default the version in force.") var noticeVersion: Int?
    @Option(help: "The language the notice was shown in (nl, en, …): the version's own or a translation the policy gives; default its own.")
    var noticeLanguage: String?
    @Option(help: "checkbox-ticked, signed-form, explicit-click, verbal-recorded, e-mail-reply, double-opt-in, …") var method: String
    @Option(help: "Where it was given: web-form, paper, e-mail, phone, …") var channel: String
    @Option(help: "Evidence reference: form snapshot hash, scan id, call recording id.") var evidence: String?
    @Option(help: "Who expressed it: subject, parent, guardian or agent.") var by = "subject"
    @Option(help: "The parent or guardian who gave or authorised it.") var parent: String?
    @Option(help: "How the parental authority was verified.") var parentVerifiedVia: String?
    @Option(help: "The subject's age at consent, when no birth date is recorded.") var age: Int?
    @Flag(help: "The box was pre-ticked (always refused).") var preTicked = false
    @Flag(help: "The consent was a condition of a service (always refused).") var conditionalOnService = false
    @Flag(help: "The request was not presented separately from other matters.") var notPresentedSeparately = false
    @Option(help: "When it took effect (a paper form signed earlier); not in the future.") var effective: String?

    func run() throws {
        guard let consentMethod = ConsentMethod(rawValue: method) else {
            throw ValidationError("--method must be one of \(ConsentMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let giver = ConsentGiver(rawValue: by) else { throw ValidationError("--by must be subject, parent, guardian or agent") }
        if let noticeLanguage, !LanguageCode.isWellFormed(noticeLanguage) {
            throw ValidationError("--notice-language must be a two-letter ISO 639-1 code such as nl or en")
        }
        let engine = try global.openServiceEngine()
        let grant = ConsentGrant(
            subject: subject, purposes: purposes, noticeVersion: noticeVersion, noticeLanguage: noticeLanguage, method: consentMethod, channel: channel, evidence: evidence,
            by: giver, parentalAuthorisation: parent.map { ParentalAuthorisation(by: $0, verifiedVia: parentVerifiedVia ?? "") },
            ageAtConsent: age, presentedSeparately: !notPresentedSeparately, preTicked: preTicked, conditionalOnService: conditionalOnService,
            effective: try instant(effective, engine: engine))
        let outcomes: [ConsentOutcome]
        do { outcomes = try engine.giveConsent(grant, by: operatingSystemUser) } catch { throw ExitStatus.report(error) }
        var refused = false
        var lines: [String] = [], results: [[String: Any]] = []
        for outcome in outcomes {
            switch outcome {
            case let .recorded(purpose, state, notice):
                lines.append("\(purpose): consent \(state.rawValue) under \(notice)")
                results.append(["purpose": purpose, "state": state.rawValue, "notice": notice])
            case let .refused(purpose, code, message):
                refused = true
                results.append(["purpose": purpose, "refused": code.rawValue, "message": message])
                if global.output == .human { StandardError.write("custos: refused: \(purpose): [\(code.rawValue)] \(message)") }
            }
        }
        try answer(global.output, lines, json: ["subject": subject, "consents": results])
        if refused { throw ExitStatus.denied }
    }
}

struct ConsentWithdraw: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Withdraw consent on any channel; effective for every decision after this returns.",
        discussion: "Example:\n  custos consent withdraw --subject PR-1 --purpose P-NEWSLETTER-EMAIL \\\n      --channel e-mail")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(name: .customLong("purpose"), help: "A purpose; repeat for several.") var purposes: [String]
    @Option(help: "How the withdrawal arrived: e-mail, phone, letter, web-form, …") var channel: String
    @Option(help: "Evidence reference.") var evidence: String?
    @Option(help: "When it was expressed, if earlier than now.") var effective: String?

    func run() throws {
        let engine = try global.openServiceEngine()
        do {
            try engine.withdrawConsent(subject: subject, purposes: purposes, channel: channel, evidence: evidence,
                                       effective: try instant(effective, engine: engine), by: operatingSystemUser)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ExitStatus.report(error)
        }
        try answer(global.output, ["consent withdrawn for \(purposes.joined(separator: ", ")) of \(subject)"],
                   json: ["subject": subject, "withdrawn": purposes, "channel": channel])
    }
}

struct ConsentList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show consent history and current state per purpose.",
        discussion: "Example:\n  custos consent list --subject PR-1")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String

    func run() throws {
        let engine = try global.openServiceEngine()
        let (history, current, refusals): ([ConsentLedgerEvent], [String: ConsentLedgerEvent], [ConsentRefusal])
        do { (history, current, refusals) = try engine.consents(for: subject) } catch { throw ExitStatus.report(error) }
        if global.output == .json {
            struct Report: Encodable { let subject: String; let current: [String: ConsentLedgerEvent]; let history: [ConsentLedgerEvent]; let refusals: [ConsentRefusal] }
            try emit(KebabJSON.string(Report(subject: subject, current: current, history: history, refusals: refusals)))
            return
        }
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        try emit("Consent of \(subject)")
        // The notice as shown: version and language (the text whose hash the consent keeps).
        func notice(_ event: ConsentLedgerEvent) -> String? { event.noticeReference.map { [$0, event.language].compactMap { $0 }.joined(separator: " ") } }
        try emit("  \(pad("purpose", 22)) \(pad("state", 10)) \(pad("notice", 15)) \(pad("since", 26)) how")
        for (purpose, event) in current.sorted(by: { $0.key < $1.key }) {
            try emit("  \(pad(purpose, 22)) \(pad(event.state.rawValue, 10)) \(pad(notice(event) ?? "-", 15)) \(pad(event.effectiveAt.description, 26)) \([event.method?.rawValue, event.channel].compactMap { $0 }.joined(separator: " via "))")
        }
        try emit("History")
        for event in history {
            try emit("  #\(event.id) \(event.effectiveAt) \(pad(event.purpose, 22)) \(pad(event.state.rawValue, 10)) \(notice(event) ?? "") by \(event.expressedBy.rawValue)\(event.channel.map { " via \($0)" } ?? "") (recorded \(event.recordedAt) by \(event.recordedBy))")
        }
        for refusal in refusals { try emit("  refused \(refusal.at) \(refusal.purpose) [\(refusal.code.rawValue)]") }
    }
}

struct ConsentReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Export a signed consent receipt (ISO/IEC TS 27560 field names), as JSON or a JWS.",
        discussion: """
        --jws writes the receipt as a compact JWS (RFC 7515) signed with EdDSA (RFC 8037): any JOSE library verifies it with the keys of --jwks (also served at /.well-known/jwks.json by 'custos serve').

        Examples:
          custos consent receipt --subject PR-1 --purpose P-NEWSLETTER-EMAIL --out receipt.json
          custos consent receipt --subject PR-1 --purpose P-NEWSLETTER-EMAIL --jws --out receipt.jws
          custos consent receipt --jwks
        """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String?
    @Option(help: "The consent-based purpose.") var purpose: String?
    @Flag(help: "Write a compact JWS instead of JSON.") var jws = false
    @Flag(help: "Print the controller's public signing keys as a JWK Set, and nothing else.") var jwks = false
    @Option(help: "Write to this file instead of standard output.") var out: String?

    func validate() throws {
        if jwks {
            guard subject == nil, purpose == nil, !jws else { throw ValidationError("--jwks takes no --subject, --purpose or --jws") }
        } else {
            guard subject != nil, purpose != nil else { throw ValidationError("give --subject and --purpose (or --jwks for the public keys)") }
        }
    }

    func run() throws {
        let engine = try global.openServiceEngine()
        let data: Data, recordId: String?
        if jwks {
            data = Data((engine.receiptJWKS + "\n").utf8)
            recordId = nil
        } else if jws {
            do { data = Data((try engine.consentReceiptJWS(subject: subject ?? "", purpose: purpose ?? "") + "\n").utf8) } catch { throw ExitStatus.report(error) }
            recordId = nil
        } else {
            let receipt: ConsentReceipt
            do { receipt = try engine.consentReceipt(subject: subject ?? "", purpose: purpose ?? "") } catch { throw ExitStatus.report(error) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            data = (try? encoder.encode(receipt)) ?? Data()
            recordId = receipt.receipt.recordId
        }
        if let out {
            try writePrivateFile(data, to: out)
            try answer(global.output, ["\(jwks ? "keys" : "receipt") written to \(out)"], json: [jwks ? "keys" : "receipt": out, "record-id": recordId as Any])
        } else {
            try emit(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines))
        }
    }
}

struct ConsentVerifyReceipt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-receipt", abstract: "Verify a consent receipt's signature (JSON or JWS) against this vault's key.",
        discussion: "Exit 0 valid, 5 tampered or signed by another key.\n\nExamples:\n  custos consent verify-receipt receipt.json\n  custos consent verify-receipt receipt.jws")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A receipt written by 'custos consent receipt' (JSON or --jws) or downloaded from the privacy centre.") var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            StandardError.error("cannot read '\(file)': no such file, or not readable")
            throw ExitStatus.runtimeError
        }
        let engine = try global.openServiceEngine()
        let verification: ConsentReceipt.Verification, body: ConsentReceipt.Body?
        if let receipt = try? JSONDecoder().decode(ConsentReceipt.self, from: data) {
            (verification, body) = (engine.verifyReceipt(receipt), receipt.receipt)
        } else if let text = String(data: data, encoding: .utf8), text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".", omittingEmptySubsequences: false).count == 3 {
            (verification, body) = engine.verifyReceipt(jws: text)
        } else {
            StandardError.error("'\(file)' is not a consent receipt (neither its JSON nor a compact JWS)")
            throw ExitStatus.integrityFailure
        }
        switch (verification, body) {
        case let (.valid, body?):
            try answer(global.output, ["receipt \(body.recordId) is valid: \(body.piiPrincipalId), \(body.purposes.map(\.id).joined(separator: ", ")), status \(body.consentStatus) at \(body.issuedAt)"],
                       json: ["valid": true, "record-id": body.recordId, "subject": body.piiPrincipalId,
                              "purposes": body.purposes.map(\.id), "status": body.consentStatus, "issued-at": body.issuedAt])
        case (.otherVault, _):
            StandardError.error("the receipt was signed by another vault's key")
            throw ExitStatus.integrityFailure
        default:
            StandardError.error("the receipt's signature does not match its content: it was altered")
            throw ExitStatus.integrityFailure
        }
    }
}
