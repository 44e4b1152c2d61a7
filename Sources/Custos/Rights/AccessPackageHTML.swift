import Foundation
internal import Mustache

/// The readable page of an access package: self-contained HTML (inline CSS, no scripts),
/// rendered from a Mustache template, which escapes every value.
enum AccessPackageHTML {
    static let template = """
    <!DOCTYPE html>
    <html lang="nl"><head><meta charset="utf-8"><title>Inzage {{subject}}</title>
    <style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}table{border-collapse:collapse;width:100%;margin:1em 0}
    th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}.review{background:#fff4d6}</style>
    </head><body>
    <h1>Your personal data held by {{controller}}</h1>
    <p>Subject {{subject}} ({{category}}){{#request}}, request {{request}}{{/request}}. Generated {{generatedAt}}.</p>
    <h2>Data</h2>
    <table><tr><th>Field</th><th>Value</th><th>Source</th><th>Used for</th><th>Kept</th></tr>
    {{#fields}}<tr{{#reviewBeforeRelease}} class="review"{{/reviewBeforeRelease}}><td>{{title}}{{#derived}} (derived){{/derived}}</td><td>{{value}}</td><td>{{source}}</td><td>{{purposes}}</td><td>{{retention}}</td></tr>
    {{/fields}}</table>
    <h2>Purposes and legal bases</h2>
    <table><tr><th>Purpose</th><th>Basis</th></tr>{{#purposes}}<tr><td>{{title}} ({{id}})</td><td>{{basis}}</td></tr>{{/purposes}}</table>
    <h2>Recipients your data was given to</h2>
    <table><tr><th>Recipient</th><th>Fields</th><th>When</th><th>Safeguard outside the EEA</th></tr>
    {{#recipients}}<tr><td>{{name}} ({{role}})</td><td>{{fields}}</td><td>{{at}}</td><td>{{safeguard}}</td></tr>{{/recipients}}</table>
    {{#hasAutomated}}<h2>Automated decisions and profiling</h2>{{#automatedDecisions}}<p><b>{{purpose}}</b> ({{effect}}): {{logic}}</p>{{/automatedDecisions}}{{/hasAutomated}}
    <h2>Sources</h2><p>{{sources}}</p>
    <h2>Your rights</h2><p>{{rights}}</p>
    </body></html>
    """

    static func render(_ package: AccessPackage) -> String {
        guard let compiled = try? MustacheTemplate(string: template) else { return "" }
        let object: [String: Any] = [
            "subject": package.subject, "category": package.category, "request": package.request as Any, "controller": package.controller,
            "generatedAt": package.generatedAt.description,
            "fields": package.fields.map { field -> [String: Any] in
                ["title": field.title, "value": field.reviewBeforeRelease ? "[held for review: may contain other people's data]" : (field.value ?? ""),
                 "source": field.source ?? "", "purposes": field.purposes.joined(separator: ", "), "retention": field.retention.joined(separator: "; "),
                 "derived": field.derived, "reviewBeforeRelease": field.reviewBeforeRelease]
            },
            "purposes": package.purposes.map { ["id": $0.id, "title": $0.title, "basis": $0.basis] },
            "recipients": package.recipients.map { ["name": $0.name, "role": $0.role, "fields": $0.fields.joined(separator: ", "), "at": $0.at.description, "safeguard": $0.safeguard ?? "—"] },
            "hasAutomated": !package.automatedDecisions.isEmpty,
            "automatedDecisions": package.automatedDecisions.map { ["purpose": $0.purpose, "effect": $0.effect, "logic": $0.logic] },
            "sources": package.sources.joined(separator: ", "), "rights": package.rights,
        ]
        return compiled.render(object)
    }
}
