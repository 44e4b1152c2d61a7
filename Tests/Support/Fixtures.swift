public import Foundation

/// Paths of the repository for tests, found from this file's location so tests run from
/// any working directory.
public enum RepositoryPaths {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var seedPolicy: String { root.appendingPathComponent("policies/invorderingsbedrijf").path }

    public static var policyCorpus: URL { root.appendingPathComponent("Tests/CustosPolicyTests/Corpus") }
}

/// A scratch folder removed when the value goes away.
public final class TemporaryDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("custos-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    /// Copies the contents of `source` into this folder.
    public func copyContents(of source: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: url.appendingPathComponent(name))
        }
    }

    public func write(_ text: String, to relative: String) throws {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

extension RepositoryPaths {
    public static var seedPolicyTests: String { root.appendingPathComponent("policies/invorderingsbedrijf/tests").path }
    public static var edgePolicy: String { root.appendingPathComponent("Tests/CustosTests/EdgePolicy").path }
}
