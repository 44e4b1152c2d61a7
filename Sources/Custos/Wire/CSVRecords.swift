import Foundation

/// The records of a CSV file (RFC 4180), read strictly from its UTF-8 bytes, for
/// `subject import`.
///
/// A lenient reader guesses at what a malformed file meant, and for an import of personal data
/// a guess is a silent corruption: `"a@b.nl"x` read as `a@b.nl"`, an unclosed quote swallowing
/// every row after it into one value. Here each of those is an error naming the line and column
/// where the file went wrong, and nothing is imported.
///
/// - Records end at LF or CRLF; a field is quoted (`"…"`, a quote inside doubled) or holds no
///   quote at all. Spaces and tabs around a field are dropped, as they are around a quoted one.
/// - A leading UTF-8 byte order mark (as spreadsheets write) is skipped; a line holding only
///   spaces and tabs is skipped, as JSON Lines skips a blank line.
/// - `line` is the physical line a record starts on, so a quoted value over several lines does
///   not shift the numbers of the records after it; columns count characters, from 1.
///
/// ```swift
/// if let malformed = CSVRecords.forEach(in: data, { record in print(record.line, record.fields) }) {
///     print("line \(malformed.line), column \(malformed.column): \(malformed.message)")
/// }
/// ```
enum CSVRecords {
    struct Record {
        /// The line the record starts on, from 1.
        let line: Int
        let fields: [String]
    }

    /// Where and how the file stops being CSV.
    struct Malformed: Error, Equatable {
        let line: Int
        let column: Int
        let message: String
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// Hands every record to `body` in order; stops at the first place the file is not CSV and
    /// returns where that is, else nil.
    @discardableResult
    static func forEach(in data: Data, _ body: (Record) throws -> Void) rethrows -> Malformed? {
        try data.withUnsafeBytes { raw -> Malformed? in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            while true {
                let record: Record?
                do throws(Malformed) { record = try reader.next() } catch { return error }
                guard let record else { return nil }
                try body(record)
            }
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var line = 1
        /// Where the current line starts, for columns.
        var lineStart = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3; lineStart = 3 }
        }

        /// The column of `position` on the current line, counting characters (UTF-8 lead bytes).
        func column(_ position: Int) -> Int {
            1 + bytes[lineStart..<position].reduce(0) { count, byte in count + (byte & 0xC0 == 0x80 ? 0 : 1) }
        }

        func malformed(at position: Int, _ message: String) -> Malformed {
            Malformed(line: line, column: column(position), message: message)
        }

        func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }

        /// Moves past a line end at `index` (LF or CRLF); false when there is none.
        mutating func endLine() -> Bool {
            if index < bytes.count, bytes[index] == carriageReturn, index + 1 < bytes.count, bytes[index + 1] == newline { index += 1 }
            guard index < bytes.count, bytes[index] == newline || bytes[index] == carriageReturn else { return false }
            index += 1
            line += 1
            lineStart = index
            return true
        }

        mutating func next() throws(Malformed) -> Record? {
            // Lines of nothing but spaces and tabs are skipped.
            while true {
                var probe = index
                while probe < bytes.count, isBlank(bytes[probe]) { probe += 1 }
                guard probe < bytes.count else { return nil }
                guard bytes[probe] == newline || bytes[probe] == carriageReturn else { break }
                index = probe
                _ = endLine()
            }
            let first = line
            var fields: [String] = []
            while true {
                let (field, more) = try nextField()
                fields.append(field)
                if !more { return Record(line: first, fields: fields) }
            }
        }

        /// One field, and whether another follows on the same record.
        mutating func nextField() throws(Malformed) -> (String, Bool) {
            while index < bytes.count, isBlank(bytes[index]) { index += 1 }
            if index < bytes.count, bytes[index] == quote { return try quotedField() }
            let start = index
            while index < bytes.count, bytes[index] != comma, bytes[index] != newline, bytes[index] != carriageReturn {
                if bytes[index] == quote {
                    throw malformed(at: index, "a quote inside a field that does not start with one; quote the whole field and double its quotes (\"a \"\"b\"\"\")")
                }
                index += 1
            }
            var end = index
            while end > start, isBlank(bytes[end - 1]) { end -= 1 }
            let field = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            return (field, try afterField())
        }

        mutating func quotedField() throws(Malformed) -> (String, Bool) {
            let opening = (line: line, column: column(index))
            index += 1
            var value: [UInt8] = []
            while true {
                guard index < bytes.count else {
                    throw Malformed(line: opening.line, column: opening.column, message: "the quote opened here is never closed")
                }
                let byte = bytes[index]
                if byte == quote {
                    if index + 1 < bytes.count, bytes[index + 1] == quote {
                        value.append(quote)
                        index += 2
                        continue
                    }
                    index += 1
                    break
                }
                value.append(byte)
                index += 1
                if byte == newline || (byte == carriageReturn && !(index < bytes.count && bytes[index] == newline)) {
                    line += 1
                    lineStart = index
                }
            }
            while index < bytes.count, isBlank(bytes[index]) { index += 1 }
            guard index == bytes.count || bytes[index] == comma || bytes[index] == newline || bytes[index] == carriageReturn else {
                throw malformed(at: index, "text after a closing quote; a quote inside a quoted field is written twice (\"\")")
            }
            return (String(decoding: value, as: UTF8.self), try afterField())
        }

        /// At a comma (another field follows), a line end or the end of the file (the record ends).
        mutating func afterField() throws(Malformed) -> Bool {
            if index < bytes.count, bytes[index] == comma {
                index += 1
                return true
            }
            _ = endLine()
            return false
        }
    }
}
