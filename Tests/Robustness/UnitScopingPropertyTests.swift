import Foundation
import NapkinCore
import NapkinLibrary
import TestSupport
import Testing

/// Properties of issue 12 on thousands of generated expressions (SplitMix64 names each case):
/// a name bound in scope is never taken into a unit, so no product changes value with the order
/// of its factors, a line break or parentheses around a literal, on every path an expression
/// can run (a plain top-level line, a compiled sweep, compiled and inlined calls, a sweep spread
/// over cores);
/// and every printed result reads back to the same value and dimension.
@Suite("Names, units and read-back (properties)")
struct UnitScopingPropertyTests {
    /// Names that are also units or look like them: ML formulas use exactly these.
    static let names = ["N", "D", "B", "V", "W", "K", "h", "s", "L", "g", "m", "J", "min", "tokens", "samples", "params",
                        "hours", "bytes", "flops", "bit", "day", "Hz", "A", "token", "sample", "kg", "T", "Gb"]
    /// Values a name is bound to: plain numbers and quantities.
    static let values = ["3", "70e9", "1.4e12", "0.25", "24 h", "1e9 token", "2 GB", "700 W", "5 m", "12 kg", "3 J/token", "8 bit"]
    /// Literals that may stand among the factors.
    static let literals = ["6 FLOP", "0.3 J/token", "700 W", "2 h", "10 Gbit/s", "3 kg", "5 m/s", "1.5 kWh", "4 B", "2 min"]

    /// The names in a piece of source (unit names among them).
    static func words(_ text: String) -> Set<String> {
        Set(text.split { !($0.isLetter || $0 == "_") }.map(String.init))
    }

    /// The value and dimension a program's last expression gives, or the error's message.
    static func evaluate(_ source: String, in session: Session) -> String {
        var last: Value?
        session.onResult = { last = $0 }
        do {
            try session.run(source, name: "<property>")
        } catch {
            return "error: \(error.message)"
        }
        guard case .quantity(let q)? = last else { return "not a quantity" }
        return "\(String(format: "%.9e", q.value)) \(session.interpreter.units.name(of: q.dim))"
    }

    static func sameNumber(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let pa = a.split(separator: " ", maxSplits: 1), pb = b.split(separator: " ", maxSplits: 1)
        guard pa.count == pb.count, let x = Double(pa[0]), let y = Double(pb[0]) else { return false }
        if pa.count == 2, pa[1] != pb[1] { return false }
        return abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    }

    @Test("factor order, line breaks and parentheses never change a product, on every path")
    func productsCommute() {
        var rng = SplitMix64(state: 0x12_12_12)
        var failures: [String] = []
        var checked = 0
        for case_ in 0..<400 {
            // Bind two or three distinct names, then multiply them with one or two literals.
            var names: [String] = []
            while names.count < 2 + rng.below(2) {
                let n = rng.pick(Self.names)
                if !names.contains(n) { names.append(n) }
            }
            // A bound name is no unit after its definition (`2 h` is refused once h is a value),
            // so values and literals are drawn from those that do not use one.
            let free = { (text: String) in Self.words(text).isDisjoint(with: names) }
            let values = Self.values.filter(free), literals = Self.literals.filter(free)
            guard !values.isEmpty, !literals.isEmpty else { continue }
            let bound = names.map { ($0, rng.pick(values)) }
            var factors = names
            for _ in 0..<(1 + rng.below(2)) { factors.append(rng.pick(literals)) }
            let lets = bound.map { "let \($0.0) = \($0.1)" }.joined(separator: "\n")
            var variants: [String] = []
            for _ in 0..<4 {
                var f = factors
                f.shuffle(using: &rng)
                variants.append(f.joined(separator: " * "))
                // Parentheses around every literal; a line break after an operator.
                variants.append(f.map { Self.literals.contains($0) ? "(\($0))" : $0 }.joined(separator: " * "))
                variants.append(f.joined(separator: " *\n  "))
            }
            let reference: String = PreludeBase.shared.withSession { Self.evaluate(lets + "\n" + factors.joined(separator: " * "), in: $0) }
            if reference.hasPrefix("error") || reference == "not a quantity" {
                failures.append("case \(case_): \(lets) ; \(factors.joined(separator: " * ")) → \(reference)")
                continue
            }
            let params = bound.map(\.0).joined(separator: ", "), args = bound.map(\.1).joined(separator: ", ")
            for v in variants {
                // A plain top-level line, a compiled sweep, a compiled function, and a call inlined into a sweep.
                let programs = [
                    (lets + "\n" + v, 1.0),
                    (lets + "\nsum(sweep k 1...2 < \(v) >)", 2.0),
                    ("fn f(\(params)) = \(v)\nf(\(args))", 1.0),
                    ("fn f(\(params)) = \(v)\nsum(sweep k 1...3 < f(\(args)) >)", 3.0),
                ]
                for (p, scale) in programs {
                    let got: String = PreludeBase.shared.withSession { Self.evaluate(p, in: $0) }
                    checked += 1
                    let parts = reference.split(separator: " ", maxSplits: 1)
                    let expected = String(format: "%.9e", Double(parts[0])! * scale) + (parts.count == 2 ? " " + parts[1] : "")
                    if !Self.sameNumber(got, expected) {
                        failures.append("case \(case_): expected \(expected), got \(got) for:\n\(p)")
                    }
                }
            }
        }
        #expect(checked >= 10_000)
        #expect(failures.isEmpty, "\(failures.count) of \(checked) evaluations differ:\n\(failures.prefix(5).joined(separator: "\n\n"))")
    }

    @Test("a sweep spread over cores binds its variables exactly as one core does")
    func parallelSweepsBindNames() throws {
        let program = """
        let N = 70e9
        fn cost(hours, s) = 700 W * hours * s + N * 0 W
        sum(sweep hours 1...150 < sum(sweep s 1...80 < cost(hours, s) + 700 W * hours * s >) >)
        """
        func run(cores: Int) throws -> (String, Int) {
            let session = try Prelude.makeSession()
            session.interpreter.cores = cores
            var out: [String] = []
            session.onResult = { out.append((try? session.interpreter.describe($0)) ?? "?") }
            try session.run(program, name: "<parallel>")
            return (out.joined(separator: "\n"), session.interpreter.spreadSweeps)
        }
        let (one, _) = try run(cores: 1)
        let (two, spread) = try run(cores: 2)
        #expect(spread > 0)
        #expect(one == two)
        // Σ over hours and s of 2 × 700 W × hours × s, with hours and s plain numbers (bound,
        // not units): 1400 W × (150·151/2) × (80·81/2), a power.
        let expected: Double = 1400.0 * Double(150 * 151 / 2) * Double(80 * 81 / 2)
        let session = try Prelude.makeSession()
        var shown = ""
        session.onResult = { shown = (try? session.interpreter.describe($0)) ?? "" }
        try session.run("\(expected) W", name: "<expected>")
        #expect(one == shown)
    }

    @Test("a closure reads its names as bound where it is written, on every path: a later let never changes its answer")
    func closuresReadWhereWritten() {
        var rng = SplitMix64(state: 0xC10_5E5)
        var failures: [String] = []
        var checked = 0, agreedErrors = 0
        for case_ in 0..<300 {
            // Some names bound before the closure, the closure's body a product of names and a
            // literal, then lets that rebind names it reads (and names it read as units).
            var before: [String] = []
            while before.count < 1 + rng.below(3) {
                let n = rng.pick(Self.names)
                if !before.contains(n) { before.append(n) }
            }
            let bodyNames = (0..<(1 + rng.below(3))).map { _ in rng.chance(0.7) ? rng.pick(before) : rng.pick(Self.names) }
            let free = { (text: String) in Self.words(text).isDisjoint(with: Set(Self.names)) }
            let values = Self.values.filter(free), literals = Self.literals.filter(free)
            let body = (bodyNames + [rng.pick(literals)]).joined(separator: " * ")
            let first = before.map { "let \($0) = \(rng.pick(values))" }.joined(separator: "; ")
            let later = (bodyNames + [rng.pick(Self.names)]).map { "let \($0) = \(rng.pick(values))" }.joined(separator: "; ")
            // The closure made, called before and after the later lets; against the body's value
            // read in place where the closure is written.
            let forms = [
                ("let f = () => \(body); let a = f()", "f()"),
                ("let f = q => q * \(body); let a = f(1)", "f(1)"),
                ("fn f() = \(body); let a = f()", "f()"),
            ]
            for (make, call) in forms {
                let withClosure = "{ \(first); \(make); \(later); [a, \(call)] }"
                let inPlace = "{ \(first); let a = \(body); \(later); [a, a] }"
                let programs = [
                    (withClosure, inPlace),
                    ("fn g() = \(withClosure)\ng()", "fn g() = \(inPlace)\ng()"),
                    ("fn g() = \(withClosure)\nsum(sweep k 1...3 < g()[1] >)", "fn g() = \(inPlace)\nsum(sweep k 1...3 < g()[1] >)"),
                ]
                for (p, reference) in programs {
                    let got: String = PreludeBase.shared.withSession { Self.describe(p, in: $0) }
                    let expected: String = PreludeBase.shared.withSession { Self.describe(reference, in: $0) }
                    checked += 1
                    if got.hasPrefix("error"), expected.hasPrefix("error") { agreedErrors += 1; continue }
                    if got != expected { failures.append("case \(case_): expected \(expected), got \(got) for:\n\(p)") }
                }
            }
        }
        #expect(checked >= 2_500)
        // Most cases run: the generator must not only make programs both forms refuse.
        #expect(agreedErrors * 2 < checked, "\(agreedErrors) of \(checked) cases were errors")
        print("closures: \(checked) cases, \(agreedErrors) refused by both forms")
        let differing = failures.count
        #expect(differing == 0, "\(differing) of \(checked) closures read a name otherwise:\n\(failures.prefix(5).joined(separator: "\n\n"))")
    }

    @Test("every string and record key napkin prints inside a list or record reads back as itself")
    func printedStringsReadBack() {
        // Characters that need care: quotes, backslashes, braces, line breaks, controls a
        // terminal acts on (ESC, NUL, DEL, C1, bidi overrides), and ordinary non-ASCII.
        let pool: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "{", "}", "\n", "\t", "\r", "\u{0}", "\u{7}", "\u{1B}", "\u{7F}",
                                      "\u{85}", "\u{9F}", "\u{202E}", "\u{2066}", "\u{200F}", "µ", "²", "\u{1F600}", "'", "x"]
        var rng = SplitMix64(state: 0x57_12_16)
        var failures: [String] = []
        var checked = 0
        for case_ in 0..<300 {
            let scalars = (0..<(1 + rng.below(8))).map { _ in rng.pick(pool) }
            // Written the one way that needs no escaping rule of napkin's: every character by code point.
            let source = "\"" + scalars.map { "\\u{" + String($0.value, radix: 16) + "}" }.joined() + "\""
            let original = "[\(source), { \(source): \(source) }]"
            let verdict: String = PreludeBase.shared.withSession { session in
                let printed = Self.describe(original, in: session)
                if printed.hasPrefix("error") { return "\(original) → \(printed)" }
                let same = Self.describe("\(original) == \(printed)", in: session)
                return same == "true" ? "ok" : "\(original) printed \(printed), which reads back otherwise: \(same)"
            }
            checked += 1
            if verdict != "ok" { failures.append("case \(case_): \(verdict)") }
        }
        let differing = failures.count
        #expect(differing == 0, "\(differing) of \(checked) strings do not read back:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    /// A program's last result as printed, or its error's message.
    static func describe(_ source: String, in session: Session) -> String {
        var last = "nothing"
        session.onResult = { last = (try? session.interpreter.describe($0)) ?? "?" }
        do {
            try session.run(source, name: "<property>")
        } catch {
            return "error: \(error.message)"
        }
        return last
    }

    /// Units of many dimensions, compound ones and reciprocals, as a user writes them.
    static let units = ["m", "km", "mm", "s", "ms", "h", "days", "J", "kWh", "MWh", "W", "kW", "B", "GB", "TiB", "bit", "Gbit/s",
                        "MB/s", "FLOP", "TFLOPS", "gCO2e", "tCO2e", "USD", "token", "sample", "Hz", "kg", "N", "m^2", "cm^2",
                        "J/token", "gCO2e/kWh", "pJ/bit", "USD/GB", "FLOP/B", "kWh/cm^2", "1/s", "1/GB", "1/m", "W/m^2",
                        "TFLOPS/W", "GB/token", "USD/h", "token/s", "sample/J", "bit/s/Hz", "A", "V", "mAh", "param"]

    @Test("every printed result reads back to the same value and dimension, and prints the same")
    func printedResultsReadBack() {
        var rng = SplitMix64(state: 0x5EED_0012)
        var failures: [String] = []
        var checked = 0
        for case_ in 0..<3_000 {
            // A random magnitude (1e-12 … 1e15) times one or two units, sometimes divided.
            let mantissa = Double(1 + rng.below(9999)) / 1000
            let exponent = rng.below(28) - 12
            let value = (rng.chance(0.1) ? "-" : "") + "\(mantissa)e\(exponent)"
            var expr = "\(value) \(rng.pick(Self.units))"
            if rng.chance(0.5) { expr += (rng.chance(0.5) ? " * " : " / ") + "(1 \(rng.pick(Self.units)))" }
            let result: (String, String)? = PreludeBase.shared.withSession { (session: Session) -> (String, String)? in
                var first: String?, second: String?
                var q1: Quantity?, q2: Quantity?
                session.onResult = { v in
                    if case .quantity(let q) = v { q1 = q }
                    first = try? session.interpreter.describe(v)
                }
                do { try session.run(expr, name: "<read-back>") } catch { return nil }
                guard let shown = first, let q = q1 else { return nil }
                // Feed back what was printed, without the [Dimension] it ends with.
                let text = shown.range(of: " [", options: .backwards).map { String(shown[..<$0.lowerBound]) } ?? shown
                session.onResult = { v in
                    if case .quantity(let q) = v { q2 = q }
                    second = try? session.interpreter.describe(v)
                }
                do throws(NapkinError) { try session.run(text, name: "<read-back>") } catch { return (shown, "error: \(error.message) reading '\(text)'") }
                guard let back = q2, let again = second else { return (shown, "not a quantity reading '\(text)'") }
                if back.dim != q.dim { return (shown, "another dimension: \(again)") }
                // The display rounds to 4 significant digits.
                if abs(back.value - q.value) > 6e-4 * abs(q.value) { return (shown, "another value: \(again)") }
                if again != shown { return (shown, "prints differently: \(again)") }
                return (shown, "ok")
            }
            guard let (shown, verdict) = result else { continue }
            checked += 1
            if verdict != "ok" { failures.append("case \(case_): \(expr) printed \(shown): \(verdict)") }
        }
        #expect(checked >= 2_500)
        #expect(failures.isEmpty, "\(failures.count) of \(checked) printed results do not read back:\n\(failures.prefix(8).joined(separator: "\n"))")
    }
}
