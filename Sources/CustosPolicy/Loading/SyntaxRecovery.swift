internal import Yams

/// After a YAML error, salvages what can still be read from a file: each top-level section
/// is parsed alone and, if that fails, each entry of it. Blank lines stand in for the rest of
/// the file, so line and column numbers stay true. Ids in entries that still cannot be read
/// are returned too, so references to them are not reported again as unknown.
struct SyntaxRecovery {
    struct Result {
        var roots: [Node] = []
        var unreadableIds: Set<String> = []
    }

    let text: String
    let file: String
    let sink: DiagnosticSink
    /// Positions already reported, so one problem is not reported twice.
    var reported: Set<SourceLocation>

    func recover() -> Result {
        let lines = text.components(separatedBy: "\n")
        var result = Result()
        for block in Self.blocks(in: lines, range: 0..<lines.count, indentation: 0) {
            if let node = parse(lines, keeping: [block]) {
                result.roots.append(node)
                continue
            }
            // The section header is the block's first line; its entries are the next level.
            let header = block.lowerBound..<(block.lowerBound + 1)
            let childIndent = Self.firstIndentation(in: lines, range: header.upperBound..<block.upperBound)
            for entry in Self.blocks(in: lines, range: header.upperBound..<block.upperBound, indentation: childIndent ?? 2) {
                if let node = parse(lines, keeping: [header, entry], reportErrors: true) {
                    result.roots.append(node)
                } else {
                    result.unreadableIds.formUnion(Self.keys(in: lines[entry]))
                }
            }
        }
        return result
    }

    /// Parses only the given line ranges; every other line is blanked.
    private func parse(_ lines: [String], keeping ranges: [Range<Int>], reportErrors: Bool = false) -> Node? {
        var kept = [String](repeating: "", count: lines.count)
        for range in ranges { for index in range { kept[index] = lines[index] } }
        let scratch = DiagnosticSink()
        let node = PolicyLoader.compose(text: kept.joined(separator: "\n"), file: file, sink: scratch)
        if reportErrors {
            for item in scratch.items where !reported.contains(item.location) {
                sink.error(item.code, item.message, at: item.location)
            }
        }
        return node
    }

    /// Runs of lines that start at `indentation` exactly, each with its more-indented lines,
    /// comments and blank lines.
    static func blocks(in lines: [String], range: Range<Int>, indentation: Int) -> [Range<Int>] {
        var starts: [Int] = []
        for index in range {
            let line = lines[index]
            let trimmed = line.drop { $0 == " " }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            if line.count - trimmed.count <= indentation { starts.append(index) }
        }
        return starts.enumerated().map { offset, start in
            start..<(offset + 1 < starts.count ? starts[offset + 1] : range.upperBound)
        }
    }

    static func firstIndentation(in lines: [String], range: Range<Int>) -> Int? {
        for index in range {
            let trimmed = lines[index].drop { $0 == " " }
            if !trimmed.isEmpty, !trimmed.hasPrefix("#") { return lines[index].count - trimmed.count }
        }
        return nil
    }

    /// Mapping keys written at the start of lines: `  P-NEWS:` → `P-NEWS`.
    static func keys(in lines: ArraySlice<String>) -> Set<String> {
        var keys: Set<String> = []
        for line in lines {
            let trimmed = line.drop { $0 == " " || $0 == "-" }
            guard let colon = trimmed.firstIndex(of: ":"), !trimmed.hasPrefix("#") else { continue }
            let key = trimmed[..<colon]
            if !key.isEmpty, !key.contains(" ") { keys.insert(String(key)) }
        }
        return keys
    }
}
