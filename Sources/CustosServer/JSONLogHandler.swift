import Foundation
import Logging
import Custos

/// One JSON object a line on standard error: `{"ts", "level", "label", "message", …metadata}`.
/// Nothing that reaches it carries a personal value: the access log names routes by their
/// template (`/v1/subjects/:subject/read`), never by the path a caller sent.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var members: [(String, Logger.MetadataValue)] = [("ts", .string(Instant.now.description)), ("level", .string(event.level.rawValue)),
                                                         ("label", .string(label)), ("message", .string(event.message.description))]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) { members.append((key, value)) }
        var line = [UInt8]()
        line.reserveCapacity(256)
        Self.write(.dictionary(Dictionary(members, uniquingKeysWith: { _, new in new })), to: &line)
        line.append(10)
        // One write(2) per line: lines from several threads never interleave.
        line.withUnsafeBytes { bytes in _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    /// JSON with sorted keys, written by hand: this runs once per request, and Foundation's
    /// serialiser cost more than the rest of a `/healthz` answer.
    static func write(_ value: Logger.MetadataValue, to out: inout [UInt8]) {
        switch value {
        case let .string(text): string(text, to: &out)
        case let .stringConvertible(convertible): string(convertible.description, to: &out)
        case let .array(values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(value, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .dictionary(values):
            out.append(UInt8(ascii: "{"))
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(values[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func string(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
