import CustosPolicy
import CustosTestSupport
import Testing

/// The gate reads a purpose's consent basis and its Art. 9(2) conditions from the compiled
/// form, not from the policy's model (which it used to copy whole on every read): for every
/// purpose of the seed policy the two must answer alike.
struct CompiledPurposeTests {
    @Test func theCompiledPurposeAnswersAsThePolicyModelDoes() throws {
        let compiled = try #require(PolicyLoader.load(directory: RepositoryPaths.seedPolicy).compiled)
        let categories = compiled.policy.subjectCategories.map(\.id.id)
        // Every category alone, every ordered pair (the purpose judges a person by the category
        // it lists first), and a category the policy does not declare.
        var combinations = categories.map { [$0] } + [["not-a-category"]]
        for first in categories {
            for second in categories where second != first { combinations.append([first, second]) }
        }
        var onConsent = 0, conditions = 0
        for purpose in compiled.policy.purposes {
            let rules = try #require(compiled.compiledPurpose(purpose.id.id))
            #expect(rules.purpose.id == purpose.id)
            for combination in combinations {
                let expected = purpose.basis(forAnyOf: combination) == .consent
                #expect(rules.restsOnConsent(forAnyOf: combination) == expected, "\(purpose.id.id) for \(combination)")
                if expected { onConsent += 1 }
            }
            for field in compiled.policy.fields {
                let id = try #require(compiled.fields.id(field.id.id))
                let expected = purpose.article9.first { $0.field.id == field.id.id }?.condition
                #expect(rules.article9Conditions[id] == expected, "\(purpose.id.id), \(field.id.id)")
                if expected != nil { conditions += 1 }
            }
        }
        // Neither check is empty on the seed: it has consent purposes and an Art. 9(2)(f) field.
        #expect(onConsent > 0 && conditions > 0)
        #expect(compiled.compiledPurpose("P-NOT-DECLARED") == nil)
        for recipient in compiled.policy.recipients {
            #expect(compiled.compiledRecipient(recipient.id.id)?.recipient.id == recipient.id)
        }
        #expect(compiled.compiledRecipient("R-NOT-DECLARED") == nil)
    }
}
