internal import Yams

extension PolicyDecoder {
    static let recipientKeys = [
        "name", "role", "country", "fields", "dpa", "sub-processors", "engaged-by", "arrangement",
        "attributes", "transfer", "named-per-disclosure", "authorisation", "access-from",
    ]

    func recipient(_ id: Ref, _ node: Node) -> Recipient? {
        let what = "recipient '\(id)'"
        guard let o = reader.object(node, what: what, keys: Self.recipientKeys) else { return nil }
        let role: RecipientRole? = o.required("role").flatMap { reader.enumeration($0, what: "'role' of \(what)") }
        var country: RecipientCountry?
        if let node = o.required("country"), let text = reader.string(node, what: "'country' of \(what)") {
            if text == "per-disclosure" {
                country = .perDisclosure
            } else if NodeReader.isCountryCode(text) {
                country = .fixed(text)
            } else {
                reader.sink.error(.invalidValue, "'country' of \(what) must be an ISO 3166 alpha-2 code or 'per-disclosure', found '\(text)'", at: reader.location(node))
            }
        }
        var dpa: ProcessorAgreement?
        if let d = o.node("dpa").flatMap({ reader.object($0, what: "'dpa' of \(what)", keys: ["reference", "signed", "expires", "status", "purposes", "fields"]) }) {
            if let reference = d.requiredString("reference") {
                dpa = ProcessorAgreement(
                    reference: reference, signed: d.date("signed"), expires: d.date("expires"), status: d.enumeration("status") ?? .active,
                    purposes: d.required("purposes").flatMap { reader.refs($0, what: "'purposes' of the DPA of \(what)") } ?? [],
                    fields: d.required("fields").flatMap { reader.refs($0, what: "'fields' of the DPA of \(what)") } ?? [])
            }
        }
        let transfer = o.node("transfer").flatMap { transferInstruments($0, recipient: id) }
        guard let name = o.requiredString("name"), let role, let country else { return nil }
        return Recipient(
            id: id, name: name, role: role, country: country,
            fields: o.node("fields").flatMap { reader.refs($0, what: "'fields' of \(what)") },
            dpa: dpa, subProcessors: o.refs("sub-processors"), engagedBy: o.ref("engaged-by"),
            arrangement: o.string("arrangement"), attributes: o.strings("attributes"), transfer: transfer,
            namedPerDisclosure: o.bool("named-per-disclosure"),
            authorisation: o.node("authorisation").flatMap { authorisation($0, recipient: id) },
            accessFrom: o.strings("access-from"))
    }

    /// `authorisation: {kind: specific, since: 2024-01-10}` or
    /// `{kind: general, since: 2025-05-01, objection-window: 30 days}`.
    private func authorisation(_ node: Node, recipient: Ref) -> SubProcessorAuthorisation? {
        let what = "'authorisation' of recipient '\(recipient)'"
        guard let o = reader.object(node, what: what, keys: ["kind", "since", "objection-window"]) else { return nil }
        guard let kind: AuthorisationKind = o.required("kind").flatMap({ reader.enumeration($0, what: "'kind' of \(what)") }) else { return nil }
        let since = o.required("since").flatMap { reader.date($0, what: "'since' of \(what)") }
        let window = kind == .general ? o.required("objection-window").flatMap { reader.duration($0, what: "'objection-window' of \(what)") } : o.duration("objection-window")
        return SubProcessorAuthorisation(kind: kind, since: since, objectionWindow: window)
    }

    private func transferInstruments(_ node: Node, recipient: Ref) -> TransferInstruments? {
        let what = "'transfer' of recipient '\(recipient)'"
        guard let o = reader.object(node, what: what, keys: ["dpf", "scc", "bcr", "derogation"]) else { return nil }
        var instruments = TransferInstruments()
        if let d = o.node("dpf").flatMap({ reader.object($0, what: "'dpf' of \(what)", keys: ["status", "certified", "checked", "expires", "covers"]) }) {
            if let status: CertificationStatus = d.required("status").flatMap({ reader.enumeration($0, what: "'status' of the DPF certification") }) {
                instruments.dpf = DPFCertification(status: status, certified: d.date("certified"), checked: d.date("checked"), expires: d.date("expires"), covers: d.enumeration("covers") ?? .nonHR)
            }
        }
        if let s = o.node("scc").flatMap({ reader.object($0, what: "'scc' of \(what)", keys: ["module", "signed", "expires", "tia", "tia-expires"]) }) {
            if let module = s.required("module").flatMap({ reader.int($0, what: "'module' of the SCC", range: 1...4) }) {
                instruments.scc = StandardContractualClauses(module: module, signed: s.date("signed"), expires: s.date("expires"), tia: s.string("tia"), tiaExpires: s.date("tia-expires"))
            }
        }
        if let b = o.node("bcr").flatMap({ reader.object($0, what: "'bcr' of \(what)", keys: ["reference", "tia", "tia-expires"]) }) {
            if let reference = b.requiredString("reference") {
                instruments.bcr = BindingCorporateRules(reference: reference, tia: b.string("tia"), tiaExpires: b.date("tia-expires"))
            }
        }
        if let d = o.node("derogation").flatMap({ reader.object($0, what: "'derogation' of \(what)", keys: ["ground", "occasional"]) }) {
            if let ground: DerogationGround = d.required("ground").flatMap({ reader.enumeration($0, what: "'ground' of the derogation") }) {
                var limit: OccasionalLimit?
                if let l = d.node("occasional").flatMap({ reader.object($0, what: "'occasional' of the derogation", keys: ["max", "per"]) }),
                   let max = l.required("max").flatMap({ reader.int($0, what: "'max' of the occasional limit", range: 1...1000) }),
                   let per = l.required("per").flatMap({ reader.duration($0, what: "'per' of the occasional limit") }) {
                    limit = OccasionalLimit(max: max, per: per)
                }
                instruments.derogation = Derogation(ground: ground, occasional: limit)
            }
        }
        return instruments
    }
}
