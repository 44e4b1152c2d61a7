
/// A report as data: a title, the header every report carries (policy digest, versions, log
/// verification, period), and sections of notes, tables and bar charts. The renderers turn it
/// into Markdown, HTML, CSV or JSON; the same document gives the same bytes.
package struct ReportDocument: Sendable, Encodable {
    /// `ropa`, `activity`, `transfers`, `requests` or `consent`.
    package var report: String
    package var title: String
    package var header: [HeaderItem]
    package var sections: [ReportSection]
    /// The language its words are in (`ReportTexts.language`).
    package var language: String
    /// Whether every record it counts is simulated (the renderers say so above everything).
    package var simulated: Bool
    /// The words the templates say around the document's own (`t.none`, `t.simulated`,
    /// `t.total`), in its language.
    package var templateWords: [String: String]

    package init(report: String, title: String, header: [HeaderItem], sections: [ReportSection], language: String = "en", simulated: Bool = false,
                 templateWords: [String: String] = [:]) {
        self.report = report
        self.title = title
        self.header = header
        self.sections = sections
        self.language = language
        self.simulated = simulated
        self.templateWords = templateWords
    }

    /// The JSON keeps the shape it always had: its words are in the language asked for.
    enum CodingKeys: String, CodingKey {
        case report, title, header, sections
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
    /// A table of items and their values (the record's controller, a purpose): the HTML sets
    /// its first column apart.
    package var isItemTable: Bool

    package init(id: String, caption: String, columns: [String], rows: [[String]], isItemTable: Bool = false) {
        self.id = id
        self.caption = caption
        self.columns = columns
        self.rows = rows
        self.isItemTable = isItemTable
    }

    enum CodingKeys: String, CodingKey {
        case id, caption, columns, rows
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
