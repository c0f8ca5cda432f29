import Foundation
import Testing
@testable import NapkinCore

@Suite("Number formatting")
struct FormatTests {
    @Test("significant digits", arguments: [
        (800.0 / 60, 4, "13.33"), (0.2222222, 4, "0.2222"), (0.504, 4, "0.504"), (800, 4, "800"), (12345, 4, "12345"),
        (1234567, 4, "1.235e6"), (1e-9, 4, "1e-9"), (3.14e23, 4, "3.14e23"), (0, 4, "0"), (-2.5, 4, "-2.5"),
        (2.0 / 3, 2, "0.67"), (2.0 / 3, 8, "0.66666667"), (9.99996, 4, "10"), (0.0001234, 4, "0.0001234"), (0.00001234, 4, "1.234e-5"),
    ] as [(Double, Int, String)])
    func significantDigits(_ x: Double, _ digits: Int, _ expected: String) {
        #expect(formatNumber(x, digits: digits) == expected)
    }

    /// NumberText replaced Foundation's String(format:) (six times slower) for every printed
    /// number and drawn tick: it must give the same text, for any Double and precision.
    @Test("NumberText writes what String(format:) writes")
    func numberTextMatchesFoundation() {
        var g = SystemRandomNumberGenerator()
        var xs: [Double] = [0, -0.0, 0.5, -0.5, 1.5, 2.5, 0.125, 1e300, -1e300, 5e-324, .greatestFiniteMagnitude,
                            0.0005, 0.0015, 999.9995, 9.99996, .nan, .infinity, -.infinity]
        for _ in 0..<3000 {
            // Any bit pattern, and everyday magnitudes with few digits (where rounding ties sit).
            xs.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g)))
            xs.append(Double(Int.random(in: -99999...99999, using: &g)) / [1, 8, 1000, 1e6].randomElement(using: &g)!)
        }
        var mismatches: [String] = []
        for x in xs {
            let p = Int.random(in: 0...17, using: &g)
            let pairs = [(NumberText.fixed(x, decimals: p), String(format: "%.\(p)f", x)),
                         (NumberText.scientific(x, decimals: p), String(format: "%.\(p)e", x)),
                         (NumberText.general(x, significant: p), String(format: "%.\(p)g", x))]
            for (mine, oracle) in pairs where mine != oracle { mismatches.append("\(x) at \(p): \(mine) vs \(oracle)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        // A fixed form longer than the first buffer is written whole.
        #expect(NumberText.fixed(1e300, decimals: 2).count == 304)
        #expect(NumberText.trimmed(-0.0001, decimals: 2) == "0")
        #expect(NumberText.trimmed(2.50, decimals: 3) == "2.5")
        #expect(NumberText.trimmed(300, decimals: 0) == "300")
    }

    @Test("non-finite values print visibly")
    func nonFinite() {
        #expect(formatNumber(.nan, digits: 4) == "NaN")
        #expect(formatNumber(-.infinity, digits: 4) == "-∞")
    }
}

@Suite("Dimensions")
struct DimensionTests {
    @Test("multiply, divide, power and root")
    func algebra() {
        let length = Dimension.base(0), time = Dimension.base(2)
        let speed = length.over(time)!
        #expect(speed.times(time) == length)
        #expect(length.power(2)!.root(2) == length)
        #expect(length.root(2) == nil)
        #expect(length.power(101) == nil)
    }

    @Test("packed byte arithmetic agrees with lane-by-lane arithmetic, and rejects exponents past ±60")
    func packedArithmetic() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var a = SIMD16<Int8>.zero, b = SIMD16<Int8>.zero
            for i in 0..<16 {
                a[i] = Int8.random(in: -60...60, using: &rng)
                b[i] = Int8.random(in: -60...60, using: &rng)
            }
            let sum = (0..<16).map { Int(a[$0]) + Int(b[$0]) }, diff = (0..<16).map { Int(a[$0]) - Int(b[$0]) }
            let x = Dimension(exponents: a), y = Dimension(exponents: b)
            if sum.allSatisfy({ abs($0) <= 60 }) {
                #expect(x.times(y).map { d in (0..<16).map { i in Int(d.exponents[i]) } } == sum)
            } else {
                #expect(x.times(y) == nil)
            }
            if diff.allSatisfy({ abs($0) <= 60 }) {
                #expect(x.over(y).map { d in (0..<16).map { i in Int(d.exponents[i]) } } == diff)
            } else {
                #expect(x.over(y) == nil)
            }
        }
        #expect(Dimension.none.isNone && !Dimension.base(15).isNone)
    }
}

@Suite("Error rendering")
struct ErrorRenderingTests {
    @Test("location, source line and a caret span under the culprit")
    func caret() {
        let file = SourceFile(name: "lab.lab", text: "let a = 1\n2 W + 3 J\n")
        let e = NapkinError(.dimension, "cannot add Power and Energy", at: Span(14, 15, file: file), label: "Power vs Energy")
        #expect(e.location == "lab.lab:2:5")
        #expect(e.render() == """
        dimension error: cannot add Power and Energy
         --> lab.lab:2:5
          |
        2 | 2 W + 3 J
          |     ^ Power vs Energy

        """)
    }

    @Test("exit codes by phase")
    func exitCodes() {
        #expect(Phase.parse.exitCode == 65)
        #expect(Phase.name.exitCode == 65)
        #expect(Phase.dimension.exitCode == 65)
        #expect(Phase.runtime.exitCode == 70)
        #expect(Phase.assertion.exitCode == 70)
    }

    @Test("did-you-mean finds near misses, not every short name")
    func suggestionsAreNear() {
        #expect(suggestions(for: "powr", among: ["power", "POP", "x"]) == ["power"])
        #expect(suggestions(for: "x", among: ["A", "B", "%"]).isEmpty)
        #expect(suggestions(for: "kwh", among: ["kWh", "Wh"]).first == "kWh")
    }
}

@Suite("The terminal gate")
struct TerminalGateTests {
    @Test("napkin's own styling passes; every other control arrives made visible", arguments: [
        ("plain ✓ text\n\twith µ", "plain ✓ text\n\twith µ"),
        ("\u{1B}[1;31mred\u{1B}[0m", "\u{1B}[1;31mred\u{1B}[0m"),
        ("\u{1B}[H\u{1B}[2Jslide", "\u{1B}[H\u{1B}[2Jslide"),
        ("a\u{1B}[H\u{1B}[2Jb", "a␛[H␛[2Jb"),
        ("\u{1B}]0;pwned\u{7}", "␛]0;pwned␇"),
        ("x\ry\u{0}z\u{7F}", "x␍y␀z␡"),
        ("\u{1B}[31", "␛[31"),
        ("\u{9B}2J \u{202E}rtl\u{2066}", "<U+009B>2J <U+202E>rtl<U+2066>"),
    ])
    func gate(_ input: String, _ expected: String) {
        #expect(Sanitized.terminal(input) == expected)
    }
}
