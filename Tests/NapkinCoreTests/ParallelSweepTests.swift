import Testing
@testable import NapkinCore
import NapkinLibrary

/// A sweep of sweeps spreads over cores; whatever the number of cores, every result, every
/// printed line and every error must be exactly what one core gives.
@Suite("Sweeps spread over cores")
struct ParallelSweepTests {
    static let program = """
    knob a = 1 in 1...1000 "a"
    knob b = 1 in 1...1000 "b"
    fn cost(x = a, y = b) = ((x - 37.3)^2 / 7 + (y - 12.1)^2 * 1.37 + x * y / 9.1) * 1 W
    sum(sweep a 1...120 < sum(sweep b 1...90 < cost() >) >)
    min(sweep a 1...120 < min(sweep b 1...90 < cost() >) >)
    argmin(sweep a 1...120 < min(sweep b 1...90 < cost() >) >)
    mean(sweep x 1...50 < max(sweep y 1...40 < x * y / (x + y) >) >)
    sweep a 1...3 < sweep b 1...2 < a * b > >
    sum(sweep a 1...6 < { print("a = {a}"); a } + 0 * sum(sweep b 1...2 < b >) >)
    a + b
    """

    /// Every line a program prints or shows, and the error it stops with, if any.
    func run(_ source: String, cores: Int) throws -> [String] {
        let session = try Prelude.makeSession()
        defer { #expect((session.interpreter.spreadSweeps > 0) == (cores > 1)) }
        session.interpreter.cores = cores
        var out: [String] = []
        session.interpreter.emit = { out.append($0) }
        session.onResult = { out.append((try? session.interpreter.describe($0)) ?? "?") }
        do { try session.run(source, name: "<test>") } catch { out.append(error.render()) }
        return out
    }

    @Test("results and printed lines are the same on 1, 2 and 5 cores")
    func sameResults() throws {
        let one = try run(Self.program, cores: 1)
        #expect(one.count == 13)
        #expect(one.contains("a = 6"))
        for cores in [2, 5] {
            #expect(try run(Self.program, cores: cores) == one)
        }
    }

    @Test("workers run the same compiled code: closures, local fns, and a function first called on a worker")
    func workersShareCompiledCode() throws {
        // `late` is never called at the first point (which runs on the calling thread), so a
        // worker compiles it first; the workers publish one body between them.
        let program = """
        fn late(x) = x * 3 + 1
        fn pick(a, b) = if a > 1 then late(b) else b
        fn scale(k) = (x) => x * k
        sum(sweep a 1...200 < sum(sweep b 1...60 < pick(a, b) + scale(a)(b) + { fn steps(n) = if n <= 0 then 0 else 1 + steps(n - 1); steps(if b > 30 then 3 else 1) } >) >)
        sweep a 1...4 < sum(sweep b 1...3 < map([b, a], (x) => x * late(a))[0] >) >
        """
        let one = try run(program, cores: 1)
        #expect(one.count == 2 && !one.joined().contains("error"), "\(one)")
        for cores in [2, 5] {
            #expect(try run(program, cores: cores) == one)
        }
    }

    @Test("a local fn with declared dimensions made on a worker is checked as on one core (found in review)")
    func workerClosuresAreChecked() throws {
        let program = """
        sweep a 1...4 < r: sum(sweep b 1...2 < { fn w(p: Power) -> Power = p * 2; w(if a > 1 then 3 s else 3 W) } >) >
        """
        let one = try run(program, cores: 1)
        #expect(one.last?.contains("parameter 'p' needs Power") == true, "\(one)")
        #expect(try run(program, cores: 2) == one)
    }

    @Test("the first error is the one a single core meets, after the same output")
    func sameFirstError() throws {
        let program = """
        sum(sweep x 1...40 < { print("x = {x}"); sum(sweep y 1...3 < if x >= 17 and y == 2 then 1 / (x - x) else x * y >) } >)
        """
        let one = try run(program, cores: 1)
        #expect(one.last?.contains("division by zero") == true)
        #expect(one.count == 18)
        #expect(try run(program, cores: 3) == one)
    }

    @Test("points handed out as workers ask: the same first error and output past a window's end, on 2 and 5 cores, every time")
    func sameFirstErrorDynamic() throws {
        // Several failing points, the first in the second window (4,096 points a window), and
        // output from every point before it from 4,401 on: whichever worker takes which points,
        // what prints and which error is reported are a single core's.
        let program = """
        sum(sweep x 1...5000 < { if x > 4400 then print("x = {x}") else 0; sum(sweep y 1...2 < if (x == 4500 or x == 4731 or x == 4990) and y == 2 then 1 / (x - x) else x * y >) } >)
        """
        let one = try run(program, cores: 1)
        #expect(one.last?.contains("division by zero") == true)
        #expect(one.count == 101)
        for _ in 0..<10 {
            #expect(try run(program, cores: 2) == one)
            #expect(try run(program, cores: 5) == one)
        }
    }

    @Test("knobs are back where they were after a spread sweep, and after a failed one")
    func knobsRestored() throws {
        let session = try Prelude.makeSession()
        session.interpreter.cores = 4
        try session.run("""
        knob p = 3 in 1...100 "p"
        knob q = 4 in 1...100 "q"
        let t = sum(sweep p 1...20 < sum(sweep q 1...20 < p * q >) >)
        """, name: "<test>")
        #expect(throws: NapkinError.self) { try session.run("sum(sweep p 1...20 < sum(sweep q 1...20 < 1 / (p - 7) >) >)", name: "<test>") }
        guard case .quantity(let p) = session.interpreter.globals["p"]!.value,
              case .quantity(let q) = session.interpreter.globals["q"]!.value,
              case .quantity(let t) = session.interpreter.globals["t"]!.value else { Issue.record("not quantities"); return }
        #expect(p.value == 3 && q.value == 4)
        #expect(t.value == 44100)
    }
}
