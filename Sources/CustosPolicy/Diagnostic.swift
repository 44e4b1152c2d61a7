/// Where something stands in a policy file: 1-based line and column as editors count them.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One problem found while loading or validating a policy, printed as
/// `file:line:col: error: [CODE] message`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public let severity: Severity
    public let code: DiagnosticCode
    public let message: String
    public let location: SourceLocation

    public init(_ severity: Severity, _ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): \(severity.rawValue): [\(code.rawValue)] \(message)" }
}

/// Stable validation codes. They are part of the CLI contract: tools and tests match on them,
/// so a code is never renamed or reused; docs/policy-language.md lists each with an example.
public enum DiagnosticCode: String, Sendable, Hashable, CaseIterable, Codable {
    // Reading the files
    case noPolicyFiles = "NO_POLICY_FILES"
    case fileUnreadable = "FILE_UNREADABLE"
    case yamlSyntax = "YAML_SYNTAX"
    case unknownKey = "UNKNOWN_KEY"
    case wrongType = "WRONG_TYPE"
    case missingKey = "MISSING_KEY"
    case invalidValue = "INVALID_VALUE"
    case duplicateId = "DUPLICATE_ID"
    case unknownReference = "UNKNOWN_REFERENCE"
    // Whole-policy structure
    case controllerMissing = "CONTROLLER_MISSING"
    case noticeTextMissing = "NOTICE_TEXT_MISSING"
    // Lawfulness of purposes
    case basisMissingForSubject = "BASIS_MISSING_FOR_SUBJECT"
    case consentWithoutNotice = "CONSENT_WITHOUT_NOTICE"
    case noticeDoesNotCoverPurpose = "NOTICE_DOES_NOT_COVER_PURPOSE"
    case legitimateInterestWithoutLIA = "LEGITIMATE_INTEREST_WITHOUT_LIA"
    case legalObligationWithoutLaw = "LEGAL_OBLIGATION_WITHOUT_LAW"
    case specialCategoryWithoutCondition = "SPECIAL_CATEGORY_WITHOUT_CONDITION"
    case nationalIdWithoutAuthorisation = "NATIONAL_ID_WITHOUT_AUTHORISATION"
    case criminalDataWithoutAuthorisation = "CRIMINAL_DATA_WITHOUT_AUTHORISATION"
    case purposeWithoutRetention = "PURPOSE_WITHOUT_RETENTION"
    case automatedDecisionWithoutLogic = "AUTOMATED_DECISION_WITHOUT_LOGIC"
    case automatedDecisionExceptionUnfounded = "AUTOMATED_DECISION_EXCEPTION_UNFOUNDED"
    case compatibilityWithoutAssessment = "COMPATIBILITY_WITHOUT_ASSESSMENT"
    case trackingCookiesWithoutConsent = "TRACKING_COOKIES_WITHOUT_CONSENT"
    // Recipients and transfers
    case processorWithoutDPA = "PROCESSOR_WITHOUT_DPA"
    case subProcessorWithoutProcessor = "SUB_PROCESSOR_WITHOUT_PROCESSOR"
    case subProcessorWithoutAuthorisation = "SUB_PROCESSOR_WITHOUT_AUTHORISATION"
    case thirdCountryWithoutInstrument = "THIRD_COUNTRY_WITHOUT_INSTRUMENT"
    case dpaScopeExcludesPurpose = "DPA_SCOPE_EXCLUDES_PURPOSE"
    // Warnings
    case purposeOpenToAllActors = "PURPOSE_OPEN_TO_ALL_ACTORS"
    case profilingWithoutDPIA = "PROFILING_WITHOUT_DPIA"
    case transferWithoutTIA = "TRANSFER_WITHOUT_TIA"
    case unusedDefinition = "UNUSED_DEFINITION"
    case safeguardLapsed = "SAFEGUARD_LAPSED"
    case safeguardLapsing = "SAFEGUARD_LAPSING"
}

extension Array where Element == Diagnostic {
    package var errors: [Diagnostic] { filter { $0.severity == .error } }
    package var warnings: [Diagnostic] { filter { $0.severity == .warning } }
}
