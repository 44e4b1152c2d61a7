import Foundation

/// Paths of the repository for tests, found from this file's location so tests run from
/// any working directory.
public enum RepositoryPaths {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var seedPolicy: String { root.appendingPathComponent("policies/invorderingsbedrijf").path }
}
