import Foundation
import CustosDecision
import CustosPolicy
internal import CustosCrypto

/// Reads a `decide --batch` line (`{"request": …, "facts": …, "at": …}`) straight from its
/// bytes into the request and facts, for the keys and shapes the batch format documents, with
/// no tree of values in between. Anything else (an unknown or repeated key, a `\u` escape, a
/// number that is not a plain integer, a missing required value, a value the types reject)
/// returns nil, and the line goes to `JSONDecoder` and the types' `Codable` code, which decides
/// and words every error. So the fast path can only be faster, never different: a test holds
/// its results equal to the Codable path's.
///
/// A repeated timestamp is parsed once: `Context` keeps the last few for one reading thread.
enum BatchLineReader {
    /// A line read: its request, its facts and its instant, if it names one. A named type
    /// rather than a tuple: destroying a labelled tuple of these went through the runtime's
    /// generic tuple witnesses, on every line.
    struct Line {
        var request = DecisionRequest(actor: "", action: .read, subject: "", purpose: "", fields: [])
        var facts = Facts(subject: nil)
        var at: Instant?
    }

    /// What one reading thread keeps between lines.
    final class Context {
        /// The last few timestamps read, with their text; replaced in turn.
        private var instants: [(text: [UInt8], instant: Instant)] = []
        private var nextSlot = 0
        private static let remembered = 8
        /// The strings made lately, for a reader of many lines (a batch worker's); nil for
        /// one request, where keeping them would cost more than it saves.
        let recentStrings: RecentStrings?

        init(keepingStrings: Bool = false) {
            recentStrings = keepingStrings ? RecentStrings() : nil
        }

        func instant(_ text: UnsafeBufferPointer<UInt8>) -> Instant? {
            for entry in instants where entry.text.count == text.count
                && entry.text.withUnsafeBufferPointer({ memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 }) {
                return entry.instant
            }
            return nil
        }

        func remember(_ text: UnsafeBufferPointer<UInt8>, _ instant: Instant) {
            guard !text.isEmpty else { return }
            if instants.count < Self.remembered {
                instants.append((Array(text), instant))
            } else {
                instants[nextSlot] = (Array(text), instant)
                nextSlot = (nextSlot + 1) % Self.remembered
            }
        }
    }

    static func read(_ line: Data.SubSequence, context: Context = Context()) -> Line? {
        line.withUnsafeBytes { raw in
            read(raw.bindMemory(to: UInt8.self), context: context)
        }
    }

    static func read(_ bytes: UnsafeBufferPointer<UInt8>, context: Context) -> Line? {
        var line = Line()
        return read(bytes, context: context, into: &line) ? line : nil
    }

    /// Reads a decision request alone (the server's `/v1/decisions` body), with `defaultActor`
    /// for a request that names none; nil for anything the Codable path must read.
    static func readRequest(_ bytes: UnsafeBufferPointer<UInt8>, defaultActor: String?) -> DecisionRequest? {
        var reader = Reader(bytes: bytes, context: Context())
        reader.defaultActor = defaultActor
        var request = DecisionRequest(actor: "", action: .read, subject: "", purpose: "", fields: [])
        guard reader.decisionRequest(into: &request) else { return nil }
        reader.skipSpace()
        return reader.index == bytes.count && !reader.controlCharacterInIds ? request : nil
    }

    /// A gated read's body, `{"purpose": id, "fields": [id, …]}` and nothing else; nil for any
    /// other body (a key of another name, a repeated one, an id with a control character, an
    /// escape the reader leaves alone), which the strict path then reads and words the error of.
    static func readGatedRead(_ bytes: UnsafeBufferPointer<UInt8>) -> (purpose: String, fields: [String])? {
        var reader = Reader(bytes: bytes, context: Context())
        var purpose: String?, fields: [String]?
        let read = reader.object(keys: Keys.gatedRead) { reader, key in
            if key == 0 {
                purpose = reader.id()
                return purpose != nil
            }
            var list: [String] = []
            guard reader.list(into: &list, { $0.id() }) else { return false }
            fields = list
            return true
        }
        reader.skipSpace()
        guard read, reader.index == bytes.count, !reader.controlCharacterInIds, let purpose, let fields else { return nil }
        return (purpose, fields)
    }

    /// Reads a line into `line` (a batch worker reuses one); false when the line is left to
    /// the Codable path, and `line` is then not to be used.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, context: Context, into line: inout Line, defaultActor: String? = nil) -> Bool {
        var reader = Reader(bytes: bytes, context: context)
        reader.defaultActor = defaultActor
        // Read in place: building the request and the facts apart and moving them in copied
        // each whole (every string and list retained, then released).
        var hasRequest = false, hasFacts = false
        line.at = nil
        let read = reader.object(keys: Keys.line) { reader, key in
            switch key {
            case 0: hasRequest = reader.decisionRequest(into: &line.request); return hasRequest
            case 1: hasFacts = reader.facts(into: &line.facts); return hasFacts
            default: return reader.optional(&line.at) { $0.instant() }
            }
        }
        reader.skipSpace()
        // Ids with control characters are refused by the Codable path, which words the error.
        return read && reader.index == bytes.count && hasRequest && hasFacts && !reader.controlCharacterInIds
    }

    /// The keys each documented object may have (`WireShape`), in the order its reader numbers
    /// them (at most 32: an object reader marks the keys it has seen in a 32-bit set).
    enum Keys {
        static let line = ObjectKeys(WireShape.lineKeys)
        static let request = ObjectKeys(WireShape.requestKeys)
        static let review = ObjectKeys(WireShape.reviewKeys)
        static let facts = ObjectKeys(WireShape.factsKeys)
        static let subject = ObjectKeys(WireShape.subjectKeys)
        static let consentRecord = ObjectKeys(WireShape.consentRecordKeys)
        static let consentEvent = ObjectKeys(WireShape.consentEventKeys)
        static let parental = ObjectKeys(WireShape.parentalKeys)
        static let objection = ObjectKeys(WireShape.objectionKeys)
        static let restriction = ObjectKeys(WireShape.restrictionKeys)
        static let legalHold = ObjectKeys(WireShape.legalHoldKeys)
        static let lifecycleEvent = ObjectKeys(WireShape.lifecycleEventKeys)
        static let provenance = ObjectKeys(WireShape.provenanceKeys)
        static let transfer = ObjectKeys(WireShape.transferKeys)
        static let subProcessor = ObjectKeys(WireShape.subProcessorKeys)
        static let information = ObjectKeys(WireShape.informationKeys)
        static let gatedRead = ObjectKeys(WireShape.gatedReadKeys)
    }

    /// The values of the enumerations a line may hold, matched as bytes: no string is made
    /// for a value that is one of a handful of words.
    enum Values {
        static let action = ValueTable(Action.allCases)
        static let effect = ValueTable(DecisionEffect.allCases)
        static let subjectKind = ValueTable([SubjectKind.naturalPerson, .soleTrader])
        static let consentState = ValueTable(ConsentState.allCases)
        static let consentMethod = ValueTable(ConsentMethod.allCases)
        static let consentGiver = ValueTable([ConsentGiver.subject, .parent, .guardian, .agent])
        static let objectionKind = ValueTable(ObjectionKind.allCases)
        static let objectionAssessment = ValueTable([ObjectionAssessment.pending, .upheld, .overridden])
        static let authorisationState = ValueTable(AuthorisationState.allCases)
        static let informationException = ValueTable(InformationException.allCases)
    }

    /// The raw values of an enumeration, looked up by their bytes, with their cases.
    final class ValueTable<Value: RawRepresentable & Sendable>: Sendable where Value.RawValue == String {
        let names: Interner
        let values: [Value]

        init(_ values: [Value]) {
            self.values = values
            names = Interner(values.map(\.rawValue))
        }

        func value(_ bytes: UnsafeBufferPointer<UInt8>) -> Value? {
            names.id(utf8: bytes).map { values[$0] }
        }
    }

    /// A cursor over one line's bytes. Every method returns nil or false for anything outside
    /// the documented shapes; the caller then gives up on the line.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let context: Context
        var index = 0

        /// The actor of a request that names none (the server's token actor); nil in a batch
        /// file, where every request names its actor.
        var defaultActor: String?

        /// Whether an id of the request (`DecisionRequest.hasControlCharacterInIds`' ids) holds a
        /// control character: noted as each is read, so no id is scanned twice.
        private(set) var controlCharacterInIds = false

        init(bytes: UnsafeBufferPointer<UInt8>, context: Context) {
            self.bytes = bytes
            self.context = context
        }

        // MARK: the documented shapes

        mutating func decisionRequest(into request: inout DecisionRequest) -> Bool {
            // Read straight into the previous line's request: first the values of the keys a
            // request may leave out, then whatever the line holds over them (optional locals
            // moved into place afterwards cost 140 instructions a line more). The fields go
            // into the previous list, which keeps its storage.
            // A value is cleared only where the previous line set one: clearing an absent one
            // still released it, ten times a line.
            request.fields.empty()
            request.subject = ""
            if request.recipient != nil { request.recipient = nil }
            if request.recipientName != nil { request.recipientName = nil }
            if request.destination != nil { request.destination = nil }
            if request.procedure != nil { request.procedure = nil }
            request.bulk = false
            request.foreignOrder = false
            if request.review != nil { request.review = nil }
            request.effect = nil
            request.at = nil
            var hasActor = false, hasAction = false, hasPurpose = false
            let read = object(keys: Keys.request) { reader, key in
                switch key {
                case 0:
                    guard let actor = reader.id() else { return false }
                    request.actor = actor
                    hasActor = true
                    return true
                case 1:
                    guard let action = reader.value(Values.action) else { return false }
                    request.action = action
                    hasAction = true
                    return true
                case 2:
                    if reader.literal("null") { return true }
                    guard let subject = reader.id(kept: false) else { return false }  // seldom repeated: not kept
                    request.subject = subject
                    return true
                case 3:
                    guard let purpose = reader.id() else { return false }
                    request.purpose = purpose
                    hasPurpose = true
                    return true
                case 4: return reader.literal("null") || reader.list(into: &request.fields) { $0.id() }
                case 5: return reader.optional(&request.recipient) { $0.id() }
                case 6: return reader.optional(&request.destination) { $0.id() }
                case 7: return reader.optional(&request.procedure) { $0.string() }
                case 8:
                    if reader.literal("null") { return true }
                    guard let bulk = reader.bool() else { return false }
                    request.bulk = bulk
                    return true
                case 9:
                    if reader.literal("null") { return true }
                    guard let foreignOrder = reader.bool() else { return false }
                    request.foreignOrder = foreignOrder
                    return true
                case 10: return reader.optional(&request.review) { $0.humanReview() }
                case 11: return reader.optional(&request.effect) { $0.value(Values.effect) }
                case 12: return reader.optional(&request.at) { $0.instant() }
                default: return reader.optional(&request.recipientName) { $0.id() }
                }
            }
            if !hasActor, let defaultActor {
                if DecisionRequest.hasControlCharacter(defaultActor) { controlCharacterInIds = true }
                request.actor = defaultActor
                hasActor = true
            }
            return read && hasActor && hasAction && hasPurpose
        }

        mutating func humanReview() -> HumanReview? {
            var reviewer: String?, canOverride: Bool?, at: Instant?
            let read = object(keys: Keys.review) { reader, key in
                switch key {
                case 0: reviewer = reader.string(); return reviewer != nil
                case 1: canOverride = reader.bool(); return canOverride != nil
                default: return reader.optional(&at) { $0.instant() }
                }
            }
            guard read, let reviewer, let canOverride else { return nil }
            return HumanReview(reviewer: reviewer, canOverride: canOverride, at: at)
        }

        /// Reads facts into the previous line's: each list is emptied but keeps its storage,
        /// and the subject's categories theirs, so a line allocates no list another line made.
        mutating func facts(into facts: inout Facts) -> Bool {
            facts.consents.empty()
            facts.objections.empty()
            facts.restrictions.empty()
            facts.legalHolds.empty()
            facts.events.empty()
            facts.erasedFields.empty()
            facts.fields.empty()
            facts.transfers.empty()
            facts.subProcessors.empty()
            facts.information.empty()
            var hasSubject = false
            let read = object(keys: Keys.facts) { reader, key in
                // A `null` list stays empty; a repeated key is refused by `object`.
                switch key {
                case 0: if reader.literal("null") { return true }; hasSubject = reader.subjectFacts(into: &facts.subject); return hasSubject
                case 1: return reader.literal("null") || reader.list(into: &facts.consents) { $0.consentRecord() }
                case 2: return reader.literal("null") || reader.list(into: &facts.objections) { $0.objection() }
                case 3: return reader.literal("null") || reader.list(into: &facts.restrictions) { $0.restriction() }
                case 4: return reader.literal("null") || reader.list(into: &facts.legalHolds) { $0.legalHold() }
                case 5: return reader.literal("null") || reader.list(into: &facts.events) { $0.lifecycleEvent() }
                case 6: return reader.literal("null") || reader.list(into: &facts.erasedFields) { $0.string() }
                case 7: return reader.literal("null") || reader.list(into: &facts.fields) { $0.provenance() }
                case 8: return reader.literal("null") || reader.list(into: &facts.transfers) { $0.transfer() }
                case 9: return reader.literal("null") || reader.list(into: &facts.subProcessors) { $0.subProcessorRecord() }
                default: return reader.literal("null") || reader.list(into: &facts.information) { $0.informationGiven() }
                }
            }
            if !hasSubject { facts.subject = nil }
            return read
        }

        /// Reads a subject into `subject`, reusing its categories' storage when it has some.
        mutating func subjectFacts(into subject: inout SubjectFacts?) -> Bool {
            var id: String?, category: String?, kind: SubjectKind?, consumer: Bool?, birthDate: LocalDate?, contractParty: Bool?
            var categories: [String]?
            let read = object(keys: Keys.subject) { reader, key in
                switch key {
                case 0: id = reader.string(kept: false); return id != nil  // seldom repeated
                case 1: category = reader.string(); return category != nil
                case 2: return reader.optional(&kind) { $0.value(Values.subjectKind) }
                case 3: return reader.optional(&consumer) { $0.bool() }
                case 4: return reader.optional(&birthDate) { $0.date() }
                case 5: return reader.optional(&contractParty) { $0.bool() }
                default: return reader.optional(&categories) { $0.strings() }
                }
            }
            guard read, let id = id.take() else { return false }
            // `category` for one kind, `categories` for several; exactly one of them.
            switch (category.take(), categories.take()) {
            case let (one?, nil):
                // The common case, in the previous line's subject, taken out and put back (each
                // `subject!.x =` copied the whole subject): one category needs no check for repeats.
                guard var reused = subject.take() else {
                    subject = SubjectFacts(id: id, category: one, kind: kind ?? .naturalPerson, consumer: consumer ?? true,
                                           birthDate: birthDate, contractParty: contractParty ?? false)
                    return true
                }
                reused.id = id
                if reused.categories.count == 1 {
                    reused.categories[0] = one
                } else {
                    reused.categories.empty()
                    reused.categories.append(one)
                }
                reused.kind = kind ?? .naturalPerson
                reused.consumer = consumer ?? true
                reused.birthDate = birthDate
                reused.contractParty = contractParty ?? false
                subject = reused
            case let (nil, several?) where !several.isEmpty:
                subject = SubjectFacts(id: id, categories: several, kind: kind ?? .naturalPerson, consumer: consumer ?? true,
                                       birthDate: birthDate, contractParty: contractParty ?? false)
            default:
                return false
            }
            return true
        }

        mutating func consentRecord() -> ConsentRecord? {
            var purpose: String?, notice: String?, events: [ConsentEvent]?
            let read = object(keys: Keys.consentRecord) { reader, key in
                switch key {
                case 0: purpose = reader.string(); return purpose != nil
                case 1: return reader.optional(&notice) { $0.string() }
                default: events = reader.list { $0.consentEvent() }; return events != nil
                }
            }
            guard read, let purpose, let events else { return nil }
            return ConsentRecord(purpose: purpose, notice: notice, events: events)
        }

        mutating func consentEvent() -> ConsentEvent? {
            var state: ConsentState?, at: Instant?, method: ConsentMethod?, channel: String?, by: ConsentGiver?, preTicked: Bool?
            var conditional: Bool?, parental: ParentalAuthorisation?, evidence: String?, age: Int?
            let read = object(keys: Keys.consentEvent) { reader, key in
                switch key {
                case 0: state = reader.value(Values.consentState); return state != nil
                case 1: at = reader.instant(); return at != nil
                case 2: return reader.optional(&method) { $0.value(Values.consentMethod) }
                case 3: return reader.optional(&channel) { $0.string() }
                case 4: return reader.optional(&by) { $0.value(Values.consentGiver) }
                case 5: return reader.optional(&preTicked) { $0.bool() }
                case 6: return reader.optional(&conditional) { $0.bool() }
                case 7: return reader.optional(&parental) { $0.parentalAuthorisation() }
                case 8: return reader.optional(&evidence) { $0.string() }
                default: return reader.optional(&age) { $0.integer() }
                }
            }
            guard read, let state, let at else { return nil }
            return ConsentEvent(state: state, at: at, method: method, channel: channel, by: by ?? .subject, preTicked: preTicked ?? false,
                                conditionalOnService: conditional ?? false, parentalAuthorisation: parental, evidence: evidence, ageAtConsent: age)
        }

        mutating func parentalAuthorisation() -> ParentalAuthorisation? {
            var by: String?, via: String?
            let read = object(keys: Keys.parental) { reader, key in
                switch key {
                case 0: by = reader.string(); return by != nil
                default: via = reader.string(); return via != nil
                }
            }
            guard read, let by, let via else { return nil }
            return ParentalAuthorisation(by: by, verifiedVia: via)
        }

        mutating func objection() -> Objection? {
            var purpose: String?, kind: ObjectionKind?, at: Instant?, assessment: ObjectionAssessment?, reference: String?
            let read = object(keys: Keys.objection) { reader, key in
                switch key {
                case 0: return reader.optional(&purpose) { $0.string() }
                case 1: kind = reader.value(Values.objectionKind); return kind != nil
                case 2: at = reader.instant(); return at != nil
                case 3: return reader.optional(&assessment) { $0.value(Values.objectionAssessment) }
                default: return reader.optional(&reference) { $0.string() }
                }
            }
            guard read, let kind, let at else { return nil }
            return Objection(purpose: purpose, kind: kind, at: at, assessment: assessment, assessmentReference: reference)
        }

        mutating func restriction() -> Restriction? {
            var fields: [String]?, since: Instant?, lifted: Instant?, ground: String?
            let read = object(keys: Keys.restriction) { reader, key in
                switch key {
                case 0: return reader.optional(&fields) { $0.strings() }
                case 1: since = reader.instant(); return since != nil
                case 2: return reader.optional(&lifted) { $0.instant() }
                default: return reader.optional(&ground) { $0.string() }
                }
            }
            guard read, let since else { return nil }
            return Restriction(fields: fields, since: since, lifted: lifted, ground: ground)
        }

        mutating func legalHold() -> LegalHold? {
            var reference: String?, since: LocalDate?, until: LocalDate?, fields: [String]?, purposes: [String]?
            let read = object(keys: Keys.legalHold) { reader, key in
                switch key {
                case 0: reference = reader.string(); return reference != nil
                case 1: since = reader.date(); return since != nil
                case 2: return reader.optional(&until) { $0.date() }
                case 3: return reader.optional(&fields) { $0.strings() }
                default: return reader.optional(&purposes) { $0.strings() }
                }
            }
            guard read, let reference, let since else { return nil }
            return LegalHold(reference: reference, since: since, until: until, fields: fields, purposes: purposes)
        }

        mutating func lifecycleEvent() -> LifecycleEventFact? {
            var event: String?, date: LocalDate?
            let read = object(keys: Keys.lifecycleEvent) { reader, key in
                switch key {
                case 0: event = reader.string(); return event != nil
                default: date = reader.date(); return date != nil
                }
            }
            guard read, let event, let date else { return nil }
            return LifecycleEventFact(event: event, date: date)
        }

        mutating func provenance() -> FieldProvenance? {
            var field: String?, collected: LocalDate?, collectedFor: [String]?, source: String?, keptFor: [String]?
            let read = object(keys: Keys.provenance) { reader, key in
                switch key {
                case 0: field = reader.string(); return field != nil
                case 1: return reader.optional(&collected) { $0.date() }
                case 2: return reader.optional(&collectedFor) { $0.strings() }
                case 3: return reader.optional(&source) { $0.string() }
                default: return reader.optional(&keptFor) { $0.strings() }
                }
            }
            guard read, let field else { return nil }
            return FieldProvenance(field: field, collected: collected, collectedFor: collectedFor, source: source, keptFor: keptFor)
        }

        mutating func transfer() -> TransferRecord? {
            var recipient: String?, destination: String?, procedure: String?, at: Instant?
            let read = object(keys: Keys.transfer) { reader, key in
                switch key {
                case 0: recipient = reader.string(); return recipient != nil
                case 1: return reader.optional(&destination) { $0.string() }
                case 2: return reader.optional(&procedure) { $0.string() }
                default: at = reader.instant(); return at != nil
                }
            }
            guard read, let recipient, let at else { return nil }
            return TransferRecord(recipient: recipient, destination: destination, procedure: procedure, at: at)
        }

        mutating func subProcessorRecord() -> SubProcessorRecord? {
            var recipient: String?, state: AuthorisationState?, at: Instant?
            let read = object(keys: Keys.subProcessor) { reader, key in
                switch key {
                case 0: recipient = reader.string(); return recipient != nil
                case 1: state = reader.value(Values.authorisationState); return state != nil
                default: at = reader.instant(); return at != nil
                }
            }
            guard read, let recipient, let state, let at else { return nil }
            return SubProcessorRecord(recipient: recipient, state: state, at: at)
        }

        mutating func informationGiven() -> InformationGiven? {
            var notice: String?, at: Instant?, exception: InformationException?
            let read = object(keys: Keys.information) { reader, key in
                switch key {
                case 0: notice = reader.string(); return notice != nil
                case 1: at = reader.instant(); return at != nil
                default: return reader.optional(&exception) { $0.value(Values.informationException) }
                }
            }
            guard read, let notice, let at else { return nil }
            return InformationGiven(notice: notice, at: at, exception: exception)
        }

        // MARK: structure

        @inline(__always)
        mutating func skipSpace() {
            // Nearly always there is no space at all: one test for any byte above a space.
            guard index < bytes.count, bytes[index] <= 0x20 else { return }
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
        }

        /// Reads an object whose keys are all among `keys`, none repeated; `member` reads the
        /// value of the key at the given position in `keys`.
        @inline(__always)
        mutating func object(keys: ObjectKeys, _ member: (inout Reader, Int) -> Bool) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return false }
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return true }
            assert(keys.count <= 32, "an object reader marks seen keys in a 32-bit set")
            var seen: UInt32 = 0
            // Writers tend to put keys in the documented order: the key after the last one is
            // tried first, with one comparison instead of a hash and a probe.
            var expected = 0
            while true {
                skipSpace()
                let key: Int
                // The expected key, or a later one (writers leave out keys but seldom reorder
                // them), written compactly (`"key":`), in three word comparisons each; any other
                // key, or one spelled otherwise (an escape, a space before the colon, fewer than
                // `ObjectKeys.window` bytes left), is found by its bytes.
                if index + ObjectKeys.window <= bytes.count,
                   let (position, length) = keys.compactKey(from: expected, at: UnsafeRawPointer(bytes.baseAddress! + index)) {
                    key = position
                    index += length
                } else {
                    guard let found = keyPosition(in: keys.names, expecting: expected) else { return false }
                    key = found
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                    index += 1
                }
                guard seen & (1 << key) == 0 else { return false }
                seen |= 1 << key
                expected = key + 1
                skipSpace()
                guard member(&self, key) else { return false }
                skipSpace()
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return true }
                return false
            }
        }

        /// The key at the cursor as a position in `keys`, `expected` tried first; keys are
        /// plain (an escaped key goes to the Codable path).
        private mutating func keyPosition(in keys: Interner, expecting expected: Int) -> Int? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            guard let end = Self.firstSpecialByte(in: bytes, from: start), bytes[end] == UInt8(ascii: "\"") else { return nil }
            let key = UnsafeBufferPointer(rebasing: bytes[start..<end])
            let position: Int
            if expected < keys.count, keys.matches(expected, utf8: key) {
                position = expected
            } else {
                guard let found = keys.id(utf8: key) else { return nil }
                position = found
            }
            index = end + 1
            return position
        }

        /// A list appended to `items` (emptied by the caller, its storage kept).
        @inline(__always)
        mutating func list<T>(into items: inout [T], _ element: (inout Reader) -> T?) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return false }
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return true }
            // Lists on a line are short: one allocation for up to four, not one per growth.
            if items.capacity == 0 { items.reserveCapacity(4) }
            while true {
                skipSpace()
                guard let item = element(&self) else { return false }
                items.append(item)
                skipSpace()
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return true }
                return false
            }
        }

        @inline(__always)
        mutating func list<T>(_ element: (inout Reader) -> T?) -> [T]? {
            var items: [T] = []
            return list(into: &items, element) ? items : nil
        }

        /// An optional member: `null` leaves it nil; otherwise `read` must succeed.
        @inline(__always)
        mutating func optional<T>(_ target: inout T?, _ read: (inout Reader) -> T?) -> Bool {
            if literal("null") { return true }
            guard let value = read(&self) else { return false }
            target = value
            return true
        }

        // MARK: values

        mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count, memcmp(text.utf8Start, bytes.baseAddress! + index, count) == 0 else { return false }
            index += count
            return true
        }

        mutating func bool() -> Bool? {
            if literal("true") { return true }
            if literal("false") { return false }
            return nil
        }

        /// Plain integers only; a fraction or exponent goes to the Codable path.
        mutating func integer() -> Int? {
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
            let start = index
            var number = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                number = sum
                index += 1
            }
            guard index > start, index - start == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                return nil
            }
            return negative ? -number : number
        }

        mutating func strings() -> [String]? {
            list { $0.string() }
        }

        /// A string of this reading thread's own, made or found among its recent strings
        /// (`RecentStrings`): sharing the policy's strings instead would have the threads of a
        /// batch contend for their reference counts. `kept: false` for a value that seldom
        /// repeats: kept, it would push out those that do.
        mutating func string(kept: Bool = true) -> String? {
            guard let (raw, escaped) = stringBytes() else { return nil }
            guard !escaped else { return unescape(raw) }
            return text(raw, kept: kept)
        }

        /// A string that is an id of the request: as `string()`, noting a control character
        /// (a C0 one ends the fast path in `stringBytes`; DEL and C1 ones are looked for here).
        mutating func id(kept: Bool = true) -> String? {
            guard let (raw, escaped) = stringBytes() else { return nil }
            if escaped {
                guard let text = unescape(raw) else { return nil }
                if DecisionRequest.hasControlCharacter(text) { controlCharacterInIds = true }
                return text
            }
            if ASCII.mayHoldDeleteOrC1(raw), DecisionRequest.hasControlCharacter(raw) { controlCharacterInIds = true }
            return text(raw, kept: kept)
        }

        /// Unescaped bytes as a string, from the context's recent strings where it keeps them.
        @inline(__always)
        private func text(_ raw: UnsafeBufferPointer<UInt8>, kept: Bool) -> String? {
            if kept, let recent = context.recentStrings { return recent.string(raw, make: Self.text) }
            return Self.text(raw)
        }

        /// One of an enumeration's raw values; anything else (an escape included) is nil.
        mutating func value<Value>(_ table: ValueTable<Value>) -> Value? {
            guard let (raw, escaped) = stringBytes(), !escaped, !raw.isEmpty else { return nil }
            return table.value(raw)
        }

        mutating func instant() -> Instant? {
            guard let (raw, escaped) = stringBytes() else { return nil }
            if escaped { return unescape(raw).flatMap(Instant.init(iso8601:)) }
            // Batch lines tend to repeat a few timestamps: parse each once per thread.
            if let known = context.instant(raw) { return known }
            guard let text = Self.text(raw), let instant = Instant(iso8601: text) else { return nil }
            context.remember(raw, instant)
            return instant
        }

        /// `YYYY-MM-DD`, read from the bytes; any other text (an escape, a sign, a width) is left
        /// to `LocalDate(parsing:)`.
        mutating func date() -> LocalDate? {
            let start = index
            guard let (raw, escaped) = stringBytes() else { return nil }
            if !escaped, raw.count == 10, raw[4] == UInt8(ascii: "-"), raw[7] == UInt8(ascii: "-"),
               let year = Self.digits(raw, 0..<4), let month = Self.digits(raw, 5..<7), let day = Self.digits(raw, 8..<10) {
                return LocalDate(year: year, month: month, day: day)
            }
            index = start
            return string().flatMap(LocalDate.init(parsing:))
        }

        /// The raw bytes of a string at the cursor and whether they hold escapes; a `\u`
        /// escape or a control character gives nil.
        private mutating func stringBytes() -> (UnsafeBufferPointer<UInt8>, Bool)? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            var escaped = false
            while true {
                guard let special = Self.firstSpecialByte(in: bytes, from: index) else { return nil }
                index = special
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { return nil }
                escaped = true  // a backslash: the byte after it is the escape's, whatever it is
                index += 2
            }
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
            index += 1
            return (raw, escaped)
        }

        /// The offset of the first quote, backslash or control character at or after `start`;
        /// nil if none is left. A word at a time while eight bytes are left (the line's end is
        /// seldom nearer), then byte by byte.
        @inline(__always)
        static func firstSpecialByte(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
            let base = UnsafeRawPointer(bytes.baseAddress!)
            var index = start
            while index + 8 <= bytes.count {
                let special = ASCII.specialBytes(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                if special != 0 { return index + special.trailingZeroBitCount >> 3 }
                index += 8
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
                index += 1
            }
            return nil
        }

        /// The decimal number the bytes in `range` spell, or nil when one is not a digit.
        static func digits(_ raw: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
            var value = 0
            for position in range {
                let byte = raw[position]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }

        /// UTF-8 bytes as a string; ASCII (nearly every value) skips the generic validation.
        static func text(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
            if ASCIIBytes.isASCII(raw) {
                return String(unsafeUninitializedCapacity: raw.count) { buffer in
                    _ = buffer.initialize(fromContentsOf: raw)
                    return raw.count
                }
            }
            return String(validating: raw, as: UTF8.self)
        }

        private func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
            var unescaped: [UInt8] = []
            unescaped.reserveCapacity(raw.count)
            var position = 0
            while position < raw.count {
                let byte = raw[position]
                guard byte == UInt8(ascii: "\\") else { unescaped.append(byte); position += 1; continue }
                guard position + 1 < raw.count else { return nil }
                switch raw[position + 1] {
                case UInt8(ascii: "\""): unescaped.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): unescaped.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): unescaped.append(UInt8(ascii: "/"))
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                default: return nil
                }
                position += 2
            }
            return String(validating: unescaped, as: UTF8.self)
        }
    }
}
