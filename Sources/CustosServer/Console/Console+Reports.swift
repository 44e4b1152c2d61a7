import Foundation
import Hummingbird
import Custos
import CustosPolicy
import CustosReports

/// The five auditor reports in the page, with their charts, a period picker and downloads in
/// every format; the activity report adds decisions over time, per day or week, by outcome.
extension Console {
    /// Rows a table shows in the page; the downloads hold every row.
    static let rowsInPage = 300

    struct ReportQuery {
        var kind: ReportKind
        var period: ReportPeriod
        var weekly: Bool
        var query: String
    }

    func reportQuery(_ kind: String, _ request: Request, _ language: String) -> Result<ReportQuery, ReportQueryProblem> {
        guard let parsed = ReportKind(rawValue: kind) else { return .failure(ReportQueryProblem(message: "notFound")) }
        let parameters = request.uri.queryParameters
        func date(_ name: String) -> Result<LocalDate?, ReportQueryProblem> {
            guard let text = parameters.get(name), !text.isEmpty else { return .success(nil) }
            guard let date = LocalDate(parsing: String(text)) else { return .failure(ReportQueryProblem(message: "badDate")) }
            return .success(date)
        }
        guard case let .success(from) = date("from"), case let .success(to) = date("to") else { return .failure(ReportQueryProblem(message: "badDate")) }
        if let from, let to, from > to { return .failure(ReportQueryProblem(message: "badDate")) }
        let weekly = parameters.get("by") == "week"
        let query = [from.map { "from=\($0)" }, to.map { "to=\($0)" }, weekly ? "by=week" : nil].compactMap { $0 }.joined(separator: "&")
        return .success(ReportQuery(kind: parsed, period: ReportPeriod(from: from, to: to), weekly: weekly, query: query))
    }

    struct ReportQueryProblem: Error { let message: String }

    func reportPage(_ visit: Visit, kind: String, request: Request) async throws -> Response {
        let language = visit.language
        let query: ReportQuery
        switch reportQuery(kind, request, language) {
        case let .success(parsed): query = parsed
        case let .failure(problem):
            return pages.message(problem.message, language: language, status: problem.message == "notFound" ? .notFound : .badRequest,
                                 link: ("/console/reports/activity", pages.text("nav.reports", language)))
        }
        let office = self.office, texts = texts(language)
        let (document, overTime) = try await call { () -> (ReportDocument, [(period: LocalDate, outcomes: [String: Int])]) in
            let document = try office.report(query.kind, period: query.period, texts: texts)
            guard query.kind == .activity else { return (document, []) }
            let (from, to) = query.period.instants(in: office.policy)
            return (document, try office.overview.decisionsOverTime(from: from, to: to, weekly: query.weekly))
        }
        var values: [String: Any] = [
            "kind": query.kind.rawValue, "reportTitle": document.title, "from": query.period.from?.description ?? "", "to": query.period.to?.description ?? "",
            "weekly": query.weekly, "isActivity": query.kind == .activity,
            "tabs": ReportKind.allCases.map { ["href": "/console/reports/\($0.rawValue)", "label": pages.text("report.\($0.rawValue)", language), "current": $0 == query.kind] },
            "downloads": ReportFormat.allCases.map { format -> [String: Any] in
                ["href": "/console/reports/\(query.kind.rawValue)/download?format=\(format.rawValue)" + (query.query.isEmpty ? "" : "&" + query.query), "label": format.rawValue.uppercased()]
            },
            "header": document.header.map { ["label": $0.label, "value": $0.value] },
            "sections": document.sections.map { sectionValues($0, language) },
        ]
        if query.kind == .activity {
            // Permits first, denies last, anything else between.
            func rank(_ outcome: String) -> Int { outcome == "permit" ? 0 : outcome == "deny" ? 2 : 1 }
            let outcomes = Set(overTime.flatMap { $0.outcomes.keys }).sorted { (rank($0), $0) < (rank($1), $1) }
            let colour: (String) -> String = { $0 == "permit" ? ConsoleCharts.permit : $0 == "deny" ? ConsoleCharts.deny : ConsoleCharts.other }
            let title = pages.text(query.weekly ? "report.perWeek" : "report.perDay", language)
            values["timeChart"] = ConsoleCharts.columns(overTime.map { bucket in
                ConsoleCharts.Column(label: bucket.period.description, parts: outcomes.map { (bucket.outcomes[$0] ?? 0, colour($0), trailWord("outcome", $0, language)) })
            }, title: title, height: 220)
            values["timeTitle"] = title
            values["legend"] = outcomes.map { ["name": trailWord("outcome", $0, language), "class": $0 == "permit" ? "permit" : $0 == "deny" ? "deny" : "other"] }
            values["timeRows"] = overTime.map { bucket in ["period": bucket.period.description, "counts": outcomes.map { "\(bucket.outcomes[$0] ?? 0)" }] }
            values["timeColumns"] = outcomes.map { trailWord("outcome", $0, language) }
        }
        return page("report", visit, title: document.title, here: "/console/reports/\(query.kind.rawValue)", values: values)
    }

    /// The reports' words in the page's language.
    func texts(_ language: String) -> ReportTexts { reportTexts[language] ?? .english }

    func sectionValues(_ section: ReportSection, _ language: String) -> [String: Any] {
        let charts = section.charts.map { chart -> [String: Any] in
            ["svg": ConsoleCharts.bars(chart.bars.map { ($0.label, $0.value, $0.highlight) }, title: chart.title, highlightName: chart.highlightLabel),
             "title": chart.title]
        }
        let tables = section.tables.map { table -> [String: Any] in
            var values: [String: Any] = ["caption": table.caption, "columns": table.columns, "hasRows": !table.rows.isEmpty,
                                         "rows": table.rows.prefix(Self.rowsInPage).map { ["cells": $0] }]
            if table.rows.count > Self.rowsInPage {
                values["cut"] = pages.text("report.cut", language, ["shown": "\(Self.rowsInPage)", "all": "\(table.rows.count)"])
            }
            return values
        }
        return ["id": section.id, "title": section.title, "notes": section.notes, "charts": charts, "tables": tables]
    }

    func reportDownload(_ visit: Visit, kind: String, request: Request) async throws -> Response {
        let language = visit.language
        let back = ("/console/reports/activity", pages.text("nav.reports", language))
        let query: ReportQuery
        switch reportQuery(kind, request, language) {
        case let .success(parsed): query = parsed
        case let .failure(problem):
            return pages.message(problem.message, language: language, status: problem.message == "notFound" ? .notFound : .badRequest, link: back)
        }
        guard let format = ReportFormat(rawValue: String(request.uri.queryParameters.get("format") ?? "html")) else {
            return pages.message("notFound", language: language, status: .notFound, link: back)
        }
        let office = self.office, texts = texts(language), folder = settings.templates.map { URL(fileURLWithPath: $0) }
        let data = try await call { try ReportRenderer(templates: folder).render(try office.report(query.kind, period: query.period, texts: texts), as: format) }
        let types: [ReportFormat: String] = [.md: "text/markdown; charset=utf-8", .html: "text/html; charset=utf-8", .csv: "text/csv; charset=utf-8", .json: "application/json"]
        return Response(status: .ok, headers: [
            .contentType: types[format] ?? "application/octet-stream",
            .contentDisposition: "attachment; filename=\"\(query.kind.rawValue).\(format.rawValue)\"",
        ], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
