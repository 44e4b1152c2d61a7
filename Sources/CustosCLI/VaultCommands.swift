import ArgumentParser
import Custos
import Foundation
import CustosOnPostgres
import CustosStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a vault, its keyring and (if missing) a master key file with mode 0600.",
        discussion: "The policy folder is recorded, so later commands need no --policies. Set CUSTOS_PASSPHRASE to derive the master key from a passphrase (Argon2id) instead of a key file.\n\nExamples:\n  custos init --policies policies/invorderingsbedrijf\n  CUSTOS_PASSPHRASE='…' custos --db office.db init --policies \\\n      policies/invorderingsbedrijf")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "A simulation vault: commands may set its clock with --at, and everything in it is marked simulated.")
    var simulation = false

    func run() throws {
        guard let folder = global.policyFolder else { throw ValidationError("give the policy folder with --policies DIR") }
        if let address = try global.postgresVault() {
            let keyring = try global.postgresKeyring()
            let engine: PostgresEngine
            do {
                engine = try PostgresEngine.initialise(vault: address, keyring: keyring, masterKey: global.masterKey, policies: folder, simulation: simulation)
            } catch {
                throw ExitStatus.report(error)
            }
            var lines = ["\(simulation ? "simulation " : "")vault \(address.description) created (id \(engine.vaultId)), keyring \(keyring.location)"]
            if case let .file(path) = global.masterKey { lines.append("master key in \(path) (mode 0600): keep it, and back it up apart from the vault") }
            lines.append("policy \(engine.policyFolder), digest \(engine.policy.digest)")
            try answer(global.output, lines, json: ["vault": address.description, "vault-id": engine.vaultId, "keyring": keyring.location,
                                                    "policy-folder": engine.policyFolder, "policy-digest": engine.policy.digest, "simulation": simulation])
            return
        }
        do {
            let keyring = try global.keyringPlace()
            let engine = try PrivacyEngine.initialise(vault: global.db, keyring: keyring, masterKey: global.masterKey, policies: folder, simulation: simulation)
            var lines = ["\(simulation ? "simulation " : "")vault \(global.db) created (id \(engine.store.vaultId)), keyring \(keyring.location)"]
            var keyFile: Any = NSNull()
            if case let .file(path) = global.masterKey {
                lines.append("master key in \(path) (mode 0600): keep it, and back it up apart from the vault")
                keyFile = path
            }
            lines.append("policy \(engine.policyFolder), digest \(engine.policy.digest)")
            try answer(global.output, lines, json: [
                "vault": global.db, "vault-id": engine.store.vaultId, "keyring": keyring.location, "key-file": keyFile,
                "policy-folder": engine.policyFolder, "policy-digest": engine.policy.digest, "simulation": simulation,
            ])
        } catch {
            throw ExitStatus.report(error)
        }
    }
}

struct SubjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject", abstract: "Add, find and show data subjects.",
        discussion: "Examples:\n  custos subject add --id D-1001 --category debtor --set \\\n      email=jan@example.nl\n  custos subject show D-1001",
        subcommands: [SubjectAdd.self, SubjectImportCommand.self, SubjectFind.self, SubjectShow.self, SubjectAddCategory.self])
}

struct SubjectAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a subject; every value is encrypted under a new per-subject key.",
        discussion: "Example:\n  custos subject add --id D-1001 --category debtor --set \\\n      email=jan@example.nl --set \"bank_account=NL91 ABNA 0417 1643 00\"")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var id: String
    @Option(help: "The subject category, as the policy declares it; several comma-separated for a person who is more than one kind of subject (debtor,website_user).") var category: String
    @Option(help: "natural-person or sole-trader.") var kind: String = "natural-person"
    @Flag(help: "The subject is party to a contract with the controller.") var contractParty = false
    @Option(help: "Where the data came from (e.g. client, subject, register).") var source = "officer"
    @Option(name: .customLong("set"), help: ArgumentHelp("A field value, field=value; repeat for more.", valueName: "field=value"))
    var values: [String] = []

    func run() throws {
        var parsed: [String: String] = [:]
        for item in values {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                // The value is not echoed: it is personal data.
                throw ValidationError("--set takes field=value; one argument has no field name before '='")
            }
            let field = String(item[..<equals])
            guard parsed.updateValue(String(item[item.index(after: equals)...]), forKey: field) == nil else {
                throw ValidationError("--set names field '\(field)' twice; give each field once")
            }
        }
        guard let subjectKind = SubjectKind(rawValue: kind) else { throw ValidationError("--kind is natural-person or sole-trader") }
        let categories = category.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = categories.first else { throw ValidationError("--category names no category") }
        let subject = NewSubject(id: id, category: first, otherCategories: Array(categories.dropFirst()), kind: subjectKind, contractParty: contractParty,
                                 values: parsed, source: source)
        do {
            if let address = try global.postgresVault() {
                try global.openPostgresEngine(address).addSubjects([subject], by: operatingSystemUser)
            } else {
                try global.openEngine().addSubject(subject, by: operatingSystemUser)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw ExitStatus.report(error)
        }
        try answer(global.output, ["subject \(id) added with \(parsed.count) encrypted field\(parsed.count == 1 ? "" : "s")"],
                   json: ["subject": id, "category": category, "fields": parsed.keys.sorted()])
    }
}

struct SubjectImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import subjects from CSV or JSON Lines (.jsonl): all of them, or none.",
        discussion: """
        CSV: a header row with id, category, optional kind, contract-party, source, collected-at (a date or ISO 8601 instant: when the fields were collected), one event:NAME column per lifecycle event (its date, e.g. event:file-opened), then one column per field. JSON Lines: {"id", "category", "kind", "contract-party", "source", "collected-at", "events": {"file-opened": "2025-01-10"}, "values": {...}}. See docs/importing.md.

        Every problem is reported with its line and column, without values; then nothing is imported and the exit code is 1. After an import, subjects whose data no purpose keeps yet (a debtor without file-opened, say) are listed as a warning: the next retention sweep would destroy them.

        Example:
          custos subject import examples/people.csv
        """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The file to import.") var file: String

    func run() throws {
        // Read, not mapped: a file cut short while it is mapped would kill the process at the
        // next page it touches, and both passes must see the same bytes. Neither its text nor
        // its rows are kept beside it.
        guard let data = FileManager.default.contents(atPath: file) else {
            StandardError.error("cannot read '\(file)': no such file, or not readable")
            throw ExitStatus.runtimeError
        }
        guard SubjectImport.isUTF8(data) else {
            StandardError.error("'\(file)' is not UTF-8 text")
            throw ExitStatus.usage
        }
        let engine = try global.openSubjects()
        let interactive = isatty(STDERR_FILENO) == 1
        if interactive { StandardError.overwrite("reading \(file)") }
        let parsed = SubjectImport.parse(data, fileName: file, policy: engine.policy)
        if interactive { StandardError.overwrite("encrypting and storing \(parsed.ids.count) subjects (one transaction)\n") }
        let problems: [SubjectImport.Problem]
        do { problems = try engine.importSubjects(parsed, by: operatingSystemUser) } catch { throw ExitStatus.report(error) }
        guard problems.isEmpty else {
            for problem in problems { StandardError.write(problem.line > 0 ? "\(file):\(problem.line): error: \(problem.message)" : "\(file): error: \(problem.message)") }
            StandardError.error("nothing imported: \(problems.count) problem\(problems.count == 1 ? "" : "s")")
            throw ExitStatus.runtimeError
        }
        let unheld: [RetentionSchedule.Plan]
        do { unheld = try engine.unheldAfterImport(parsed.ids) } catch { throw ExitStatus.report(error) }
        if !unheld.isEmpty {
            StandardError.write("custos: warning: \(unheld.count) of \(parsed.ids.count) imported subjects hold data that no purpose keeps today; the next retention sweep would destroy it. Record their lifecycle events (event:NAME columns, or 'custos event record') or collection dates. For example:")
            for plan in unheld.prefix(3) {
                StandardError.write("  \(plan.subject): \(plan.expired.map(\.field).joined(separator: ", ")): \(plan.expired.first?.why.first ?? "")")
            }
        }
        try answer(global.output, ["imported \(parsed.ids.count) subjects"],
                   json: ["imported": parsed.ids.count, "not-kept-by-any-purpose": unheld.map(\.subject)])
    }
}

struct SubjectFind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find", abstract: "Find subjects by e-mail, phone or IBAN through the keyed blind index.",
        discussion: "Examples:\n  custos subject find --email jan@example.nl\n  custos subject find --iban \"NL91 ABNA 0417 1643 00\"")

    @OptionGroup var global: GlobalOptions
    @Option(help: "An e-mail address (case and spaces do not matter).") var email: String?
    @Option(help: "A phone number (spaces and +31/0 do not matter).") var phone: String?
    @Option(help: "An IBAN (spaces and case do not matter).") var iban: String?

    func validate() throws {
        if [email, phone, iban].compactMap({ $0 }).count != 1 { throw ValidationError("give exactly one of --email, --phone, --iban") }
    }

    func run() throws {
        let engine = try global.openServiceEngine()
        let (value, kind): (String, BlindIndexKind) = if let email { (email, .email) } else if let phone { (phone, .phone) } else { (iban ?? "", .iban) }
        let found: [String]
        do { found = try engine.findSubjects(matching: value, kind: kind) } catch { throw ExitStatus.report(error) }
        switch global.output {
        case .json: try emit(KebabJSON.string(found, compact: true))
        case .human: try emit(found.isEmpty ? "no subject found" : found.joined(separator: "\n"))
        }
        if found.isEmpty { throw ExitStatus.denied }
    }
}

struct SubjectShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a subject's metadata: which fields exist and where they came from, never values.",
        discussion: "Example:\n  custos subject show D-1001")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The subject's id.") var id: String

    func run() throws {
        let engine = try global.openSubjects()
        let metadata: SubjectMetadata
        do { metadata = try engine.metadata(of: id) } catch { throw ExitStatus.report(error) }
        switch global.output {
        case .json: try emit(KebabJSON.string(metadata))
        case .human:
            try emit("subject \(metadata.id): \(metadata.categories.joined(separator: ", ")), \(metadata.kind.rawValue)")
            for field in metadata.fields { try emit("  field  \(field.field)  from \(field.source), collected \(field.collectedAt), key v\(field.keyVersion)") }
            for event in metadata.events { try emit("  event  \(event.event) on \(event.date)") }
            for field in metadata.erasedFields { try emit("  erased \(field)") }
        }
    }
}

struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "event", abstract: "Record lifecycle events.", discussion: "Example:\n  custos event record --subject D-1001 --name file-opened --effective \\\n      2025-01-10",
        subcommands: [EventRecord.self])
}

struct EventRecord: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "Record a lifecycle event (file-closed, relationship-ended, …).",
        discussion: "Example:\n  custos event record --subject D-1001 --name file-closed --effective \\\n      2025-06-30")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(help: "A lifecycle event the policy declares, e.g. file-opened.") var name: String
    @Option(help: "The date it took effect (YYYY-MM-DD), from 1900-01-01 to today; default today.") var effective: String?

    func run() throws {
        let date = try parseDate(effective, option: "effective")
        let engine = try global.openServiceEngine()
        let recorded: LocalDate
        do { recorded = try engine.recordEvent(subject: subject, event: name, effective: date, by: operatingSystemUser) } catch { throw ExitStatus.report(error) }
        try answer(global.output, ["event \(name) recorded for \(subject) on \(recorded)"],
                   json: ["subject": subject, "event": name, "effective": recorded.description])
    }
}

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read fields of a subject for a purpose; values are printed for permitted fields only.",
        discussion: "Exit 0 permit, 2 deny, 3 partial. Every read is logged before it is answered.\n\nExample:\n  custos read --subject D-1001 --purpose P-DEBT-COLLECT --fields \\\n      email,bank_account --actor collections-service")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(help: "The purpose the data is used for, as the policy declares it.") var purpose: String
    @Option(help: "Comma-separated field ids.") var fields: String
    @Option(help: "The actor asking, as the policy names it.") var actor = "officer"
    @Option(help: ArgumentHelp("Repeat the read N times, printing each logged sequence number as it is acknowledged (load and crash tests).", visibility: .hidden))
    var repeatCount: Int = 0

    func run() throws {
        let engine = try global.openServiceEngine()
        if repeatCount > 0 {
            for _ in 0..<repeatCount {
                let result = engine.read(subject: subject, fields: fieldList(fields), purpose: purpose, actor: actor)
                guard let seq = result.logSequence else { throw ExitStatus.runtimeError }
                // Printed only after the decision is durable: an acknowledgement.
                try StandardOutput.write(Data("\(seq)\n".utf8))
            }
            return
        }
        try finish(engine.read(subject: subject, fields: fieldList(fields), purpose: purpose, actor: actor), output: global.output)
    }
}

struct Share: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Share fields of a subject with a recipient; the disclosure is recorded with the decision.",
        discussion: "Exit 0 permit, 2 deny, 3 partial.\n\nExamples:\n  custos share --subject D-1001 --purpose P-DEBT-COLLECT --fields \\\n      claim_details --recipient R-CLIENT \\\n      --recipient-name \"Energie Noord B.V.\" --actor collections-service\n  custos share --subject D-1001 --purpose P-DEBT-COLLECT --fields \\\n      claim_details --recipient R-FOREIGN-LAWYER --recipient-name \\\n      \"Avukatlık Bürosu Demir\" --destination TR --procedure \"Istanbul 2025/311\" --actor collections-service")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(help: "The purpose the data is used for, as the policy declares it.") var purpose: String
    @Option(help: "Comma-separated field ids.") var fields: String
    @Option(help: "The recipient, as the policy declares it.") var recipient: String
    @Option(help: ArgumentHelp("The actual recipient, for a recipient the policy names per disclosure (the client, a foreign lawyer).", valueName: "name")) var recipientName: String?
    @Option(help: "Destination country for recipients given per disclosure.") var destination: String?
    @Option(help: "Procedure reference for an Art. 49(1)(e) transfer.") var procedure: String?
    @Option(help: "The actor asking, as the policy names it.") var actor = "officer"

    func run() throws {
        let engine = try global.openServiceEngine()
        try finish(engine.share(subject: subject, fields: fieldList(fields), purpose: purpose, recipient: recipient, recipientName: recipientName,
                                destination: destination, procedure: procedure, actor: actor), output: global.output)
    }
}

struct SubjectAddCategory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-category", abstract: "Record that a subject is also another kind of subject.",
        discussion: "A purpose applies to a subject when it covers any of the subject's categories, with the basis declared for that category.\n\nExample:\n  custos subject add-category --id D-1001 --category website_user")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var id: String
    @Option(help: "The further category, as the policy declares it.") var category: String

    func run() throws {
        let engine = try global.openSubjects()
        do { try engine.addCategory(category, to: id, by: operatingSystemUser) } catch { throw ExitStatus.report(error) }
        try answer(global.output, ["subject \(id) is also '\(category)'"], json: ["subject": id, "category": category])
    }
}
