import Custos
import CustosTestSupport
import Foundation
import Testing
import Yams

/// The policy test corpora: the seed policy's own tests and the edge policy's, run through
/// the same runner as `custos policy test`.
struct PolicyCorpusTests {
    static func cases(in folder: String) -> [PolicyTestCase] {
        PolicyTestRunner.testFiles(at: folder).flatMap { file -> [PolicyTestCase] in
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
            return (try? YAMLDecoder().decode([PolicyTestCase].self, from: text)) ?? []
        }
    }

    @Test func theSeedPolicyPassesItsOwnTests() throws {
        let compiled = SeedPolicy.compiled
        let report = PolicyTestRunner(policy: compiled).run(files: PolicyTestRunner.testFiles(at: RepositoryPaths.seedPolicyTests))
        #expect(report.failed == 0, "\(report.failures.map(\.description) + report.errors.map(\.description))")
        #expect(report.passed >= 80)
    }

    @Test func theEdgePolicyPassesItsTests() throws {
        let loaded = Custos.checkPolicy(directory: RepositoryPaths.edgePolicy)
        let compiled = try #require(loaded.compiled, "\(loaded.diagnostics)")
        let report = PolicyTestRunner(policy: compiled).run(files: PolicyTestRunner.testFiles(at: RepositoryPaths.edgePolicy + "/tests"))
        #expect(report.failed == 0, "\(report.failures.map(\.description))")
        #expect(report.passed == 16)
    }

    /// gdpr.md §16: every code that applies to read, share, store, erase and decide is
    /// expected by at least one policy test, or (where no valid policy can produce it) by a
    /// unit test named here.
    @Test func everyDecisionCodeIsTriggeredByATest() {
        let expected = Set((Self.cases(in: RepositoryPaths.seedPolicyTests) + Self.cases(in: RepositoryPaths.edgePolicy + "/tests"))
            .flatMap(\.expect.reasons))
        let coveredElsewhere: Set<ReasonCode> = [
            .cookieConsentRequired,       // DefenceInDepthTests: the validator rejects such a policy
            .engineError,                 // CLI: an unreadable batch line
            .fieldUnreadable,             // VaultTests: a ciphertext that fails to open
            .consentNotTheBasis,          // ConsentTests: refused at the door, not a decision code
            // Rights-request outcomes, not decision codes: RequestBookTests.
            .dsarRequesterNotAuthorised, .dsarIdentityUnverified, .dsarManifestlyExcessive, .dsarDeadline, .dsarExtended,
            .dsarExtensionLate, .dsarOverdue, .portabilityBasisNotEligible, .erasureFull,
            .portabilityProvidedDataOnly,  // RectificationAndPortabilityTests: the export's own code
        ]
        for code in ReasonCode.allCases where !coveredElsewhere.contains(code) {
            #expect(expected.contains(code), "no policy test expects \(code.rawValue)")
        }
    }

    @Test func aWrongExpectationFailsAndNamesTheCase() throws {
        let folder = try TemporaryDirectory()
        try folder.write("""
        - name: this expectation is deliberately wrong
          at: 2025-06-02T09:00:00+02:00
          facts: {subject: {id: D-1, category: debtor}}
          request: {action: read, actor: collections-service, purpose: P-DEBT-COLLECT, fields: [bsn]}
          expect: {outcome: permit}
        - name: this one holds
          at: 2025-06-02T09:00:00+02:00
          facts: {subject: {id: D-1, category: debtor}}
          request: {action: read, actor: collections-service, purpose: P-DEBT-COLLECT, fields: [email]}
          expect: {outcome: permit}
        """, to: "wrong.yaml")
        let report = PolicyTestRunner(policy: SeedPolicy.compiled).run(files: [folder.path + "/wrong.yaml"])
        #expect(report.summary == "1 passed, 1 failed")
        let failure = try #require(report.failures.first)
        #expect(failure.name == "this expectation is deliberately wrong")
        #expect(failure.description.contains("outcome deny, expected permit"))
        #expect(failure.location.line == 1)
    }

    @Test func aBrokenCaseIsReportedWithItsPosition() throws {
        let folder = try TemporaryDirectory()
        try folder.write("""
        - name: a typo in a reason code
          at: 2025-06-02T09:00:00+02:00
          facts: {subject: {id: D-1, category: debtor}}
          request: {action: read, actor: collections-service, purpose: P-DEBT-COLLECT, fields: [email]}
          expect: {outcome: deny, reasons: [CONSENT_WITHDRAWNN]}
        - name: a bad instant
          at: yesterday
          facts: {subject: {id: D-1, category: debtor}}
          request: {action: read, actor: collections-service, purpose: P-DEBT-COLLECT, fields: [email]}
          expect: {outcome: permit}
        """, to: "broken.yaml")
        let report = PolicyTestRunner(policy: SeedPolicy.compiled).run(files: [folder.path + "/broken.yaml"])
        #expect(report.failed == 2)
        #expect(report.errors.map(\.location.line) == [5, 7], "\(report.errors)")
        #expect(report.errors.last?.message.contains("ISO 8601") == true)
    }
}
