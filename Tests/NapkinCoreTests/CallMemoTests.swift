import Testing
@testable import NapkinCore
import NapkinLibrary

/// A goal search reads the same expressions at thousands of knob settings with calls answered
/// from a memo (`Interpreter.withCallMemo`). Only a function whose result depends on its
/// arguments alone may be answered from it: one that reads a knob anywhere it can reach (its
/// body, a lambda in it, a function it calls, a sweep of a knob) is called every time, and a
/// parameter or `let` named like a knob is not the knob.
@Suite("Call memo: answers what a plain call answers")
struct CallMemoTests {
    static let program = """
    knob k = 2 in 0...10 "k"
    let modes = { a: { f: 1 }, b: { f: 3 } }
    knob mode = "a" in modes "mode"
    let c = 5
    fn reads_knob(x) = x * k
    fn shadow(k) = k * 10
    fn via_default(x = k) = x + c
    fn calls_impure(x) = reads_knob(x) + 1
    fn in_lambda(x) = map([1, 2], i => i * k)[0] + x
    fn local_let(x) = { let k = x * 2; k + 1 }
    fn let_reads_knob(x) = { let y = k; let k = 3; y + k + x }
    fn local_fn(x) = { fn g(y) = y * k; g(x) }
    fn sweeps_knob(x) = sum(sweep k 1...3 < k * x >)
    fn rec_a(n) = if n <= 0 then k else rec_b(n - 1)
    fn rec_b(n) = rec_a(n)
    fn calls_rec(n) = rec_b(n) * 2
    fn chosen(m = mode) = m.f * 2
    fn record_arg(r) = r.f + 1
    fn heavy(x) = shadow(x) + local_let(x) + record_arg(modes.b)
    fn prints(x) = { print("called"); x }
    fn in_string(x) = "{x} at {k}"
    fn big(x) = { let a = x * 2 + 1; let b = a * a - x / 3; sum(map([a, b, x, a + b, a - b], v => v * 2 + a)) + shadow(x) + local_let(x) }
    fn hd(x = k) = x * 2
    fn via_callee_default(y) = big(y) + hd()
    let box = { f: x => x * k }
    fn calls_field(r) = big(2) + r.f(1)
    fn rd(x) = x * k
    let tb = table({ i: [1], f: [rd] })
    fn via_table(y) = big(y) + tb[0].f(y)
    fn tag(s) = "[" + s + "] {big(2)}"
    fn down(n) = if n <= 0 then 0 else down(n - 1)
    fn deep(x) = big(x) + down(300)
    fn wrap(m, x) = if m <= 0 then deep(x) else wrap(m - 1, x)
    fn own_k(x) = { fn k(n) = if n <= 0 then 1 else k(n - 1) * 2; k(x) }
    """

    static let expressions = [
        "reads_knob(3)", "shadow(3)", "shadow(k)", "via_default()", "via_default(1)", "calls_impure(2)", "in_lambda(1)",
        "local_let(4)", "let_reads_knob(1)", "local_fn(2)", "sweeps_knob(1)", "rec_a(3)", "calls_rec(4)", "chosen()",
        "chosen(modes.b)", "record_arg(mode)", "heavy(k)", "heavy(2) + reads_knob(1)", "prints(k)", "in_string(2)",
        "big(3)", "big(k)", "via_callee_default(1)", "calls_field(box)", "via_table(1)", "tag(\"é\")", "tag(\"e\u{301}\")",
        // The same call answered near the top, then asked for 9,800 calls deep: there it passes
        // the depth limit, as it would without the memo.
        "deep(1)", "wrap(9800, 1)", "own_k(3)", "own_k(k)",
    ]

    static let settings: [(Double, String)] = [(2, "a"), (3, "a"), (3, "b"), (0, "b"), (10, "a"), (2, "a"), (7, "b")]

    func session() throws -> Session {
        let s = try Prelude.makeSession()
        try s.run(Self.program, name: "<memo>")
        return s
    }

    func expression(_ s: Session, _ text: String) throws -> Expr {
        guard case .expr(let e)? = try s.parse(text, name: "<expr>").first?.kind else { throw NapkinError(.parse, "not an expression") }
        return e
    }

    /// Every expression at every setting, as text (or the error's message).
    func readings(_ s: Session, _ exprs: [Expr]) -> [String] {
        var out: [String] = []
        for (kv, m) in Self.settings {
            do {
                try s.interpreter.setKnob("k", Quantity(kv))
                try s.interpreter.setKnobOption("mode", m)
            } catch {
                out.append("error: \(error.message)")
                continue
            }
            for e in exprs {
                do { out.append(try s.interpreter.describe(try s.interpreter.evaluateRepeatedly(e))) } catch {
                    out.append("error: \(error.message)")
                }
            }
        }
        return out
    }

    @Test("every reading with the memo is the reading without it")
    func sameReadings() throws {
        let plain = try session(), memo = try session()
        let plainExprs = try Self.expressions.map { try expression(plain, $0) }
        let memoExprs = try Self.expressions.map { try expression(memo, $0) }
        // On a large stack, as every host runs napkin: the depth case is 10,000 calls deep.
        let expected = Session.onLargeStack { readings(plain, plainExprs) }
        var hits = 0
        let got = Session.onLargeStack {
            memo.interpreter.withCallMemo { () -> [String] in
                defer { hits = memo.interpreter.callMemo?.hits ?? 0 }
                return readings(memo, memoExprs)
            }
        }
        // Compared byte by byte: Swift's `==` takes "é" and "e" + a combining accent as equal.
        #expect(got.map { Array($0.utf8) } == expected.map { Array($0.utf8) }, "\(got)\n\(expected)")
        #expect(expected.contains { $0.hasPrefix("error: recursion deeper") }, "the depth case no longer reaches the limit")
        #expect(hits > 0, "the memo answered nothing")
        #expect(memo.interpreter.callMemo == nil, "the memo outlives its stretch of readings")
    }

    @Test("which functions depend on their arguments alone")
    func purity() throws {
        let s = try session()
        let interp = s.interpreter
        // A function's own defaults may read knobs (they are part of its key); a callee's may not.
        // own_k: a local fn named like the knob, calling itself, reads the local fn.
        let pure = ["shadow", "via_default", "local_let", "chosen", "record_arg", "heavy", "big", "hd", "calls_field", "tag", "deep", "own_k"]
        let impure = ["reads_knob", "calls_impure", "in_lambda", "let_reads_knob", "local_fn", "sweeps_knob", "rec_a", "rec_b",
                      "calls_rec", "prints", "in_string", "via_callee_default", "via_table", "rd"]
        interp.withCallMemo {
            let memo = interp.callMemo!
            for n in pure + impure {
                guard case .function(let f)? = interp.globals[n]?.value else { Issue.record("no function \(n)"); continue }
                #expect(memo.isPure(f) == pure.contains(n), "\(n)")
            }
        }
        // Asked in the other order (a callee first), recursion through a knob reader is still found.
        interp.withCallMemo {
            let memo = interp.callMemo!
            for n in ["rec_b", "calls_rec", "rec_a"] {
                guard case .function(let f)? = interp.globals[n]?.value else { continue }
                #expect(!memo.isPure(f), "\(n)")
            }
        }
    }

    @Test("what one memo works out about functions serves the next until something is defined")
    func analysisCarriesOver() throws {
        let s = try session()
        let interp = s.interpreter
        let heavy = try expression(s, "heavy(2)")
        func isPure(_ name: String) -> Bool {
            guard case .function(let f)? = interp.globals[name]?.value else { return false }
            return interp.withCallMemo { interp.callMemo!.isPure(f) }
        }
        let first = try interp.withCallMemo { try interp.describe(try interp.evaluateRepeatedly(heavy)) }
        #expect(interp.memoAnalysis?.definitions == interp.definitionsVersion)
        #expect(interp.memoAnalysis?.purities.isEmpty == false)
        #expect(isPure("heavy"))
        // Knobs moving keep it; a definition does not: heavy now reaches a knob through shadow.
        try interp.setKnob("k", Quantity(5))
        #expect(interp.memoAnalysis?.definitions == interp.definitionsVersion)
        try s.run("knob k2 = 1 in 0...5 \"k2\"\nfn shadow(k) = k * k2", name: "<memo>")
        #expect(interp.memoAnalysis?.definitions != interp.definitionsVersion)
        #expect(!isPure("heavy"))
        let at1 = try interp.withCallMemo { try interp.describe(try interp.evaluateRepeatedly(heavy)) }
        try interp.setKnob("k2", Quantity(3))
        let at3 = try interp.withCallMemo { try interp.describe(try interp.evaluateRepeatedly(heavy)) }
        #expect(at1 != at3, "heavy(2) read \(at1) at k2 = 1 and at k2 = 3")
        #expect(first != at3)
    }

    @Test("a function that prints is called every time")
    func printsEveryTime() throws {
        let s = try session()
        var printed = 0
        s.interpreter.emit = { _ in printed += 1 }
        let e = try expression(s, "prints(1) + prints(1)")
        s.interpreter.withCallMemo {
            for _ in 0..<3 { _ = try? s.interpreter.evaluateRepeatedly(e) }
        }
        #expect(printed == 6)
    }

    @Test("a goal search with the memo reads what it reads without it", arguments: ["shadow(k) + reads_knob(2) >= 95", "heavy(k) >= 60"])
    func searchAnswers(_ condition: String) throws {
        // Every knob setting read plain and inside the memo, in the order a search meets them.
        let plain = try session(), memo = try session()
        let a = try expression(plain, condition), b = try expression(memo, condition)
        var expected: [String] = [], got: [String] = []
        for kv in stride(from: 0.0, through: 10, by: 0.5) {
            try plain.interpreter.setKnob("k", Quantity(kv))
            expected.append(try plain.interpreter.describe(try plain.interpreter.evaluateRepeatedly(a)))
        }
        try memo.interpreter.withCallMemo {
            for kv in stride(from: 0.0, through: 10, by: 0.5) {
                try memo.interpreter.setKnob("k", Quantity(kv))
                got.append(try memo.interpreter.describe(try memo.interpreter.evaluateRepeatedly(b)))
            }
        }
        #expect(got == expected)
    }
}
