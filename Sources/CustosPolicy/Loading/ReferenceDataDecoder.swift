internal import Yams

/// Reads the built-in reference data and a policy's `reference-data:` overrides: a given
/// `eea` list replaces the built-in one; adequacy entries and holiday calendars replace the
/// built-in entry of the same country or name and add new ones.
struct ReferenceDataDecoder {
    let reader: NodeReader

    func override(_ data: inout ReferenceData, with node: Node) {
        guard let o = reader.object(node, what: "'reference-data'", keys: ["eea", "adequacy", "holidays"]) else { return }
        if let eeaNode = o.node("eea"), let list = reader.list(eeaNode, what: "'eea'") {
            data.eea = list.compactMap { reader.country($0, what: "an EEA member") }
        }
        if let adequacyNode = o.node("adequacy"), let items = reader.entries(adequacyNode, what: "'adequacy'") {
            for item in items {
                guard NodeReader.isCountryCode(item.key) else {
                    reader.sink.error(.invalidValue, "adequacy key must be an ISO 3166 alpha-2 code or org:NAME, found '\(item.key)'", at: reader.location(item.keyNode))
                    continue
                }
                guard let decision = adequacy(country: item.key, item.value) else { continue }
                data.adequacy.removeAll { $0.country == item.key }
                data.adequacy.append(decision)
            }
        }
        if let holidaysNode = o.node("holidays"), let items = reader.entries(holidaysNode, what: "'holidays'") {
            for item in items {
                let rules = (reader.list(item.value, what: "holiday calendar '\(item.key)'") ?? []).compactMap(holiday)
                data.holidayCalendars.removeAll { $0.name == item.key }
                data.holidayCalendars.append(HolidayCalendar(name: item.key, holidays: rules))
            }
        }
    }

    private func adequacy(country: String, _ node: Node) -> AdequacyDecision? {
        let what = "adequacy decision for '\(country)'"
        guard let o = reader.object(node, what: what, keys: ["name", "decision", "valid-from", "valid-until", "requires", "excludes", "note"]) else { return nil }
        let from = o.date("valid-from"), until = o.date("valid-until")
        if let from, let until, until < from, let node = o.node("valid-until") {
            reader.sink.error(.invalidValue, "'valid-until' \(until) of \(what) is before 'valid-from' \(from)", at: reader.location(node))
        }
        guard let name = o.requiredString("name"), let decision = o.requiredString("decision") else { return nil }
        return AdequacyDecision(
            country: country, name: name, decision: decision, validFrom: from, validUntil: until,
            requires: o.strings("requires"), excludes: o.strings("excludes"), note: o.string("note"))
    }

    private func holiday(_ node: Node) -> HolidayRule? {
        guard let o = reader.object(node, what: "a holiday", keys: ["name", "date", "easter", "sunday-shift", "from-year", "until-year"]) else { return nil }
        let name = o.requiredString("name")
        var timing: HolidayRule.Timing?
        if let dateNode = o.node("date"), let text = reader.string(dateNode, what: "'date' of a holiday") {
            let parts = text.split(separator: "-")
            if parts.count == 2, let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month),
               day >= 1, day <= LocalDate.daysIn(month: month, year: 2024) {
                let shift = o.node("sunday-shift").flatMap { reader.int($0, what: "'sunday-shift'", range: -6...6) } ?? 0
                timing = .fixed(month: month, day: day, sundayShift: shift)
            } else {
                reader.sink.error(.invalidValue, "'date' of a holiday must be MM-DD, found '\(text)'", at: reader.location(dateNode))
            }
        } else if let easterNode = o.node("easter") {
            timing = reader.int(easterNode, what: "'easter' offset", range: -100...100).map { .easter(offset: $0) }
        } else {
            reader.sink.error(.missingKey, "a holiday needs 'date' or 'easter'", at: o.location)
        }
        guard let name, let timing else { return nil }
        let year = { (key: String) in o.node(key).flatMap { reader.int($0, what: "'\(key)'", range: 1900...2200) } }
        return HolidayRule(name: name, timing: timing, fromYear: year("from-year"), untilYear: year("until-year"))
    }
}
