import Testing
@testable import NapkinCore
import NapkinLibrary
import TestSupport

/// A reduced sweep runs over blocks of points (NumericTape.Block) when it can. It must mean
/// exactly what running it point by point means, and what plain code means: the same bits,
/// units and dimensions, and the same first error, however the points fall into blocks, on any
/// number of cores. Random bodies over the swept value, knobs, globals, record fields and
/// inlined calls with defaults, with zeros, negatives, mixed units and overflow, are run all ways.
@Suite("Sweeps over blocks of points match point by point")
struct BlockSweepTests {
    static let setup = """
    knob k = 2 in -10...10 "k"
    knob j = 0 in 0...10 "j"
    let hw = { p: 3 W, q: 0.25, t: 2 s }
    let base = 10 kg
    let zero = 0
    fn lin(a, b = k, c = 0.5) = a * b + c
    fn pw(hw: Record = hw, u: Number = 1) -> Power = u * hw.p + (1 - u) * hw.p * 2
    fn rate(e, t: Time = hw.t) = e / t
    fn grow(x: Number = j, e = 1.4) = x ^ (e - 1)
    fn pick(a, b = a * 2, c = b + 1) = c
    """

    static func leaves(_ v: String) -> [String] {
        [v, v, v, "k", "j", "base", "hw.p", "hw.q", "hw.t", "zero", "2", "0", "(3 m)", "0.5", "-1", "(2 s)", "(50 %)", "1e300",
         "(90 min)", "lin(\(v))", "lin(\(v), 2, 1 m)", "lin(b: \(v), a: 3)", "pw()", "pw(u: \(v))", "rate(\(v) * 1 J)",
         "rate(\(v), 1 s)", "grow(\(v))", "grow(e: \(v))", "grow()", "pick(\(v), c: 1 m)"]
    }
    /// Leaves that are all plain numbers, so that more bodies get past their dimensions.
    static func plainLeaves(_ v: String) -> [String] {
        [v, v, v, "k", "j", "hw.q", "zero", "2", "0", "0.5", "-1", "1e300", "(50 %)", "lin(\(v))", "lin(b: \(v), a: 3)",
         "grow(\(v))", "grow(e: \(v))", "grow()", "(pw(u: \(v)) / hw.p)", "pick(\(v))", "pick(\(v), c: 1)", "pick(3, \(v))", "(rate(\(v) * 1 J) * hw.t / 1 J)"]
    }
    static let operators = ["+", "-", "*", "/", "^", "*", "+", "/"]

    static func expression(_ r: inout SplitMix64, _ v: String, depth: Int, plain: Bool? = nil) -> String {
        let plain = plain ?? (r.next() % 2 == 0)
        if depth == 0 || r.next() % 4 == 0 { return r.pick(plain ? plainLeaves(v) : leaves(v)) }
        if r.next() % 9 == 0 { return "-(\(expression(&r, v, depth: depth - 1, plain: plain)))" }
        let op = r.pick(operators)
        let rhs = op == "^" && r.next() % 3 != 0 ? r.pick(["2", "0.5", "3", "-1", v]) : expression(&r, v, depth: depth - 1, plain: plain)
        return "(\(expression(&r, v, depth: depth - 1, plain: plain)) \(op) \(rhs))"
    }

    /// Ranges and lists to sweep: zeros in a later block, negatives, units, lists of mixed units.
    static let long = ["-1100...1100", "1...2100", "0.5 m...1500.5 m", "-1030...-1", "1...3000 step 0.5"]
    static let short = ["-3...3", "[1, 2, 3 m]", "[0.5, -2, 0, 4]", "[2 m, 3 m, 1 km]", "1 s...9 s", "0...0"]
    static let reducers = ["sum", "mean", "min", "max", "argmin", "argmax", "len"]

    /// What a line shows, or the error it stops with: in full, or (for the lambda, whose trace
    /// names it, and whose spans are in another line) its message.
    func run(_ session: Session, _ line: String, full: Bool = true) -> String {
        var out: [String] = []
        session.onResult = { out.append(((try? session.interpreter.describe($0)) ?? "?") + (full ? Self.bits($0) : "")) }
        do { try session.run(line, name: "<test>") } catch {
            out.append(full ? error.render() : "error: \(error.message)")
        }
        return out.joined(separator: "\n")
    }

    /// A value's every bit, dimension and unit (what is shown has only a few digits).
    static func bits(_ v: Value) -> String {
        switch v {
        case .quantity(let q): return " [\(q.value.bitPattern) \(q.dim) \(q.unitID)]"
        case .table(let t): return (0..<t.count).map { r in t.columns.indices.map { bits(t.cell(r, $0)) }.joined() }.joined(separator: ";")
        default: return ""
        }
    }

    /// The line with blocks and point by point; both must agree.
    func compare(_ session: Session, _ line: String, _ what: String) -> String {
        session.interpreter.sweepBlocks = true
        let blocks = run(session, line)
        session.interpreter.sweepBlocks = false
        let points = run(session, line)
        session.interpreter.sweepBlocks = true
        #expect(blocks == points, "\(what): blocks \(blocks), point by point \(points)")
        return blocks
    }

    @Test("random bodies: blocks, point by point and plain code agree", arguments: [1, 2, 3])
    func randomBodies(seed: UInt64) throws {
        let session = try Prelude.makeSession()
        // Run-time errors are compared here: a body whose dimensions are certainly wrong is
        // still defined (not refused by the definition check) so that it fails when run.
        session.checksDefinitions = false
        try session.run(Self.setup, name: "<test>")
        var r = SplitMix64(state: seed)
        for n in 0..<30 {
            let e = Self.expression(&r, "x", depth: 4)
            let reducer = r.pick(Self.reducers)
            // A long sweep (several blocks), then a short one, also in plain code (a lambda made
            // by a top-level line that runs once: no call inlined).
            _ = compare(session, "\(reducer)(sweep x \(r.pick(Self.long)) < \(e) >)", e)
            let short = "\(reducer)(sweep x \(r.pick(Self.short)) < \(e) >)"
            _ = compare(session, short, e)
            let compiled = run(session, short, full: false)
            try session.run("let walk\(n) = { let unused = 0; () => \(short) }", name: "<test>")
            let walked = run(session, "walk\(n)()", full: false)
            #expect(compiled == walked, "\(short): compiled \(compiled), plain \(walked)")
            // The same body in a function of the swept value with a default, called in the sweep.
            try session.run("fn f\(n)(x, kk = k) = \(e) + 0 * kk", name: "<test>")
            _ = compare(session, "\(reducer)(sweep x \(r.pick(Self.long)) < f\(n)(x) >)", "f\(n): \(e)")
        }
        // The comparisons above must not all have fallen back to point by point.
        #expect(session.interpreter.blockSweeps > 20)
    }

    @Test("sweeping a knob that bodies and defaults read", arguments: [4, 5])
    func sweptKnob(seed: UInt64) throws {
        let session = try Prelude.makeSession()
        try session.run(Self.setup, name: "<test>")
        var r = SplitMix64(state: seed)
        for _ in 0..<30 {
            let e = Self.expression(&r, "k", depth: 4)
            _ = compare(session, "\(r.pick(Self.reducers))(sweep k \(r.pick(["-1100...1100", "1...2100", "-3...3", "[1, 0, -2]"])) < \(e) >)", e)
            #expect(run(session, "k", full: false) == "2", "the knob is put back after \(e)")
        }
        // Over a dimension the knob does not have: the error comes first, as point by point.
        _ = compare(session, "sum(sweep k 1 m...3000 m < k * 2 >)", "k over metres")
        #expect(session.interpreter.blockSweeps > 5)
    }

    @Test("sweeps and sweeps of sweeps give the same on 1, 2 and 5 cores, with and without blocks", arguments: [6, 7])
    func cores(seed: UInt64) throws {
        var r = SplitMix64(state: seed)
        var lines: [String] = []
        for _ in 0..<10 {
            let e = Self.expression(&r, "x", depth: 3)
            lines.append("sweep j 0...4 < v: \(r.pick(Self.reducers))(sweep x \(r.pick(Self.long)) < \(e) + 0 * grow() >) >")
            // One sweep whose blocks are shared out between the cores (zeros in its 1101st point).
            lines.append("\(r.pick(Self.reducers))(sweep x \(r.pick(["-1100...20000", "1...9000", "-30000...-1"])) < \(e) >)")
        }
        func outputs(_ cores: Int, blocks: Bool) throws -> [String] {
            let session = try Prelude.makeSession()
            try session.run(Self.setup, name: "<test>")
            session.interpreter.cores = cores
            session.interpreter.sweepBlocks = blocks
            return lines.map { run(session, $0) }
        }
        let one = try outputs(1, blocks: false)
        for cores in [1, 2, 5] {
            let got = try outputs(cores, blocks: true)
            for (i, line) in lines.enumerated() { #expect(got[i] == one[i], "\(line) on \(cores) cores") }
        }
    }

    @Test("issue 17's sweeps run over blocks and give point by point's bits")
    func issueSweeps() throws {
        let session = try Prelude.makeSession()
        for line in ["sum(sweep x 1...5000 < fleet_energy(efficiency: x, jevons: 1.4) >)", "sum(sweep x 1...5000 < x * 3 J / 2 s >)",
                     "argmax(sweep efficiency 1...3000 step 0.25 < fleet_energy(jevons: 1.9) - fleet_energy(jevons: 1.1) >)"] {
            let before = session.interpreter.blockSweeps
            session.interpreter.sweepBlocks = true
            var blocks = Value.nothing, points = Value.nothing
            session.onResult = { blocks = $0 }
            try session.run(line, name: "<test>")
            #expect(session.interpreter.blockSweeps == before + 1, "\(line) ran over blocks")
            session.interpreter.sweepBlocks = false
            session.onResult = { points = $0 }
            try session.run(line, name: "<test>")
            guard case .quantity(let a) = blocks, case .quantity(let b) = points else { Issue.record("\(line): \(blocks), \(points)"); continue }
            #expect(a.value.bitPattern == b.value.bitPattern && a.dim == b.dim && a.unitID == b.unitID, "\(line): \(a) vs \(b)")
        }
    }

    @Test("an error names the point it names point by point, in whichever block it falls")
    func firstError() throws {
        let session = try Prelude.makeSession()
        try session.run(Self.setup, name: "<test>")
        for line in ["sum(sweep x -1500...1500 < 1 / (x - 1200) >)", "sum(sweep x 1...3000 < 1e306 * x * x >)",
                     "max(sweep x -1500...1500 < fleet_energy(efficiency: x, jevons: 1.4) >)",
                     "sum(sweep k 2000...-2000 step -1 < grow(k) * 1 W >)", "mean(sweep x [1, 2, 3, \"a\"] < x * 2 >)"] {
            let shown = compare(session, line, line)
            #expect(shown.contains("error"), "\(line) fails: \(shown)")
        }
        #expect(run(session, "k", full: false) == "2")
    }

    @Test("a sweep knows its knob from when it was compiled, and looks again after a definition")
    func knobBoundAtCompileTime() throws {
        let session = try Prelude.makeSession()
        // f is compiled while w is no knob; w becomes a knob, and h (which f calls) reads it.
        try session.run("fn h() = 0\nfn f() = sum(sweep w 1...3 < h() >)", name: "<test>")
        #expect(run(session, "f()", full: false) == "0")
        try session.run("knob w = 10 in 1...100 \"w\"\nfn h() = w", name: "<test>")
        #expect(run(session, "f()", full: false) == "6")
        #expect(run(session, "w", full: false) == "10")
        // Compiled while w is a knob: moved at each point, as long as nothing is defined.
        try session.run("fn g() = sum(sweep w 1...4 < h() >)", name: "<test>")
        for _ in 0..<3 { #expect(run(session, "g()", full: false) == "10") }
        // A choice knob is refused each time the sweep runs, whenever it became one.
        try session.run("knob c = a in [a: 1, b: 2] \"c\"\nfn sweepsC() = sum(sweep c 1...2 < c >)", name: "<test>")
        #expect(run(session, "sweepsC()", full: false).contains("cannot sweep knob 'c': it is a choice"))
        #expect(run(session, "sweepsC()", full: false).contains("cannot sweep knob 'c': it is a choice"))
    }

    @Test("nested reductions compile once per level; a sum defined later is called with the sweep's table")
    func nestedReductionsCompileOnce() throws {
        func compiled(_ n: Int) throws -> Int {
            var e = "1"
            for i in 0..<n { e = "sum(sweep a\(i) [1, 2] < \(e) * a\(i) >)" }
            let (shown, expressions) = try compiling(e)
            #expect(shown == "\((0..<n).reduce(1) { p, _ in p * 3 })")
            return expressions
        }
        // Short, so that a return of the doubling fails here rather than never ends.
        let three = try compiled(3), six = try compiled(6)
        #expect(six < 3 * three, "\(three) expressions for 3 levels, \(six) for 6")
        let session = try Prelude.makeSession()
        try session.run("fn f() = sum(sweep x 1...3 < x * 2 >)", name: "<test>")
        #expect(run(session, "f()", full: false) == "12")
        try session.run("fn sum(t) = len(t) * 100", name: "<test>")
        #expect(run(session, "f()", full: false) == "300")
    }

    /// A block's min or max is found eight rows at a time (`SweepReduction.firstBest`); it must
    /// keep the row a row-by-row scan keeps: the first of equal bests, +0 or -0 as that row has
    /// it, a NaN never taken and never replaced.
    @Test("a block's best row is the one a row-by-row scan keeps")
    func blockBestRow() {
        var r = SplitMix64(state: 11)
        let pool: [Double] = [0, -0.0, 1, -1, 2.5, .nan, 3, -7, 1e300, -1e300, 0.1]
        for _ in 0..<20000 {
            let n = 1 + r.below(40)
            let values = UnsafeMutablePointer<Double>.allocate(capacity: n)
            defer { values.deallocate() }
            // Some arrays of zeros of both signs and a few others, where which zero is kept shows.
            let zeros = r.chance(0.3)
            for i in 0..<n { values[i] = zeros ? r.pick([0, -0.0, 0, -0.0, 1, .nan]) : r.chance(0.7) ? r.pick(pool) : Double(r.below(9)) - 4 }
            let from = r.below(n + 1)
            let start = r.pick(pool)
            for least in [true, false] {
                var m = start, k: Int?
                for i in from..<n where least ? values[i] < m : values[i] > m { m = values[i]; k = i }
                let (fm, fk) = SweepReduction.firstBest(values, from: from, n, beyond: start, least: least)
                #expect(fk == k && fm.bitPattern == m.bitPattern,
                        "\((0..<n).map { values[$0] }) from \(from) beyond \(start) least \(least): \(fm) at \(String(describing: fk)), a scan keeps \(m) at \(String(describing: k))")
            }
        }
    }
}
