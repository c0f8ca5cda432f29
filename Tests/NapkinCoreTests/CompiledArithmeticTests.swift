import Testing
@testable import NapkinCore
import NapkinLibrary
import TestSupport

/// Optimised arithmetic (tapes on Doubles, inlined calls) must mean exactly what plain compiled
/// code means, where each operation is a closure calling the one rule (`arithmetic`, `binary`):
/// the same values, units and dimensions, and the same errors. Random expressions over leaves of
/// many dimensions, zeros and negative numbers are evaluated both ways, point by point.
@Suite("Optimised arithmetic matches plain code")
struct CompiledArithmeticTests {
    static let leaves = ["a", "b", "c", "a", "b", "2", "0", "(3 m)", "0.5", "1", "(2 s)", "hw.p", "hw.q", "k", "base", "(50 %)", "1e300", "(90 min)", "(2 kWh)"]
    static let operators = ["+", "-", "*", "/", "^", "*", "+"]

    static func expression(_ r: inout SplitMix64, depth: Int) -> String {
        if depth == 0 || r.next() % 4 == 0 { return r.pick(leaves) }
        if r.next() % 9 == 0 { return "-(\(expression(&r, depth: depth - 1)))" }
        let op = r.pick(operators)
        // Powers mostly of small plain exponents (so dimensions stay whole), sometimes anything.
        let rhs = op == "^" && r.next() % 3 != 0 ? r.pick(["2", "0.5", "3", "-1", "a"]) : expression(&r, depth: depth - 1)
        return "(\(expression(&r, depth: depth - 1)) \(op) \(rhs))"
    }

    /// Each point's values of a, b and c: several dimensions, zeros, negatives, a string.
    static let points = [
        ("2", "3", "4"), ("2 m", "3 m", "1 m"), ("0", "5 m", "2"), ("-2", "0.5", "3 s"),
        ("1.5", "2", "2.5"), ("4 m", "0 m", "2 m"), ("\"x\"", "1", "2"), ("3", "3", "3"),
        ("90 min", "2", "30 min"), ("7200 s", "2", "600 s"), ("2 kWh", "1 kWh", "0.5"),
    ]

    func run(_ session: Session, _ line: String) -> String {
        var out: [String] = []
        session.onResult = { out.append((try? session.interpreter.describe($0)) ?? "?") }
        do { try session.run(line, name: "<test>") } catch { out.append("error: \(error.message)") }
        return out.joined(separator: "\n")
    }

    @Test("random expressions, point by point", arguments: [1, 2, 3, 4])
    func randomExpressions(seed: UInt64) throws {
        let session = try Prelude.makeSession()
        // The engines' run-time errors are compared, so a definition that always fails must be
        // accepted (run refuses it by default: DimensionChecker).
        session.checksDefinitions = false
        try session.run("""
        let hw = { p: 3 W, q: 0.25 }
        knob k = 2 in 0...10 "k"
        let base = 10 kg
        """, name: "<test>")
        var r = SplitMix64(state: seed)
        var compared = 0
        // Some chosen to carry display units through (a plain factor keeps `min`, two units drop it).
        let chosen = ["a * 2 * 3", "2 * a * 3", "a / 2 / 1", "a * b * 1", "(a + c) * 2 * 1", "-a * 2 * 1",
                      "a * (50 %) * 2", "(a - a) * b + c", "a * b / c * 2", "a ^ 2 / a * 1"]
        for n in 0..<60 {
            let e = n < chosen.count && seed == 1 ? chosen[n] : Self.expression(&r, depth: 4)
            // f is optimised (inlined into h, where the tape runs); g is a lambda made by a
            // top-level line that runs once, so its body is plain code.
            try session.run("""
            fn f\(n)(a, b, c) = \(e)
            let g\(n) = { let unused = 0; (a, b, c) => \(e) }
            let xs\(n) = [\(Self.points.map(\.0).joined(separator: ", "))]
            let ys\(n) = [\(Self.points.map(\.1).joined(separator: ", "))]
            let zs\(n) = [\(Self.points.map(\.2).joined(separator: ", "))]
            fn h\(n)(i) = f\(n)(xs\(n)[i], ys\(n)[i], zs\(n)[i])
            """, name: "<test>")
            for i in 0..<Self.points.count {
                // A function of its own per point, so its tape records this point's dimensions
                // (a tape keeps the dimensions of its first run); called twice, recording then reusing.
                try session.run("fn p\(n)_\(i)() = f\(n)(xs\(n)[\(i)], ys\(n)[\(i)], zs\(n)[\(i)])", name: "<test>")
                let walked = run(session, "g\(n)(xs\(n)[\(i)], ys\(n)[\(i)], zs\(n)[\(i)])")
                for call in ["p\(n)_\(i)()", "p\(n)_\(i)()", "h\(n)(\(i))"] {
                    let compiled = run(session, call)
                    #expect(compiled == walked, "\(e) at point \(i), \(call): compiled \(compiled), plain \(walked)")
                    compared += 1
                }
            }
            // One tape, first run at one unit, then the same dimension in another unit.
            try session.run("fn m\(n)(i) = f\(n)(xs\(n)[i], ys\(n)[i], zs\(n)[i])", name: "<test>")
            for i in [8, 9, 8] {
                let walked = run(session, "g\(n)(xs\(n)[\(i)], ys\(n)[\(i)], zs\(n)[\(i)])")
                let compiled = run(session, "m\(n)(\(i))")
                #expect(compiled == walked, "\(e) at point \(i) after another unit: compiled \(compiled), plain \(walked)")
            }
            // And inside a sweep (compiled statement, inlined call, spread-free).
            let swept = run(session, "sweep i 0...10 < v: h\(n)(i) >")
            let walkedSweep = run(session, "sweep i 0...10 < v: g\(n)(xs\(n)[i], ys\(n)[i], zs\(n)[i]) >")
            #expect(swept == walkedSweep, "\(e) swept")
        }
        #expect(compared == 1980)
    }
}
