import Foundation

/// Ranges and sweeps: the rules a sweep follows however it runs (point by point, over blocks of
/// points, spread over cores; the compiled code is in BodyCompiler).

/// A range's values, computed on demand (a sweep over a range never materialises it).
struct RangeSpec {
    var lo: Double, step: Double, count: Int, dim: Dimension, unitID: UInt32
    init(lo: Double, step: Double, count: Int, dim: Dimension, unit: DisplayUnit?) {
        self.lo = lo
        self.step = step
        self.count = count
        self.dim = dim
        self.unitID = unit?.id ?? 0
    }
    @inline(__always)
    func value(_ i: Int) -> Quantity { Quantity(lo + Double(i) * step, dim, unitID: unitID) }
}

/// The points of a sweep: a range or any list.
enum SweepPoints {
    case range(RangeSpec)
    case list([Value])

    var count: Int {
        switch self {
        case .range(let r): return r.count
        case .list(let l): return l.count
        }
    }

    @inline(__always)
    func point(_ i: Int) -> Value {
        switch self {
        case .range(let r): return .quantity(r.value(i))
        case .list(let l): return l[i]
        }
    }
}

/// The reductions: `sum`, `mean`, `min`, `max`, `argmin`, `argmax`, `len`. A sweep streams into
/// them instead of building its table, so `sum(sweep x 1...10000000 < … >)` runs in constant
/// memory; the builtins run lists and tables through the same state (`Builtins.reduce`).
enum SweepReducer: String { case sum, mean, min, max, argmin, argmax, len }

/// A reduction's running state: fed one row (or one block of rows) at a time, in order.
struct SweepReduction {
    let reducer: SweepReducer
    let site: Span
    var count = 0
    /// A sum runs in eight lanes: row k is added to lane k mod 8, and the lanes are added up in
    /// a fixed tree at the end (`total`). A row lands in the same lane however rows arrive (one at
    /// a time, in blocks, from several cores), so a sum has the same bits every way; the eight
    /// short chains also run side by side in the processor, and round off less than one long one.
    var lanes = SIMD8<Double>(repeating: 0)
    var dim: Dimension?
    var best: Quantity?
    var bestX: Value = .nothing

    init(_ reducer: SweepReducer, site: Span) {
        self.reducer = reducer
        self.site = site
    }

    /// The best of `values[from..<n]` that is strictly better than `start` (less, or more when not
    /// `least`) and the first row holding it; `(start, nil)` when none is. The same row a
    /// row-by-row scan would keep (a later equal one never replaces it; a NaN never replaces
    /// anything, nor is it replaced), found eight rows at a time and then looked up.
    @inline(__always)
    static func firstBest(_ values: UnsafeMutablePointer<Double>, from: Int, _ n: Int, beyond start: Double, least: Bool) -> (Double, Int?) {
        var lanes = SIMD8<Double>(repeating: start)
        var i = from
        if least {
            while i + 8 <= n {
                let v = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Double>.self)
                lanes.replace(with: v, where: v .< lanes)
                i += 8
            }
        } else {
            while i + 8 <= n {
                let v = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Double>.self)
                lanes.replace(with: v, where: v .> lanes)
                i += 8
            }
        }
        var m = start
        for l in 0..<8 where least ? lanes[l] < m : lanes[l] > m { m = lanes[l] }
        while i < n {
            if least ? values[i] < m : values[i] > m { m = values[i] }
            i += 1
        }
        guard least ? m < start : m > start else { return (start, nil) }
        var k = from
        while values[k] != m { k += 1 }
        return (values[k], k)  // its own bits: -0 and +0 are equal, the first row's sign is kept
    }

    /// Adds a row: its swept value `x` and its last column.
    @inline(__always)
    mutating func add(_ x: Value, _ last: Value, _ interp: Interpreter) throws(NapkinError) {
        count += 1
        if reducer == .len { return }
        guard case .quantity(var q) = last else {
            throw NapkinError(.runtime, "\(reducer.rawValue) works on numbers and quantities, found a \(last.typeName)", at: site)
        }
        if let d = dim, q.dim != d {
            if q.isPlainZero { q.dim = d } else {
                throw NapkinError(.dimension, "\(reducer.rawValue) over mixed dimensions: \(interp.dimName(d)) and \(interp.dimName(q.dim))", at: site,
                                  label: "\(interp.units.describe(d)) vs \(interp.units.describe(q.dim))")
            }
        } else if dim == nil, !q.isPlainZero { dim = q.dim }
        switch reducer {
        case .min, .argmin: if best == nil || q.value < best!.value { best = q; bestX = x }
        case .max, .argmax: if best == nil || q.value > best!.value { best = q; bestX = x }
        default: lanes[(count &- 1) & 7] += q.value
        }
    }

    /// The sum of the lanes, always in the same tree: (0+4, 1+5, 2+6, 3+7), then pairs, then one.
    var total: Double {
        let four = lanes.lowHalf + lanes.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// Adds a block of rows whose last columns are `values[0..<n]`, all of dimension `d` and
    /// unit `unitID`; `x(i)` is the i-th row's swept value. Exactly what `add` does row by row
    /// (each value into the lane of its row, so sums add up bit for bit alike).
    mutating func addBlock(_ values: UnsafeMutablePointer<Double>, _ n: Int, _ d: Dimension, _ unitID: UInt32,
                           x: (Int) -> Value, _ interp: Interpreter) throws(NapkinError) {
        let plain = d.isNone && unitID == 0
        if let known = dim, known != d {
            // Plain zeros take the known dimension, anything else is an error: row by row.
            for i in 0..<n { try add(x(i), .quantity(Quantity(values[i], d, unitID: unitID)), interp) }
            return
        }
        let first = count
        count += n
        if reducer == .len { return }
        if dim == nil {
            // A plain zero leaves the dimension open, as in `add`.
            if !plain { dim = d } else { for i in 0..<n where values[i] != 0 { dim = d; break } }
        }
        switch reducer {
        case .min, .argmin, .max, .argmax:
            // Row by row as `add` does (the first row is the best so far when there is none; a
            // row replaces it only when strictly better, so a NaN first stays and a NaN later is
            // passed over), in a loop over plain Doubles: only the last row that was better
            // becomes the best quantity, and only its swept value is read. (Building a Quantity
            // per better row was a seventh of a 1000 × 1000 sweep of sweeps.)
            guard n > 0 else { break }
            var k = -1, from = 0
            let start: Double
            if let b = best { start = b.value } else { start = values[0]; k = 0; from = 1 }
            let (m, at) = SweepReduction.firstBest(values, from: from, n, beyond: start, least: reducer == .min || reducer == .argmin)
            if let at { k = at }
            if k >= 0 { best = Quantity(m, d, unitID: unitID); bestX = x(k) }
        default:
            // In a local, so the lanes stay in registers: single rows up to a row whose number
            // is a multiple of 8, then eight rows at a time, then the rest.
            var acc = lanes
            var i = 0
            while i < n, (first &+ i) & 7 != 0 {
                acc[(first &+ i) & 7] += values[i]
                i += 1
            }
            while i + 8 <= n {
                acc += UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Double>.self)
                i += 8
            }
            while i < n {
                acc[(first &+ i) & 7] += values[i]
                i += 1
            }
            lanes = acc
        }
    }

    func result(_ interp: Interpreter) throws(NapkinError) -> Value {
        let name = reducer.rawValue
        let d = dim ?? .none
        switch reducer {
        case .len: return .number(Double(count))
        case .sum:
            try interp.checkFinite(total, site, "the sum")
            return .quantity(Quantity(total, d))
        case .mean:
            guard count > 0 else { throw NapkinError(.runtime, "mean of an empty list", at: site) }
            return .quantity(Quantity(total / Double(count), d))
        case .min, .max:
            guard var b = best else { throw NapkinError(.runtime, "\(name) of an empty list", at: site) }
            b.dim = d
            return .quantity(b)
        case .argmin, .argmax:
            guard best != nil else { throw NapkinError(.runtime, "\(name) of an empty table", at: site) }
            return bestX
        }
    }
}

extension Interpreter {
    /// A range from its evaluated ends (and step); `value` evaluates each of them.
    func rangeSpec(_ loE: Expr, _ hiE: Expr, _ stepE: Expr?, _ span: Span,
                   value: (Expr) throws(NapkinError) -> Value) throws(NapkinError) -> RangeSpec {
        let lo = try quantity(try value(loE), loE.span, "a range's start")
        let hi = try quantity(try value(hiE), hiE.span, "a range's end")
        try sameDimension(lo, hi, span, "this range")
        var step: Double
        if let stepE {
            let s = try quantity(try value(stepE), stepE.span, "a range's step")
            try sameDimension(s, lo, stepE.span, "this range's step")
            step = s.value
            guard step != 0 else { throw NapkinError(.runtime, "a range's step cannot be zero", at: stepE.span) }
        } else {
            // Without a step a range counts up by one of its unit; `5...1` is empty.
            step = lo.unit?.factor ?? 1
        }
        let span_ = (hi.value - lo.value) / step
        guard span_.isFinite else { throw NapkinError(.runtime, "this range is not finite", at: span) }
        if span_ < 0 { return RangeSpec(lo: lo.value, step: step, count: 0, dim: lo.dim, unit: lo.unit) }
        let n = (span_ + 1e-9).rounded(.down) + 1
        guard n < 1e15 else { throw NapkinError(.runtime, "this range has too many values (\(formatNumber(n, digits: 3)))", at: span) }
        return RangeSpec(lo: lo.value, step: step, count: Int(n), dim: lo.dim, unit: lo.unit ?? hi.unit)
    }

    /// A range used as a value: a list, within the list limit.
    func rangeList(_ r: RangeSpec, _ span: Span) throws(NapkinError) -> Value {
        guard r.count <= limits.maxListLength else {
            throw NapkinError(.runtime, "range of \(r.count) values exceeds the list limit of \(limits.maxListLength)", at: span,
                              notes: ["raise it with --max-list, or sweep over the range instead"])
        }
        try reserve(r.count * MemoryLayout<Value>.stride, span)
        var out: [Value] = []
        out.reserveCapacity(r.count)
        for i in 0..<r.count {
            out.append(.quantity(r.value(i)))
            try cancel.check(i)
        }
        return .list(out)
    }

    /// A sweep's points: its range, or the list its expression evaluates to.
    func sweepPoints(_ range: Expr, value: (Expr) throws(NapkinError) -> Value) throws(NapkinError) -> SweepPoints {
        let points: SweepPoints
        if case .range(let lo, let hi, let step) = range.kind {
            points = .range(try rangeSpec(lo, hi, step, range.span, value: value))
        } else {
            let v = try value(range)
            guard case .list(let items) = v else {
                throw NapkinError(.runtime, "a sweep runs over a range or a list, got a \(v.typeName)", at: range.span)
            }
            points = .list(items)
        }
        guard points.count <= limits.maxSweepPoints else {
            throw NapkinError(.runtime, "sweep of \(points.count) points exceeds the limit of \(limits.maxSweepPoints)", at: range.span,
                              notes: ["use a larger step, or raise the limit with --max-sweep"])
        }
        return points
    }

    /// What a sweep's name meant when the sweep was compiled: a numeric knob's cell, or no knob,
    /// while no name has been defined since (`definitionsVersion`). A choice knob is not bound
    /// (the sweep refuses it each time it runs).
    struct SweptKnobBinding {
        let version: UInt64
        let bound: Bool
        let cell: GlobalCell?
    }

    func bindSweptKnob(_ name: String) -> SweptKnobBinding {
        guard let g = globals[name], g.kind == .knob else { return SweptKnobBinding(version: definitionsVersion, bound: true, cell: nil) }
        let choice = g.knob?.isChoice ?? false
        return SweptKnobBinding(version: definitionsVersion, bound: !choice, cell: choice ? nil : g.cell)
    }

    /// The knob a sweep moves: the one bound when it was compiled, unless a name was defined
    /// since (a REPL line may define the knob after the function that sweeps it).
    func sweptKnob(_ name: String, _ binding: SweptKnobBinding, rangeSpan: Span) throws(NapkinError) -> GlobalCell? {
        if binding.bound, binding.version == definitionsVersion { return binding.cell }
        return try sweptKnob(name, rangeSpan: rangeSpan)
    }

    /// The knob a sweep moves, if its name is a knob (otherwise the name is only the body's).
    /// A choice knob is refused here, once, whatever its options are (numbers too).
    func sweptKnob(_ name: String, rangeSpan: Span) throws(NapkinError) -> GlobalCell? {
        guard let g = globals[name], g.kind == .knob else { return nil }
        if let info = g.knob, info.isChoice { throw choiceSweepError(name, rangeSpan) }
        return g.cell
    }

    private func choiceSweepError(_ name: String, _ rangeSpan: Span) -> NapkinError {
        NapkinError(.runtime, "cannot sweep knob '\(name)': it is a choice; compare its options with a list instead", at: rangeSpan,
                    notes: globals[name]?.knob.map { ["its options: \($0.options.map(\.name).joined(separator: ", "))"] } ?? [])
    }

    /// Runs `body` once per point. A swept knob is set at each point (keeping its dimension)
    /// and put back afterwards, even after an error.
    func forEachSweepPoint(_ name: String, _ points: SweepPoints, knob: GlobalCell?, rangeSpan: Span, span: Span,
                           _ body: (Value) throws(NapkinError) -> Void) throws(NapkinError) {
        let original = knob?.read(self)
        defer { if let knob, let original { knob.write(original, self) } }
        for i in 0..<points.count {
            try sweepPoint(i, name, points, knob: knob, rangeSpan: rangeSpan, span: span, body)
        }
    }

    /// Point `i` of a sweep: Ctrl-C and --timeout checked, a swept knob set (keeping its
    /// dimension), then `body`.
    @inline(__always)
    func sweepPoint(_ i: Int, _ name: String, _ points: SweepPoints, knob: GlobalCell?, rangeSpan: Span, span: Span,
                    _ body: (Value) throws(NapkinError) -> Void) throws(NapkinError) {
        if i & 0xFF == 0, cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: span) }
        let x = points.point(i)
        if let knob {
            try checkSweptKnob(name, knob, x, rangeSpan)
            knob.write(x, self)
        }
        try body(x)
    }

    /// Runs a streamed reduction over blocks of points (`NumericTape.Block`), handing each
    /// computed block (its values, first point and size) to `computed`, in order; a block the
    /// tape cannot take (a non-finite value, a division by zero, a point of another shape) runs
    /// point by point through `body` on this thread, exactly as `forEachSweepPoint` would run
    /// it, so an error names the same point. With several cores, the blocks of a window are
    /// computed on all of them and taken here in order, so sums add up alike on any number of
    /// cores. A swept knob is not moved by a block (its value is the block's `xs`), and is put
    /// back afterwards as always.
    func reduceSweepInBlocks(_ name: String, _ points: SweepPoints, knob: GlobalCell?, rangeSpan: Span, span: Span,
                             _ block: NumericTape.Block,
                             computed: (UnsafeMutablePointer<Double>, Int, Int) throws(NapkinError) -> Void,
                             point body: (Value) throws(NapkinError) -> Void) throws(NapkinError) {
        let original = knob?.read(self)
        defer { if let knob, let original { knob.write(original, self) } }
        let size = NumericTape.Block.size
        let blocks = (points.count + size - 1) / size
        let lanes = !isWorker && cores > 1 && blocks >= 2 * cores && block.costly ? cores : 1
        // A window is what the cores compute between two hand-overs (each starts threads): 128
        // blocks a core (1 MiB of results each), so starting them is a small part of the work
        // even now that a power costs a few nanoseconds a point.
        let window = lanes == 1 ? 1 : 128 * lanes
        let copies = [block] + (1..<lanes).map { _ in block.copy(self) }
        defer { for c in copies { c.recycle(into: self) } }
        // With one lane, a block is used in place; with several, each keeps its values here.
        let results = UnsafeMutablePointer<Double>.allocate(capacity: lanes == 1 ? 0 : window * size)
        let fine = UnsafeMutablePointer<Bool>.allocate(capacity: window)
        defer { results.deallocate(); fine.deallocate() }
        func compute(_ lane: Int, _ b: Int, _ first: Int) {
            let start = b * size, n = min(size, points.count - start)
            let blk = copies[lane]
            fine[b - first] = blk.load(points, start, n) && blk.run(n)
            if lanes > 1, fine[b - first] { (results + (b - first) * size).update(from: blk.values, count: n) }
        }
        var first = 0
        while first < blocks {
            if cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: span) }
            let end = min(blocks, first + window)
            if lanes == 1 {
                compute(0, first, first)
            } else {
                // Each core takes the next block not yet taken, so a core slowed by other work
                // on the machine takes fewer of them.
                let from = first, next = BlockCounter(from)
                LargeStackThread.runAll(lanes) { w in
                    while let b = next.take(below: end) { compute(w, b, from) }
                }
            }
            for b in first..<end {
                let start = b * size, n = min(size, points.count - start)
                if fine[b - first] {
                    try computed(lanes == 1 ? block.values : results + (b - first) * size, start, n)
                    continue
                }
                for i in start..<(start + n) {
                    try sweepPoint(i, name, points, knob: knob, rangeSpan: rangeSpan, span: span, body)
                }
            }
            first = end
        }
    }

    /// A knob keeps its dimension while it is swept.
    @inline(__always)
    func checkSweptKnob(_ name: String, _ knob: GlobalCell, _ x: Value, _ rangeSpan: Span) throws(NapkinError) {
        guard case .quantity(let old) = knob.read(self) else { throw choiceSweepError(name, rangeSpan) }
        if case .quantity(let q) = x, q.dim == old.dim { return }
        let got: String
        if case .quantity(let q) = x { got = units.describe(q.dim) } else { got = "a \(x.typeName)" }
        throw NapkinError(.dimension, "cannot sweep knob '\(name)' (\(dimName(old.dim))) over \(got)", at: rangeSpan,
                          label: "\(units.describe(old.dim)) vs \(got)")
    }

    /// The reducer a call would stream, when it is `sum(sweep …)` (or min, argmax, …). The caller
    /// still checks that no local or global of that name hides the builtin.
    func streamedReducer(_ calleeExpr: Expr, _ args: [CallArgument]) -> SweepReducer? {
        guard args.count == 1, args[0].label == nil, case .sweep = args[0].value.kind, case .name(let n) = calleeExpr.kind else { return nil }
        return SweepReducer(rawValue: n)
    }
}

extension Interpreter {
    /// The block form of a reduction's tape for this run of the sweep, if it has one.
    func sweepBlock(_ tape: NumericTape?, _ points: SweepPoints, _ s: UnsafeMutablePointer<Value>,
                    sweptSlot: Int?, knob: GlobalCell?) -> NumericTape.Block? {
        guard sweepBlocks, let tape, points.count > 0 else { return nil }
        let shape: (Dimension, UInt32)
        switch points {
        case .range(let r): shape = (r.dim, r.unitID)
        case .list(let items):
            guard case .quantity(let q) = items[0] else { return nil }
            shape = (q.dim, q.unitID)
        }
        // A knob that is not a quantity of the points' dimension: point by point, which says so.
        if let knob {
            guard case .quantity(let k) = knob.read(self), k.dim == shape.0 else { return nil }
        }
        guard let block = tape.block(self, s, sweptSlot: sweptSlot, sweptCell: knob, x: shape) else { return nil }
        blockSweeps += 1
        return block
    }
}

/// The next block of a window to compute, shared by the cores computing it.
private final class BlockCounter: @unchecked Sendable {
    private var next: Int
    private let lock = NSLock()
    init(_ first: Int) { next = first }
    func take(below end: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < end else { return nil }
        next += 1
        return next - 1
    }
}
