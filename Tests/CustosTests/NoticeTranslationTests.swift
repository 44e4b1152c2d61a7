import Custos
import CustosCrypto
import CustosPolicy
import CustosStore
import CustosTestSupport
import Foundation
import Testing

/// A notice version in several languages (DESIGN §11): each text hashed on its own, the one a
/// person was shown recorded with their consent (gdpr.md §4.4 `notice_language`,
/// `notice_hash`), and the privacy centre showing the visitor's language where it exists.
extension OnBothBackends {
struct NoticeTranslationTests {
    static let web = WebActor(actor: "web-portal", identityPurpose: "P-RIGHTS-ADMIN")

    func prospect(_ fixture: BackendFixture) throws {
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "pr@example.nl"], source: "web-form"), by: "test")
    }

    /// The seed's newsletter notice, version 2 (in force on the fixtures' date).
    func newsletterVersion(_ fixture: BackendFixture) throws -> NoticeVersion {
        try #require(fixture.engine.policy.policy.notice("N-NEWS")?.versions.first { $0.version == 2 })
    }

    @Test(arguments: Backend.reachable) func aConsentRecordsTheLanguageAndTheHashOfTheTextShown(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            let engine = fixture.engine
            let version = try newsletterVersion(fixture)
            let dutch = try #require(version.text(exactly: "nl")), english = try #require(version.text(exactly: "en"))
            #expect(dutch.contentHash != english.contentHash && english.content.contains("newsletter"), "each language is a text of its own")

            let outcomes = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], noticeVersion: 2, noticeLanguage: "en",
                                                               method: .explicitClick, channel: "web-form", ageAtConsent: 40), by: "test")
            guard case .recorded = try #require(outcomes.first) else { Issue.record("refused: \(outcomes)"); return }
            let given = try #require(try engine.consents(for: "PR-1").current["P-NEWSLETTER-EMAIL"])
            #expect(given.language == "en" && given.noticeHash == english.contentHash)
            let receipt = try engine.consentReceipt(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL")
            #expect(receipt.receipt.privacyNotice?.language == "en" && receipt.receipt.privacyNotice?.contentHash == english.contentHash)

            // Without a language the consent records the version's own text, as before.
            _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], noticeVersion: 2, method: .explicitClick,
                                                    channel: "letter", ageAtConsent: 40), by: "test")
            let renewed = try #require(try engine.consents(for: "PR-1").current["P-NEWSLETTER-EMAIL"])
            #expect(renewed.language == "nl" && renewed.noticeHash == dutch.contentHash)
        }
    }

    @Test(arguments: Backend.reachable) func aLanguageTheVersionHasNoTextInIsRefusedAndChangesNothing(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            let engine = fixture.engine
            let outcomes = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], noticeLanguage: "de",
                                                               method: .explicitClick, channel: "web-form", ageAtConsent: 40), by: "test")
            guard case let .refused(_, code, message) = try #require(outcomes.first) else { Issue.record("recorded: \(outcomes)"); return }
            #expect(code == .consentUnprovable && message.contains("'de'") && message.contains("nl, en"), "the refusal names what the version has")
            let consents = try engine.consents(for: "PR-1")
            #expect(consents.current["P-NEWSLETTER-EMAIL"] == nil && consents.refusals.contains { $0.code == .consentUnprovable })

            #expect(throws: StoreError.self, "a malformed code is an input error, not a refusal on record") {
                try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], noticeLanguage: "EN",
                                                    method: .explicitClick, channel: "web-form", ageAtConsent: 40), by: "test")
            }
            #expect(try engine.consents(for: "PR-1").refusals.count == consents.refusals.count)
        }
    }

    @Test(arguments: Backend.reachable) func thePreferenceCentreShowsTheVisitorsLanguageWhereItExists(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            // A debtor of known age, whom the web may ask for the debt-help referral's consent.
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "jan@example.nl", "birth_date": "1980-05-05"],
                                                     source: "client"), by: "test")
            let door = fixture.engine.publicDoor
            let version = try #require(fixture.engine.policy.policy.notice("N-DEBT-HELP")?.versions.first)
            let english = try #require(try door.preferenceChoices(subject: "D-1", language: "en").first { $0.purpose == "P-DEBT-HELP-REFERRAL" })
            #expect(english.noticeLanguage == "en" && english.noticeText == version.text(exactly: "en")?.content)
            let german = try #require(try door.preferenceChoices(subject: "D-1", language: "de").first { $0.purpose == "P-DEBT-HELP-REFERRAL" })
            #expect(german.noticeLanguage == "nl" && german.noticeText == version.content, "no German text: the version's own")

            let refusal = try door.setPreference(subject: "D-1", purpose: "P-DEBT-HELP-REFERRAL", give: true, noticeVersion: english.noticeVersion,
                                                 noticeLanguage: english.noticeLanguage, evidence: "privacy centre; client 00", actor: "web-portal")
            #expect(refusal == nil)
            let given = try #require(try fixture.engine.consents(for: "D-1").current["P-DEBT-HELP-REFERRAL"])
            #expect(given.language == "en" && given.noticeHash == version.text(exactly: "en")?.contentHash && given.channel == "web-form")
        }
    }

    @Test(arguments: Backend.reachable) func theAccessAnswerSaysWhichNoticeTextEachConsentRestsOn(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "jan@example.nl", "birth_date": "1980-05-05", "person_name": "Jan de Vries"],
                                                     source: "client"), by: "test")
            let engine = fixture.engine
            _ = try engine.giveConsent(ConsentGrant(subject: "D-1", purposes: ["P-DEBT-HELP-REFERRAL"], noticeLanguage: "en", method: .signedForm,
                                                    channel: "letter"), by: "officer")
            try engine.withdrawConsent(subject: "D-1", purposes: ["P-DEBT-HELP-REFERRAL"], channel: "phone", evidence: nil, effective: nil, by: "officer")
            let request = try engine.openRequest(subject: "D-1", type: .access, channel: "letter", identityVerifiedBy: "file number", by: "officer")
            let dutch = try engine.fulfilAccess(request: request.id, by: "officer", language: "nl").html
            #expect(dutch.contains("<h2>Uw toestemmingen</h2>"))
            #expect(dutch.contains("die eindigde op") && !dutch.contains("U kunt die altijd intrekken"),
                    "a withdrawn consent is not described as the basis in force")
            #expect(dutch.contains("Die berust op versie 1 van onze verklaring, getoond in het Engels."), "the text the consent rests on, in the reader's words")
            #expect(dutch.contains("trok u uw toestemming voor „Doorverwijzen naar de gemeentelijke schuldhulp” in."), "the purpose's title in Dutch")
            let again = try engine.openRequest(subject: "D-1", type: .access, channel: "e-mail", identityVerifiedBy: "file number", by: "officer")
            let english = try engine.fulfilAccess(request: again.id, by: "officer", language: "en").html
            #expect(english.contains("It rests on version 1 of our notice, shown in English.") && english.contains("you withdrew your consent to “Referring a debtor to municipal debt help”."))
            #expect(dutch.firstRange(of: "gaf u toestemming")!.lowerBound < dutch.firstRange(of: "trok u uw toestemming")!.lowerBound, "oldest first")
        }
    }

    /// What a person is shown is exactly what the consent's hash covers: the loader keeps each
    /// text it hashed (the privacy centre read the file again at every page before).
    @Test func everyTextShownIsTheTextItsHashCovers() throws {
        let loaded = PolicyLoader.load(directory: RepositoryPaths.seedPolicy)
        let policy = loaded.policy
        #expect(loaded.isValid)
        var texts = 0
        for notice in policy.notices {
            for version in notice.versions {
                for language in version.languages {
                    let text = try #require(version.text(exactly: language), "\(notice.id.id)@\(version.version) in \(language)")
                    #expect(text.contentHash == "blake2b-256:" + Blake2b.hex(Blake2b.hash(Array(text.content.utf8))))
                    texts += 1
                }
            }
        }
        #expect(texts == 8, "five versions in Dutch, three of them in English too")
    }
}
}
