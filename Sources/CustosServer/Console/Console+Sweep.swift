import Foundation
import Hummingbird
import Custos
import CustosDecision

/// The retention sweep: the dry run as a reviewable list (counts per purpose and rule, a
/// sample of subjects), and the real run only after a confirmation that names the numbers,
/// which must still be the numbers when it runs.
extension Console {
    static let sweepSample = 25

    func sweepPage(_ visit: Visit) async throws -> Response {
        let office = self.office, language = visit.language
        let plan = try await call { try office.sweeper.sweepRetention(dryRun: true, by: "console") }
        let affected = plan.subjects.filter { !$0.destroyed.isEmpty }
        // Per purpose and rule: each destroyed field names, per purpose, the rule that ended,
        // or that the purpose never held it for this person.
        var perRule: [String: (fields: Int, subjects: Set<String>)] = [:]
        for subject in affected {
            for field in subject.destroyed {
                let keys = field.released.isEmpty ? [pages.text("sweep.noPurpose", language)]
                    : field.released.map { "\($0.purpose) · \($0.rule ?? pages.text("sweep.notHeld", language))" }
                for key in keys {
                    perRule[key, default: (0, [])].fields += 1
                    perRule[key, default: (0, [])].subjects.insert(subject.subject)
                }
            }
        }
        var values: [String: Any] = [
            "date": plan.date.description, "examined": plan.subjectsExamined, "fields": plan.fieldsDestroyed, "subjects": affected.count,
            "shredded": plan.subjectsShredded, "tasks": plan.tasks, "vaultFields": plan.vaultFields, "nothing": plan.fieldsDestroyed == 0,
            "confirmationNeeded": plan.confirmationNeeded,
            "rules": perRule.keys.sorted().map { ["rule": $0, "fields": perRule[$0]!.fields, "subjects": perRule[$0]!.subjects.count] },
            "sample": affected.prefix(Self.sweepSample).map { subject -> [String: Any] in
                ["subject": subject.subject, "href": "/console/subjects/\(subject.subject)", "destroyed": subject.destroyed.map(\.field).joined(separator: ", "),
                 "kept": subject.kept.joined(separator: ", "), "shred": subject.subjectKeyDestroyed]
            },
            "sampleNote": pages.text("sweep.sample", language, ["shown": "\(min(Self.sweepSample, affected.count))", "all": "\(affected.count)"]),
            "confirmText": pages.text("sweep.confirm", language, ["fields": "\(plan.fieldsDestroyed)", "subjects": "\(affected.count)", "shredded": "\(plan.subjectsShredded)"]),
            "csrf": visit.canAct ? csrf(visit, "sweep") : "",
        ]
        if let log = plan.log, log.entriesPruned > 0 { values["log"] = "\(log.entriesPruned)" }
        return page("sweep", visit, title: pages.text("nav.sweep", language), here: "/console/sweep", values: values)
    }

    func runSweep(_ visit: Visit, form: FormBody) async throws -> Response {
        let language = visit.language
        let back = ("/console/sweep", pages.text("nav.sweep", language))
        guard form["confirm"] == "on", let fields = form["fields"].flatMap(Int.init), let subjects = form["subjects"].flatMap(Int.init),
              let shredded = form["shredded"].flatMap(Int.init) else {
            return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("sweep.notConfirmed", language)], back: back, refused: true)
        }
        let office = self.office, actor = visit.actor
        let result = try await call { () -> Result<RetentionSweepReport, SweepChanged> in
            // The numbers confirmed must be today's plan: a sweep that grew since the review
            // is refused and shown again.
            let plan = try office.sweeper.sweepRetention(dryRun: true, by: actor)
            let planned = (plan.fieldsDestroyed, plan.subjects.filter { !$0.destroyed.isEmpty }.count, plan.subjectsShredded)
            guard planned == (fields, subjects, shredded) else { return .failure(SweepChanged(now: planned)) }
            return .success(try office.sweeper.sweepRetention(dryRun: false, by: actor, safety: SweepSafety(confirmedFields: plan.fieldsDestroyed)))
        }
        sweepPlans.forget()
        switch result {
        case let .success(report):
            return outcome(visit, heading: pages.text("sweep.done", language), lines: [
                pages.text("sweep.result", language, ["examined": "\(report.subjectsExamined)", "fields": "\(report.fieldsDestroyed)",
                                                      "shredded": "\(report.subjectsShredded)", "tasks": "\(report.tasks)"]),
            ], back: ("/console", pages.text("nav.today", language)))
        case let .failure(changed):
            return outcome(visit, heading: pages.text("refused", language), lines: [
                pages.text("sweep.changed", language, ["fields": "\(changed.now.0)", "subjects": "\(changed.now.1)", "shredded": "\(changed.now.2)"]),
            ], back: back, refused: true)
        }
    }

    struct SweepChanged: Error { let now: (Int, Int, Int) }
}
