import Custos
import Foundation
import Testing
@testable import CustosServer

/// A subject's objections on the console's dossier: only a general objection is assessed, so
/// only it can be awaiting an assessment.
@Suite("where an objection stands, in the console's words")
struct ObjectionStateTests {
    @Test func onlyAGeneralObjectionWaitsForAnAssessment() throws {
        let pages = try WebPages(overrides: nil, controller: ("Invorderingsbedrijf B.V.", "privacy@example.nl", nil), folder: "Console",
                                 templates: Console.pageNames, stylesheet: "console.css", home: "/console")
        let at = Instant(millisecondsSinceEpoch: 0)
        func state(_ kind: ObjectionKind, _ assessment: ObjectionAssessment?) -> String {
            Console.objectionState(Objection(purpose: "P-SCORING", kind: kind, at: at, assessment: assessment), pages: pages, "nl")
        }
        #expect(state(.general, nil) == "wacht op beoordeling" && state(.general, .pending) == "wacht op beoordeling")
        #expect(state(.general, .upheld) == "gegrond: verwerking gestopt")
        #expect(state(.general, .overridden) == "dwingende gerechtvaardigde gronden wegen zwaarder")
        #expect(state(.directMarketing, nil) == "verwerking gestopt, zonder beoordeling (art. 21 lid 3)", "absolute: never awaiting")
        #expect(state(.automatedDecision, nil) == "een mens neemt deze besluiten nu (art. 22 lid 3)")
    }
}
