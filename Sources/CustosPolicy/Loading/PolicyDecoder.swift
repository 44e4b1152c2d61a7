internal import Yams

/// Turns the composed YAML of one policy file into model elements and adds them to a
/// `Policy`. Sections may be spread over several files; ids must be unique across them.
struct PolicyDecoder {
    static let topLevelKeys = [
        "controller", "actors", "lifecycle-events", "subject-categories", "fields", "purposes",
        "notices", "recipients", "retention", "data-sources", "decision-log", "consent-proof", "reference-data",
    ]

    static let fieldKeys = [
        "title", "category", "dpv", "special-category", "criminal", "national-id", "derived",
        "provided-by-subject", "may-contain-third-party-data", "blind-index", "suppression-entry", "titles",
    ]

    /// `titles: {nl: "…", de: "…"}`: a text per ISO 639-1 language code; `key` names the map
    /// in errors (`titles`, `descriptions`, `logics`).
    func titles(_ node: Node?, what: String, key: String = "titles") -> [String: String] {
        guard let node, let items = reader.entries(node, what: "'\(key)' of \(what)") else { return [:] }
        var titles: [String: String] = [:]
        for item in items {
            guard LanguageCode.isWellFormed(item.key) else {
                reader.sink.error(.invalidValue, "'\(item.key)' in '\(key)' of \(what) is not a two-letter ISO 639-1 language code such as nl or en", at: reader.location(item.keyNode))
                continue
            }
            if let title = reader.string(item.value, what: "the \(item.key) text in '\(key)' of \(what)") { titles[item.key] = title }
        }
        return titles
    }

    let reader: NodeReader
    /// Reads a notice text file relative to the policy folder; nil when it cannot be read.
    let readNoticeText: (String) -> [UInt8]?

    func decodeFile(_ root: Node, into policy: inout Policy, seen: inout [String: SourceLocation]) {
        if reader.isNull(root) { return }
        guard let top = reader.object(root, what: "a policy file", keys: Self.topLevelKeys) else { return }

        if let node = top.node("controller") {
            if let first = seen["controller"] {
                reader.sink.error(.duplicateId, "the controller is declared twice; first at \(first)", at: reader.location(node))
            } else if let controller = controller(node) {
                seen["controller"] = controller.location
                policy.controller = controller
            }
        }
        policy.actors += section(top, "actors", kind: "actor", seen: &seen, unreadable: &policy.unreadableIds, decode: actor)
        policy.lifecycleEvents += section(top, "lifecycle-events", kind: "lifecycle event", seen: &seen, unreadable: &policy.unreadableIds, decode: lifecycleEvent)
        policy.subjectCategories += section(top, "subject-categories", kind: "subject category", seen: &seen, unreadable: &policy.unreadableIds, decode: subjectCategory)
        policy.fields += section(top, "fields", kind: "field", seen: &seen, unreadable: &policy.unreadableIds, decode: field)
        policy.purposes += section(top, "purposes", kind: "purpose", seen: &seen, unreadable: &policy.unreadableIds, decode: purpose)
        policy.notices += section(top, "notices", kind: "notice", seen: &seen, unreadable: &policy.unreadableIds, decode: notice)
        policy.recipients += section(top, "recipients", kind: "recipient", seen: &seen, unreadable: &policy.unreadableIds, decode: recipient)
        policy.retentionRules += section(top, "retention", kind: "retention rule", seen: &seen, unreadable: &policy.unreadableIds, decode: retentionRule)
        policy.dataSources += section(top, "data-sources", kind: "data source", seen: &seen, unreadable: &policy.unreadableIds, decode: dataSource)
        for key in ["decision-log", "consent-proof"] {
            guard let node = top.node(key) else { continue }
            if let first = seen[key] {
                reader.sink.error(.duplicateId, "'\(key)' is declared twice; first at \(first)", at: reader.location(node))
            } else if let retention = recordRetention(node, key: key) {
                seen[key] = retention.location
                if key == "decision-log" { policy.decisionLog = retention } else { policy.consentProof = retention }
            }
        }
        if let node = top.node("reference-data") {
            ReferenceDataDecoder(reader: reader).override(&policy.referenceData, with: node)
        }
    }

    /// Decodes an `id: {…}` mapping section, rejecting ids already declared in any file.
    private func section<T>(
        _ top: ObjectReader, _ key: String, kind: String, seen: inout [String: SourceLocation],
        unreadable: inout Set<String>, decode: (Ref, Node) -> T?
    ) -> [T] {
        guard let node = top.node(key), let items = reader.entries(node, what: "'\(key)'") else { return [] }
        var result: [T] = []
        for item in items {
            let id = Ref(item.key, at: reader.location(item.keyNode))
            let seenKey = "\(kind)/\(item.key)"
            if let first = seen[seenKey] {
                reader.sink.error(.duplicateId, "\(kind) '\(item.key)' is declared twice; first at \(first)", at: id.location)
                continue
            }
            seen[seenKey] = id.location
            if let value = decode(id, item.value) { result.append(value) } else { unreadable.insert(item.key) }
        }
        return result
    }

    // MARK: controller and small sections

    private func controller(_ node: Node) -> Controller? {
        guard let o = reader.object(node, what: "the controller", keys: [
            "name", "address", "contact", "dpo", "country", "timezone", "holiday-calendar", "measures", "registrations",
        ]) else { return nil }
        var dpo: DataProtectionOfficer?
        if let dpoNode = o.node("dpo"), let d = reader.object(dpoNode, what: "the DPO", keys: ["name", "contact"]) {
            if let name = d.requiredString("name"), let contact = d.requiredString("contact") {
                dpo = DataProtectionOfficer(name: name, contact: contact)
            }
        }
        let country = o.required("country").flatMap { reader.country($0, what: "'country' of the controller") }
        var timezone = o.requiredString("timezone")
        if let zone = timezone, !KnownTimeZones.contains(zone), let node = o.node("timezone") {
            reader.sink.error(.invalidValue, "unknown time zone '\(zone)'; use an IANA name such as Europe/Amsterdam", at: reader.location(node))
            timezone = nil
        }
        guard let name = o.requiredString("name"), let address = o.requiredString("address"),
              let contact = o.requiredString("contact"), let measures = o.requiredString("measures"),
              let country, let timezone else { return nil }
        return Controller(
            name: name, address: address, contact: contact, dpo: dpo, country: country, timezone: timezone,
            holidayCalendar: o.string("holiday-calendar") ?? country, measures: measures,
            registrations: o.strings("registrations"), location: o.location)
    }

    private func dataSource(_ id: Ref, _ node: Node) -> DataSource? {
        let what = "data source '\(id)'"
        guard let o = reader.object(node, what: what, keys: ["title", "titles", "recorded-as", "public"]) else { return nil }
        guard let title = o.requiredString("title") else { return nil }
        let recordedAs = o.strings("recorded-as")
        return DataSource(id: id, title: title, titles: titles(o.node("titles"), what: what),
                          recordedAs: recordedAs.isEmpty ? [id.id] : recordedAs, publiclyAccessible: o.bool("public"))
    }

    private func actor(_ id: Ref, _ node: Node) -> Actor? {
        guard let o = reader.object(node, what: "actor '\(id)'", keys: ["kind", "description"]) else { return nil }
        let kind: ActorKind? = o.required("kind").flatMap { reader.enumeration($0, what: "'kind' of actor '\(id)'") }
        return kind.map { Actor(id: id, kind: $0, description: o.string("description")) }
    }

    private func lifecycleEvent(_ id: Ref, _ node: Node) -> LifecycleEvent? {
        if reader.isNull(node) { return LifecycleEvent(id: id, description: nil) }
        guard let o = reader.object(node, what: "lifecycle event '\(id)'", keys: ["description", "descriptions"]) else { return nil }
        return LifecycleEvent(id: id, description: o.string("description"), descriptions: titles(o.node("descriptions"), what: "lifecycle event '\(id)'", key: "descriptions"))
    }

    private func subjectCategory(_ id: Ref, _ node: Node) -> SubjectCategory? {
        guard let o = reader.object(node, what: "subject category '\(id)'", keys: ["title", "titles", "description", "identity-check"]) else { return nil }
        let checks = o.node("identity-check").flatMap { reader.list($0, what: "'identity-check' of subject category '\(id)'") }?.compactMap { item -> IdentityCheckItem? in
            guard let c = reader.object(item, what: "an 'identity-check' entry of subject category '\(id)'", keys: ["field", "part"]) else { return nil }
            guard let field = c.required("field").flatMap({ reader.ref($0, what: "'field' of an identity check") }) else { return nil }
            var part: IdentityCheckItem.Part?
            if let text = c.string("part") {
                part = IdentityCheckItem.Part(rawValue: text)
                if part == nil, let node = c.node("part") {
                    reader.sink.error(.invalidValue, "unknown part '\(text)' of an identity check; the parts are " + IdentityCheckItem.Part.allCases.map(\.rawValue).joined(separator: ", "), at: reader.location(node))
                    return nil
                }
            }
            return IdentityCheckItem(field: field, part: part)
        } ?? []
        let translated = titles(o.node("titles"), what: "subject category '\(id)'")
        return o.requiredString("title").map { SubjectCategory(id: id, title: $0, titles: translated, description: o.string("description"), identityCheck: checks) }
    }

    private func field(_ id: Ref, _ node: Node) -> FieldDefinition? {
        guard let o = reader.object(node, what: "field '\(id)'", keys: Self.fieldKeys) else { return nil }
        guard let title = o.requiredString("title") else { return nil }
        return FieldDefinition(
            id: id, title: title, titles: titles(o.node("titles"), what: "field '\(id)'"), category: o.string("category"), dpv: o.string("dpv"),
            specialCategory: o.enumeration("special-category"), criminal: o.bool("criminal"),
            nationalId: o.bool("national-id"), derived: o.bool("derived"),
            providedBySubject: o.bool("provided-by-subject"),
            mayContainThirdPartyData: o.bool("may-contain-third-party-data"),
            blindIndex: o.enumeration("blind-index"), suppressionEntry: o.bool("suppression-entry"))
    }

    private func recordRetention(_ node: Node, key: String) -> DecisionLogRetention? {
        guard let o = reader.object(node, what: "'\(key)'", keys: ["keep", "ground"]) else { return nil }
        let keep = o.required("keep").flatMap { reader.duration($0, what: "'keep' of '\(key)'") }
        guard let keep, let ground = o.requiredString("ground") else { return nil }
        return DecisionLogRetention(keep: keep, ground: ground, location: o.location)
    }

    private func retentionRule(_ id: Ref, _ node: Node) -> RetentionRule? {
        guard let o = reader.object(node, what: "retention rule '\(id)'", keys: [
            "keep", "from", "from-year-end", "minimum", "ground", "minimum-ground", "on-expiry",
        ]) else { return nil }
        let keep = o.required("keep").flatMap { reader.duration($0, what: "'keep' of retention rule '\(id)'") }
        let from = o.required("from").flatMap { reader.ref($0, what: "'from' of retention rule '\(id)'") }
        let ground = o.requiredString("ground")
        let minimum = o.duration("minimum")
        if let minimum, let keep, let minMonths = minimum.months, let keepMonths = keep.months, minMonths > keepMonths,
           let node = o.node("minimum") {
            reader.sink.error(.invalidValue, "minimum \(minimum) of retention rule '\(id)' is longer than keep \(keep)", at: reader.location(node))
        }
        guard let keep, let from, let ground else { return nil }
        return RetentionRule(
            id: id, keep: keep, from: from, fromYearEnd: o.bool("from-year-end"), minimum: minimum,
            ground: ground, minimumGround: o.string("minimum-ground"),
            onExpiry: o.enumeration("on-expiry") ?? .delete)
    }
}
