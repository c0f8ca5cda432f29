import Testing
@testable import NapkinCore
import NapkinLibrary

/// A lab host reads its goals, texts and instruments with `evaluateRepeatedly`: the first few
/// readings of an expression run plain code, later ones code optimised for it (calls inlined,
/// tapes). Both must read what a fresh evaluation reads, at every knob setting and after a
/// definition changes.
@Suite("Repeated evaluation: plain first, optimised later, the same readings")
struct RepeatedEvaluationTests {
    static let expressions = CallMemoTests.expressions.filter { !$0.hasPrefix("wrap") } + [
        "sum(sweep x 1...50 < reads_knob(x) >)", "type(mode) == \"record\"", "\"k\" == \"k\"", "mode == modes.b",
    ]

    @Test("each reading, in either tier, is a fresh evaluation's")
    func tiersAgree() throws {
        let s = try Prelude.makeSession()
        try s.run(CallMemoTests.program, name: "<tiers>")
        let interp = s.interpreter
        let exprs = try Self.expressions.map { text -> Expr in
            guard case .expr(let e)? = try s.parse(text, name: "<expr>").first?.kind else { throw NapkinError(.parse, "not an expression") }
            return e
        }
        func reading(_ body: () throws(NapkinError) -> Value) -> String {
            do { return try interp.describe(try body()) } catch { return "error: \(error.message)" }
        }
        Session.onLargeStack {
            // Twice round the settings: past the plain readings of every expression.
            for (round, (kv, m)) in (CallMemoTests.settings + CallMemoTests.settings).enumerated() {
                do throws(NapkinError) {
                    try interp.setKnob("k", Quantity(kv))
                    try interp.setKnobOption("mode", m)
                } catch {
                    Issue.record(Comment(rawValue: error.message))
                    return
                }
                for (text, e) in zip(Self.expressions, exprs) {
                    let got = reading { () throws(NapkinError) in try interp.evaluateRepeatedly(e) }
                    let fresh = reading { () throws(NapkinError) in try interp.evaluate(e) }
                    #expect(Array(got.utf8) == Array(fresh.utf8), "\(text) at k = \(kv), mode = \(m), reading \(round + 1)")
                    let optimised = interp.prepared[ObjectIdentifier(e)]?.optimized ?? false
                    let expected = round + 1 > Interpreter.plainRuns || e.containsSweep
                    #expect(optimised == expected, "\(text): optimised \(optimised) after \(round + 1) readings")
                }
            }
        }
    }

    @Test("an optimised expression sees a function defined again")
    func redefinitionSeen() throws {
        let s = try Prelude.makeSession()
        try s.run("fn f(x) = x * 2\nfn g(x) = f(x) + 1", name: "<tiers>")
        guard case .expr(let e)? = try s.parse("g(3)", name: "<expr>").first?.kind else { Issue.record("not an expression"); return }
        let interp = s.interpreter
        for _ in 0...Interpreter.plainRuns { #expect(try interp.describe(try interp.evaluateRepeatedly(e)) == "7") }
        #expect(interp.prepared[ObjectIdentifier(e)]?.optimized == true)
        try s.run("fn f(x) = x * 10", name: "<tiers>")
        #expect(try interp.describe(try interp.evaluateRepeatedly(e)) == "31")
    }
}
