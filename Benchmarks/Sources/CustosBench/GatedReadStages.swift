import Custos
import CustosStore
import Foundation

/// A gated read timed in its stages, each as the gate makes it (facts and ciphertexts as the
/// gate takes them, the decision, the subject key, the permitted fields opened, the log
/// append), beside a whole read, for `probe-read` (two subjects among 3,000, read again and
/// again) and `cold-read` (subjects not read before among a kept vault's).
///
/// ```swift
/// var stages = GatedReadStages()
/// try stages.time(engine, subject: "D-0001000", whole: "D-0002000")
/// print(stages.summary)
/// ```
struct GatedReadStages {
    private var facts = Samples(), decide = Samples(), key = Samples(), keyAgain = Samples(), open = Samples(), append = Samples(), whole = Samples()

    /// Times one read of `subject` in its stages, then a whole read of `wholeSubject`.
    mutating func time(_ engine: PrivacyEngine, subject id: String, whole wholeSubject: String) throws {
        let fields = VaultBenchmarks.tenFields
        let request = DecisionRequest(actor: "collections-service", action: .read, subject: id, purpose: "P-DEBT-COLLECT", fields: fields)
        let at = Instant.now
        var read: (facts: Facts?, ciphertexts: [String: Data])?
        try facts.time { read = try engine.store.factsAndCiphertexts(of: id, fields: fields) }
        var decided: Decision?
        try decide.time { decided = try engine.gatedAccess.decideOnVault(request, facts: read!.facts, at: at, ciphertexts: read!.ciphertexts) }
        let permitted = Set(decided!.permittedFields)
        try key.time { _ = try engine.store.keyring.subjectKey(id) }
        try keyAgain.time { _ = try engine.store.keyring.subjectKey(id) }
        try open.time { _ = try engine.store.open(read!.ciphertexts.filter { permitted.contains($0.key) }, of: id) }
        try append.time { _ = try engine.store.log.append(decided!, at: at) }
        whole.time { _ = engine.read(subject: wholeSubject, fields: fields, purpose: "P-DEBT-COLLECT", actor: "collections-service") }
    }

    /// Each stage's median and the whole read's.
    var summary: String {
        "facts and ciphertexts \(format(nanoseconds: facts.percentile(0.5))), decision \(format(nanoseconds: decide.percentile(0.5))), "
            + "the subject key \(format(nanoseconds: key.percentile(0.5))) (again, wrapped key from memory: \(format(nanoseconds: keyAgain.percentile(0.5)))), ten fields opened (key in memory) \(format(nanoseconds: open.percentile(0.5))), "
            + "log append \(format(nanoseconds: append.percentile(0.5))); the whole read \(format(nanoseconds: whole.percentile(0.5)))"
    }
}
