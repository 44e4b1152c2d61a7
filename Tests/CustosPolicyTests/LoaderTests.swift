import CustosPolicy
import CustosTestSupport
import Foundation
import Testing

struct SeedPolicyTests {
    static let loaded = PolicyLoader.load(directory: RepositoryPaths.seedPolicy)

    @Test func validatesWithoutErrorsOrWarnings() {
        #expect(Self.loaded.diagnostics.isEmpty, "\(Self.loaded.diagnostics.map(\.description))")
        #expect(Self.loaded.isValid)
    }

    @Test func holdsEveryProcessingActivityOfTheSeed() {
        let ids = Set(Self.loaded.policy.purposes.map(\.id.id))
        let seed = [
            "P-CLIENT-COMM", "P-CLIENT-ESTIMATE", "P-PAYOUT", "P-STATUTORY-RETENTION", "P-CLIENT-MKT",
            "P-PROSPECT-MKT-POST", "P-NEWSLETTER-EMAIL", "P-DEBT-COLLECT", "P-LITIGATION", "P-SCORING",
            "P-OVERINDEBT", "P-RESPONSE-FORMS", "P-WEB-ANALYTICS", "P-CONTRACT-EVIDENCE", "P-RIGHTS-ADMIN",
        ]
        for id in seed { #expect(ids.contains(id), "missing \(id)") }
        let recipients = Set(Self.loaded.policy.recipients.map(\.id.id))
        for id in ["R-CRM", "R-WEBDEV", "R-CLIENT", "R-BAILIFF-NL", "R-LAWYER-NL", "R-COURT-NL", "R-AFFILIATE-BE",
                   "R-AFFILIATE-IN", "R-FOREIGN-LAWYER", "R-FOREIGN-BAILIFF", "R-AFFILIATE-US"] {
            #expect(recipients.contains(id), "missing \(id)")
        }
    }

    /// The statement's mistakes (seed-policy.md §5) are not copied.
    @Test func modelsWhatTheAgencyShouldDo() throws {
        let policy = Self.loaded.policy
        let collect = try #require(policy.purpose("P-DEBT-COLLECT"))
        #expect(collect.basis(for: "debtor") == .legitimateInterest, "a debtor has no contract with the agency")
        #expect(collect.legalClaims)
        #expect(!collect.fields.contains { $0.id == "bsn" || $0.id == "criminal_note" || $0.id == "health_note" })

        let scoring = try #require(policy.purpose("P-SCORING"))
        #expect(scoring.profiling?.logic != nil && scoring.dpia != nil)
        #expect(!scoring.fields.contains { $0.id == "health_note" })

        let claimFile = try #require(policy.retentionRule("RET-CLAIM-FILE"))
        #expect(claimFile.keep == CalendarDuration(5, .year) && claimFile.minimum == CalendarDuration(2, .year))
        #expect(claimFile.from.id == "file-closed")
        let admin = try #require(policy.retentionRule("RET-ADMIN"))
        #expect(admin.keep == CalendarDuration(7, .year) && admin.fromYearEnd)

        let india = try #require(policy.recipient("R-AFFILIATE-IN"))
        #expect(india.transfer?.scc?.tia != nil, "systematic exchange with India needs SCC + TIA, not Art. 49(1)(e)")
        #expect(india.transfer?.derogation == nil)
        let lawyer = try #require(policy.recipient("R-FOREIGN-LAWYER"))
        #expect(lawyer.country == .perDisclosure)
        #expect(lawyer.transfer?.derogation?.ground == .legalClaims && lawyer.transfer?.derogation?.occasional?.max == 3)

        let newsletter = try #require(policy.purpose("P-NEWSLETTER-EMAIL"))
        #expect(newsletter.allBases == [.consent] && newsletter.consentValidity == CalendarDuration(24, .month))
        let news = try #require(policy.notice("N-NEWS"))
        #expect(news.versions.map(\.materialChange) == [false, false, true])
        #expect(news.versions.allSatisfy { $0.contentHash?.hasPrefix("blake2b-256:") == true })
        #expect(Set(news.versions.compactMap(\.contentHash)).count == 3)
    }

    @Test func theCompiledFormMatchesTheModel() throws {
        let compiled = try #require(Self.loaded.compiled)
        for (index, purpose) in compiled.policy.purposes.enumerated() {
            let compiledPurpose = compiled.compiledPurposes[index]
            #expect(compiled.purposes.id(purpose.id.id) == index)
            #expect(compiledPurpose.fields.members.map { compiled.fields.name($0) }.sorted() == purpose.fields.map(\.id).sorted())
            for category in compiled.policy.subjectCategories {
                let subject = try #require(compiled.subjects.id(category.id.id))
                #expect(compiledPurpose.basisBySubject[subject] == purpose.basis(for: category.id.id))
                #expect(compiledPurpose.subjects.contains(subject) == purpose.subjects.contains { $0.id == category.id.id })
            }
        }
    }
}

struct DigestTests {
    @Test func isStableAndIndependentOfFileLayout() throws {
        let original = PolicyLoader.load(directory: RepositoryPaths.seedPolicy)
        let again = PolicyLoader.load(directory: RepositoryPaths.seedPolicy)
        #expect(original.compiled?.digest == again.compiled?.digest)

        // The same policy with all sections in one file, in another order.
        let folder = try TemporaryDirectory()
        try folder.copyContents(of: URL(fileURLWithPath: RepositoryPaths.seedPolicy))
        var combined = ""
        for name in ["recipients.yaml", "retention.yaml", "purposes.yaml", "notices.yaml", "fields.yaml", "controller.yaml"] {
            combined += try String(contentsOf: folder.url.appendingPathComponent(name), encoding: .utf8) + "\n"
            try FileManager.default.removeItem(at: folder.url.appendingPathComponent(name))
        }
        try folder.write(combined, to: "all.yaml")
        let merged = PolicyLoader.load(directory: folder.path)
        #expect(merged.diagnostics.isEmpty)
        #expect(merged.compiled?.digest == original.compiled?.digest)
    }

    @Test func changesWithAnyValueOrNoticeText() throws {
        let original = try #require(PolicyLoader.load(directory: RepositoryPaths.seedPolicy).compiled?.digest)
        let folder = try TemporaryDirectory()
        try folder.copyContents(of: URL(fileURLWithPath: RepositoryPaths.seedPolicy))
        let retention = folder.url.appendingPathComponent("retention.yaml")
        let text = try String(contentsOf: retention, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "keep: 12 months", with: "keep: 13 months").utf8).write(to: retention)
        let changedValue = try #require(PolicyLoader.load(directory: folder.path).compiled?.digest)
        #expect(changedValue != original)

        try folder.write("Ja, stuur mij de nieuwsbrief.\n", to: "notices/N-NEWS-v1.nl.md")
        let changedNotice = try #require(PolicyLoader.load(directory: folder.path).compiled?.digest)
        #expect(changedNotice != changedValue)
    }
}

/// A subject category's title in other languages, for the console and the reports.
struct SubjectCategoryTitleTests {
    @Test func aCategorysTitlesAreReadAndAPolicyWithoutThemKeepsItsCanonicalForm() throws {
        let seed = try #require(SeedPolicyTests.loaded.compiled?.policy)
        let debtor = try #require(seed.subjectCategory("debtor"))
        #expect(debtor.title(in: "nl") == "Schuldenaar" && debtor.title(in: "en") == "Debtor" && debtor.title(in: "de") == "Debtor")
        // Without titles a category encodes as it did before it could have them, so that the
        // digest of a policy that gives none does not change with this version.
        var bare = debtor
        bare.titles = [:]
        #expect(!KebabJSON.string(bare, compact: true).contains("titles"))
        #expect(KebabJSON.string(debtor, compact: true).contains(#""titles":{"nl":"Schuldenaar"}"#))

        let folder = try TemporaryDirectory()
        try folder.copyContents(of: URL(fileURLWithPath: RepositoryPaths.seedPolicy))
        let controller = folder.url.appendingPathComponent("controller.yaml")
        let text = try String(contentsOf: controller, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "titles: {nl: Schuldenaar}", with: "titles: {dutch: Schuldenaar}").utf8).write(to: controller)
        let loaded = PolicyLoader.load(directory: folder.path)
        let error = try #require(loaded.diagnostics.errors.first)
        #expect(error.description.contains("'dutch' in 'titles' of subject category 'debtor'") && error.location.file.hasSuffix("controller.yaml") && error.location.line > 1,
                "\(loaded.diagnostics.map(\.description))")
    }
}

/// The logic of an automated decision in other languages, for the access answer.
struct ProfilingLogicTests {
    @Test func aProfilingsLogicIsReadPerLanguageAndAPolicyWithoutItKeepsItsCanonicalForm() throws {
        let seed = try #require(SeedPolicyTests.loaded.compiled?.policy)
        let profiling = try #require(seed.purpose("P-SCORING")?.profiling)
        #expect(profiling.logic(in: "nl")?.hasPrefix("De score weegt") == true && profiling.logic(in: "en")?.hasPrefix("The score weighs") == true)
        var bare = profiling
        bare.logics = [:]
        #expect(!KebabJSON.string(bare, compact: true).contains("logics"))
        #expect(KebabJSON.string(profiling, compact: true).contains(#""logics":{"nl":"De score weegt"#))

        let folder = try TemporaryDirectory()
        try folder.copyContents(of: URL(fileURLWithPath: RepositoryPaths.seedPolicy))
        let purposes = folder.url.appendingPathComponent("purposes.yaml")
        let text = try String(contentsOf: purposes, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "      logics:\n        nl: >", with: "      logics:\n        NL: >").utf8).write(to: purposes)
        let error = try #require(PolicyLoader.load(directory: folder.path).diagnostics.errors.first)
        #expect(error.description.contains("'NL' in 'logics' of 'profiling' of purpose 'P-SCORING'") && error.location.file.hasSuffix("purposes.yaml"), "\(error)")
    }
}

/// The mistakes a new user makes, all at once: one line each, with the right position, and
/// no flood of follow-on reports.
struct NewUserMistakesTests {
    @Test func everyMistakeIsReportedWithItsPosition() throws {
        let folder = try TemporaryDirectory()
        try folder.copyContents(of: RepositoryPaths.policyCorpus.appendingPathComponent("base"))
        func edit(_ file: String, _ find: String, _ replace: String) throws {
            let url = folder.url.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            try #require(text.components(separatedBy: find).count == 2)
            try Data(text.replacingOccurrences(of: find, with: replace).utf8).write(to: url)
        }
        /// `file:line:col` of the first occurrence of `marker`.
        func position(of marker: String, in file: String) throws -> String {
            let text = try String(contentsOf: folder.url.appendingPathComponent(file), encoding: .utf8)
            for (index, line) in text.components(separatedBy: "\n").enumerated() {
                if let range = line.range(of: marker) {
                    return "\(file):\(index + 1):\(line.distance(from: line.startIndex, to: range.lowerBound) + 1)"
                }
            }
            Issue.record("\(marker) not in \(file)")
            return ""
        }
        try edit("purposes.yaml", "    actors: [web, officer]", "    actros: [web, officer]")            // typo in a key
        try edit("purposes.yaml", "    fields: [score, email]", "    fields: [score, emial]")          // unknown field
        try edit("purposes.yaml", "    notice: N-NEWS\n", "")                                           // consent without notice
        try edit("recipients.yaml", "    role: controller\n    country: IN", "   role: controller\n    country: IN") // bad indentation

        let loaded = PolicyLoader.load(directory: folder.path)
        let lines = loaded.diagnostics.errors.map { "\($0.code.rawValue) \($0.location.file.split(separator: "/").last!):\($0.location.line):\($0.location.column)" }
        let expected = try [
            "UNKNOWN_KEY " + position(of: "actros", in: "purposes.yaml"),
            "UNKNOWN_REFERENCE " + position(of: "emial", in: "purposes.yaml"),
            "CONSENT_WITHOUT_NOTICE " + position(of: "P-NEWS", in: "purposes.yaml"),
        ]
        #expect(lines.count == 4, "\(loaded.diagnostics.map(\.description))")
        for line in expected { #expect(lines.contains(line), "\(lines)") }
        // libyaml reports the misindented key of R-PARTNER-IN, whose entry is the only one lost.
        #expect(lines.contains("YAML_SYNTAX recipients.yaml:23:4"), "\(lines)")
        #expect(!loaded.isValid)
    }
}
