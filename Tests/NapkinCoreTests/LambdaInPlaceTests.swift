import Testing
@testable import NapkinCore
import NapkinLibrary
import TestSupport

/// `map(list, x => …)` and `filter(list, x => …)` run a literal lambda's body in the caller's
/// frame (`BodyCompiler.compileLambdaInPlace`). That must mean exactly what calling the lambda
/// means: the same values and errors, a redefined `map` obeyed, closures made inside it
/// capturing each item, the same depth limit and trace.
@Suite("A literal lambda run in place by map and filter")
struct LambdaInPlaceTests {
    func run(_ session: Session, _ line: String) -> String {
        var out: [String] = []
        session.onResult = { out.append((try? session.interpreter.describe($0)) ?? "?") }
        do { try session.run(line, name: "<test>") } catch {
            out.append("error: \(error.message) | \(error.trace.map(\.function).joined(separator: ","))")
        }
        return out.joined(separator: "\n")
    }

    @Test("random bodies: in place (literal lambda) and called (a lambda held in a name) agree, item by item", arguments: [1, 2, 3])
    func randomBodies(seed: UInt64) throws {
        let session = try Prelude.makeSession()
        session.checksDefinitions = false
        try session.run("""
        let hw = { p: 3 W, q: 0.25 }
        knob k = 2 in 0...10 "k"
        let base = 10 kg
        let b = 3 m
        let c = 0.5
        """, name: "<test>")
        var r = SplitMix64(state: seed)
        let items = "[" + CompiledArithmeticTests.points.map(\.0).joined(separator: ", ") + "]"
        var compared = 0
        for n in 0..<40 {
            let e = CompiledArithmeticTests.expression(&r, depth: 4)
            try session.run("let held\(n) = a => \(e)", name: "<test>")
            // Top level (plain code), a function (optimised when called often), a sweep's body.
            try session.run("fn inPlace\(n)(xs) = map(xs, a => \(e))\nfn called\(n)(xs) = map(xs, held\(n))", name: "<test>")
            #expect(run(session, "map(\(items), a => \(e))") == run(session, "map(\(items), held\(n))"), "\(e)")
            for _ in 0..<3 {
                // The trace names the function each is in.
                let a = run(session, "inPlace\(n)(\(items))").replacingOccurrences(of: "inPlace\(n)", with: "f")
                #expect(a == run(session, "called\(n)(\(items))").replacingOccurrences(of: "called\(n)", with: "f"), "\(e)")
            }
            let kept = "filter(\(items), a => is_number(\(e)) and \(e) == \(e))"
            #expect(run(session, kept) == run(session, "filter(\(items), a => is_number(held\(n)(a)) and held\(n)(a) == held\(n)(a))"), "\(e)")
            #expect(run(session, "sweep i 0...3 < v: len(map(\(items), a => \(e))) + i >") == run(session, "sweep i 0...3 < v: len(map(\(items), held\(n))) + i >"), "\(e)")
            compared += 1
        }
        #expect(compared == 40)
    }

    @Test("a map defined after a function that calls map is the one called")
    func redefinedMap() throws {
        let session = try Prelude.makeSession()
        try session.run("fn doubled(xs) = map(xs, x => x * 2)", name: "<test>")
        #expect(run(session, "doubled([1, 2, 3])") == "[2, 4, 6]")
        try session.run("fn map(xs, f) = \"mine\"", name: "<test>")
        #expect(run(session, "doubled([1, 2, 3])") == "mine")
        #expect(run(session, "filter([1, 2, 3], x => x > 1)") == "[2, 3]")
    }

    @Test("closures made in the body capture each item; nested ones compile and agree")
    func closuresAndNesting() throws {
        let session = try Prelude.makeSession()
        #expect(run(session, "map(map([1, 2, 3], x => (y => x + y)), f => f(10))") == "[11, 12, 13]")
        let nested = "sum(map(1...3, a => sum(map(1...3, b => sum(map(1...3, c => sum(map(1...3, d => sum(map(1...3, e => a * b + c * d - e))))))))))"
        // Σ over a…e in 1...3 of a·b + c·d − e = 972 + 972 − 486.
        #expect(run(session, nested) == "1458")
        try session.run("let f = a => sum(map(1...3, b => sum(map(1...3, c => sum(map(1...3, d => sum(map(1...3, e => a * b + c * d - e))))))))", name: "<test>")
        #expect(run(session, "sum(map(1...3, f))") == "1458")
    }

    @Test("errors: the same message and trace as a called lambda, the same depth limit")
    func errors() throws {
        let session = try Prelude.makeSession()
        try session.run("let inv = x => 1 / x", name: "<test>")
        let inPlace = run(session, "map([1, 0], x => 1 / x)")
        #expect(inPlace == run(session, "map([1, 0], inv)"))
        #expect(inPlace.contains("division by zero") && inPlace.hasSuffix("| lambda"), "\(inPlace)")
        try session.run("let two = x => 2", name: "<test>")
        let notBool = run(session, "filter([1], x => 2)")
        #expect(notBool == run(session, "filter([1], two)") && notBool.contains("must return true or false"), "\(notBool)")
        try session.run("fn deep(n) = if n == 0 then 0 else sum(map([n], x => deep(x - 1)))", name: "<test>")
        try session.run("let stepper = x => deep2(x - 1)\nfn deep2(n) = if n == 0 then 0 else sum(map([n], stepper))", name: "<test>")
        // On the stack a session runs on, so the depth limit (not the native stack) is what ends it.
        let (a, b) = Session.onLargeStack { (run(session, "deep(6000)"), run(session, "deep2(6000)")) }
        #expect(a.contains("recursion deeper than"), "\(a)")
        #expect(a.replacingOccurrences(of: "deep2", with: "deep") == b.replacingOccurrences(of: "deep2", with: "deep").replacingOccurrences(of: "stepper", with: "lambda"))
        #expect(run(session, "map(3, x => x)").contains("map needs a list, got a number"))
    }

    @Test("compiling a chain of maps grows with its length: the list is compiled once, not again for the in-place path")
    func chainsCompileOnce() throws {
        func compiled(_ n: Int) throws -> Int {
            var e = "[1]"
            for _ in 0..<n { e = "filter(map(\(e), x => x + 1), y => y > 0)" }
            let (shown, expressions) = try compiling(e)
            #expect(shown == "[\(n + 1)]")
            return expressions
        }
        // Short chains, so that a return of the doubling fails here rather than never ends.
        let three = try compiled(3), six = try compiled(6)
        // Twice the chain, about twice the compiling (it was 2ⁿ: each map compiled its list
        // twice, 64 times as much for six steps as for three).
        #expect(six < 3 * three, "\(three) expressions for 3 steps, \(six) for 6")
    }
}

/// What `source` shows in a fresh session (or the error it stops with), and how many expressions
/// were compiled to run it: for tests that compiling grows with the code.
func compiling(_ source: String) throws -> (shown: String, expressions: Int) {
    let session = try Prelude.makeSession()
    var out: [String] = []
    session.onResult = { out.append((try? session.interpreter.describe($0)) ?? "?") }
    let before = session.interpreter.compiledExpressions
    do { try session.run(source, name: "<test>") } catch { out.append("error: \(error.message)") }
    return (out.joined(separator: "\n"), session.interpreter.compiledExpressions - before)
}
