package import Foundation
internal import CSV
internal import Mustache
import CustosPolicy

/// The output formats of `custos report`.
package enum ReportFormat: String, Sendable, CaseIterable {
    case md, html, csv, json
}

/// Turns a `ReportDocument` into bytes. Markdown and HTML come from Mustache templates kept
/// as resources (`Templates/report.md.mustache`, `report.html.mustache`); an organisation can
/// bring its own by naming a folder that holds files of those names. HTML is self-contained:
/// inline CSS, charts as inline SVG, no scripts, nothing fetched. CSV is one long table
/// (`section,table,row,column,value`) so every table of a report fits one header. JSON is the
/// document with sorted keys. The same document always gives the same bytes.
///
/// ```swift
/// let renderer = ReportRenderer()
/// let html = try renderer.render(RopaReport.build(context), as: .html)
/// ```
package struct ReportRenderer: Sendable {
    /// Loaded at init; an unusable template is reported when a report needs it, so CSV and
    /// JSON still work without templates.
    let markdown: Result<MustacheTemplate, Failure>
    let html: Result<MustacheTemplate, Failure>

    package enum Failure: Error, Sendable, CustomStringConvertible {
        case template(String, String)

        package var description: String {
            switch self {
            case let .template(name, why): "report template '\(name)' cannot be used: \(why)"
            }
        }
    }

    /// - Parameter templates: a folder with `report.md.mustache` and/or `report.html.mustache`
    ///   to use instead of the built-in ones.
    package init(templates: URL? = nil) {
        markdown = Result { try Self.template("report.md", in: templates) }.mapError { $0 as? Failure ?? .template("report.md", "\($0)") }
        html = Result { try Self.template("report.html", in: templates) }.mapError { $0 as? Failure ?? .template("report.html", "\($0)") }
    }

    static func template(_ name: String, in folder: URL?) throws -> MustacheTemplate {
        let custom = folder?.appendingPathComponent("\(name).mustache")
        let url = custom.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
            ?? bundledTemplates?.appendingPathComponent("\(name).mustache")
        guard let url, let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw Failure.template(name, "not found; the built-in templates travel in 'Custos_CustosReports.resources' next to the executable, or pass --templates DIR")
        }
        // A text the template says that no report gives would leave a gap in the report.
        let said = Set(text.matches(of: /\{\{\{?[#^\/&]?\s*t\.([A-Za-z0-9_-]+)/).map { String($0.output.1) })
        let unknown = said.subtracting(ReportContext.templateWordNames)
        guard unknown.isEmpty else {
            throw Failure.template(url.path, "says \(unknown.sorted().map { "t.\($0)" }.joined(separator: ", ")), which no report gives (a template may say "
                                   + ReportContext.templateWordNames.map { "t.\($0)" }.joined(separator: ", ") + ")")
        }
        do {
            return try MustacheTemplate(string: text)
        } catch {
            throw Failure.template(url.path, "\(error)")
        }
    }

    /// The resource bundle SwiftPM places next to the executable. Looked up by hand: the
    /// generated `Bundle.module` stops the process when the bundle is missing (an executable
    /// copied without it), and a missing template must be an error, never a crash.
    static var bundledTemplates: URL? {
        let name = "Custos_CustosReports.resources"
        let places = [Bundle.main.bundleURL, Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(), Bundle.main.resourceURL]
        return places.compactMap { $0?.appendingPathComponent(name).appendingPathComponent("Templates") }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }

    package func render(_ document: ReportDocument, as format: ReportFormat) throws -> Data {
        switch format {
        case .md: Data(try markdown.get().render(view(document, cell: Self.markdownCell)).utf8)
        case .html: Data(try html.get().render(view(document, cell: { $0 })).utf8)
        case .json: Data((KebabJSON.string(document) + "\n").utf8)
        case .csv: csv(document)
        }
    }

    /// A pipe or a line break would end a Markdown table cell.
    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    func view(_ document: ReportDocument, cell: (String) -> String) -> [String: Any] {
        [
            "title": document.title, "language": document.language, "t": document.templateWords,
            "simulated": document.simulated,
            "header": document.header.map { ["label": $0.label, "value": cell($0.value)] },
            "sections": document.sections.map { section -> [String: Any] in
                [
                    "id": section.id, "title": section.title, "notes": section.notes,
                    "tables": section.tables.map { table -> [String: Any] in
                        ["caption": table.caption, "columns": table.columns.map(cell), "hasRows": !table.rows.isEmpty, "itemTable": table.isItemTable,
                         "rows": table.rows.map { ["cells": $0.map(cell)] }]
                    },
                    "charts": section.charts.filter { !$0.bars.isEmpty }.map(Self.chartView),
                ]
            },
        ]
    }

    /// Bar geometry for the SVG: labels on the left, bars scaled to the largest value.
    static func chartView(_ chart: BarChart) -> [String: Any] {
        let labelWidth = 190, barArea = 420, rowHeight = 22, barHeight = 15
        let largest = max(1, chart.bars.map { max($0.value, $0.highlight ?? 0) }.max() ?? 1)
        func scaled(_ value: Int) -> Int { value == 0 ? 0 : max(1, value * barArea / largest) }
        let bars = chart.bars.enumerated().map { index, bar -> [String: Any] in
            let y = 4 + index * rowHeight
            let label = bar.label.count > 30 ? String(bar.label.prefix(29)) + "…" : bar.label
            return ["label": label, "value": bar.value, "highlight": bar.highlight ?? 0, "hasHighlight": (bar.highlight ?? 0) > 0,
                    "labelX": labelWidth - 6, "barX": labelWidth, "y": y, "textY": y + barHeight - 3, "barHeight": barHeight,
                    "width": scaled(bar.value), "highlightWidth": scaled(bar.highlight ?? 0),
                    "valueX": labelWidth + max(scaled(bar.value), scaled(bar.highlight ?? 0)) + 6]
        }
        return ["title": chart.title, "bars": bars, "width": labelWidth + barArea + 90, "height": 8 + chart.bars.count * rowHeight,
                "highlightLabel": chart.highlightLabel.map { $0 as Any } ?? false]
    }

    func csv(_ document: ReportDocument) -> Data {
        guard let writer = try? CSVWriter(stream: .toMemory()) else { return Data() }
        try? writer.write(row: ["section", "table", "row", "column", "value"])
        for item in document.header { try? writer.write(row: ["header", "header", "1", item.label, item.value]) }
        for section in document.sections {
            for (index, note) in section.notes.enumerated() { try? writer.write(row: [section.id, "notes", String(index + 1), "note", note]) }
            for table in section.tables {
                for (index, row) in table.rows.enumerated() {
                    for (column, value) in zip(table.columns, row) { try? writer.write(row: [section.id, table.id, String(index + 1), column, value]) }
                }
            }
        }
        writer.stream.close()
        return writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }
}
