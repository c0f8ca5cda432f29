import Testing
@testable import NapkinInstruments
import TestSupport

/// `terminalColumns` measures most text scalar by scalar from a table, and falls back to
/// characters (grapheme clusters) where a cluster's width is not the sum of its scalars'. Both
/// ways must agree on any text: random strings of the scalars where they could differ.
@Suite("Terminal columns: the table agrees with characters")
struct TerminalColumnsTests {
    /// ASCII, controls, colour escapes, combining and spacing marks, format characters (zero-width
    /// joiner and non-joiner, the emoji variation selector), Malayalam's prepended dot reph,
    /// box drawing, blocks, braille, symbols drawn as emoji (⚡) or not (☀), CJK, Hangul jamo,
    /// emoji and their modifiers, regional indicators.
    static let pool: [String] = [
        "a", "Z", " ", "~", "m", "[", "\n", "\r", "\t", "\u{7F}", "\u{1B}", "\u{1B}[1m", "\u{1B}[0m", "\u{301}", "\u{20DD}",
        "\u{903}", "क", "ि", "\u{200D}", "\u{200C}", "\u{FE0F}", "\u{FE0E}", "\u{0D4E}", "ന", "─", "█", "▏", "⠿", "⚡", "☀",
        "✓", "→", "≤", "°", "µ", "é", "Ω", "数", "据", "\u{1100}", "\u{1161}", "\u{11A8}", "🔒", "👍", "\u{1F3FD}", "\u{1F1EB}",
        "\u{1F1F7}", "\u{600}", "٣", "\u{AD}", "\u{2028}", "\u{2060}", "…", "×", "·",
        // Letters joined into one character by a virama or a spacing vowel: क्ष, กำ, ຳ, Myanmar.
        "\u{094D}", "ष", "ক", "\u{09CD}", "ก", "\u{0E33}", "\u{0EB3}", "က", "\u{1039}", "\u{103A}",
    ]

    @Test("random text measures the same by table and by characters")
    func agrees() {
        var r = SplitMix64(state: 17)
        for _ in 0..<20_000 {
            let n = Int(r.next() % 8)
            let s = (0..<n).map { _ in r.pick(Self.pool) }.joined()
            #expect(terminalColumns(s) == terminalColumnsByCharacter(s), "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test("random scalars from the table's ranges and the scripts it leaves out measure the same")
    func randomScalars() {
        var r = SplitMix64(state: 29)
        let ranges: [Range<UInt32>] = [0x20..<0x0900, 0x0900..<0x1100, 0x2000..<0x2E80]
        for _ in 0..<20_000 {
            var s = ""
            for _ in 0..<(1 + r.below(4)) {
                let range = r.pick(ranges)
                if let u = Unicode.Scalar(range.lowerBound + UInt32(r.below(Int(range.count)))) { s.unicodeScalars.append(u) }
            }
            #expect(terminalColumns(s) == terminalColumnsByCharacter(s), "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test("every scalar the table covers measures as its character does")
    func table() {
        for v in UInt32(0)..<0x2E80 where v < 0x1100 || v >= 0x2000 {
            guard let u = Unicode.Scalar(v), let w = ScalarColumns.width(v) else { continue }
            #expect(w == terminalColumns(of: Character(u)), "U+\(String(v, radix: 16))")
        }
    }
}
