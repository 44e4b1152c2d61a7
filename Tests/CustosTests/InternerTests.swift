import CustosPolicy
import CustosTestSupport
import Testing

/// The interner hashes and compares names in words that may overlap: every length, from the
/// empty name to several words, must find its own id and no other.
struct InternerTests {
    @Test func everyNameFindsItsIdAndNoNearMissDoes() {
        var random = SplitMix64(seed: 0x1D5)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz-_0123456789".utf8)
        var names: [String] = []
        for length in 0...40 {
            for _ in 0..<3 {
                names.append(String(decoding: (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }, as: UTF8.self))
            }
        }
        let interner = Interner(names)
        for name in names {
            let found = interner.id(name)
            // A repeated name keeps its first declaration's id.
            #expect(found == names.firstIndex(of: name), "\(name)")
            var bytes = Array(name.utf8)
            guard !bytes.isEmpty else { continue }
            // One byte changed, at every position: another name, unless it happens to be declared.
            for position in bytes.indices {
                let original = bytes[position]
                bytes[position] = original == UInt8(ascii: "~") ? UInt8(ascii: "!") : UInt8(ascii: "~")
                #expect(interner.id(String(decoding: bytes, as: UTF8.self)) == nil)
                bytes[position] = original
            }
            // A prefix and an extension are other names too.
            let prefix = String(decoding: bytes.dropLast(), as: UTF8.self)
            #expect(interner.id(prefix) == names.firstIndex(of: prefix))
            #expect(interner.id(name + "~") == nil)
        }
    }
}
