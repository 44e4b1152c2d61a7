import Foundation

/// IANA zone names known to the system, looked up once.
enum KnownTimeZones {
    private static let names: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers)

    static func contains(_ identifier: String) -> Bool {
        names.contains(identifier) || TimeZone(identifier: identifier) != nil
    }
}
