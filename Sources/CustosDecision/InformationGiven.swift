public import CustosPolicy

/// That the subject was told what a notice says (Art. 13/14), or why it was not owed.
///
/// ```swift
/// let told = InformationGiven(notice: "N-PRIVACY", at: Instant(iso8601: "2025-10-09T10:00:00+02:00")!)
/// let exempt = InformationGiven(notice: "N-PRIVACY", at: now, exception: .disproportionateEffort)
/// ```
public struct InformationGiven: Sendable, Hashable, Codable {
    public var notice: String
    /// When the information reached the subject, or when the exception was decided.
    public var at: Instant
    /// An Art. 14(5) ground instead of the information itself.
    public var exception: InformationException?

    public init(notice: String, at: Instant, exception: InformationException? = nil) {
        self.notice = notice
        self.at = at
        self.exception = exception
    }
}

/// The grounds of Art. 14(5) on which the Art. 14 information is not given.
public enum InformationException: String, Sendable, Hashable, Codable, CaseIterable {
    /// (a) the subject already has the information.
    case alreadyInformed = "already-informed"
    /// (b) impossible, or a disproportionate effort (then public information instead).
    case disproportionateEffort = "disproportionate-effort"
    /// (c) obtaining or disclosure is expressly laid down by Union or Member State law.
    case requiredByLaw = "required-by-law"
    /// (d) the data must stay confidential under a professional secrecy obligation.
    case professionalSecrecy = "professional-secrecy"

    /// The provision the exception rests on.
    public var article: String {
        switch self {
        case .alreadyInformed: "Art. 14(5)(a)"
        case .disproportionateEffort: "Art. 14(5)(b)"
        case .requiredByLaw: "Art. 14(5)(c)"
        case .professionalSecrecy: "Art. 14(5)(d)"
        }
    }
}
