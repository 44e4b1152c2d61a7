import Foundation
import CustosPolicy
import CustosStore
internal import Mustache

/// The readable answer to an access request, in plain language (DESIGN §11): the controller
/// as a heading line; per purpose that applies to this person its title in the person's
/// language, the legal basis in words, the retention as one sentence, the data with its
/// source, and the recipients by name; transfers outside the EEA with their safeguard; the
/// consents given and withdrawn, with the notice version and language each rests on; the
/// rights and how to use them. Rendered from `access-package.html.mustache` with the texts of
/// `access-package.<language>.json`: a folder of the organisation's may replace the template
/// and lay texts over the built-in ones (`OperatorTemplates`). A printable page without
/// scripts; every value is escaped.
struct AccessPackageHTML {
    static let languages = ["nl", "en"]
    let template: MustacheTemplate
    let texts: [String: [String: String]]

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// The template and, per language, the texts (`OperatorTemplates.texts`): an answer to a
    /// person must not show a text's key or lose a line.
    init(templates: URL?) throws(Failure) {
        do {
            (template, texts) = try OperatorTemplates.template("access-package.html.mustache", texts: { "access-package.\($0).json" },
                                                               languages: Self.languages, templates: templates)
        } catch {
            throw Failure(description: error.description)
        }
    }

    func render(_ package: AccessPackage, policy compiled: CompiledPolicy, language asked: String) -> String {
        let language = Self.languages.contains(asked) ? asked : "nl"
        let t = texts[language] ?? [:]
        func text(_ key: String, _ values: [String: String] = [:]) -> String { LibraryWords.fill(t[key] ?? key) { values[$0] } }
        let policy = compiled.policy
        let locale = Locale(identifier: language)
        func duration(_ duration: CalendarDuration) -> String {
            "\(duration.amount) " + text(duration.unit.rawValue + (duration.amount == 1 ? "" : "s"))
        }
        func date(_ instant: Instant) -> String {
            let day = compiled.localDate(of: instant)
            let formatter = DateFormatter()
            formatter.locale = locale
            formatter.dateStyle = .long
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(day.daysSinceEpoch) * 86_400))
        }
        func country(_ code: String) -> String { locale.localizedString(forRegionCode: code) ?? code }
        func safeguard(_ entry: AccessPackage.RecipientEntry) -> String {
            Self.safeguard(entry.mechanism, procedure: entry.procedure, language: language)
        }
        let purposes = package.purposes.compactMap { entry -> [String: Any]? in
            guard let purpose = policy.purpose(entry.id) else { return nil }
            let basis = purpose.basis(forAnyOf: package.category.components(separatedBy: ", "))
            var basisText = basis.map { text("basis.\($0.rawValue)", ["law": purpose.law.joined(separator: "; ")]) } ?? ""
            // A consent withdrawn or run out is no basis to use the data any more: the purpose
            // is listed only because its retention still keeps what was collected under it.
            if basis == .consent, let last = package.consentHistory.last(where: { $0.purpose == entry.id }),
               [.withdrawn, .expired, .invalidated, .refused].contains(last.state) {
                basisText = text("basis.consent.ended", ["date": date(last.effectiveAt)])
            }
            basisText = Self.plain(basisText)
            let fields = package.fields.filter { $0.purposes.contains(entry.id) }.map { field -> [String: Any] in
                let definition = policy.field(field.field)
                let source: String = switch field.source ?? "subject" {
                case "subject", "web-form": text("source.subject")
                case "officer": text("source.officer")
                case let other where other.hasPrefix("import"): text("source.import")
                case let other: text("source", ["source": other])
                }
                let title = (definition?.title(in: language) ?? field.title) + (field.derived ? " " + text("derived") : "")
                return ["title": title, "value": field.reviewBeforeRelease ? text("review") : (field.value ?? ""), "source": source, "review": field.reviewBeforeRelease]
            }
            var retention = text("retention.none")
            if let rule = purpose.retention.flatMap({ policy.retentionRule($0.id) }) {
                let event = policy.lifecycleEvents.first { $0.id == rule.from }
                let from = event?.description(in: language) ?? rule.from.id
                retention = rule.keep.amount == 0 ? text("retention.until", ["from": from]) : text("retention", ["keep": duration(rule.keep), "from": from])
                if let minimum = rule.minimum { retention += text("retention.minimum", ["minimum": duration(minimum)]) }
            }
            let recipients = package.recipients.filter { $0.purpose == entry.id }.map { recipient -> [String: Any] in
                let values = ["name": recipient.name, "date": date(recipient.at), "country": recipient.destination.map(country) ?? "", "safeguard": safeguard(recipient)]
                return ["text": recipient.mechanism == nil ? text("recipient", values) : text("recipient.abroad", values)]
            }
            var view: [String: Any] = [
                "title": Self.plain(purpose.title(in: language)), "basis": basisText, "fields": fields, "retention": Self.plain(retention),
                "recipients": recipients, "hasRecipients": !recipients.isEmpty,
            ]
            if let decision = package.automatedDecisions.first(where: { $0.purpose == entry.id }) {
                // The logic in the person's language where the policy gives it (Art. 12(1), 15(1)(h)).
                view["automated"] = Self.plain(purpose.profiling?.logic(in: language) ?? decision.logic)
            }
            return view
        }
        var transfers: [String] = []
        for recipient in package.recipients where recipient.mechanism != nil {
            let line = text("transfer", ["name": recipient.name, "country": recipient.destination.map(country) ?? "", "safeguard": safeguard(recipient)])
            if !transfers.contains(line) { transfers.append(line) }
        }
        // The consents the person gave and withdrew, oldest first, each given one with the
        // notice version and the language its text was shown in (what the consent rests on).
        let consents = package.consentHistory.map { event -> String in
            let purpose = Self.plain(policy.purpose(event.purpose)?.title(in: language) ?? event.purpose)
            // A consent a parent, guardian or agent gave is said to be given on the person's behalf.
            let onBehalf = event.expressedBy != .subject && (event.state == .given || event.state == .renewed)
            var line = text(onBehalf ? "consent.givenOnBehalf" : "consent.\(event.state.rawValue)", ["date": date(event.effectiveAt), "purpose": purpose])
            if let version = event.noticeVersion, event.state == .given || event.state == .renewed {
                let shown = event.language.map { locale.localizedString(forLanguageCode: $0) ?? $0 }
                line += " " + text(shown == nil ? "consent.notice" : "consent.noticeShown", ["version": "\(version)", "language": shown ?? ""])
            }
            return line
        }
        let controller = policy.controller
        let object: [String: Any] = [
            "consents": consents, "hasConsents": !consents.isEmpty,
            "lang": language, "t": t, "controller": controller?.name ?? package.controller, "contact": controller?.contact ?? "",
            "dpo": controller?.dpo?.contact as Any,
            "intro": text("intro", ["request": package.request ?? ""]), "purposes": purposes,
            "transfers": transfers, "hasTransfers": !transfers.isEmpty,
            "rights": ["access", "rectification", "erasure", "restriction", "objection", "portability", "consent"].map { text("right.\($0)") },
            "howTo": text("howTo", ["contact": controller?.contact ?? ""]), "generated": text("generated", ["date": date(package.generatedAt)]),
        ]
        return template.render(object)
    }

    /// Draft markers such as "[proposed]" are for the officer, never for a data subject.
    static func plain(_ text: String) -> String {
        var result = text
        for marker in ["[proposed]", "[draft]", "[todo]", "[tbd]", "[Proposed]", "[Draft]", "[TODO]", "[TBD]"] {
            result = result.replacingOccurrences(of: marker + " ", with: "").replacingOccurrences(of: marker, with: "")
        }
        return result.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func safeguard(_ mechanism: String?, procedure: String?, language: String) -> String {
        let dutch = language == "nl"
        switch mechanism {
        case "adequacy": return dutch ? "een besluit van de Europese Commissie dat het land passende bescherming biedt (artikel 45 AVG)" : "a European Commission decision that the country protects data adequately (Article 45 GDPR)"
        case "adequacy-dpf": return dutch ? "het EU-VS Data Privacy Framework (artikel 45 AVG)" : "the EU-US Data Privacy Framework (Article 45 GDPR)"
        case "scc": return dutch ? "de modelcontractbepalingen van de Europese Commissie (artikel 46 AVG); u kunt een kopie opvragen" : "the European Commission's standard contractual clauses (Article 46 GDPR); you may ask for a copy"
        case "bcr": return dutch ? "bindende bedrijfsvoorschriften (artikel 47 AVG)" : "binding corporate rules (Article 47 GDPR)"
        case "art-49-1-e": return dutch ? "de uitzondering voor rechtsvorderingen (artikel 49 lid 1 onder e AVG)" : "the exception for legal claims (Article 49(1)(e) GDPR)"
        default: return dutch ? "niet vastgelegd" : "not recorded"
        }
    }
}
