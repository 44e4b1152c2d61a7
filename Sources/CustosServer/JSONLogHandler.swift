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
        let line = Self.line(ts: Instant.now.description, level: event.level, label: label, message: event.message.description,
                             metadata: metadata, eventMetadata: event.metadata)
        // One write(2) per line: lines from several threads never interleave.
        line.withUnsafeBytes { bytes in _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    /// The line, its keys sorted: the handler's metadata over the four fixed members, the
    /// event's over both. Built as one list of members rather than two merged dictionaries
    /// (every request writes a line: the dictionaries were half of its cost).
    static func line(ts: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata,
                     eventMetadata: Logger.Metadata?) -> [UInt8] {
        var members: [(key: String, value: Logger.MetadataValue)] = [("ts", .string(ts)), ("level", .string(level.rawValue)),
                                                                     ("label", .string(label)), ("message", .string(message))]
        members.reserveCapacity(4 + metadata.count + (eventMetadata?.count ?? 0))
        func put(_ key: String, _ value: Logger.MetadataValue) {
            if let index = members.firstIndex(where: { $0.key == key }) { members[index].value = value } else { members.append((key, value)) }
        }
        for (key, value) in metadata { put(key, value) }
        for (key, value) in eventMetadata ?? [:] { put(key, value) }
        members.sort { $0.key < $1.key }
        var line = [UInt8]()
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            string(member.key, to: &line)
            line.append(UInt8(ascii: ":"))
            write(member.value, to: &line)
        }
        line.append(UInt8(ascii: "}"))
        line.append(10)
        return line
    }

    /// A metadata value as JSON, a dictionary's keys sorted, written by hand: this runs once per
    /// request, and Foundation's serialiser cost more than the rest of a `/healthz` answer.
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
        // Nearly every text needs no escape: then it is one copy.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
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
