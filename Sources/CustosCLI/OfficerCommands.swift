import ArgumentParser
import Custos
import Foundation

struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hold", abstract: "Place and lift legal holds (Art. 17(3)(e)).",
                                                    discussion: "Examples:\n  custos hold place --subject D-1001 --reference \"C/09/654321\"\n  custos hold lift --id 1",
        subcommands: [HoldPlace.self, HoldLift.self])
}

struct HoldPlace: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "place", abstract: "Keep a subject's data beyond retention for proceedings.",
        discussion: "Example:\n  custos hold place --subject D-1001 --reference \"C/09/654321\" --fields \\\n      claim_details,payment_history")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(help: "Case or court reference.") var reference: String
    @Option(help: "From this date (default today).") var since: String?
    @Option(help: "Only these fields (comma-separated).") var fields: String?
    @Option(help: "Only these purposes (comma-separated).") var purposes: String?

    func run() throws {
        let date = try parseDate(since, option: "since")
        let engine = try global.openOffice().officer
        do {
            let id = try engine.placeHold(subject: subject, reference: reference, since: date, fields: fields.map(fieldList),
                                          purposes: purposes.map(fieldList), by: operatingSystemUser)
            try answer(global.output, ["legal hold #\(id) placed on \(subject)"], json: ["hold": id, "subject": subject, "placed": true])
        } catch { throw ExitStatus.report(error) }
    }
}

struct HoldLift: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lift", abstract: "End a legal hold; it stays on record.",
        discussion: "Example:\n  custos hold lift --id 1")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The number the place or record command printed.") var id: Int64
    func run() throws {
        let engine = try global.openOffice().officer
        do { try engine.liftHold(id: id, by: operatingSystemUser); try answer(global.output, ["legal hold #\(id) lifted"], json: ["hold": id, "lifted": true]) } catch { throw ExitStatus.report(error) }
    }
}

struct ObjectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "objection", abstract: "Record objections and their Art. 21(1) assessment.",
                                                    discussion: "Examples:\n  custos objection record --subject D-1001 --purpose P-SCORING\n  custos objection assess --id 1 --outcome upheld",
        subcommands: [ObjectionRecord.self, ObjectionAssess.self])
}

struct ObjectionRecord: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "Record an objection; it takes effect at once.",
        discussion: "Examples:\n  custos objection record --subject D-1001 --purpose P-SCORING\n  custos objection record --subject C-2001 --kind direct-marketing\n  custos objection record --subject D-1001 --purpose P-SCORING --effective 2025-06-02T09:00:00+02:00")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(help: "The purpose objected to; all purposes it can apply to when left out.") var purpose: String?
    @Option(help: "general, direct-marketing or automated-decision (Art. 22(3): a human must review).") var kind = "general"
    @Option(help: "When it reached us, ISO 8601 with offset (default now; never later than now), e.g. a letter received yesterday.") var effective: String?

    func run() throws {
        guard let objectionKind = ObjectionKind(rawValue: kind) else { throw ValidationError("--kind is general, direct-marketing or automated-decision") }
        let effectiveAt = try parseInstant(effective, option: "effective")
        let engine = try global.openServiceEngine()
        do {
            let id = try engine.recordObjection(subject: subject, purpose: purpose, kind: objectionKind, effective: effectiveAt)
            let effect = switch objectionKind {
            case .directMarketing: "direct marketing stops"
            case .automatedDecision: "automated decisions need a human review"
            case .general: "processing stops until an assessment is recorded"
            }
            try answer(global.output, ["objection #\(id) recorded: \(effect)"], json: ["objection": id, "subject": subject, "purpose": purpose ?? NSNull(), "kind": objectionKind.rawValue, "effect": effect])
        } catch { throw ExitStatus.report(error) }
    }
}

struct ObjectionAssess: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "assess", abstract: "Record the assessment of an objection.",
                                                    discussion: "The Art. 21(1) balancing of a general objection: overridden needs --reference to the documented compelling legitimate grounds. An objection to direct marketing (absolute, Art. 21(3)) or to automated decisions (Art. 22(3)) takes no assessment and is refused.\n\nExample:\n  custos objection assess --id 1 --outcome overridden --reference OBJ-14")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The number the place or record command printed.") var id: Int64
    @Option(help: "upheld or overridden.") var outcome: String
    @Option(help: "Reference of the documented assessment.") var reference: String?

    func run() throws {
        guard let assessment = ObjectionAssessment(rawValue: outcome), assessment != .pending else { throw ValidationError("--outcome is upheld or overridden") }
        let engine = try global.openOffice().officer
        do { try engine.assessObjection(id: id, assessment: assessment, reference: reference, by: operatingSystemUser); try answer(global.output, ["objection #\(id): \(outcome)"], json: ["objection": id, "assessment": assessment.rawValue, "reference": reference ?? NSNull()]) } catch { throw ExitStatus.report(error) }
    }
}

struct RestrictionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restriction", abstract: "Place and lift restrictions of processing (Art. 18).",
                                                    discussion: "Examples:\n  custos restriction place --subject D-1001 --ground \"accuracy contested\"\n  custos restriction lift --id 1",
        subcommands: [RestrictionPlace.self, RestrictionLift.self])
}

struct RestrictionPlace: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "place", abstract: "Restrict processing to storage (with the Art. 18(2) exceptions).",
        discussion: "Example:\n  custos restriction place --subject D-1001 --fields bank_account --ground \\\n      \"accuracy contested\"")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject's id.") var subject: String
    @Option(help: "Only these fields (comma-separated); all when left out.") var fields: String?
    @Option(help: "The Art. 18(1) ground, e.g. accuracy contested.") var ground: String

    func run() throws {
        let engine = try global.openOffice().officer
        do { let id = try engine.placeRestriction(subject: subject, fields: fields.map(fieldList), ground: ground); try answer(global.output, ["restriction #\(id) placed"], json: ["restriction": id, "subject": subject, "placed": true]) } catch { throw ExitStatus.report(error) }
    }
}

struct RestrictionLift: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lift", abstract: "Lift a restriction after telling the subject (Art. 18(3)).",
        discussion: "The subject is told of the lifting while the restriction is in force: --informed-at lies between its placing and now (default now, when telling is part of this step).\n\nExamples:\n  custos restriction lift --id 1\n  custos restriction lift --id 1 --informed-at 2025-06-02T09:00:00+02:00")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The number the place or record command printed.") var id: Int64
    @Option(help: "When the subject was told (ISO 8601): after the restriction was placed, not after now; default now.") var informedAt: String?

    func run() throws {
        let given = try parseInstant(informedAt, option: "informed-at")
        let engine = try global.openOffice().officer
        do { let informed = try engine.liftRestriction(id: id, subjectInformedAt: given); try answer(global.output, ["restriction #\(id) lifted"], json: ["restriction": id, "lifted": true, "subject-informed-at": informed.description]) } catch { throw ExitStatus.report(error) }
    }
}

struct SubProcessorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subprocessor", abstract: "Record and list sub-processor authorisations (Art. 28(2)).",
        discussion: "The policy states how each sub-processor is authorised (specific, or general with an objection window); the officer's records (an objection, an early approval, a withdrawal) are kept in the vault and decide from their date on. A share to a processor is refused while any of its sub-processors is not authorised.\n\nExamples:\n  custos subprocessor list\n  custos subprocessor record --recipient R-CRM-SUPPORT --state objected \\\n      --note \"support from outside the EEA\"",
        subcommands: [SubProcessorList.self, SubProcessorRecordCommand.self])
}

struct SubProcessorList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Each sub-processor, its authorisation and whether it holds now.",
        discussion: "Example:\n  custos subprocessor list -o json")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        let engine = try global.openOffice().officer
        do {
            let statuses = try engine.subProcessors()
            let lines = statuses.map { status in
                let holds: String = switch status.holding { case .holds: "authorised"; case let .fails(why): "NOT authorised: \(why)" }
                return "\(status.recipient) (\(status.name)), engaged by \(status.engagedBy ?? "?"): policy \(status.policy); \(status.records.count) record\(status.records.count == 1 ? "" : "s"); \(holds)"
            }
            try answer(global.output, lines.isEmpty ? ["the policy declares no sub-processors"] : lines, json: ["sub-processors": statuses.map { status in
                ["recipient": status.recipient, "engaged-by": status.engagedBy ?? "", "policy": status.policy, "authorised": status.holding.holds,
                 "records": status.records.map { ["id": $0.id, "state": $0.record.state.rawValue, "at": $0.record.at.description] as [String: Any] }] as [String: Any]
            }])
        } catch { throw ExitStatus.report(error) }
    }
}

struct SubProcessorRecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "Record an objection, approval or withdrawal for a sub-processor.",
        discussion: "Example:\n  custos subprocessor record --recipient R-CRM-SUPPORT --state authorised")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The sub-processor, as the policy declares it.") var recipient: String
    @Option(help: ArgumentHelp("authorised, objected or withdrawn.", valueName: "state")) var state: String
    @Option(help: "Effective from this instant, ISO 8601 with offset (default now).") var at: String?
    @Option(help: "Why, for the record (no personal data).") var note: String?

    func validate() throws {
        guard AuthorisationState(rawValue: state) != nil else { throw ValidationError("--state must be authorised, objected or withdrawn") }
        if let at, Instant(iso8601: at) == nil { throw ValidationError("--at must be an ISO 8601 instant with offset, e.g. 2025-04-15T12:00:00+02:00") }
    }

    func run() throws {
        let engine = try global.openOffice().officer
        do {
            let id = try engine.recordSubProcessor(recipient, state: AuthorisationState(rawValue: state)!, effective: at.flatMap(Instant.init(iso8601:)),
                                                   note: note, by: operatingSystemUser)
            try answer(global.output, ["sub-processor record #\(id): \(recipient) \(state)"], json: ["record": id, "recipient": recipient, "state": state])
        } catch let refusal as SubProcessorRefusal {
            StandardError.error(refusal.description)
            throw ExitStatus.usage
        } catch { throw ExitStatus.report(error) }
    }
}
