internal import Yams

extension PolicyDecoder {
    static let purposeKeys = [
        "title", "description", "dpv", "subjects", "fields", "basis", "lia", "law", "notice",
        "consent-validity", "profiling", "dpia", "direct-marketing", "compatible-with", "actors",
        "retention", "recipients", "art9", "authorised-by", "legal-claims", "statutory-retention",
        "may-involve-minors", "cookies", "starts-with", "titles", "obtained-from", "communicates-with-subject",
    ]

    func purpose(_ id: Ref, _ node: Node) -> Purpose? {
        let what = "purpose '\(id)'"
        guard let o = reader.object(node, what: what, keys: Self.purposeKeys) else { return nil }
        let title = o.requiredString("title")
        let subjects = o.required("subjects").flatMap { reader.refs($0, what: "'subjects' of \(what)") } ?? []
        let fields = o.required("fields").flatMap { reader.refs($0, what: "'fields' of \(what)") } ?? []
        let basis = o.required("basis").flatMap { basisAssignment($0, purpose: id) }

        var profiling: Profiling?
        if let p = o.node("profiling").flatMap({ reader.object($0, what: "'profiling' of \(what)", keys: ["automated-decision", "effect", "logic", "logics", "exception", "law"]) }) {
            profiling = Profiling(
                automatedDecision: p.bool("automated-decision"), effect: p.enumeration("effect") ?? .none,
                logic: p.string("logic"), logics: titles(p.node("logics"), what: "'profiling' of \(what)", key: "logics"), exception: p.enumeration("exception"), law: p.string("law"))
        }
        var marketing: DirectMarketing?
        if let m = o.node("direct-marketing").flatMap({ reader.object($0, what: "'direct-marketing' of \(what)", keys: ["channel"]) }) {
            marketing = m.required("channel").flatMap { reader.enumeration($0, what: "'channel' of \(what)") }.map(DirectMarketing.init)
        }
        var compatibility: Compatibility?
        if let c = o.node("compatible-with").flatMap({ reader.object($0, what: "'compatible-with' of \(what)", keys: ["purposes", "assessment"]) }) {
            compatibility = Compatibility(purposes: c.refs("purposes"), assessment: c.string("assessment"))
        }
        let article9: [FieldCondition] = fieldMap(o.node("art9"), what: "'art9' of \(what)") { field, value in
            reader.enumeration(value, what: "the Art. 9(2) condition for '\(field)'", as: Article9Condition.self)
                .map { FieldCondition(field: field, condition: $0) }
        }
        let authorisations: [FieldAuthorisation] = fieldMap(o.node("authorised-by"), what: "'authorised-by' of \(what)") { field, value in
            reader.string(value, what: "the authorising law for '\(field)'").map { FieldAuthorisation(field: field, law: $0) }
        }
        let obtainedFrom: [IndirectCollection] = (o.node("obtained-from").flatMap { reader.entries($0, what: "'obtained-from' of \(what)") } ?? []).compactMap { item in
            reader.refs(item.value, what: "the fields obtained from '\(item.key)' in \(what)")
                .map { IndirectCollection(source: Ref(item.key, at: reader.location(item.keyNode)), fields: $0) }
        }
        guard let title, let basis else { return nil }
        var purpose = Purpose(
            id: id, title: title, titles: titles(o.node("titles"), what: what), description: o.string("description"), dpv: o.strings("dpv"),
            subjects: subjects, fields: fields, basis: basis, lia: o.string("lia"), law: o.strings("law"),
            notice: o.ref("notice"), consentValidity: o.duration("consent-validity"), profiling: profiling,
            dpia: o.string("dpia"), directMarketing: marketing, compatibleWith: compatibility,
            actors: o.node("actors").flatMap { reader.refs($0, what: "'actors' of \(what)") },
            retention: o.ref("retention"), recipients: o.refs("recipients"), article9: article9,
            authorisations: authorisations, legalClaims: o.bool("legal-claims"),
            statutoryRetention: o.bool("statutory-retention"), mayInvolveMinors: o.bool("may-involve-minors"),
            cookies: o.enumeration("cookies"), startsWith: o.ref("starts-with"))
        purpose.obtainedFrom = obtainedFrom
        purpose.communicatesWithSubject = o.bool("communicates-with-subject")
        return purpose
    }

    /// `basis: legitimate-interest`, or `basis: {client: contract, employee: legitimate-interest}`.
    private func basisAssignment(_ node: Node, purpose: Ref) -> BasisAssignment? {
        if case .scalar = node {
            return reader.enumeration(node, what: "'basis' of purpose '\(purpose)'", as: LegalBasis.self).map(BasisAssignment.uniform)
        }
        guard let items = reader.entries(node, what: "'basis' of purpose '\(purpose)'") else { return nil }
        let entries = items.compactMap { item -> SubjectBasis? in
            reader.enumeration(item.value, what: "the basis for '\(item.key)' in purpose '\(purpose)'", as: LegalBasis.self)
                .map { SubjectBasis(subject: Ref(item.key, at: reader.location(item.keyNode)), basis: $0) }
        }
        return entries.count == items.count ? .perSubject(entries) : nil
    }

    /// A `field: value` mapping whose keys are field ids.
    private func fieldMap<T>(_ node: Node?, what: String, decode: (Ref, Node) -> T?) -> [T] {
        guard let node, let items = reader.entries(node, what: what) else { return [] }
        return items.compactMap { decode(Ref($0.key, at: reader.location($0.keyNode)), $0.value) }
    }
}
