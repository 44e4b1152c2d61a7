internal import GRDB
import Foundation

/// Failures of the store. Messages name files, ids and fields, never values or key bytes.
package enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case alreadyInitialised(String)
    case notInitialised(String)
    case keyringExists(String)
    /// A database the store needs cannot be reached (or its answer is unknown): nothing was
    /// decided or changed that the caller may count on. A server answers 503.
    case unavailable(String)
    case keyringMissing(String)
    case keyFileMissing(String)
    case keyFileTooOpen(path: String, mode: String)
    case keyFileMalformed(String)
    case keyFileExists(String)
    case rotationComplete(String)
    case keyFileNotOwned(path: String, owner: Int)
    case wrongMasterKey
    case pragmaNotSet(String)
    case subjectExists(String)
    case subjectUnknown(String)
    case unknownField(String)
    case unknownPurpose(String)
    case unknownCategory(String)
    case unknownEvent(String)
    case keyMissing(String)
    case integrity(String)
    case keyringDisagrees(String)
    case invalidInput(String)
    /// An input refused by a rule, in words a face can render in its own language; otherwise
    /// the same as `invalidInput`.
    case refused(LibraryWords)
    case io(String)

    /// A database the store needs is unreachable (deny, answer 503), as opposed to a refusal.
    package static func isUnavailable(_ error: any Error) -> Bool {
        if case StoreError.unavailable = error { return true }
        return false
    }

    package var description: String {
        switch self {
        case let .alreadyInitialised(path): "a vault already exists at \(path)"
        case let .notInitialised(path): "no vault at \(path); run 'custos init' first"
        case let .unavailable(reason): "the store is unavailable (\(reason)); nothing was decided"
        case let .keyringExists(place): "a keyring already exists at \(place): a new vault needs a keyring of its own (--keyring)"
        case let .keyringMissing(place): "no keyring at \(place) (give the vault's keyring with --keyring or CUSTOS_KEYRING)"
        case let .keyFileMissing(path): "master key file \(path) does not exist"
        case let .keyFileTooOpen(path, mode): "master key file \(path) has mode \(mode); it must be readable by its owner only: chmod 600 \(path)"
        case let .keyFileNotOwned(path, owner): "master key file \(path) belongs to user \(owner), not to the user running Custos (\(geteuid())) or root; refusing to use it"
        case let .keyFileExists(path): "\(path) already exists; a rotation writes a new key file and never reuses or overwrites one (if an interrupted rotation wrote it, finish with --resume)"
        case let .rotationComplete(path): "the keyring already opens with \(path): the rotation is complete"
        case let .keyFileMalformed(path): "master key file \(path) does not hold a 32-byte key"
        case .wrongMasterKey: "the master key does not open this keyring (wrong key file or passphrase)"
        case let .pragmaNotSet(pragma): "SQLite did not accept the required setting \(pragma)"
        case let .subjectExists(id): "subject \(id) already exists"
        case let .subjectUnknown(id): "subject \(id) is not in the vault"
        case let .unknownField(field): "field '\(field)' is not declared in the policy"
        case let .unknownPurpose(purpose): "purpose '\(purpose)' is not declared in the policy"
        case let .unknownCategory(category): "subject category '\(category)' is not declared in the policy"
        case let .unknownEvent(event): "lifecycle event '\(event)' is not declared in the policy"
        case let .keyMissing(id): "no key for subject \(id) in the keyring"
        case let .integrity(detail): "integrity failure: \(detail)"
        case let .invalidInput(detail): detail
        case let .refused(words): words.description
        case let .keyringDisagrees(detail): "vault and keyring disagree: \(detail)"
        case let .io(detail): "storage error: \(detail)"
        }
    }
}

extension StoreError {
    /// A store error as it is, or an SQLite failure as an `io` error that says what failed
    /// ("database or disk is full"), never the statement or its arguments.
    static func from(_ error: any Error, doing action: String) -> any Error {
        if error is StoreError { return error }
        if let database = error as? DatabaseError { return StoreError.io("cannot \(action): \(database.message ?? "SQLite error \(database.resultCode.rawValue)")") }
        return error
    }
}
