@testable import Custos
import CustosTestSupport
import Testing

/// A batch reader takes repeated values from its recent strings instead of making them again:
/// whatever the table holds, evicts or confuses, the string it gives must be the one the bytes
/// spell.
struct RecentStringsTests {
    @Test func everyStringIsTheOneItsBytesSpell() {
        let recent = RecentStrings()
        var random = SplitMix64(seed: 0x57_2026)
        // A small alphabet and lengths around the table's limit: many repeats, many values of
        // one length sharing their first and last bytes, some not UTF-8, some too long to keep.
        let alphabet: [UInt8] = Array("ab-_P".utf8) + [0xC3, 0xA9, 0xFF]
        var checked = 0
        for _ in 0..<60_000 {
            let length = Int.random(in: 0...(RecentStrings.longest + 4), using: &random)
            var bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<3, using: &random)] }
            if Int.random(in: 0..<10, using: &random) == 0, !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
            }
            bytes.withUnsafeBufferPointer { raw in
                let expected = String(validating: raw, as: UTF8.self)
                let found = recent.string(raw, make: BatchLineReader.Reader.text)
                #expect(found == expected, "\(Array(raw)) read as \(String(describing: found))")
                if let found { #expect(Array(found.utf8) == Array(raw)) }
            }
            checked += 1
        }
        #expect(checked == 60_000)
    }

    @Test func aRepeatedValueIsNotMadeAgain() {
        let recent = RecentStrings()
        var made = 0
        let make: (UnsafeBufferPointer<UInt8>) -> String? = { made += 1; return BatchLineReader.Reader.text($0) }
        for value in ["collections-service", "P-DEBT-COLLECT", "email", "x"] {
            Array(value.utf8).withUnsafeBufferPointer { raw in
                #expect(recent.string(raw, make: make) == value)
                #expect(recent.string(raw, make: make) == value)
            }
        }
        #expect(made == 4, "each value made once, then found")
        // Too long to keep, or empty: made every time.
        let long = String(repeating: "n", count: RecentStrings.longest + 1)
        Array(long.utf8).withUnsafeBufferPointer { raw in
            #expect(recent.string(raw, make: make) == long)
            #expect(recent.string(raw, make: make) == long)
        }
        #expect(made == 6)
    }
}
