package import Foundation
package import CustosPolicy
package import CustosStore

/// What a person asked for on the privacy centre's form; sealed in the e-mail challenge until
/// the code is typed, then used once and gone.
package struct WebRightsForm: Codable, Sendable, Equatable {
    package var type: RightsRequestType
    package var email: String
    /// What the person typed for each identity check, keyed `field` or `field.part`.
    package var identity: [String: String]
    package var language: String
    /// With a rectification request: what is wrong and what it should say (Art. 16).
    package var statement: String?

    package init(type: RightsRequestType, email: String, identity: [String: String], language: String, statement: String? = nil) {
        self.type = type
        self.email = email
        self.identity = identity
        self.language = language
        self.statement = statement
    }
}

/// A request opened from the privacy centre, with the token of its status link (shown once).
package struct OpenedWebRequest: Sendable {
    package var request: RightsRequest
    package var statusToken: String
    /// Whether what the person typed matched what the vault holds (the officer still verifies).
    package var identityMatched: Bool
}

/// Who acts for the privacy centre, and under which purpose it matches identities: the
/// server's configuration names them (DESIGN §11).
package struct WebActor: Sendable {
    package var actor: String
    package var identityPurpose: String
    package init(actor: String, identityPurpose: String) {
        self.actor = actor
        self.identityPurpose = identityPurpose
    }
}

extension PublicDoor {
    /// Every identity check any subject category asks for, once, in policy order.
    package var identityChecks: [IdentityCheckItem] {
        var seen: [IdentityCheckItem] = []
        for category in policy.policy.subjectCategories {
            for item in category.identityCheck where !seen.contains(item) { seen.append(item) }
        }
        return seen
    }

    /// Opens a request for every subject the confirmed address belongs to (none: nothing is
    /// held under it, and nothing is stored). The request book counts the deadline from now;
    /// the channel is `web-form`; the identity check's result is a request event, and the
    /// officer verifies as for any other channel. Each request opens in one transaction with its
    /// identity evidence, the person's words (a correction), the language they asked in and its
    /// status link: an interruption leaves all of it or nothing.
    package func openWebRequest(_ form: WebRightsForm, as web: WebActor) throws -> [OpenedWebRequest] {
        var words: String?
        if form.type == .rectification, let statement = form.statement {
            guard let checked = Self.statementWords(statement) else { throw Self.statementRefusal }
            words = checked
        }
        let subjects = try engine.findSubjects(matching: form.email, kind: .email)
        return try subjects.sorted().map { subject in
            // The typed identity is compared first (a logged read under the identity purpose):
            // its result is one of the lines the request opens with.
            let matched = try identityMatches(subject: subject, typed: form.identity, as: web)
            let checks = ["checks": matched.checks.joined(separator: ", ")]
            let detail = matched.checks.isEmpty ? LibraryWords("requestEvent.codeOnly", "e-mail code confirmed; the subject's category asks for nothing more")
                : matched.holds ? LibraryWords("requestEvent.identityMatches", "e-mail code confirmed; {checks} match what is held", checks)
                : LibraryWords("requestEvent.identityDiffers", "e-mail code confirmed; {checks} do not match what is held", checks)
            let token = RandomToken.make()
            var opening = words.map { statementOpening($0, subject: subject) } ?? RequestOpening()
            opening.events.insert((.identityEvidence, detail), at: 0)
            // The answer is written in the language the person asked in.
            opening.events.append((.language, .asWritten(form.language)))
            opening.statusLinkHash = store.statusLinkHash(token)
            let request = try engine.openRequest(subject: subject, type: form.type, purpose: nil, channel: "web-form", receivedAt: nil, requester: "subject",
                                                 mandate: nil, identityVerifiedBy: nil, opening: opening, by: web.actor)
            return OpenedWebRequest(request: request, statusToken: token, identityMatched: matched.holds)
        }
    }

    /// Compares what was typed with what is held, through a gated read under the identity
    /// purpose (logged like every read). A category without checks matches on the code alone.
    func identityMatches(subject: String, typed: [String: String], as web: WebActor) throws -> (checks: [String], holds: Bool) {
        let categories = try categories(of: subject)
        var items: [IdentityCheckItem] = []
        for category in policy.policy.subjectCategories where categories.contains(category.id.id) {
            for item in category.identityCheck where !items.contains(item) { items.append(item) }
        }
        guard !items.isEmpty else { return ([], true) }
        let names = items.map { item in item.part.map { "\($0.rawValue) of \(item.field.id)" } ?? item.field.id }
        let result = engine.read(subject: subject, fields: Array(Set(items.map(\.field.id))), purpose: web.identityPurpose, actor: web.actor)
        let held = result.values
        let holds = items.allSatisfy { item in
            let key = item.part.map { "\(item.field.id).\($0.rawValue)" } ?? item.field.id
            guard let given = typed[key], let stored = held[item.field.id] else { return false }
            switch item.part {
            case .postcode: return Self.postcode(in: stored).map { $0 == Self.compact(given) } ?? false
            case nil: return Self.compact(stored) == Self.compact(given)
            }
        }
        return (names, holds)
    }

    /// Upper case without spaces or dashes: "1234 ab" and "1234AB" are the same postcode.
    static func compact(_ text: String) -> String {
        String(text.uppercased().unicodeScalars.filter { !CharacterSet.whitespaces.contains($0) && $0 != "-" })
    }

    /// The Dutch postcode (four digits, two letters) inside an address, compacted.
    static func postcode(in address: String) -> String? {
        let compacted = compact(address)
        let scalars = Array(compacted.unicodeScalars)
        guard scalars.count >= 6 else { return nil }
        for start in 0...(scalars.count - 6) {
            let window = scalars[start..<start + 6]
            let digits = window.prefix(4).allSatisfy { CharacterSet.decimalDigits.contains($0) }
            let letters = window.suffix(2).allSatisfy { CharacterSet.uppercaseLetters.contains($0) }
            let before = start == 0 || !CharacterSet.decimalDigits.contains(scalars[start - 1])
            if digits, letters, before { return String(String.UnicodeScalarView(window)) }
        }
        return nil
    }

    /// The request a status link leads to.
    package func request(forStatusToken token: String) throws -> RightsRequest? {
        guard let id = try store.request(forStatusToken: token) else { return nil }
        return try store.request(id)
    }

    /// A fulfilled request's stored answer, or nil (none, or erased since).
    /// A request's stored answer; one held for review only when `includingHeld` (the console).
    package func storedAnswer(request: String, includingHeld: Bool = false) throws -> (html: String, json: Data)? {
        try store.sealedAnswer(request: request, includingHeld: includingHeld).flatMap { store.keyring.openAnswer($0, request: request) }
    }

    /// The most a statement may hold, in characters.
    package static let statementLimit = 2_000

    /// What a rectification request opens with when the subject's words come with it: the
    /// words, sealed under the request's number once it has one, and the history line that says
    /// they are kept (never the words). `words` are as `statementWords` keeps them.
    package func statementOpening(_ words: String, subject: String) -> RequestOpening {
        let keyring = store.keyring
        return RequestOpening(events: [(.statement, Self.statementKept)],
                              statement: { request in try keyring.sealStatement(words, request: request, subject: subject) })
    }

    static let statementKept = LibraryWords("requestEvent.statement", "the subject's words on what is wrong are kept, sealed")

    static var statementRefusal: StoreError {
        StoreError.invalidInput("the subject's words must be 1 to \(statementLimit) characters, without control characters but line breaks and tabs")
    }

    /// Keeps the subject's own words with an open rectification request: what is wrong and what
    /// it should say (the privacy centre's form, or a letter the officer records with `custos
    /// request statement --set`). Sealed under the subject's key; a later statement replaces it.
    ///
    /// ```swift
    /// try door.recordStatement("My surname is Vries-Ooms, not Vries", request: "RQ-2025-0007", by: "officer")
    /// ```
    /// Returns the request with the history's new line.
    @discardableResult
    package func recordStatement(_ text: String, request id: String, by actor: String) throws -> RightsRequest {
        guard let words = Self.statementWords(text) else { throw Self.statementRefusal }
        guard let request = try store.request(id) else { throw StoreError.invalidInput("no request \(id)") }
        let sealed = try store.keyring.sealStatement(words, request: id, subject: request.subject)
        // The words and the history line that says who kept them (never the words) commit
        // together; the request is checked again as locked, since it may have closed meanwhile.
        return try store.storeStatement(sealed, request: id, at: clock(), by: actor) { current in
            guard current.type == .rectification else {
                throw StoreError.invalidInput("request \(id) is \(current.type.rawValue): only a rectification request carries the subject's words")
            }
            guard current.status.isOpen else {
                throw StoreError.invalidInput("request \(id) is \(current.status.rawValue): the subject's words are kept with an open request")
            }
            return (current, .statement, Self.statementKept)
        }
    }

    /// The words as kept (spaces and line ends around them trimmed), or nil when they cannot be:
    /// blank, over `statementLimit` characters (Unicode scalars, as the API's contract counts
    /// them), or holding a control character other than a tab or a line end (`FreeText`).
    package static func statementWords(_ text: String) -> String? {
        guard !BlankText.isBlank(text), text.unicodeScalars.count <= statementLimit, !FreeText.hasControlCharacter(text) else { return nil }
        return text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\n\r"))
    }

    /// The subject's own words with a request (a rectification's "what is wrong"), for the
    /// officer; nil when none was given or an erasure has deleted it since.
    package func statement(request: String) throws -> String? {
        try store.sealedStatement(request: request).flatMap { store.keyring.openStatement($0, request: request) }
    }

    /// A completed erasure request's signed certificate, for the subject's status link: the
    /// proof of what was destroyed and what was kept, and why (nil for any other request).
    package func erasureCertificate(request: String) throws -> ErasureCertificate? {
        try ErasureCertificate.issued(request: request, store: store, keyring: store.keyring)
    }
}
