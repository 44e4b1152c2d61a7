// The getting-started article's calls, in its order, on a fresh vault with the seed policy.
// Exits non-zero, naming the step, when a call does not do what the article says.
import Custos
import Foundation

func check(_ condition: Bool, _ step: String) {
    if condition { print("ok   \(step)") } else { print("FAIL \(step)"); exit(1) }
}

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let policies = repository.appendingPathComponent("policies/invorderingsbedrijf").path
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-library-guide-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let vault = folder.appendingPathComponent("custos.db").path
let key = folder.appendingPathComponent("custos.key").path

// Create or open a vault.
_ = try PrivacyEngine.initialise(vault: vault, masterKey: .file(key), policies: policies)
let engine = try PrivacyEngine.open(vault: vault, masterKey: .file(key))
check(true, "initialise and open a vault")

// Store a subject's data.
let created = try engine.createSubject(
    NewSubject(id: "D-2001", category: "debtor",
               values: ["person_name": "Jan de Vries", "email": "jan@example.nl"],
               source: "creditor:ACME"),
    purpose: "P-DEBT-COLLECT", actor: "collections-service")
check(created.decision.outcome == .permit && created.stored.sorted() == ["email", "person_name"], "createSubject stores the permitted fields")
try engine.recordEvent(subject: "D-2001", event: "file-opened", by: "collections-service")

// Read and share.
let result = engine.read(subject: "D-2001", fields: ["email", "person_name"],
                         purpose: "P-DEBT-COLLECT", actor: "collections-service")
check(result.decision.outcome == .permit && result.values["email"] == "jan@example.nl" && result.logSequence != nil,
      "read returns the permitted values with the log sequence")
let wrongActor = engine.read(subject: "D-2001", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "marketing-service")
check(wrongActor.decision.outcome == .deny && wrongActor.values.isEmpty && wrongActor.decision.codes.contains(.actorNotAuthorised),
      "a deny has no values and says why (\(wrongActor.decision.codes.map(\.rawValue)))")
let shared = engine.share(subject: "D-2001", fields: ["person_name"], purpose: "P-DEBT-COLLECT",
                          recipient: "R-BAILIFF-NL", actor: "collections-service")
check(shared.logSequence != nil, "share is decided and logged (\(shared.decision.outcome.rawValue))")

// Consent and requests.
try engine.addSubject(NewSubject(id: "W-3001", category: "website_user", values: ["email": "p@example.nl"]), by: "web-portal")
let outcomes = try engine.giveConsent(
    ConsentGrant(subject: "W-3001", purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web", ageAtConsent: 34),
    by: "web-portal")
guard case .recorded(purpose: "P-NEWSLETTER-EMAIL", state: .given, notice: _) = outcomes.first, outcomes.count == 1 else {
    check(false, "giveConsent records the consent (\(outcomes))"); exit(1)
}
check(true, "giveConsent records the consent")
let newsletter = engine.read(subject: "W-3001", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
try engine.withdrawConsent(subject: "W-3001", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", by: "web-portal")
let afterWithdrawal = engine.read(subject: "W-3001", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
check(newsletter.decision.outcome == .permit && afterWithdrawal.decision.outcome == .deny
      && afterWithdrawal.decision.codes.contains(.consentWithdrawn) && afterWithdrawal.values.isEmpty,
      "after withdrawConsent the next read is denied (before: \(newsletter.decision.outcome.rawValue), after: \(afterWithdrawal.decision.codes.map(\.rawValue)))")
check(try engine.consents(for: "W-3001").current["P-NEWSLETTER-EMAIL"]?.state == .withdrawn, "consents(for:) shows the withdrawal")
let request = try engine.openRequest(subject: "D-2001", type: .access, channel: "web-form", by: "web-portal")
check(!request.id.isEmpty && request.status == .awaitingIdentity && request.dueOn > request.receivedOn,
      "openRequest gives an id and the Art. 12(3) deadline \(request.dueOn)")

// Decide on supplied facts.
let decider = HypotheticalDecisions(policy: engine.policy)
let requestJSON = Data(#"{"actor":"collections-service","action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["email"]}"#.utf8)
let factsJSON = Data(#"{"subject":{"id":"D-1","category":"debtor"},"events":[{"event":"file-opened","date":"2025-01-10"}]}"#.utf8)
let decision = decider.decide(request: try HypotheticalDecisions.decodeRequest(requestJSON),
                              facts: try HypotheticalDecisions.decodeFacts(factsJSON),
                              defaultAt: .now)
check(decision.hypothetical, "a hypothetical decision is marked so (\(decision.outcome.rawValue))")
do {
    _ = try HypotheticalDecisions.decodeFacts(Data(#"{"subjekt":{}}"#.utf8))
    check(false, "an unknown key in facts is refused")
} catch {
    check("\(error)".contains("subjekt"), "an unknown key in facts is refused, naming it")
}

// Check the policy; verify the log.
let loaded = Custos.checkPolicy(directory: policies)
check(loaded.isValid && loaded.diagnostics.allSatisfy { "\($0)".contains("warning") }, "checkPolicy finds no errors in the seed policy")
let verification = try engine.verifyLog()
check(verification.isIntact && verification.entries >= 4, "verifyLog: the chain holds \(verification.entries) entries")
let checkpoint = try engine.checkpoint()
check(try engine.verify(checkpoint) == .holds, "a checkpoint verifies")
