import Custos

/// One synthetic subject with its history, before it is put into the vault.
struct SyntheticSubject {
    var subject: NewSubject
    /// When its data was collected (the import is run with the clock set to it).
    var collected: LocalDate
    var events: [(String, LocalDate)]
    /// Newsletter consent: when it was given, and withdrawn.
    var newsletter: (given: LocalDate, withdrawn: LocalDate?)?
}

/// A realistic synthetic population for the seed policy: debtors with open and closed
/// collection files, clients and their contacts, prospects from the register and newsletter
/// subscribers, website visitors. Names, addresses and IBANs look Dutch and are invented;
/// IBANs carry valid check digits so the blind index normalises them as real ones.
struct SyntheticPopulation {
    var random: SimulationRandom
    let day: LocalDate

    init(seed: UInt64, day: LocalDate) {
        random = SimulationRandom(seed: seed)
        self.day = day
    }

    mutating func generate(count: Int) -> [SyntheticSubject] {
        (0..<count).map { index in
            let roll = random.int(0...99)
            switch roll {
            case 0..<55: return debtor(index)
            case 55..<63: return client(index)
            case 63..<68: return clientContact(index)
            case 68..<85: return prospect(index)
            default: return websiteUser(index)
            }
        }
    }

    // MARK: people

    mutating func name() -> (first: String, last: String) { (random.pick(DutchLookingData.firstNames), random.pick(DutchLookingData.surnames)) }

    mutating func email(_ name: (first: String, last: String), _ index: Int) -> String {
        let local = "\(name.first).\(name.last)".lowercased().replacingOccurrences(of: " ", with: "")
        return "\(local)\(index % 97)@\(random.pick(["example.nl", "voorbeeld.nl", "mail.example.com"]))"
    }

    mutating func address() -> String {
        let (city, prefix) = random.pick(DutchLookingData.cities)
        let letters = String((0..<2).map { _ in Character(UnicodeScalar(UInt8(65 + random.int(0...25)))) })
        return "\(random.pick(DutchLookingData.streets)) \(random.int(1...180)), \(prefix)\(random.digits(2)) \(letters) \(city)"
    }

    mutating func mobile() -> String { "06 \(random.digits(8))" }

    mutating func iban() -> String {
        let bank = random.pick(DutchLookingData.banks)
        let account = random.digits(10)
        // ISO 13616: letters as 10…35, country and "00" moved to the end, check = 98 − mod 97.
        let numeric = bank.unicodeScalars.map { String(Int($0.value) - 55) }.joined() + account + "232100"
        let remainder = numeric.reduce(0) { ($0 * 10 + Int(String($1))!) % 97 }
        let check = 98 - remainder
        let raw = "NL\(check < 10 ? "0" : "")\(check)\(bank)\(account)"
        return stride(from: 0, to: raw.count, by: 4).map { offset in
            let start = raw.index(raw.startIndex, offsetBy: offset)
            return String(raw[start..<(raw.index(start, offsetBy: 4, limitedBy: raw.endIndex) ?? raw.endIndex)])
        }.joined(separator: " ")
    }

    mutating func date(from: LocalDate, to: LocalDate) -> LocalDate {
        from.adding(days: random.int(0...max(0, to.daysSinceEpoch - from.daysSinceEpoch)))
    }

    // MARK: categories

    mutating func debtor(_ index: Int) -> SyntheticSubject {
        let person = name()
        let opened = date(from: LocalDate(year: 2018, month: 1, day: 8)!, to: day.adding(days: -3))
        var values = [
            "person_name": "\(person.first) \(person.last)", "email": email(person, index), "mobile_phone": mobile(), "postal_address": address(),
            "birth_date": LocalDate(year: random.int(1950...2004), month: random.int(1...12), day: random.int(1...28))!.description,
            "claim_details": "Invoice \(opened.year)-\(random.digits(4)) of \(random.pick(DutchLookingData.creditors)): EUR \(random.int(40...4800)).\(random.digits(2))",
            "payment_history": "\(random.int(0...6)) of \(random.int(6...12)) instalments paid",
        ]
        if random.chance(0.6) { values["bank_account"] = iban() }
        if random.chance(0.5) { values["recoverability_score"] = "0.\(random.digits(2))" }
        if random.chance(0.2) { values["call_notes"] = "Called about the payment plan; asked for a written proposal." }
        var events = [("file-opened", opened)]
        if random.chance(0.45) {
            let closed = min(day.adding(days: -1), opened.adding(days: random.int(30...700)))
            if closed > opened { events.append(("file-closed", closed)) }
        } else if random.chance(0.08) {
            events.append(("litigation-started", min(day.adding(days: -1), opened.adding(days: random.int(60...300)))))
        }
        return SyntheticSubject(subject: NewSubject(id: "D-\(100_000 + index)", category: "debtor", kind: random.chance(0.85) ? .naturalPerson : .soleTrader,
                                                    consumer: true, values: values, source: "client"),
                                collected: opened, events: events, newsletter: nil)
    }

    mutating func client(_ index: Int) -> SyntheticSubject {
        let person = name()
        let company = "\(random.pick(DutchLookingData.companies)) \(person.last)"
        let since = date(from: LocalDate(year: 2016, month: 1, day: 4)!, to: day.adding(days: -30))
        var events = [("booked", date(from: since, to: day.adding(days: -1)))]
        if random.chance(0.15) { events.append(("relationship-ended", date(from: since, to: day.adding(days: -1)))) }
        return SyntheticSubject(subject: NewSubject(id: "C-\(100_000 + index)", category: "client", kind: .soleTrader, consumer: false, contractParty: true,
                                                    values: ["person_name": "\(person.first) \(person.last)", "company_name": company,
                                                             "email": email(person, index), "postal_address": address(), "bank_account": iban(),
                                                             "payout_records": "payouts \(since.year)-\(day.year)"], source: "subject"),
                                collected: since, events: events, newsletter: random.chance(0.2) ? (date(from: LocalDate(year: 2024, month: 1, day: 2)!, to: day.adding(days: -1)), nil) : nil)
    }

    mutating func clientContact(_ index: Int) -> SyntheticSubject {
        let person = name()
        let since = date(from: LocalDate(year: 2019, month: 1, day: 7)!, to: day.adding(days: -30))
        return SyntheticSubject(subject: NewSubject(id: "CC-\(100_000 + index)", category: "client_contact", consumer: false,
                                                    values: ["person_name": "\(person.first) \(person.last)", "email": email(person, index),
                                                             "landline_phone": "0\(random.int(10...79)) \(random.digits(7))",
                                                             "company_name": "\(random.pick(DutchLookingData.companies)) \(random.pick(DutchLookingData.surnames)) B.V."],
                                                    source: "client"),
                                collected: since, events: [], newsletter: nil)
    }

    mutating func prospect(_ index: Int) -> SyntheticSubject {
        let person = name()
        let found = date(from: LocalDate(year: 2021, month: 1, day: 4)!, to: day.adding(days: -2))
        var values = ["person_name": "\(person.first) \(person.last)", "company_name": "\(random.pick(DutchLookingData.companies)) \(person.last)",
                      "postal_address": address()]
        var newsletter: (LocalDate, LocalDate?)?
        if random.chance(0.45) {
            values["email"] = email(person, index)
            // Half signed up after the material change of N-NEWS v3 (1 September 2025).
            let given = date(from: max(found, random.chance(0.5) ? LocalDate(year: 2025, month: 9, day: 1)! : LocalDate(year: 2024, month: 1, day: 2)!),
                             to: day.adding(days: -1))
            newsletter = (given, random.chance(0.15) ? date(from: given, to: day.adding(days: -1)) : nil)
        }
        return SyntheticSubject(subject: NewSubject(id: "PR-\(100_000 + index)", category: "prospect", kind: .soleTrader, consumer: false, values: values,
                                                    source: "KvK register"),
                                collected: found, events: [("last-contact", date(from: found, to: day.adding(days: -1)))], newsletter: newsletter)
    }

    mutating func websiteUser(_ index: Int) -> SyntheticSubject {
        let visited = date(from: LocalDate(year: 2023, month: 6, day: 1)!, to: day.adding(days: -1))
        var values = ["web_usage_stats": "\(random.int(1...40)) visits, \(random.int(2...300)) pages", "cookie_id": "c-\(random.digits(12))",
                      "ip_address": "192.0.2.\(random.int(1...254))"]
        var newsletter: (LocalDate, LocalDate?)?
        if random.chance(0.2) {
            values["email"] = "visitor\(index)@example.nl"
            newsletter = (date(from: max(visited, LocalDate(year: 2024, month: 1, day: 2)!), to: day.adding(days: -1)), nil)
        }
        return SyntheticSubject(subject: NewSubject(id: "W-\(100_000 + index)", category: "website_user", values: values, source: "website"),
                                collected: visited, events: [], newsletter: newsletter)
    }
}
