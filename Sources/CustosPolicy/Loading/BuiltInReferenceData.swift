/// The reference data shipped with the engine, in the same YAML shape a policy's
/// `reference-data:` section uses (gdpr.md §12.1, §8.1). Kept as YAML so it is read by the
/// same loader and a policy override looks exactly like it.
enum BuiltInReferenceData {
    static let fileName = "<built-in reference data>"

    static let yaml = """
    eea: [AT, BE, BG, HR, CY, CZ, DK, EE, FI, FR, DE, GR, HU, IE, IT, LV, LT, LU, MT, NL, PL, PT, RO, SK, SI, ES, SE, IS, LI, NO]
    adequacy:
      AD: {name: Andorra, decision: 2010/625/EU}
      AR: {name: Argentina, decision: 2003/490/EC}
      CA:
        name: Canada
        decision: 2002/2/EC
        requires: [commercial-organisation]
        note: commercial organisations subject to PIPEDA only
      FO: {name: Faroe Islands, decision: 2010/146/EU}
      GG: {name: Guernsey, decision: 2003/821/EC}
      IM: {name: Isle of Man, decision: 2004/411/EC}
      IL: {name: Israel, decision: 2011/61/EU}
      JP:
        name: Japan
        decision: (EU) 2019/419
        valid-from: 2019-01-23
        requires: [appi-operator]
        note: personal-information-handling business operators under the APPI, with the Supplementary Rules
      JE: {name: Jersey, decision: 2008/393/EC}
      NZ: {name: New Zealand, decision: 2013/65/EU}
      KR:
        name: Republic of Korea
        decision: (EU) 2022/254
        valid-from: 2021-12-17
        excludes: [fsc-supervised-credit-information, religious-organisation, political-organisation]
        note: excludes personal credit information processed by entities supervised by the Financial Services Commission
      CH: {name: Switzerland, decision: 2000/518/EC}
      GB:
        name: United Kingdom
        decision: (EU) 2021/1772
        valid-from: 2021-06-28
        valid-until: 2031-12-27
        note: renewed 19 Dec 2025
      UY: {name: Uruguay, decision: 2012/484/EU}
      US:
        name: United States
        decision: (EU) 2023/1795 (EU-US Data Privacy Framework)
        valid-from: 2023-07-10
        requires: [dpf-certified]
        note: only organisations with an active self-certification on the DPF List; appeal C-703/25 P pending
      org:EPO:
        name: European Patent Organisation
        decision: (EU) 2025/1382
        valid-from: 2025-07-15
      BR:
        name: Brazil
        decision: (EU) 2026/179
        valid-from: 2026-01-28
        note: effective date to be confirmed
    holidays:
      NL:
        - {name: New Year's Day, date: 01-01}
        - {name: Easter Monday, easter: 1}
        - {name: King's Day, date: 04-27, sunday-shift: -1, from-year: 2014}
        - {name: Liberation Day, date: 05-05}
        - {name: Ascension Day, easter: 39}
        - {name: Whit Monday, easter: 50}
        - {name: Christmas Day, date: 12-25}
        - {name: Boxing Day, date: 12-26}
    """
}
