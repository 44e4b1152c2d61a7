import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

/// The privacy centre's engine side (DESIGN §11): e-mail codes, requests opened on a
/// confirmed address, status links and stored answers, preferences and JWS receipts.
extension OnBothBackends {
struct PrivacyCentreTests {
    static let web = WebActor(actor: "web-portal", identityPurpose: "P-RIGHTS-ADMIN")

    func debtor(_ fixture: BackendFixture) throws {
        try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: [
            "email": "jan@example.nl", "case_number": "INV-2025-0042", "postal_address": "Kerkstraat 1, 1234 AB Utrecht", "person_name": "Jan de Vries",
        ], source: "client"), by: "test")
        try fixture.engine.recordEvent(subject: "D-1", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
    }

    func code(_ engine: TestEngine) throws -> String {
        let message = try #require(try engine.outbox(pendingOnly: true).first { $0.kind == "email-code" })
        return String(message.body.split(separator: " ").first { $0.count >= 6 && $0.prefix(6).allSatisfy(\.isNumber) }!.prefix(6))
    }

    @Test(arguments: Backend.reachable) func aCodeConfirmsOnceAndFiveWrongTriesLock(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let engine = fixture.engine
            let id = try engine.publicDoor.startEmailChallenge(kind: "request", email: "someone@example.nl", payload: Data("{}".utf8)) { ("Code", "Your code is \($0).") }
            let right = try code(engine)
            let wrong = right == "000000" ? "111111" : "000000"
            #expect(try engine.publicDoor.answerEmailChallenge(id, code: wrong) == .wrong(remaining: 4))
            guard case .confirmed = try engine.publicDoor.answerEmailChallenge(id, code: right) else { Issue.record("the right code did not confirm"); return }
            #expect(try engine.publicDoor.answerEmailChallenge(id, code: right) == .locked, "a code is used once")

            let other = try engine.publicDoor.startEmailChallenge(kind: "request", email: "someone@example.nl", payload: Data()) { ("Code", "Your code is \($0).") }
            for remaining in [4, 3, 2, 1] { #expect(try engine.publicDoor.answerEmailChallenge(other, code: "12345x") == .wrong(remaining: remaining)) }
            #expect(try engine.publicDoor.answerEmailChallenge(other, code: "999999") == .locked, "the fifth wrong try locks, right or not")
            #expect(try engine.publicDoor.recentCodeRequests(email: " SomeOne@Example.nl", minutes: 15) == 2, "addresses compare without case and spaces")

            let late = try engine.publicDoor.startEmailChallenge(kind: "request", email: "late@example.nl", payload: Data()) { ("Code", "Your code is \($0).") }
            fixture.clock.set(Instant(millisecondsSinceEpoch: fixture.clock.now.millisecondsSinceEpoch + 15 * 60_000))
            #expect(try engine.publicDoor.answerEmailChallenge(late, code: "000000") == .expired)
            #expect(try engine.publicDoor.answerEmailChallenge("no-such-challenge", code: "000000") == .unknown)
        }
    }

    @Test(arguments: Backend.reachable) func aConfirmedAddressOpensTheRequestWithTheIdentityCheckAsEvidence(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try debtor(fixture)
            let engine = fixture.engine
            let matching = WebRightsForm(type: .access, email: "JAN@example.nl", identity: ["case_number": "inv-2025-0042", "postal_address.postcode": "1234ab"], language: "en")
            let opened = try engine.publicDoor.openWebRequest(matching, as: Self.web)
            let request = try #require(opened.first?.request)
            #expect(opened.count == 1 && opened[0].identityMatched)
            #expect(request.channel == "web-form" && request.identity == .unverified, "the officer still verifies")
            #expect(request.events.contains { $0.event == "identity-evidence" && $0.detail?.contains("match what is held") == true
                && $0.detailWords?.key == "requestEvent.identityMatches" })
            #expect(try engine.publicDoor.request(forStatusToken: opened[0].statusToken)?.id == request.id)
            #expect(try engine.publicDoor.request(forStatusToken: "x" + opened[0].statusToken) == nil)

            let wrongPostcode = WebRightsForm(type: .erasure, email: "jan@example.nl", identity: ["case_number": "INV-2025-0042", "postal_address.postcode": "9999 ZZ"], language: "nl")
            let second = try engine.publicDoor.openWebRequest(wrongPostcode, as: Self.web)
            #expect(second.count == 1 && !second[0].identityMatched)
            #expect(second[0].request.events.contains { $0.detail?.contains("do not match") == true })
            #expect(try engine.publicDoor.openWebRequest(WebRightsForm(type: .access, email: "nobody@example.nl", identity: [:], language: "nl"), as: Self.web).isEmpty,
                    "an address nobody has opens nothing")
            #expect(try engine.verifyLog().isIntact, "the identity check's reads are logged")
        }
    }

    @Test(arguments: Backend.reachable) func theAnswerIsKeptForTheStatusPageInTheRequestersLanguageAndGoesWithAnErasure(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try debtor(fixture)
            let engine = fixture.engine
            let opened = try #require(try engine.publicDoor.openWebRequest(WebRightsForm(type: .access, email: "jan@example.nl", identity: [:], language: "en"), as: Self.web).first)
            _ = try engine.verifyIdentity(request: opened.request.id, method: "e-mail code and case number", by: "officer")
            let (_, html) = try engine.fulfilAccess(request: opened.request.id, by: "officer")
            #expect(html.contains("<html lang=\"en\">") && html.contains("Collecting claims handed over by clients"), "in the language the person asked in")
            #expect(!html.contains("[proposed]"), "draft markers never reach a subject")
            #expect(html.contains("Autoriteit Persoonsgegevens"))
            let stored = try #require(try engine.publicDoor.storedAnswer(request: opened.request.id))
            #expect(stored.html == html)

            let dutch = try AccessPackageCheck.dutch(engine, subject: "D-1")
            #expect(dutch.contains("Vorderingen innen die opdrachtgevers ons overdragen") && dutch.contains("Dossiernummer op onze brieven"))
            #expect(dutch.contains("gerekend vanaf het sluiten van het incassodossier"), "retention as one sentence, in Dutch")

            let erasure = try engine.openRequest(subject: "D-1", type: .erasure, channel: "web-form", identityVerifiedBy: "e-mail code", by: "officer")
            _ = try engine.fulfilErasure(request: erasure.id, by: "officer")
            #expect(try engine.publicDoor.storedAnswer(request: opened.request.id) == nil, "an erasure takes the stored answer with it")
        }
    }

    @Test(arguments: Backend.reachable) func aRectificationKeepsTheSubjectsOwnWordsSealedUntilAnErasure(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try debtor(fixture)
            let engine = fixture.engine
            let words = "Mijn adres is nu Kade 7, 3511 AB Utrecht-Oost (verhuisd in maart)"
            let opened = try #require(try engine.publicDoor.openWebRequest(
                WebRightsForm(type: .rectification, email: "jan@example.nl", identity: [:], language: "nl", statement: words), as: Self.web).first)
            #expect(try engine.publicDoor.statement(request: opened.request.id) == words)
            let history = try #require(try engine.request(opened.request.id)).events
            #expect(history.contains { $0.event == "statement" && $0.by == "web-portal" }, "the history says who kept words, and when")
            #expect(!history.contains { $0.detail?.contains("Utrecht-Oost") == true }, "never the words themselves")
            if let bytes = fixture.rawFileBytes() {
                #expect(!bytes.contains(subsequence: Array("Utrecht-Oost".utf8)), "sealed under the subject's key, never in clear")
            }
            // Only a rectification carries words; another request's are not kept.
            let access = try #require(try engine.publicDoor.openWebRequest(
                WebRightsForm(type: .access, email: "jan@example.nl", identity: [:], language: "nl", statement: "not kept"), as: Self.web).first)
            #expect(try engine.publicDoor.statement(request: access.request.id) == nil)
            #expect(throws: (any Error).self) { try engine.publicDoor.recordStatement("Mijn naam is anders", request: access.request.id, by: "officer") }
            let accessHistory = try #require(try engine.request(access.request.id)).events
            #expect(try engine.publicDoor.statement(request: access.request.id) == nil && !accessHistory.contains { $0.event == "statement" },
                    "words refused leave neither the words nor a history line")

            let erasure = try engine.openRequest(subject: "D-1", type: .erasure, channel: "web-form", identityVerifiedBy: "e-mail code", by: "officer")
            _ = try engine.fulfilErasure(request: erasure.id, by: "officer")
            #expect(try engine.publicDoor.statement(request: opened.request.id) == nil, "an erasure takes the words with it: they may hold a value it destroyed")
        }
    }

    /// A request from the centre or the API opens with its evidence, words, language and status
    /// link in the transaction that files it: a failure at its last step leaves nothing at all.
    @Test(arguments: Backend.reachable) func aRequestOpensWithEverythingItBringsOrNotAtAll(_ backend: Backend) async throws {
        struct SealFailed: Error {}
        try await BackendFixture.with(backend) { fixture in
            try debtor(fixture)
            let engine = fixture.engine
            let token = "a-status-token-for-this-test-only"
            let hash = engine.publicDoor.store.statusLinkHash(token)
            let failing = RequestOpening(events: [(.identityEvidence, nil), (.statement, nil)], statement: { _ in throw SealFailed() }, statusLinkHash: hash)
            #expect(throws: SealFailed.self) {
                try fixture.service.openRequest(subject: "D-1", type: .rectification, purpose: nil, channel: "web-form", receivedAt: nil, requester: "subject",
                                               mandate: nil, identityVerifiedBy: nil, opening: failing, by: "web-portal")
            }
            #expect(try engine.store.requests(.subject("D-1")).isEmpty, "no request filed")
            #expect(try engine.publicDoor.request(forStatusToken: token) == nil, "and no status link")

            let opened = try #require(try engine.publicDoor.openWebRequest(
                WebRightsForm(type: .rectification, email: "jan@example.nl", identity: [:], language: "en", statement: "My name is Jan de Vries-Ooms"), as: Self.web).first)
            #expect(opened.request.events.map(\.event) == ["received", "identity-evidence", "statement", "language"])
            #expect(try engine.publicDoor.request(forStatusToken: opened.statusToken)?.id == opened.request.id)
            #expect(try engine.publicDoor.statement(request: opened.request.id) == "My name is Jan de Vries-Ooms")
        }
    }

    @Test(arguments: Backend.reachable) func preferencesListConsentPurposesAndAWithdrawalTakesEffectAtOnce(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let engine = fixture.engine
            try engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "pr@example.nl"], source: "web-form"), by: "test")
            _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 40), by: "test")
            let choices = try engine.publicDoor.preferenceChoices(subject: "PR-1")
            let newsletter = try #require(choices.first { $0.purpose == "P-NEWSLETTER-EMAIL" })
            #expect(newsletter.kind == .consent && newsletter.active && newsletter.noticeVersion == 2 && newsletter.noticeText?.isEmpty == false)
            #expect(newsletter.titles["nl"] == "Nieuwsbrief per e-mail")
            #expect(choices.contains { $0.purpose == "P-PROSPECT-MKT-POST" && $0.kind == .directMarketingObjection })
            #expect(!choices.contains { $0.purpose == "P-DEBT-COLLECT" }, "only what can concern this person, and only what is a choice")

            #expect(engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").decision.outcome == .permit)
            #expect(try engine.publicDoor.setPreference(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL", give: false, noticeVersion: 2, evidence: "privacy centre; client 00", actor: "web-portal") == nil)
            let after = engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").decision
            #expect(after.outcome == .deny && after.reasons.contains { $0.code == .consentWithdrawn })
            #expect(throws: (any Error).self) { try engine.publicDoor.setPreference(subject: "PR-1", purpose: "P-DEBT-COLLECT", give: true, noticeVersion: nil, evidence: "", actor: "web-portal") }

            try engine.publicDoor.objectToDirectMarketing(subject: "PR-1", purpose: "P-PROSPECT-MKT-POST")
            #expect(try engine.publicDoor.preferenceChoices(subject: "PR-1").first { $0.purpose == "P-PROSPECT-MKT-POST" }?.active == true)
        }
    }

    @Test(arguments: Backend.reachable) func aJWSReceiptVerifiesAndATamperedOneDoesNot(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let engine = fixture.engine
            try engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "pr@example.nl"], source: "web-form"), by: "test")
            _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 40), by: "test")
            let jws = try engine.consentReceiptJWS(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL")
            let parts = jws.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            let verified = engine.verifyReceipt(jws: jws)
            #expect(verified.verification == .valid && verified.body?.purposes.map(\.id) == ["P-NEWSLETTER-EMAIL"])

            var payload = try #require(Data(base64Encoded: Self.padded(parts[1])))
            let text = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "\"given\"", with: "\"renewed\"")
            payload = Data(text.utf8)
            let forged = parts[0] + "." + payload.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "") + "." + parts[2]
            #expect(engine.verifyReceipt(jws: forged).verification == .signatureInvalid)
            #expect(engine.verifyReceipt(jws: "not.a.jws").verification == .signatureInvalid)

            let jwks = try #require(try JSONSerialization.jsonObject(with: Data(engine.receiptJWKS.utf8)) as? [String: [[String: String]]])
            let key = try #require(jwks["keys"]?.first)
            #expect(key["kty"] == "OKP" && key["crv"] == "Ed25519" && key["alg"] == "EdDSA" && key["x"]?.count == 43)
            let header = try #require(try JSONSerialization.jsonObject(with: Data(base64Encoded: Self.padded(parts[0]))!) as? [String: String])
            #expect(header["alg"] == "EdDSA" && header["kid"] == key["kid"])
        }
    }

    static func padded(_ text: String) -> String {
        let base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return base + String(repeating: "=", count: (4 - base.count % 4) % 4)
    }
}
}

/// Renders a subject's package in Dutch through a request of its own.
enum AccessPackageCheck {
    static func dutch(_ engine: TestEngine, subject: String) throws -> String {
        let request = try engine.openRequest(subject: subject, type: .access, channel: "letter", identityVerifiedBy: "letter", by: "officer")
        return try engine.fulfilAccess(request: request.id, by: "officer", language: "nl").html
    }
}
