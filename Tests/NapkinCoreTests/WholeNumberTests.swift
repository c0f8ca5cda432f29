import Testing
@testable import NapkinCore
import NapkinLibrary

/// A napkin number becomes an index, a count, an exponent or a grid position through
/// `Int(whole:)`: `Int(_:)` of a Double that is not finite or beyond Int traps, and each of
/// these inputs once crashed the session (found by a crash hunt).
@Suite("Whole numbers from napkin numbers")
struct WholeNumberTests {
    @Test("Int(whole:) takes whole numbers an Int holds exactly, and nothing else")
    func conversion() {
        #expect(Int(whole: 3) == 3)
        #expect(Int(whole: -0.0) == 0)
        #expect(Int(whole: 9_007_199_254_740_991) == 9_007_199_254_740_991)
        for x in [0.5, 9_007_199_254_740_992, 1e19, -9.3e18, 1e300, .infinity, -.infinity, .nan, 5e-324] {
            #expect(Int(whole: x) == nil, "\(x)")
        }
    }

    @Test("huge or tiny numbers where a whole number is wanted are errors, not traps", arguments: [
        ("column(sweep x 1...3 < x >, 1e19)", "column 1e19 does not exist"),
        ("column(sweep x 1...3 < x >, -9.3e18)", "column -9.3e18 does not exist"),
        ("[1, 2, 3][1e19]", "an index is a whole number"),
        ("(1 m)^1e-19", "would need a fractional exponent"),
        ("(1 m)^5e-324", "would need a fractional exponent"),
        ("(1 m)^70", "dimension exponent out of range"),
        ("fn g(x: Length) = x^1e-19\ng(1 m)", "would need a fractional exponent"),
        ("knob k = 0 in 0...1e300 step 1 \"k\"\nk = 5.5", "is between settings"),
        ("knob k = 0 in 0...1e308 step 3 \"k\"\nk = 1", "is between settings"),
    ])
    func errors(_ source: String, _ message: String) throws {
        let s = try Prelude.makeSession()
        let error = #expect(throws: NapkinError.self) { try s.run(source, name: "<whole>") }
        #expect(error?.message.contains(message) == true, "\(source): \(error?.message ?? "no error")")
    }

    @Test("the dimension checker reads x^p by the interpreter's rule, without running it")
    func checkerPowers() throws {
        let s = try Prelude.makeSession()
        // Defined, never called: the checker works out its dimension and must not trap.
        try s.run("fn tiny(x: Length) = x^1e-19\nfn square(x: Length) = x^2\nfn root(x: Area) = x^0.5", name: "<whole>")
        #expect(Dimension.none.raised(to: 1e-19) == .none)
        let length = Dimension.base(0)
        #expect(length.raised(to: 2) == length.power(2))
        #expect(length.power(2)!.raised(to: 0.5) == length)
        #expect(length.raised(to: 1e-19) == nil && length.raised(to: 0.3) == nil && length.raised(to: 70) == nil)
    }

    @Test("a stepped knob's grid too big to list is searched on a spread of its settings")
    func hugeGrid() throws {
        var k = KnobInfo(low: Quantity(0), high: Quantity(1e12))
        k.step = Quantity(1)
        #expect(k.stepCount == 1e12 + 1)
        let spread = try #require(k.stepSettings(atMost: 5))
        #expect(spread == [0, 2.5e11, 5e11, 7.5e11, 1e12], "\(spread)")
        #expect(k.stepSettings(atMost: 48)?.count == 48)
        k.high = Quantity(10)
        #expect(k.stepSettings(atMost: 48) == (0...10).map(Double.init))
        k.high = Quantity(1e300)
        #expect(k.snapped(5.4) == 5 && k.stepSettings(atMost: 3)?.count == 3)
    }
}
