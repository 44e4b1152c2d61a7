import Foundation
import Hummingbird
import Custos
import CustosDecision

/// What waits on the officer besides requests: Art. 19 notifications and processor
/// instructions to mark done, and objections to assess under Art. 21(1).
extension Console {
    func taskDone(_ visit: Visit, id: String) async throws -> Response {
        let language = visit.language, office = self.office, actor = visit.actor
        let back = ("/console", pages.text("nav.today", language))
        guard let task = Int64(id) else {
            return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("form.noTask", language, ["id": id])], back: back, refused: true)
        }
        do {
            try await call { try office.rights.completeTask(task, by: actor) }
            return outcome(visit, heading: pages.text("done.task", language, ["id": id]), lines: [], back: back)
        } catch {
            return refused(visit, error, back: back)
        }
    }

    func assess(_ visit: Visit, id: String, form: FormBody) async throws -> Response {
        let language = visit.language, office = self.office, actor = visit.actor
        let back = ("/console", pages.text("nav.today", language))
        guard let objection = Int64(id), let assessment = form["assessment"].flatMap(ObjectionAssessment.init(rawValue:)) else {
            return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("assess.choose", language)], back: back, refused: true)
        }
        let reference = form["reference"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        do {
            try await call { try office.officer.assessObjection(id: objection, assessment: assessment, reference: reference, by: actor) }
            return outcome(visit, heading: pages.text("done.assess", language, ["id": id]), lines: [pages.text("assessment.\(assessment.rawValue)", language)], back: back)
        } catch {
            return refused(visit, error, back: back)
        }
    }

    /// The channels the information form offers.
    static let noticeChannels: Set<String> = ["post", "email"]

    /// The Art. 14 information was sent to a subject (the letter posted, the e-mail gone).
    func informationSent(_ visit: Visit, subject: String, form: FormBody) async throws -> Response {
        let language = visit.language, office = self.office, actor = visit.actor
        let back = ("/console", pages.text("nav.today", language))
        // The form offers post and e-mail; anything else was not sent through it.
        guard let notice = form["notice"], !notice.isEmpty, let channel = form["channel"], Self.noticeChannels.contains(channel) else {
            return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("page.badForm.text", language)], back: back, refused: true)
        }
        do {
            try await call { try office.information.recordInformationGiven(subject: subject, notice: notice, at: office.now, channel: channel, by: actor) }
            informationOwed.forget()
            return outcome(visit, heading: pages.text("done.information", language, ["subject": subject, "notice": notice]), lines: [], back: back)
        } catch let refusal as InformationRefusal {
            return refused(visit, refusal, back: back)
        }
    }
}
