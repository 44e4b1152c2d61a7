public import CustosPolicy

/// The seed policy, loaded once for all tests.
public enum SeedPolicy {
    public static let loaded: LoadedPolicy = PolicyLoader.load(directory: RepositoryPaths.seedPolicy)

    /// The compiled seed policy; tests that use it fail loudly if the seed stops validating.
    public static var compiled: CompiledPolicy {
        guard let compiled = loaded.compiled else {
            preconditionFailure("the seed policy does not validate: \(loaded.diagnostics.errors.map(\.description))")
        }
        return compiled
    }
}
