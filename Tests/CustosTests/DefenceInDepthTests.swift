import Custos
import CustosTestSupport
import Testing

/// The evaluator does not trust the validator alone: a policy that skipped validation still
/// cannot open a path the law closes.
struct DefenceInDepthTests {
    static let at = Instant(iso8601: "2025-06-02T09:00:00+02:00")!
    static let debtor = Facts(subject: SubjectFacts(id: "D-1", category: "debtor"),
                              events: [LifecycleEventFact(event: "file-opened", date: LocalDate(parsing: "2025-01-10")!)])

    @Test func aSubProcessorItsProcessorDoesNotListIsRefused() throws {
        var policy = SeedPolicy.compiled.policy
        let crm = try #require(policy.recipients.firstIndex { $0.id.id == "R-CRM" })
        policy.recipients[crm].subProcessors = []
        let hosting = try #require(policy.recipients.firstIndex { $0.id.id == "R-CRM-HOSTING" })
        let collect = try #require(policy.purposes.firstIndex { $0.id.id == "P-DEBT-COLLECT" })
        policy.purposes[collect].recipients.append(policy.recipients[hosting].id)
        let evaluator = Evaluator(policy: CompiledPolicy(policy))
        let decision = evaluator.decide(
            DecisionRequest(actor: "collections-service", action: .share, subject: "D-1", purpose: "P-DEBT-COLLECT",
                            fields: ["email"], recipient: "R-CRM-HOSTING"),
            facts: Self.debtor, at: Self.at)
        #expect(decision.outcome == .deny)
        #expect(decision.codes.contains(.subprocessorNotAuthorised))
    }

    @Test func trackingCookiesWithoutConsentAreRefused() throws {
        var policy = SeedPolicy.compiled.policy
        let analytics = try #require(policy.purposes.firstIndex { $0.id.id == "P-WEB-ANALYTICS" })
        policy.purposes[analytics].cookies = .tracking
        let evaluator = Evaluator(policy: CompiledPolicy(policy))
        let decision = evaluator.decide(
            DecisionRequest(actor: "web-analytics", action: .store, subject: "W-1", purpose: "P-WEB-ANALYTICS", fields: ["cookie_id"]),
            facts: Facts(subject: SubjectFacts(id: "W-1", category: "website_user")), at: Self.at)
        #expect(decision.outcome == .deny)
        #expect(decision.codes.contains(.cookieConsentRequired))
    }

    @Test func aLegitimateInterestWithoutAssessmentHasNoBasis() throws {
        var policy = SeedPolicy.compiled.policy
        let collect = try #require(policy.purposes.firstIndex { $0.id.id == "P-DEBT-COLLECT" })
        policy.purposes[collect].lia = nil
        let decision = Evaluator(policy: CompiledPolicy(policy)).decide(
            DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"]),
            facts: Self.debtor, at: Self.at)
        #expect(decision.outcome == .deny)
        #expect(decision.codes.contains(.noLegalBasis))
    }
}
