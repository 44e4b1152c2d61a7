import Foundation
import Synchronization
import CustosDecision

/// Subjects' facts and the ciphertexts a read asked for, kept while the vault's fact
/// generation stands. Each gated read commits its log entry, and a commit empties every
/// reader's page cache, so without it every read's facts came from the file again. An entry
/// serves only a read that finds, in its own snapshot, the generation the entry was read at:
/// every change to any table a decision reads gives `fact_generation` a fresh number in the
/// same transaction (vault schema v19), in this process or another, so a withdrawn consent, a
/// new objection or an erasure reaches the very next read as it did without the cache.
///
/// ```swift
/// let cache = FactCache(capacity: 4_096)
/// if let kept = cache.kept("D-1", fields: ["email"]), kept.generation == now { return (kept.facts, kept.ciphertexts) }
/// cache.remember(facts, ciphertexts: read, of: "D-1", fields: ["email"], generation: readAt)  // the same snapshot's generation
/// ```
final class FactCache: Sendable {
    private struct Entry {
        var facts: Facts
        var ciphertexts: [String: Data]
        /// The fields whose ciphertexts were asked for, as asked (those found are in
        /// `ciphertexts`).
        var asked: [String]
        var fields: Set<String>
    }

    private struct Contents {
        /// The generation every entry was read at; nil when empty.
        var generation: Int64?
        var entries: [String: Entry] = [:]
    }

    /// In sixteen parts by subject (`ShardedMutex`), each with its own generation: an entry
    /// still serves only the generation it was read at.
    private let contents = ShardedMutex { Contents() }
    private let capacityPerPart: Int

    init(capacity: Int) {
        capacityPerPart = max(1, capacity / ShardedMutex<Contents>.count)
    }

    /// The kept facts of `subject` and the ciphertexts of `fields`, with the generation they
    /// were read at, when at least those fields were asked for then; the caller compares the
    /// generation with its own snapshot's. One lock a read: all of the server's engine threads
    /// reading one subject meet on the part that holds it, and a second lock a read (a look
    /// whether the subject is kept, then the lookup) cost the server's gated reads about a
    /// quarter of their rate in `perf` and `wrk` under 64 connections.
    func kept(_ subject: String, fields: [String]) -> (generation: Int64, facts: Facts, ciphertexts: [String: Data])? {
        contents.withLock(for: subject) { contents in
            guard let generation = contents.generation, let entry = contents.entries[subject] else { return nil }
            // A service asks for the same fields of a purpose every time: the same list, the
            // same answer, without a lookup per field.
            if fields == entry.asked { return (generation, entry.facts, entry.ciphertexts) }
            guard fields.allSatisfy(entry.fields.contains) else { return nil }
            var asked = [String: Data](minimumCapacity: fields.count)
            for field in fields { asked[field] = entry.ciphertexts[field] }
            return (generation, entry.facts, asked)
        }
    }

    /// Drops what is kept of `subject`: a read found it gone from the vault (erased), and
    /// nothing of an erased subject stays in memory longer than the read that saw it go.
    func forget(_ subject: String) {
        contents.withLock(for: subject) { _ = $0.entries.removeValue(forKey: subject) }
    }

    /// Keeps what one snapshot read, with that snapshot's generation. A generation other than
    /// the entries' empties the cache first: the entries read at the newer one are the ones
    /// the next reads can use (an older one only costs the next read a miss).
    func remember(_ facts: Facts, ciphertexts: [String: Data], of subject: String, fields: [String], generation: Int64) {
        let capacity = capacityPerPart
        contents.withLock(for: subject) { contents in
            if contents.generation != generation || contents.entries.count >= capacity { contents = Contents(generation: generation) }
            contents.entries[subject] = Entry(facts: facts, ciphertexts: ciphertexts, asked: fields, fields: Set(fields))
        }
    }
}
