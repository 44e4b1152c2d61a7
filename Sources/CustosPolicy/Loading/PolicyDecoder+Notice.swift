internal import Yams
internal import CustosCrypto

extension PolicyDecoder {
    func notice(_ id: Ref, _ node: Node) -> Notice? {
        let what = "notice '\(id)'"
        guard let o = reader.object(node, what: what, keys: ["title", "language", "versions"]) else { return nil }
        let language = o.requiredString("language")
        let versionNodes = o.required("versions").flatMap { reader.list($0, what: "'versions' of \(what)") } ?? []
        var versions: [NoticeVersion] = []
        for versionNode in versionNodes {
            if let version = noticeVersion(versionNode, notice: id, defaultLanguage: language ?? "") {
                if let previous = versions.last, previous.version >= version.version || previous.effective > version.effective {
                    reader.sink.error(.invalidValue, "versions of \(what) must go up in number and effective date; version \(version.version) does not follow version \(previous.version)", at: version.location)
                }
                versions.append(version)
            }
        }
        if versionNodes.isEmpty, let node = o.node("versions") {
            reader.sink.error(.invalidValue, "\(what) needs at least one version", at: reader.location(node))
        }
        guard let title = o.requiredString("title"), let language else { return nil }
        return Notice(id: id, title: title, language: language, versions: versions)
    }

    private func noticeVersion(_ node: Node, notice: Ref, defaultLanguage: String) -> NoticeVersion? {
        let what = "a version of notice '\(notice)'"
        guard let o = reader.object(node, what: what, keys: ["version", "effective", "text", "language", "material-change", "purposes"]) else { return nil }
        let number = o.required("version").flatMap { reader.int($0, what: "'version' of \(what)", range: 1...1_000_000) }
        let effective = o.required("effective").flatMap { reader.date($0, what: "'effective' of \(what)") }
        let textNode = o.required("text")
        let text = textNode.flatMap { reader.string($0, what: "'text' of \(what)") }
        var contentHash: String?
        if let text, let textNode {
            if let bytes = readNoticeText(text) {
                contentHash = "blake2b-256:" + Blake2b.hex(Blake2b.hash(bytes))
            } else {
                reader.sink.error(.noticeTextMissing, "notice text file '\(text)' of notice '\(notice)' cannot be read", at: reader.location(textNode))
            }
        }
        var scopes: [NoticeScope] = []
        if let purposesNode = o.required("purposes"), let items = reader.entries(purposesNode, what: "'purposes' of \(what)") {
            for item in items {
                let purpose = Ref(item.key, at: reader.location(item.keyNode))
                if reader.isNull(item.value) {
                    scopes.append(NoticeScope(purpose: purpose, fields: [], recipients: [], transfers: []))
                    continue
                }
                guard let s = reader.object(item.value, what: "the scope of '\(purpose)' in \(what)", keys: ["fields", "recipients", "transfers"]) else { continue }
                let transfers = (s.node("transfers").flatMap { reader.list($0, what: "'transfers'") } ?? [])
                    .compactMap { reader.country($0, what: "a transfer destination") }
                scopes.append(NoticeScope(purpose: purpose, fields: s.refs("fields"), recipients: s.refs("recipients"), transfers: transfers))
            }
        }
        guard let number, let effective, let text else { return nil }
        return NoticeVersion(
            version: number, effective: effective, text: text, contentHash: contentHash,
            language: o.string("language") ?? defaultLanguage, materialChange: o.bool("material-change"),
            purposes: scopes, location: o.location)
    }
}
