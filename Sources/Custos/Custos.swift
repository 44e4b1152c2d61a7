@_exported public import CustosDecision
@_exported public import CustosPolicy

/// The Custos library: the one module services and the CLI import. Policy types come with it.
///
/// ```swift
/// import Custos
/// let check = Custos.checkPolicy(directory: "policies/invorderingsbedrijf")
/// print(check.isValid, check.diagnostics.count)
/// ```
public enum Custos {
    /// Engine version, reported in decisions, reports and `custos --version`.
    public static let version = "0.1.0"

    /// Loads, validates and compiles a policy folder. Never throws: every problem is a
    /// diagnostic in the result, with its file, line and column, and an invalid policy has no
    /// compiled form.
    public static func checkPolicy(directory: String) -> LoadedPolicy {
        PolicyLoader.load(directory: directory)
    }

    /// As ``checkPolicy(directory:)``; with a day to check against, dated safeguards
    /// (adequacy, DPF, DPA, SCC, TIA) that lapsed or lapse within 90 days are warnings.
    package static func checkPolicy(directory: String, checkingSafeguards check: PolicyLoader.SafeguardCheck) -> LoadedPolicy {
        PolicyLoader.load(directory: directory, checkingSafeguards: check)
    }
}
