@testable import CustosDecision
@testable import CustosPolicy
import CustosTestSupport
import Foundation
import Testing

/// DESIGN §2 invariants on random worlds: the compiled evaluator equals the naive reference,
/// decisions are deterministic, every deny says why, and the monotonicity rules hold.
struct EvaluatorPropertyTests {
    static let reference = SeedPolicy.compiled.policy.referenceData
    static let policies = 1_000
    static let requestsPerPolicy = 10

    /// One random world: a compiled policy with its reference evaluator.
    struct World {
        let compiled: CompiledPolicy
        let evaluator: Evaluator
        let naive: ReferenceEvaluator
    }

    static func world(_ random: inout RandomWorld) -> World {
        let policy = random.policy(reference: reference)
        let compiled = CompiledPolicy(policy)
        return World(compiled: compiled, evaluator: Evaluator(policy: compiled), naive: ReferenceEvaluator(policy, digest: compiled.digest))
    }

    /// Narrow worlds (three to eight fields) as most policies are, and wide ones, whose
    /// requests name more fields than a decision keeps inline (eight ids, sixteen positions of
    /// stored fields).
    @Test(arguments: [false, true])
    func compiledEvaluatorEqualsTheReference(wide: Bool) {
        var mismatches = 0, beyondInline = 0
        var outcomes: [Outcome: Int] = [:]
        for seed in 0..<UInt64(Self.policies) {
            var random = RandomWorld(seed: seed, wide: wide)
            let world = Self.world(&random)
            for index in 0..<Self.requestsPerPolicy {
                let facts = random.facts(for: world.compiled.policy, subject: "S-1")
                let request = random.request(for: world.compiled.policy, subject: "S-1")
                let at = random.instant()
                let fast = world.evaluator.decide(request, facts: facts, at: at)
                let slow = world.naive.decide(request, facts: facts, at: at)
                outcomes[fast.outcome, default: 0] += 1
                if Set(request.fields).count > 16 { beyondInline += 1 }
                let (a, b) = (ReferenceEvaluator.Summary(fast), ReferenceEvaluator.Summary(slow))
                if a != b {
                    mismatches += 1
                    if mismatches <= 3 {
                        Issue.record("seed \(seed) case \(index): \(request)\ncompiled  \(a)\nreference \(b)")
                    }
                }
            }
        }
        #expect(mismatches == 0)
        // The generator must reach every outcome often enough for the comparison to mean something.
        for outcome in [Outcome.permit, .partial, .deny] { #expect(outcomes[outcome, default: 0] >= 200, "\(outcomes)") }
        if wide { #expect(beyondInline >= 1_000, "requests beyond the inline positions: \(beyondInline)") }
    }

    @Test func decisionsAreDeterministicByteForByte() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for seed in 0..<UInt64(200) {
            var random = RandomWorld(seed: 10_000 + seed)
            let world = Self.world(&random)
            let facts = random.facts(for: world.compiled.policy, subject: "S-1")
            let request = random.request(for: world.compiled.policy, subject: "S-1")
            let at = random.instant()
            let first = try encoder.encode(world.evaluator.decide(request, facts: facts, at: at))
            let again = try encoder.encode(Evaluator(policy: CompiledPolicy(world.compiled.policy)).decide(request, facts: facts, at: at))
            #expect(first == again)
        }
    }

    /// A batch decides into one decision again and again (`decide(_:facts:at:into:)`): every
    /// decision must equal a fresh one, whatever the one before it held (other fields, more
    /// reasons, a recipient, obligations).
    @Test func decidingIntoAReusedDecisionEqualsAFreshOne() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var reused = Decision(outcome: .permit, action: .share, subject: "S-0", purpose: "P-0", actor: "a", recipient: "R-0",
                              fields: [FieldOutcome(field: "x", outcome: .deny, reasons: [.engineError])], basis: .consent,
                              reasons: [Reason(code: .engineError, explanation: "left over")], obligations: [.recordDisclosure],
                              policyDigest: "old", hypothetical: false)
        var outcomes: Set<Outcome> = []
        for seed in 0..<UInt64(300) {
            var random = RandomWorld(seed: 50_000 + seed)
            let world = Self.world(&random)
            for _ in 0..<5 {
                let facts = random.facts(for: world.compiled.policy, subject: "S-1")
                let request = random.request(for: world.compiled.policy, subject: "S-1")
                let at = random.instant()
                let hypothetical = random.chance(0.5)
                let fresh = world.evaluator.decide(request, facts: facts, at: at, hypothetical: hypothetical)
                world.evaluator.decide(request, facts: facts, at: at, hypothetical: hypothetical, into: &reused)
                outcomes.insert(fresh.outcome)
                #expect(try encoder.encode(reused) == encoder.encode(fresh), "seed \(50_000 + seed)")
                #expect(reused == fresh)
            }
        }
        #expect(outcomes.count == 3)
    }

    @Test func everyDenySaysWhyAndReleasesNothing() {
        for seed in 0..<UInt64(500) {
            var random = RandomWorld(seed: 20_000 + seed)
            let world = Self.world(&random)
            for _ in 0..<5 {
                let decision = world.evaluator.decide(random.request(for: world.compiled.policy, subject: "S-1"),
                                                      facts: random.facts(for: world.compiled.policy, subject: "S-1"), at: random.instant())
                switch decision.outcome {
                case .deny:
                    #expect(decision.reasons.contains { $0.code.isBlocking })
                    #expect(decision.permittedFields.isEmpty)
                    #expect(decision.obligations.isEmpty)
                case .partial:
                    #expect(!decision.permittedFields.isEmpty && !decision.deniedFields.isEmpty)
                    #expect(decision.codes.contains(.minimisationFieldsFiltered))
                case .permit:
                    #expect(decision.deniedFields.isEmpty && !decision.fields.isEmpty)
                }
                // A field is denied exactly when it carries a blocking code.
                for field in decision.fields { #expect((field.outcome == .deny) == !field.reasons.isEmpty) }
            }
        }
    }

    // MARK: monotonicity

    /// Runs `change` on random cases and checks that the permitted fields only shrink
    /// (`grows == false`) or only grow.
    func checkMonotone(seedBase: UInt64, grows: Bool, _ change: (inout RandomWorld, World, DecisionRequest, inout Facts, Instant) -> Bool) {
        var checked = 0
        for seed in 0..<UInt64(3_000) {
            var random = RandomWorld(seed: seedBase + seed)
            let world = Self.world(&random)
            let request = random.request(for: world.compiled.policy, subject: "S-1")
            var facts = random.facts(for: world.compiled.policy, subject: "S-1")
            let at = random.instant()
            let before = world.evaluator.decide(request, facts: facts, at: at)
            guard change(&random, world, request, &facts, at) else { continue }
            let after = world.evaluator.decide(request, facts: facts, at: at)
            checked += 1
            let (small, large) = grows ? (before, after) : (after, before)
            let ok = Set(small.permittedFields).isSubset(of: large.permittedFields)
            #expect(ok, "seed \(seedBase + seed): before \(before.outcome) \(before.codes.map(\.rawValue)), after \(after.outcome) \(after.codes.map(\.rawValue))")
            if !ok { return }
        }
        #expect(checked >= 1_000)
    }

    @Test func addingAnObjectionNeverTurnsDenyIntoPermit() {
        checkMonotone(seedBase: 30_000, grows: false) { random, world, request, facts, at in
            facts.objections.append(Objection(purpose: random.chance(0.5) ? request.purpose : nil, kind: random.pick(ObjectionKind.allCases),
                                              at: Instant(millisecondsSinceEpoch: at.millisecondsSinceEpoch - Int64(random.int(0...1_000_000))),
                                              assessment: random.chance(0.5) ? .pending : nil))
            return true
        }
    }

    @Test func addingARestrictionNeverTurnsDenyIntoPermit() {
        checkMonotone(seedBase: 40_000, grows: false) { random, world, request, facts, at in
            facts.restrictions.append(Restriction(fields: random.chance(0.5) ? nil : request.fields,
                                                  since: Instant(millisecondsSinceEpoch: at.millisecondsSinceEpoch - 1000)))
            return true
        }
    }

    @Test func addingAWithdrawalNeverTurnsDenyIntoPermit() {
        checkMonotone(seedBase: 50_000, grows: false) { random, world, request, facts, at in
            facts.consents.append(ConsentRecord(purpose: request.purpose, notice: nil,
                                                events: [ConsentEvent(state: .withdrawn, at: Instant(millisecondsSinceEpoch: at.millisecondsSinceEpoch - 1))]))
            return true
        }
    }

    @Test func addingAValidConsentNeverTurnsPermitIntoDeny() {
        checkMonotone(seedBase: 60_000, grows: true) { random, world, request, facts, at in
            guard let purpose = world.compiled.policy.purpose(request.purpose), let noticeRef = purpose.notice,
                  let notice = world.compiled.policy.notice(noticeRef.id),
                  let version = notice.version(inForceOn: world.compiled.localDate(of: at)) else { return false }
            let given = Instant(millisecondsSinceEpoch: at.millisecondsSinceEpoch - 1000)
            facts.consents.append(ConsentRecord(purpose: request.purpose, notice: "\(notice.id.id)@\(version.version)", events: [
                ConsentEvent(state: .given, at: given, method: .explicitClick, by: .parent,
                             parentalAuthorisation: ParentalAuthorisation(by: "parent", verifiedVia: "id-check")),
            ]))
            return true
        }
    }

    /// Consent is per purpose: consenting to another purpose releases nothing more. It may
    /// change why a consent is missing: under an earlier version of the same notice it is a
    /// version mismatch (gdpr.md §4.3), and nothing else changes.
    @Test func consentToAnotherPurposeChangesNothing() {
        for seed in 0..<UInt64(1_000) {
            var random = RandomWorld(seed: 70_000 + seed)
            let world = Self.world(&random)
            let request = random.request(for: world.compiled.policy, subject: "S-1")
            var facts = random.facts(for: world.compiled.policy, subject: "S-1")
            let at = random.instant()
            let before = world.evaluator.decide(request, facts: facts, at: at)
            facts.consents.append(ConsentRecord(purpose: "P-SOMETHING-ELSE", notice: "n0@1", events: [ConsentEvent(state: .given, at: at, method: .explicitClick)]))
            let after = world.evaluator.decide(request, facts: facts, at: at)
            #expect(after.outcome == before.outcome && after.permittedFields == before.permittedFields && after.obligations == before.obligations)
            let renamed = before.reasons.map(\.code).map { $0 == .consentMissing && after.codes.contains(.consentNoticeVersionMismatch) ? .consentNoticeVersionMismatch : $0 }
            #expect(after.reasons.map(\.code) == renamed)
        }
    }
}
