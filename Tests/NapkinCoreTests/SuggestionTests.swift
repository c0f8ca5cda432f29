import Foundation
@testable import NapkinCore
import Testing
import TestSupport

/// Did-you-mean answers are worked out fast (a bounded table, letters as numbers, names filed by
/// length and letter bits: `NearNames`); they must be the answers of the plain definition.
@Suite("Did-you-mean suggestions")
struct SuggestionTests {
    /// The definition, written plainly: optimal string alignment distance on lowered letters
    /// (Characters, compared as Swift compares them), names of about the same length only, the
    /// closest first and then by name; a case-only difference alone when there is one.
    static func reference(_ name: String, _ candidates: [String], limit: Int = 3) -> [String] {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a.lowercased()), b = Array(b.lowercased())
            if a.isEmpty { return b.count }
            if b.isEmpty { return a.count }
            var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in 0...a.count { d[i][0] = i }
            for j in 0...b.count { d[0][j] = j }
            for i in 1...a.count {
                for j in 1...b.count {
                    d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
                }
            }
            return d[a.count][b.count]
        }
        let length = name.count
        let most = length <= 2 ? 0 : length <= 5 ? 1 : 2
        var scored = candidates.filter { abs($0.count - length) <= most }.map { (distance(name, $0), $0) }.filter { $0.0 <= most }
        scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        if let best = scored.first, best.0 == 0 { scored = scored.filter { $0.0 == 0 } }
        var seen = Set<String>()
        return Array(scored.compactMap { seen.insert($0.1).inserted ? $0.1 : nil }.prefix(limit))
    }

    /// Letters that test the shortcuts: ASCII in both cases, letters whose composed and
    /// decomposed forms are one Character (é), signs equal to a letter (the Kelvin sign is K,
    /// the ångström sign is Å), Greek, letters whose numbers share bits modulo 64, and a carriage
    /// return that joins a line feed after it into one Character.
    static let letters: [String] = ["a", "b", "c", "e", "h", "k", "K", "w", "W", "_", "1", "2", "é", "e\u{301}",
                                    "\u{212A}", "\u{212B}", "Å", "å", "µ", "μ", "Ω", "\u{2126}", "ω", "A", "!", "a\u{300}", "\r", "\n"]

    static func name(_ rng: inout SplitMix64, length: Int) -> String {
        String((0..<length).map { _ in rng.pick(letters) }.joined())
    }

    @Test("the same answers as the plain definition, on generated names and their near misses")
    func sameAsDefinition() {
        var rng = SplitMix64(state: 17)
        for round in 0..<60 {
            var names = (0..<120).map { _ in SuggestionTests.name(&rng, length: 1 + rng.below(9)) }
            // Near misses of some of them: a letter changed, dropped, added or two swapped.
            for _ in 0..<60 {
                var letters = Array(rng.pick(names))
                switch rng.below(4) {
                case 0: letters[rng.below(letters.count)] = Character(rng.pick(SuggestionTests.letters))
                case 1 where letters.count > 1: letters.remove(at: rng.below(letters.count))
                case 2: letters.insert(Character(rng.pick(SuggestionTests.letters)), at: rng.below(letters.count + 1))
                default:
                    if letters.count > 1 { let i = rng.below(letters.count - 1); letters.swapAt(i, i + 1) }
                }
                names.append(String(letters))
            }
            let near = NearNames(names)
            for q in 0..<40 {
                let word = q % 2 == 0 ? rng.pick(names) : SuggestionTests.name(&rng, length: 1 + rng.below(9))
                let expected = SuggestionTests.reference(word, names)
                #expect(suggestions(for: word, among: names) == expected, "round \(round): \(word.debugDescription)")
                #expect(near.suggestions(for: word) == expected, "round \(round): \(word.debugDescription)")
                #expect(near.hasSuggestion(for: word) == !expected.isEmpty, "round \(round): \(word.debugDescription)")
            }
        }
    }

    @Test("a bounded distance is exact up to its bound and says only 'more' past it")
    func boundedDistance() {
        var rng = SplitMix64(state: 5)
        for _ in 0..<2000 {
            let a = Array(SuggestionTests.name(&rng, length: rng.below(8)).lowercased())
            let b = Array(SuggestionTests.name(&rng, length: rng.below(8)).lowercased())
            let full = osaDistance(a, b, atMost: Int.max - 1)
            for bound in 0...3 {
                #expect(osaDistance(a, b, atMost: bound) == min(full, bound + 1))
            }
        }
        #expect(editDistance("alpah", "alpha") == 1)
        #expect(editDistance("\u{212A}Wh", "kwh") == 0, "the Kelvin sign is a K")
    }

    /// Found by review: a suggestion was quoted in full, however long (a pasted 100,000-letter
    /// name filled the terminal); it is cut as the misspelt name is.
    @Test("a very long suggestion is quoted cut, as the name it stands for")
    func longSuggestionIsCut() {
        let long = String(repeating: "a", count: 100_000)
        let note = didYouMean(String(repeating: "a", count: 99_999) + "b", among: [long, "b"])
        #expect(note.count == 1 && note[0].count < 120 && note[0].contains("(100000 characters)"), "\(note.map { $0.prefix(200) })")
        #expect(didYouMean("pue_industr", among: ["pue_industry"]) == ["did you mean 'pue_industry'?"])
    }
}
