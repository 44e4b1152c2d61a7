
/// A report as data: a title, the header every report carries (policy digest, versions, log
/// verification, period), and sections of notes, tables and bar charts. The renderers turn it
/// into Markdown, HTML, CSV or JSON; the same document gives the same bytes.
public struct ReportDocument: Sendable, Encodable {
    /// `ropa`, `activity`, `transfers`, `requests` or `consent`.
    public var report: String
    public var title: String
    public var header: [HeaderItem]
    public var sections: [ReportSection]

    public init(report: String, title: String, header: [HeaderItem], sections: [ReportSection]) {
        self.report = report
        self.title = title
        self.header = header
        self.sections = sections
    }
}

public struct HeaderItem: Sendable, Encodable {
    public var label: String
    public var value: String
}

public struct ReportSection: Sendable, Encodable {
    public var id: String
    public var title: String
    public var notes: [String]
    public var tables: [ReportTable]
    public var charts: [BarChart]

    public init(id: String, title: String, notes: [String] = [], tables: [ReportTable] = [], charts: [BarChart] = []) {
        self.id = id
        self.title = title
        self.notes = notes
        self.tables = tables
        self.charts = charts
    }
}

public struct ReportTable: Sendable, Encodable {
    public var id: String
    public var caption: String
    public var columns: [String]
    public var rows: [[String]]

    public init(id: String, caption: String, columns: [String], rows: [[String]]) {
        self.id = id
        self.caption = caption
        self.columns = columns
        self.rows = rows
    }
}

/// A horizontal bar chart; the HTML renderer draws it as inline SVG.
public struct BarChart: Sendable, Encodable {
    public struct Bar: Sendable, Encodable {
        public var label: String
        public var value: Int
        /// A second value drawn over the first (e.g. denials within decisions).
        public var highlight: Int?
    }

    public var title: String
    public var bars: [Bar]
    public var highlightLabel: String?

    public init(title: String, bars: [Bar], highlightLabel: String? = nil) {
        self.title = title
        self.bars = bars
        self.highlightLabel = highlightLabel
    }
}
