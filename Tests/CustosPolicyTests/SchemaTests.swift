@testable import CustosPolicy
import CustosTestSupport
import Foundation
import Testing

/// policies/schema.json is what editors complete and check against; it must say exactly
/// what the loader accepts.
struct SchemaTests {
    static var schema: [String: Any] {
        let url = RepositoryPaths.root.appendingPathComponent("policies/schema.json")
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    static func properties(_ path: [String]) -> [String: Any] {
        var node: Any = schema
        for key in path { node = (node as? [String: Any])?[key] ?? [:] }
        return ((node as? [String: Any])?["properties"] as? [String: Any]) ?? [:]
    }

    static func enumValues(_ node: Any?) -> Set<String> {
        Set(((node as? [String: Any])?["enum"] as? [String]) ?? [])
    }

    @Test func topLevelKeysMatchTheLoader() {
        #expect(Set(Self.properties([]).keys) == Set(PolicyDecoder.topLevelKeys))
    }

    @Test func purposeAndRecipientKeysMatchTheLoader() {
        #expect(Set(Self.properties(["properties", "purposes", "additionalProperties"]).keys) == Set(PolicyDecoder.purposeKeys))
        #expect(Set(Self.properties(["properties", "recipients", "additionalProperties"]).keys) == Set(PolicyDecoder.recipientKeys))
        #expect(Set(Self.properties(["properties", "fields", "additionalProperties"]).keys) == Set(PolicyDecoder.fieldKeys))
    }

    @Test func enumerationsMatchTheModel() {
        let recipient = Self.properties(["properties", "recipients", "additionalProperties"])
        #expect(Self.enumValues(recipient["role"]) == Set(RecipientRole.allCases.map(\.rawValue)))
        let field = Self.properties(["properties", "fields", "additionalProperties"])
        #expect(Self.enumValues(field["special-category"]) == Set(SpecialCategory.allCases.map(\.rawValue)))
        let purpose = Self.properties(["properties", "purposes", "additionalProperties"])
        let art9 = (purpose["art9"] as? [String: Any])?["additionalProperties"]
        #expect(Self.enumValues(art9) == Set(Article9Condition.allCases.map(\.rawValue)))
        let basis = ((purpose["basis"] as? [String: Any])?["oneOf"] as? [Any])?.first
        #expect(Self.enumValues(basis) == Set(LegalBasis.allCases.map(\.rawValue)))
    }
}
