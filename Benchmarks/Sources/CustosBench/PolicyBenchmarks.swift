import Custos
import Foundation

/// Policy load + validate + compile, and the decision cost as the number of purposes grows.
enum PolicyBenchmarks {
    /// A valid policy with `count` purposes (and as many fields), written to a temporary folder.
    static func generated(purposes count: Int) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-bench-policy-\(count)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var yaml = """
        controller: {name: Bench B.V., address: Straat 1, contact: privacy@bench.example, country: NL, timezone: Europe/Amsterdam, measures: encryption}
        actors: {svc: {kind: service}}
        lifecycle-events: {closed: {}}
        subject-categories: {customer: {title: Customer}}
        retention: {RET: {keep: 5 years, from: closed, ground: claims}}
        recipients: {R-NL: {name: Partner B.V., role: controller, country: NL}}
        fields:

        """
        for index in 0..<count { yaml += "  f\(index): {title: Field \(index)}\n" }
        yaml += "purposes:\n"
        for index in 0..<count {
            yaml += "  P-\(index): {title: Purpose \(index), subjects: [customer], fields: [f\(index), f\((index + 1) % count)], basis: legal-obligation, law: [Law \(index)], actors: [svc], retention: RET, recipients: [R-NL]}\n"
        }
        try yaml.write(to: folder.appendingPathComponent("policy.yaml"), atomically: true, encoding: .utf8)
        return folder.path
    }

    static func run(_ table: Table, seedFolder: String) throws {
        var samples = Samples()
        for _ in 0..<10 { try samples.time { _ = try PrivacyEngine.compilePolicy(seedFolder) } }
        table.add("load + validate + compile, seed policy (median of 10)", format(nanoseconds: samples.percentile(0.5)))
        let big = try generated(purposes: 10_000)
        let elapsed = try seconds { _ = try PrivacyEngine.compilePolicy(big) }
        table.add("load + validate + compile, 10,000 purposes", format(nanoseconds: elapsed * 1e9))
    }

    /// In-memory decision p50 on policies of 10 … 10,000 purposes: flat means indexed.
    static func growth(_ table: Table) throws {
        var curve: [String] = []
        for count in [10, 100, 1_000, 10_000] {
            let compiled = try PrivacyEngine.compilePolicy(try generated(purposes: count))
            let evaluator = Evaluator(policy: compiled)
            var facts = Facts(subject: SubjectFacts(id: "K-1", category: "customer"))
            facts.fields = [FieldProvenance(field: "f\(count / 2)", collected: LocalDate(year: 2025, month: 1, day: 1)!)]
            let request = DecisionRequest(actor: "svc", action: .read, subject: "K-1", purpose: "P-\(count / 2)", fields: ["f\(count / 2)"])
            let at = Instant(iso8601: "2025-06-02T09:00:00+02:00")!
            var samples = Samples()
            var sink = 0
            for _ in 0..<100_000 { samples.time { sink &+= evaluator.decide(request, facts: facts, at: at).fields.count } }
            curve.append("\(count): \(format(nanoseconds: samples.percentile(0.5)))")
            if sink == 7 { print() }
        }
        table.add("decision p50 as purposes grow (10 → 10,000)", curve.joined(separator: ", "), target: "flat")
    }
}
