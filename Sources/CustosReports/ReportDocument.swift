
/// A report as data: a title, the header every report carries (policy digest, versions, log
/// verification, period), and sections of notes, tables and bar charts. The renderers turn it
/// into Markdown, HTML, CSV or JSON; the same document gives the same bytes.
package struct ReportDocument: Sendable, Encodable {
    /// `ropa`, `activity`, `transfers`, `requests` or `consent`.
    package var report: String
    package var title: String
    package var header: [HeaderItem]
    package var sections: [ReportSection]

    package init(report: String, title: String, header: [HeaderItem], sections: [ReportSection]) {
        self.report = report
        self.title = title
        self.header = header
        self.sections = sections
    }
}

package struct HeaderItem: Sendable, Encodable {
    package var label: String
    package var value: String
}

package struct ReportSection: Sendable, Encodable {
    package var id: String
    package var title: String
    package var notes: [String]
    package var tables: [ReportTable]
    package var charts: [BarChart]

    package init(id: String, title: String, notes: [String] = [], tables: [ReportTable] = [], charts: [BarChart] = []) {
        self.id = id
        self.title = title
        self.notes = notes
        self.tables = tables
        self.charts = charts
    }
}

package struct ReportTable: Sendable, Encodable {
    package var id: String
    package var caption: String
    package var columns: [String]
    package var rows: [[String]]

    package init(id: String, caption: String, columns: [String], rows: [[String]]) {
        self.id = id
        self.caption = caption
        self.columns = columns
        self.rows = rows
    }
}

/// A horizontal bar chart; the HTML renderer draws it as inline SVG.
package struct BarChart: Sendable, Encodable {
    package struct Bar: Sendable, Encodable {
        package var label: String
        package var value: Int
        /// A second value drawn over the first (e.g. denials within decisions).
        package var highlight: Int?
    }

    package var title: String
    package var bars: [Bar]
    package var highlightLabel: String?

    package init(title: String, bars: [Bar], highlightLabel: String? = nil) {
        self.title = title
        self.bars = bars
        self.highlightLabel = highlightLabel
    }
}
