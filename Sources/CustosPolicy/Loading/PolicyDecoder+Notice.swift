internal import Yams
internal import CustosCrypto

extension PolicyDecoder {
    func notice(_ id: Ref, _ node: Node) -> Notice? {
        let what = "notice '\(id)'"
        guard let o = reader.object(node, what: what, keys: ["title", "language", "versions"]) else { return nil }
        let language = o.requiredString("language")
        checkLanguage(language, at: o.node("language"), what: what)
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
        guard let o = reader.object(node, what: what, keys: ["version", "effective", "text", "language", "translations", "material-change", "purposes"]) else { return nil }
        let number = o.required("version").flatMap { reader.int($0, what: "'version' of \(what)", range: 1...1_000_000) }
        let effective = o.required("effective").flatMap { reader.date($0, what: "'effective' of \(what)") }
        let language = o.string("language") ?? defaultLanguage
        checkLanguage(o.string("language"), at: o.node("language"), what: what)
        let textNode = o.required("text")
        let text = textNode.flatMap { reader.string($0, what: "'text' of \(what)") }
        var own: NoticeText?
        if let text, let textNode { own = noticeText(text, language: language, notice: notice, at: textNode) }
        var translations: [NoticeText] = []
        if let node = o.node("translations"), let items = reader.entries(node, what: "'translations' of \(what)") {
            for item in items {
                guard LanguageCode.isWellFormed(item.key) else {
                    reader.sink.error(.invalidValue, "'\(item.key)' in 'translations' of \(what) is not a two-letter ISO 639-1 language code such as nl or en",
                                      at: reader.location(item.keyNode))
                    continue
                }
                guard item.key != language else {
                    reader.sink.error(.invalidValue, "'\(item.key)' in 'translations' of \(what) is the version's own language: its text is 'text'",
                                      at: reader.location(item.keyNode))
                    continue
                }
                guard let file = reader.string(item.value, what: "the \(item.key) text file in 'translations' of \(what)") else { continue }
                if let translation = noticeText(file, language: item.key, notice: notice, at: item.value) { translations.append(translation) }
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
            version: number, effective: effective, text: text, contentHash: own?.contentHash, language: language, content: own?.content,
            translations: translations, materialChange: o.bool("material-change"), purposes: scopes, location: o.location)
    }

    /// A notice's or a version's `language` is an ISO 639-1 code, as a consent records it and
    /// the privacy centre matches it against the visitor's.
    private func checkLanguage(_ language: String?, at node: Node?, what: String) {
        guard let language, let node, !LanguageCode.isWellFormed(language) else { return }
        reader.sink.error(.invalidValue, "'language' of \(what) is not a two-letter ISO 639-1 language code such as nl or en", at: reader.location(node))
    }

    /// Reads one text file of a notice version: its hash over the bytes, and the text itself,
    /// which must be UTF-8 since a person is shown it.
    private func noticeText(_ file: String, language: String, notice: Ref, at node: Node) -> NoticeText? {
        // A person is shown this file: it must be one of the policy's own, never a path that
        // climbs out of the folder or starts at the root.
        guard !file.hasPrefix("/"), !file.split(separator: "/", omittingEmptySubsequences: false).contains("..") else {
            reader.sink.error(.invalidValue, "notice text file '\(file)' of notice '\(notice)' must be a path inside the policy folder", at: reader.location(node))
            return nil
        }
        guard let bytes = readNoticeText(file) else {
            reader.sink.error(.noticeTextMissing, "notice text file '\(file)' of notice '\(notice)' cannot be read", at: reader.location(node))
            return nil
        }
        guard let content = String(validating: bytes, as: UTF8.self) else {
            reader.sink.error(.noticeTextMissing, "notice text file '\(file)' of notice '\(notice)' is not UTF-8 text", at: reader.location(node))
            return nil
        }
        return NoticeText(language: language, file: file, contentHash: "blake2b-256:" + Blake2b.hex(Blake2b.hash(bytes)), content: content)
    }
}
