import CustosPolicy

/// The keys one documented object of a batch line may have, for `BatchLineReader`: interned,
/// to be found in any order, and each also held as the bytes `"key":` that a compact writer
/// puts before its value, in three words with masks. The key the reader expects next is then
/// recognised with three loads and three comparisons, instead of a scan for the string's end, a
/// comparison of its bytes and a look for the colon: keys were a tenth of a batch line's cost.
///
/// Sound because no documented key holds a quote, a backslash or a control character (a test
/// holds that): bytes equal to `"key":` can only be that key, unescaped, and its colon.
///
/// ```swift
/// let keys = ObjectKeys(["actor", "action"])
/// keys.compactKey(from: 0, at: cursor)   // (0, 8) when the 24 bytes at cursor begin with "actor":
/// ```
final class ObjectKeys: @unchecked Sendable {
    /// The keys by position, looked up by their bytes.
    let names: Interner
    /// Written once, here, and only read afterwards (as `Interner`'s table, for the same reason:
    /// no reference count is touched by the threads of a batch).
    private let patterns: UnsafeMutablePointer<Pattern>

    private struct Pattern {
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0), masks: (UInt64, UInt64, UInt64) = (0, 0, 0)
        /// The bytes from the opening quote through the colon; 0 for a key too long for the window.
        var length = 0
    }

    /// The bytes `compactKey` reads at the cursor.
    static let window = 24  // every documented key of up to 21 bytes

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
                pattern.words = padded.withUnsafeBytes { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                                                          $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) }
                pattern.masks = mask.withUnsafeBytes { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                                                        $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) }
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
        let first8 = cursor.loadUnaligned(as: UInt64.self), second8 = cursor.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            third8 = cursor.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        var position = first
        while position < count {
            let pattern = patterns[position]
            if pattern.length > 0, first8 & pattern.masks.0 == pattern.words.0, second8 & pattern.masks.1 == pattern.words.1,
               third8 & pattern.masks.2 == pattern.words.2 {
                return (position, pattern.length)
            }
            position += 1
        }
        return nil
    }
}
