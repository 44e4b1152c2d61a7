import CustosPolicy

/// The keys one documented object of a batch line may have, for `BatchLineReader`: interned,
/// to be found in any order, and each also held as the bytes `"key":` that a compact writer
/// puts before its value, in two words with masks. The key the reader expects next is then
/// recognised with two loads and two comparisons, instead of a scan for the string's end, a
/// comparison of its bytes and a look for the colon: keys were a tenth of a batch line's cost.
///
/// Sound because no documented key holds a quote, a backslash or a control character (a test
/// holds that): bytes equal to `"key":` can only be that key, unescaped, and its colon.
///
/// ```swift
/// let keys = ObjectKeys(["actor", "action"])
/// keys.compactKey(from: 0, at: cursor)   // (0, 8) when the 16 bytes at cursor begin with "actor":
/// ```
final class ObjectKeys: @unchecked Sendable {
    /// The keys by position, looked up by their bytes.
    let names: Interner
    /// Written once, here, and only read afterwards (as `Interner`'s table, for the same reason:
    /// no reference count is touched by the threads of a batch).
    private let patterns: UnsafeMutablePointer<Pattern>

    private struct Pattern {
        var low: UInt64 = 0, high: UInt64 = 0, lowMask: UInt64 = 0, highMask: UInt64 = 0
        /// The bytes from the opening quote through the colon; 0 for a key too long for two words.
        var length = 0
    }

    /// The bytes `compactLength` reads at the cursor.
    static let window = 16

    init(_ keys: [String]) {
        names = Interner(keys)
        count = keys.count
        patterns = .allocate(capacity: max(keys.count, 1))
        for (position, key) in keys.enumerated() {
            let bytes = [UInt8(ascii: "\"")] + Array(key.utf8) + [UInt8(ascii: "\""), UInt8(ascii: ":")]
            var pattern = Pattern()
            if bytes.count <= Self.window {
                let padded = bytes + [UInt8](repeating: 0, count: Self.window - bytes.count)
                let mask = [UInt8](repeating: 0xFF, count: bytes.count) + [UInt8](repeating: 0, count: Self.window - bytes.count)
                padded.withUnsafeBytes { pattern.low = $0.loadUnaligned(as: UInt64.self); pattern.high = $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
                mask.withUnsafeBytes { pattern.lowMask = $0.loadUnaligned(as: UInt64.self); pattern.highMask = $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
                pattern.length = bytes.count
            }
            (patterns + position).initialize(to: pattern)
        }
    }

    deinit { patterns.deallocate() }

    /// The number of keys, kept apart from `names` so the scan reads no other object.
    let count: Int

    /// The first key at `first` or after it whose `"key":` the `window` bytes at `cursor` begin
    /// with, and that length; nil when none does. The caller makes sure `window` bytes are there.
    @inline(__always)
    func compactKey(from first: Int, at cursor: UnsafeRawPointer) -> (position: Int, length: Int)? {
        let low = cursor.loadUnaligned(as: UInt64.self), high = cursor.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        var position = first
        while position < count {
            let pattern = patterns[position]
            if pattern.length > 0, low & pattern.lowMask == pattern.low, high & pattern.highMask == pattern.high {
                return (position, pattern.length)
            }
            position += 1
        }
        return nil
    }
}
