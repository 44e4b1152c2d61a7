import Foundation
internal import CustosCrypto
internal import CustosDecision
internal import CustosPolicy

/// A decision's log row made ready by its own caller, before the group commit: the entry's
/// canonical form without its first part, the sequence number, which only the commit knows.
///
/// Entries are hashed and inserted one after another inside the log's one write transaction
/// (each hash covers the one before), so whatever is left to do there bounds how many appends
/// a second the log takes. A draft leaves the commit three things per entry: the hash over
/// `domain | previous hash | seq | tail`, thirteen binds and one SQLite step. Its text columns
/// are not copied out again: the canonical form holds each column's bytes behind its length
/// (`|count:bytes`), and the commit binds them from there.
///
/// ```swift
/// let draft = LogRowDraft(decision, at: now)                     // on the caller's thread
/// let hash = draft.hash(seq: 8, previous: head.hash, scratch: &scratch)  // in the commit
/// ```
struct LogRowDraft: Sendable {
    /// When the decision was taken, in milliseconds since 1970.
    let at: Int64
    /// Whether the recipient column is NULL (the canonical form writes an empty part for it).
    let recipientIsNull: Bool
    /// `|count:at|count:actor|…|count:policy digest`, as `LogEntry.canonicalBytes` writes them.
    let tail: [UInt8]

    init(_ entry: LogEntry) {
        at = entry.at.millisecondsSinceEpoch
        recipientIsNull = entry.recipient == nil
        var tail: [UInt8] = []
        tail.reserveCapacity(256)
        entry.appendCanonicalTail(to: &tail)
        self.tail = tail
    }

    /// The draft of `LogEntry(decision, at: at)`, byte for byte, written from the decision
    /// itself: every logged decision passes here, and its field lines (`field=outcome`) and
    /// codes go into the form without becoming strings of their own.
    init(_ decision: Decision, at: Instant) {
        self.at = at.millisecondsSinceEpoch
        recipientIsNull = decision.recipient == nil
        var tail: [UInt8] = []
        tail.reserveCapacity(256)
        LogEntry.appendCanonicalTail(at: at, actor: decision.actor, action: decision.action.rawValue, purpose: decision.purpose,
                                     subject: decision.subject, recipient: decision.recipient, fields: decision.fields,
                                     outcome: decision.outcome.rawValue, codes: decision.reasons.lazy.map(\.code),
                                     policyDigest: decision.policyDigest, to: &tail)
        self.tail = tail
    }

    /// The entry's link in the chain, equal to `LogEntry.hash(previous:)` of the same entry
    /// numbered `seq`; `scratch` is the hash input's buffer, reused across a group.
    func hash(seq: Int64, previous: [UInt8], scratch: inout [UInt8]) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: LogEntry.hashDomain)
        scratch.append(contentsOf: previous)
        LogEntry.appendCanonicalNumber(seq, to: &scratch)
        scratch.append(contentsOf: tail)
        return Blake2b.hash(scratch)
    }

    /// The text columns in the canonical form's order (actor, action, purpose, subject,
    /// recipient, fields, outcome, codes, policy digest), each as a range of `tail`.
    /// A tail this type did not write stops the walk early: fewer than nine come back.
    static func columns(in tail: UnsafeBufferPointer<UInt8>, _ body: (_ column: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Void) {
        var index = 0
        var column = -1  // the first part is the instant, bound as a number
        while index < tail.count, tail[index] == UInt8(ascii: "|") {
            index += 1
            var count = 0
            while index < tail.count, tail[index] != UInt8(ascii: ":") {
                let digit = Int(tail[index]) - Int(UInt8(ascii: "0"))
                guard (0...9).contains(digit), count <= tail.count else { return }
                count = count * 10 + digit
                index += 1
            }
            guard index < tail.count else { return }  // no ':' before the end
            index += 1
            guard count <= tail.count - index else { return }
            if column >= 0 { body(column, UnsafeBufferPointer(rebasing: tail[index..<(index + count)])) }
            column += 1
            index += count
        }
    }
}

/// One line of a list part of the log's canonical form (an entry's fields or codes): its
/// UTF-8 bytes, counted and written without building a string for it.
protocol CanonicalLine {
    var canonicalByteCount: Int { get }
    func appendCanonicalBytes(to bytes: inout [UInt8])
}

extension String: CanonicalLine {
    var canonicalByteCount: Int { utf8.count }
    func appendCanonicalBytes(to bytes: inout [UInt8]) { bytes.appendUTF8(of: self) }
}

/// `field=permit` or `field=deny`, as `LogEntry(decision, at:)` writes a field's line.
extension FieldOutcome: CanonicalLine {
    var canonicalByteCount: Int { field.utf8.count + 1 + outcome.rawValue.utf8.count }
    func appendCanonicalBytes(to bytes: inout [UInt8]) {
        bytes.appendUTF8(of: field)
        bytes.append(UInt8(ascii: "="))
        bytes.appendUTF8(of: outcome.rawValue)
    }
}

extension ReasonCode: CanonicalLine {
    var canonicalByteCount: Int { rawValue.utf8.count }
    func appendCanonicalBytes(to bytes: inout [UInt8]) { bytes.appendUTF8(of: rawValue) }
}

extension [UInt8] {
    /// Appends `text`'s UTF-8 bytes as one copy. `append(contentsOf: text.utf8)` took about
    /// 190 instructions for a short id, and a logged decision of ten fields appends some thirty.
    mutating func appendUTF8(of text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { append(contentsOf: $0) }
        if copied == nil { append(contentsOf: text.utf8) }
    }
}
