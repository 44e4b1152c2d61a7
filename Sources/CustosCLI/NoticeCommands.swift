import ArgumentParser
import Custos
import CustosDecision
import CustosStore
import Foundation

struct NoticeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notice", abstract: "The Art. 14 information duty: who must be told about data obtained from others, by when.",
        discussion: """
        A subject whose data came from someone else (the policy's `obtained-from`, matched on the provenance the vault recorded) must get the purpose's notice within one month, at the first communication, or before the first disclosure, whichever comes first (Art. 14(3)). A share or communication before it is permitted only with the obligation inform-subject-first, which leaves a task here.

        Examples:
          custos notice list --due-within 7d
          custos notice sent --subject D-100001 --notice N-PRIVACY --channel post
          custos notice exempt --subject P-300001 --notice N-PRIVACY --ground disproportionate-effort --reason "…"
        """,
        subcommands: [NoticeList.self, NoticeSent.self, NoticeExempt.self])
}


struct NoticeList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List subjects who must still be told (by deadline, overdue first); --sent lists those who were.",
        discussion: "Examples:\n  custos notice list\n  custos notice list --due-within 7d\n  custos notice list --sent -o json")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only those whose deadline ends within this (e.g. 48h, 7d); overdue ones always show.") var dueWithin: String?
    @Flag(help: "List the information given and the Art. 14(5) exceptions instead.") var sent = false

    func run() throws {
        let seconds = try dueWithin.map { try parseWithin($0, option: "due-within") }
        let engine = try global.openOffice().information
        let now = engine.now
        let duties = try refusable { try engine.informationDuties() }
        if sent {
            let settled = duties.filter(\.isSettled)
            let lines = settled.compactMap { duty -> String? in
                guard let record = duty.record else { return nil }
                let how = record.exception.map { "not owed: \($0.rawValue) (\($0.article))" } ?? "given \(record.at)\(record.channel.map { " by \($0)" } ?? "")\(duty.wasLate ? " (late)" : "")"
                return "\(duty.subject)  \(duty.notice)  \(how); recorded by \(record.recordedBy)"
            }
            try answer(global.output, lines.isEmpty ? ["no information recorded"] : lines, json: ["information": settled.map { json($0, now: now) }])
            return
        }
        let owed = duties.filter { duty in
            !duty.isSettled && (seconds.map { duty.deadline.due.millisecondsSinceEpoch <= now.millisecondsSinceEpoch + $0 * 1000 } ?? true)
        }
        let lines = owed.map { duty -> String in
            let state = duty.isOverdue(at: now) ? "OVERDUE" : "due"
            let early = duty.task.map { " (\($0.trigger.rawValue) \($0.at)\($0.recipient.map { " to \($0)" } ?? ""))" } ?? ""
            return "\(duty.subject)  \(duty.category)  \(duty.notice)  \(state) \(duty.deadline.due) by \(duty.deadline.trigger.article)\(early)  from \(duty.sources.joined(separator: ", "))"
        }
        let summary = "\(owed.count) to inform\(dueWithin.map { " within \($0)" } ?? ""), \(owed.filter { $0.isOverdue(at: now) }.count) overdue; \(duties.filter(\.isSettled).count) informed or exempt"
        try answer(global.output, owed.isEmpty ? [summary] : lines + [summary], json: ["owed": owed.map { json($0, now: now) }])
    }

    private func json(_ duty: PrivacyEngine.InformationDuty, now: Instant) -> [String: Any] {
        var object: [String: Any] = [
            "subject": duty.subject, "category": duty.category, "notice": duty.notice, "purposes": duty.purposes, "sources": duty.sources,
            "fields": duty.fields, "obtained-at": duty.obtainedAt.description, "deadline": duty.deadline.due.description,
            "trigger": duty.deadline.trigger.rawValue, "article": duty.deadline.trigger.article, "overdue": duty.isOverdue(at: now),
        ]
        if let task = duty.task {
            object["first-use"] = ["trigger": task.trigger.rawValue, "at": task.at.description, "purpose": task.purpose,
                                   "recipient": task.recipient ?? NSNull(), "log-sequence": task.logSequence ?? NSNull()] as [String: Any]
        }
        if let record = duty.record {
            object["record"] = ["at": record.at.description, "exception": record.exception?.rawValue ?? NSNull(), "ground": record.ground ?? NSNull(),
                                "channel": record.channel ?? NSNull(), "recorded-by": record.recordedBy, "late": duty.wasLate] as [String: Any]
        }
        return object
    }
}

struct NoticeSent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sent", abstract: "Record that a subject was given a notice's information (a letter posted, an e-mail sent).",
        discussion: "Example:\n  custos notice sent --subject D-100001 --notice N-PRIVACY --channel post --at 2025-10-09T10:00:00+02:00")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject id.") var subject: String
    @Option(help: "The notice id in the policy.") var notice: String
    @Option(help: "When it was sent (ISO 8601 with offset; default now): not later than now, nor before 1900.") var at: String?
    @Option(help: "How: post, email, in-person, … (no address).") var channel: String?

    func run() throws {
        let sentAt = try parseInstant(at, option: "at")
        let engine = try global.openOffice().information
        let when = sentAt ?? engine.now
        try refusable { try engine.recordInformationGiven(subject: subject, notice: notice, at: when, channel: channel, by: operatingSystemUser) }
        try answer(global.output, ["recorded: \(subject) was given \(notice) at \(when)"],
                   json: ["subject": subject, "notice": notice, "at": when.description, "channel": channel ?? NSNull()])
    }
}

struct NoticeExempt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exempt", abstract: "Record the officer's decision that the information is not owed, on an Art. 14(5) ground.",
        discussion: """
        Grounds: already-informed (a), disproportionate-effort (b; then make the information public), required-by-law (c), professional-secrecy (d). The reason is the officer's assessment; it must hold no personal data.

        Example:
          custos notice exempt --subject P-300001 --notice N-PRIVACY --ground already-informed --reason "told in person at the fair, form F-12"
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The subject id.") var subject: String
    @Option(help: "The notice id in the policy.") var notice: String
    @Option(help: "already-informed, disproportionate-effort, required-by-law or professional-secrecy.") var ground: String
    @Option(help: "Why the ground applies (no personal data).") var reason: String

    func run() throws {
        guard let exception = InformationException(rawValue: ground) else {
            throw ValidationError("--ground is one of " + InformationException.allCases.map(\.rawValue).joined(separator: ", ") + ", not '\(ground)'")
        }
        let engine = try global.openOffice().information
        try refusable { try engine.recordInformationException(subject: subject, notice: notice, exception: exception, ground: reason, by: operatingSystemUser) }
        try answer(global.output, ["recorded: \(subject) is not owed \(notice) under \(exception.article)"],
                   json: ["subject": subject, "notice": notice, "exception": exception.rawValue, "article": exception.article])
    }
}
