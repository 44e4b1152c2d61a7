import CustosTestSupport
import Foundation
import Testing

@Suite(.serialized)
struct PolicyCommandTests {
    @Test func checkAcceptsTheSeedPolicy() throws {
        let result = try CustosExecutable.run(["policy", "check", "policies/invorderingsbedrijf", "--on", "2025-06-02"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("policy 'invorderingsbedrijf' is valid: 17 purposes"))
        #expect(result.stdout.contains("digest blake2b-256:"))
        #expect(result.stderr.isEmpty)
    }

    /// gdpr.md §12: the seed's US affiliate is DPF-certified until 2026-10-02. Ninety days
    /// before, `policy check` warns; after, it says the certification lapsed, and the evaluator
    /// refuses the transfer on the same day. Warnings never make the policy invalid.
    @Test func checkWarnsAboutSafeguardsThatLapse() throws {
        let early = try CustosExecutable.run(["policy", "check", "policies/invorderingsbedrijf", "--on", "2026-07-03"])
        #expect(early.status == 0 && early.stderr.isEmpty, "\(early.stderr)")
        let soon = try CustosExecutable.run(["policy", "check", "policies/invorderingsbedrijf", "--on", "2026-09-01"])
        #expect(soon.status == 0)
        #expect(soon.stderr.contains("warning: [SAFEGUARD_LAPSING] the DPF certification of 'R-AFFILIATE-US' lapses after 2026-10-02, in 31 days"), "\(soon.stderr)")
        #expect(soon.stdout.contains("0 errors, 1 warning"))
        let late = try CustosExecutable.run(["policy", "check", "policies/invorderingsbedrijf", "--on", "2026-10-03"])
        #expect(late.stderr.contains("[SAFEGUARD_LAPSED] the DPF certification of 'R-AFFILIATE-US' lapsed after 2026-10-02"), "\(late.stderr)")
        let wrong = try CustosExecutable.run(["policy", "check", "policies/invorderingsbedrijf", "--on", "2026-02-30"])
        #expect(wrong.status == 64 && wrong.stderr.contains("--on must be a date"))
    }

    @Test func checkReportsEveryMistakeAndExitsFour() throws {
        let folder = try TemporaryDirectory()
        try folder.copyContents(of: RepositoryPaths.policyCorpus.appendingPathComponent("base"))
        let purposes = folder.url.appendingPathComponent("purposes.yaml")
        var text = try String(contentsOf: purposes, encoding: .utf8)
        text = text.replacingOccurrences(of: "    consent-validity: 24 months", with: "    consent-validty: 24 months")
        text = text.replacingOccurrences(of: "    fields: [score, email]", with: "    fields: [score, emial]")
        try Data(text.utf8).write(to: purposes)
        let result = try CustosExecutable.run(["policy", "check", folder.path])
        #expect(result.status == 4)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        let edited = text.components(separatedBy: "\n")
        let typoLine = try #require(edited.firstIndex { $0.contains("consent-validty") }) + 1
        let fieldLine = try #require(edited.firstIndex { $0.contains("emial") }) + 1
        #expect(lines.contains { $0.hasPrefix("\(folder.path)/purposes.yaml:\(typoLine):5: error: [UNKNOWN_KEY] unknown key 'consent-validty'") })
        #expect(lines.contains { $0.hasPrefix("\(folder.path)/purposes.yaml:\(fieldLine):21: error: [UNKNOWN_REFERENCE] unknown field 'emial'") })
        #expect(result.stdout.contains("is invalid: 2 errors, 0 warnings"))
    }

    @Test func checkWritesJSONForMachines() throws {
        let result = try CustosExecutable.run(["policy", "check", "policies/invorderingsbedrijf", "-o", "json", "--on", "2025-06-02"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["valid"] as? Bool == true)
        #expect((json["digest"] as? String)?.hasPrefix("blake2b-256:") == true)
        #expect((json["diagnostics"] as? [Any])?.isEmpty == true)
    }

    @Test func aMissingFolderIsNotFoundNeverInvalid() throws {
        let result = try CustosExecutable.run(["policy", "check", "no/such/folder"])
        #expect(result.status == 1)
        #expect(result.stderr == "custos: error: policy folder 'no/such/folder' not found\n")
        let empty = try TemporaryDirectory()
        let noFiles = try CustosExecutable.run(["policy", "check", empty.path])
        #expect(noFiles.status == 4 && noFiles.stderr.contains("[NO_POLICY_FILES]"), "a folder without policy files is an invalid policy")
    }

    @Test func initRecordsThePolicyFolderSoCommandsWorkFromAnyFolder() throws {
        let folder = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: RepositoryPaths.seedPolicy, toPath: folder.path + "/policy")
        #expect(try CustosExecutable.run(["init", "--policies", "policy"], in: folder.url).status == 0)
        try FileManager.default.createDirectory(atPath: folder.path + "/elsewhere", withIntermediateDirectories: true)
        let elsewhere = try CustosExecutable.run(["--db", "../custos.db", "--key-file", "../custos.key", "audit", "verify"],
                                                 in: folder.url.appendingPathComponent("elsewhere"))
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
    }

    @Test func noFolderAtAllIsAUsageError() throws {
        let result = try CustosExecutable.run(["policy", "check"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("give the policy folder"))
        let fromEnvironment = try CustosExecutable.run(["policy", "check"], environment: ["CUSTOS_POLICIES": "policies/invorderingsbedrijf"])
        #expect(fromEnvironment.status == 0)
    }

    @Test func anUnknownOptionIsAUsageError() throws {
        let result = try CustosExecutable.run(["policy", "check", "--no-such-option"])
        #expect(result.status == 64)
    }

    @Test func showSummarisesThePolicy() throws {
        let result = try CustosExecutable.run(["policy", "show", "policies/invorderingsbedrijf"])
        #expect(result.status == 0, "\(result.stderr)")
        for expected in [
            "P-DEBT-COLLECT  Collecting claims handed over by clients",
            "basis       legitimate-interest (Art. 6(1)(f)); LIA LIA-2024-01",
            "RET-CLAIM-FILE: keep 5 years from file-closed, minimum 2 years",
            "R-AFFILIATE-IN → IN: SCC module 1, TIA TIA-2025-02",
            "R-FOREIGN-LAWYER → per-disclosure: derogation art-49-1-e, at most 3 per 12 months",
            "art. 9      health_note: legal-claims",
        ] {
            #expect(result.stdout.contains(expected), "missing: \(expected)")
        }
    }

    @Test func showWritesThePolicyAsJSON() throws {
        let result = try CustosExecutable.run(["policy", "show", "policies/invorderingsbedrijf", "-o", "json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let policy = try #require(json["policy"] as? [String: Any])
        #expect((policy["purposes"] as? [Any])?.count == 17)
        #expect(policy["subject-categories"] != nil, "keys are kebab-case")
    }

    @Test func showRefusesAnInvalidPolicy() throws {
        let folder = try TemporaryDirectory()
        try folder.write("purposes: [\n", to: "broken.yaml")
        let result = try CustosExecutable.run(["policy", "show", folder.path])
        #expect(result.status == 4)
        #expect(result.stderr.contains("[YAML_SYNTAX]"))
        #expect(result.stderr.contains("custos: error: policy"))
        #expect(result.stdout.isEmpty)
    }
}
