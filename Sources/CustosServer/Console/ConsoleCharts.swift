import Foundation

/// Charts drawn on the server as SVG (DESIGN §11: no chart library in the browser). Colours
/// are presentation attributes, which the strict CSP allows; every chart has a text title and
/// its numbers are also in the table beside it.
enum ConsoleCharts {
    struct Column {
        var label: String
        /// Stacked from the bottom: (value, colour, series name).
        var parts: [(value: Int, colour: String, name: String)]
    }

    static let permit = "#2f6f3e", deny = "#b3261e", other = "#8a6d00", open = "#0b5cad", overdue = "#b3261e"

    /// Vertical columns, stacked by series, with the value above each and a legend.
    static func columns(_ columns: [Column], title: String, height: Int = 180) -> String {
        let barWidth = columns.count > 20 ? 14 : 32, gap = columns.count > 20 ? 6 : columns.count > 8 ? 14 : 34
        let left = 36, top = 16, bottom = columns.count > 8 ? 64 : 44
        let width = max(left + columns.count * (barWidth + gap) + gap, 240)
        let maximum = max(columns.map { $0.parts.reduce(0) { $0 + $1.value } }.max() ?? 0, 1)
        let plot = Double(height - top - bottom)
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" role="img" aria-label="\##(escape(title))"><title>\##(escape(title))</title>"##
        svg += ##"<line x1="\##(left)" y1="\##(height - bottom)" x2="\##(width)" y2="\##(height - bottom)" stroke="#57606a"/>"##
        svg += ##"<text x="\##(left - 4)" y="\##(top + 4)" text-anchor="end" font-size="10" fill="#1b1f24">\##(maximum)</text>"##
        svg += ##"<text x="\##(left - 4)" y="\##(height - bottom)" text-anchor="end" font-size="10" fill="#1b1f24">0</text>"##
        for (index, column) in columns.enumerated() {
            let x = left + gap + index * (barWidth + gap)
            var y = Double(height - bottom)
            for part in column.parts where part.value > 0 {
                let h = plot * Double(part.value) / Double(maximum)
                y -= h
                svg += ##"<rect x="\##(x)" y="\##(format(y))" width="\##(barWidth)" height="\##(format(h))" fill="\##(part.colour)"><title>\##(escape(column.label)): \##(part.value) \##(escape(part.name))</title></rect>"##
            }
            let total = column.parts.reduce(0) { $0 + $1.value }
            svg += ##"<text x="\##(x + barWidth / 2)" y="\##(format(y - 3))" text-anchor="middle" font-size="10" fill="#1b1f24">\##(total)</text>"##
            let labelY = height - bottom + 14
            if columns.count > 8 {
                svg += ##"<text x="\##(x + barWidth / 2)" y="\##(labelY)" text-anchor="end" font-size="10" fill="#1b1f24" transform="rotate(-45 \##(x + barWidth / 2) \##(labelY))">\##(escape(column.label))</text>"##
            } else {
                svg += ##"<text x="\##(x + barWidth / 2)" y="\##(labelY)" text-anchor="middle" font-size="10" fill="#1b1f24">\##(escape(column.label))</text>"##
            }
        }
        return svg + "</svg>"
    }

    /// Horizontal bars with a highlighted share (the reports' charts: total and, e.g., denies).
    static func bars(_ bars: [(label: String, value: Int, highlight: Int?)], title: String, highlightName: String?) -> String {
        let row = 18, labelWidth = 190, barSpace = 360, valueSpace = 150
        let height = bars.count * row + 8, width = labelWidth + barSpace + valueSpace
        let maximum = max(bars.map(\.value).max() ?? 0, 1)
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" role="img" aria-label="\##(escape(title))"><title>\##(escape(title))</title>"##
        for (index, bar) in bars.enumerated() {
            let y = 4 + index * row
            let w = Double(barSpace) * Double(bar.value) / Double(maximum)
            svg += ##"<text x="\##(labelWidth - 6)" y="\##(y + 12)" text-anchor="end" font-size="11" fill="#1b1f24">\##(escape(bar.label))</text>"##
            svg += ##"<rect x="\##(labelWidth)" y="\##(y)" width="\##(format(w))" height="14" fill="\##(open)"/>"##
            if let highlight = bar.highlight, highlight > 0 {
                svg += ##"<rect x="\##(labelWidth)" y="\##(y)" width="\##(format(Double(barSpace) * Double(highlight) / Double(maximum)))" height="14" fill="\##(deny)"/>"##
            }
            let text = bar.highlight.map { "\(bar.value) (\($0) \(highlightName ?? ""))" } ?? "\(bar.value)"
            svg += ##"<text x="\##(format(Double(labelWidth) + w + 4))" y="\##(y + 12)" font-size="11" fill="#1b1f24">\##(escape(text))</text>"##
        }
        return svg + "</svg>"
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
