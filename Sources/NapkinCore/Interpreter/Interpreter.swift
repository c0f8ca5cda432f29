import CVectorMath
import Foundation
import Synchronization

/// Evaluates checked statements. Holds the globals, knobs and unit registry of a session.
/// It never prints: results go to `emit`, errors are thrown as NapkinError for the host to format.
public final class Interpreter {
    public internal(set) var units: UnitRegistry
    public internal(set) var globals: [String: Global] = [:]
    public internal(set) var globalOrder: [String] = []
    public var digits = 4
    /// Names that `let` and `fn` may not redefine while set: a lab's model (and the library) while
    /// a student works in its workbench, so a goal is met by moving knobs, not by rewriting the
    /// functions it reads. Names defined since stay the student's to redefine.
    public var fixedNames: Set<String>?
    public var limits = Limits()
    /// How many cores a sweep of sweeps may spread over (1: never spread).
    public var cores = Interpreter.defaultCores
    /// Whether a reduced sweep may run over blocks of points (NumericTape.Block); off, it runs
    /// point by point, as the reference for tests and benchmarks.
    public var sweepBlocks = true
    /// Sweeps that ran over blocks so far (for tests and benchmarks).
    public internal(set) var blockSweeps = 0
    /// Sweeps that were spread over cores so far (for tests and benchmarks).
    public internal(set) var spreadSweeps = 0
    /// Expressions compiled so far (for tests: compiling grows with the code, never faster).
    public internal(set) var compiledExpressions = 0
    public var cancel = CancelFlag()
    /// Receives `print(…)` output, one call per line. The interpreter never writes to the
    /// terminal itself: a host that shows printed lines sets this (the command line, the REPL,
    /// a mission); by default they are dropped.
    public var emit: (String) -> Void = { _ in }
    public private(set) var builtins: [String: FunctionValue]
    /// Tables drawn with plain ASCII rules (a dumb terminal); set by the host.
    public var asciiOnly = false
    /// Draws figures for display; installed by the host (the core itself never draws).
    public var figureRenderer: ((Figure) throws(NapkinError) -> String)?
    var callDepth = 0
    var steps = 0
    /// Bytes of values built since memory was last checked (see `reserve`).
    var grown = 0
    /// Slots of compiled frames (parameters, block lets, sweep variables), used as a stack.
    let frameStack = UnsafeMutablePointer<Value>.allocate(capacity: Interpreter.frameStackCapacity)
    var frameTop = 0
    /// A worker evaluating part of a parallel sweep: it runs the compiled code its parent made,
    /// and never writes the hints that code keeps (FieldSite, FieldReader).
    var isWorker = false
    var unitCache: [String: (factor: Double, dim: Dimension)] = [:]
    /// Expressions compiled by `evaluateRepeatedly`, by identity (each entry holds its expression).
    var prepared: [ObjectIdentifier: PreparedExpression] = [:]
    /// Answers calls of functions of their arguments alone while a host reads at many settings
    /// (`withCallMemo`); nil otherwise.
    public internal(set) var callMemo: CallMemo?
    /// What the last call memo worked out about functions, for the next one while nothing has
    /// been defined since.
    var memoAnalysis: CallMemo.Analysis?
    /// Which of a knob's lanes this interpreter reads while a sweep runs on several cores.
    var lane = 0

    /// Buffers of blocks this interpreter has finished with (`NumericTape.Block`), for its next
    /// ones: a sweep of sweeps makes a block per outer point, and taking fresh memory from malloc
    /// each time left each core's speed to where the heap happened to stand.
    var spareBlockBuffers: [(pointer: UnsafeMutablePointer<Double>, capacity: Int)] = []
    /// Workers of the last sweep spread over cores, for the next one: a new worker's frames and
    /// block buffers are fresh memory, made and given back at every spread.
    var spareWorkers: [Interpreter] = []

    deinit {
        frameStack.deallocate()
        for b in spareBlockBuffers { b.pointer.deallocate() }
    }

    public init(units: UnitRegistry = UnitRegistry()) {
        self.units = units
        var b: [String: FunctionValue] = [:]
        for builtin in Builtins.all + FigureBuiltins.all { b[builtin.name] = FunctionValue(name: builtin.name, body: .builtin(builtin)) }
        self.builtins = b
    }

    /// A worker for a sweep spread over cores: the same globals, builtins and limits, its own
    /// frames, unit caches and knob lane.
    init(workerOf parent: Interpreter, lane: Int) {
        units = parent.units
        builtins = parent.builtins
        isWorker = true
        refresh(workerOf: parent, lane: lane)
    }

    /// Makes a worker kept from an earlier spread sweep (`spareWorkers`) a worker of `parent` as
    /// it is now, as a new one would be.
    func refresh(workerOf parent: Interpreter, lane: Int) {
        units = parent.units.copy()
        builtins = parent.builtins
        globals = parent.globals
        definitionsVersion = parent.definitionsVersion
        digits = parent.digits
        limits = parent.limits
        cores = 1
        namesDefined = parent.namesDefined
        sweepBlocks = parent.sweepBlocks
        cancel = parent.cancel
        asciiOnly = parent.asciiOnly
        figureRenderer = parent.figureRenderer
        unitCache = parent.unitCache
        callDepth = parent.callDepth
        steps = 0
        grown = 0
        self.lane = lane
    }

    /// Adds (or replaces) a builtin function.
    public func register(_ b: Builtin) {
        builtins[b.name] = FunctionValue(name: b.name, body: .builtin(b))
        namesDefined &+= 1
        definitionsVersion = Interpreter.newVersion()
    }

    /// Counts the global names and builtins defined so far: compiled code that resolved a name
    /// to a builtin or a unit (no global had it) checks that no definition came since.
    var namesDefined = 0

    public var formatter: QuantityFormatter { QuantityFormatter(registry: units, digits: digits) }
    public var builtinNames: [String] { Array(builtins.keys) }

    /// A copy of the mutable state, so a failed REPL line can be undone.
    public struct Snapshot {
        let globals: [String: Global]
        let values: [(GlobalCell, Value)]
        let order: [String]
        let units: UnitRegistry
        let digits: Int
        let definitions: UInt64
    }

    /// Names what the global names mean now: every definition (a new name, a name defined
    /// again, a builtin) gets a number never used before, a restore takes its snapshot's. Equal
    /// numbers, the same names, functions and values but for where knobs stand: a restore need
    /// not look for names to retire (a lab's instruments and goals restore after readings that
    /// define nothing), and what the call memo worked out about functions still holds
    /// (`CallMemo.Analysis`).
    private(set) var definitionsVersion: UInt64 = Interpreter.newVersion()
    private static let versions = Atomic<UInt64>(0)
    static func newVersion() -> UInt64 { versions.add(1, ordering: .relaxed).newValue }

    /// Cells of names that a restore removed; a later definition of the same name reuses its cell.
    var retiredCells: [String: GlobalCell] = [:]

    public func snapshot() -> Snapshot {
        Snapshot(globals: globals, values: globals.values.map { ($0.cell, $0.cell.value) }, order: globalOrder,
                 units: units.copy(), digits: digits, definitions: definitionsVersion)
    }

    public func restore(_ s: Snapshot) {
        if definitionsVersion != s.definitions {
            for (name, g) in globals where s.globals[name] == nil {
                g.cell.defined = false
                retiredCells[name] = g.cell
            }
        }
        definitionsVersion = s.definitions
        for (cell, value) in s.values {
            cell.value = value
            cell.defined = true
        }
        globals = s.globals
        globalOrder = s.order
        units = s.units
        digits = s.digits
        unitCache = [:]
    }

    /// Binds a global, keeping the name's cell so compiled references stay valid.
    func setGlobal(_ name: String, _ g: Global) {
        var g = g
        definitionsVersion = Interpreter.newVersion()
        if let old = globals[name] {
            old.cell.value = g.value
            g = Global(cell: old.cell, kind: g.kind, knob: g.knob, definition: g.definition, doc: g.doc)
        } else {
            globalOrder.append(name)
            namesDefined &+= 1
            if let cell = retiredCells.removeValue(forKey: name) {
                cell.value = g.value
                cell.defined = true
                g = Global(cell: cell, kind: g.kind, knob: g.knob, definition: g.definition, doc: g.doc)
            }
        }
        globals[name] = g
    }

    // MARK: - Statements

    /// Refuses to redefine a fixed name (`fixedNames`).
    func checkNotFixed(_ name: String, _ stmt: Stmt) throws(NapkinError) {
        guard let fixedNames, fixedNames.contains(name) else { return }
        var isFunction = false
        if case .function = stmt.kind { isFunction = true }
        throw NapkinError(.name, "'\(name)' is part of this lab's model: the workbench cannot redefine it", at: stmt.span,
                          notes: ["a goal is met by moving the knobs; to try a formula of your own, give it another name: " +
                                  (isFunction ? "fn my_\(name)(…) = …" : "let my_\(name) = …")])
    }

    /// Runs one top-level statement; returns the value to show for an expression statement.
    public func execute(_ stmt: Stmt, in program: Program? = nil) throws(NapkinError) -> Value? {
        callDepth = 0
        switch stmt.kind {
        case .expr(let e):
            let v = try evaluate(e, in: program)
            if case .nothing = v { return nil }
            return v
        case .let(let name, _, let value, let doc):
            try checkNotFixed(name, stmt)
            let v = try evaluate(value, in: program)
            if let old = globals[name], old.kind == .knob {
                throw NapkinError(.name, "'\(name)' is a knob; move it with '\(name) = …' instead of redefining it with let", at: stmt.span)
            }
            setGlobal(name, Global(value: v, kind: .value, knob: nil, definition: stmt.span, doc: doc))
            return nil
        case .function(let name, _, let params, let result, let body, let doc):
            try checkNotFixed(name, stmt)
            // Its program's answer, when the statement is part of it; else bound on first need.
            let given = program?.resolution.flatMap { r in stmt.inside.allSatisfy(r.covers) ? r : nil }
            let f = FunctionValue(name: name, body: .user(params: params, body: body, closure: nil), definition: stmt.span, resultType: result,
                                  resolution: given)
            _ = try contract(of: f)
            setGlobal(name, Global(value: .function(f), kind: .function, knob: nil, definition: stmt.span, doc: doc))
            return nil
        case .knob(let name, let nameSpan, let valueExpr, let rangeExpr, let doc) where isChoiceKnob(rangeExpr):
            try defineChoiceKnob(name, nameSpan, valueExpr, rangeExpr, doc, stmt.span, in: program)
            return nil
        case .knob(let name, let nameSpan, let valueExpr, let rangeExpr, let doc):
            let v = try quantity(try evaluate(valueExpr, in: program), valueExpr.span, "a knob's value")
            guard case .range(let loE, let hiE, let stepE) = rangeExpr.kind else {
                throw NapkinError(.parse, "a knob's range is written LOW...HIGH", at: rangeExpr.span)
            }
            let lo = try quantity(try evaluate(loE, in: program), loE.span, "a knob's low end")
            let hi = try quantity(try evaluate(hiE, in: program), hiE.span, "a knob's high end")
            try sameDimension(lo, hi, rangeExpr.span, "the knob's range")
            try sameDimension(v, lo, valueExpr.span, "the knob's value and its range")
            guard lo.value <= hi.value else {
                throw NapkinError(.runtime, "the knob's range is empty: its low end is above its high end", at: rangeExpr.span)
            }
            var info = KnobInfo(low: lo, high: hi, doc: doc)
            if let stepE {
                let st = try quantity(try evaluate(stepE, in: program), stepE.span, "a knob's step")
                try sameDimension(st, lo, stepE.span, "the knob's step and its range")
                guard st.value > 0, st.value.isFinite else {
                    throw NapkinError(.runtime, "a knob's step must be above zero", at: stepE.span)
                }
                info.step = st
            }
            try checkKnobRange(name, v, info, valueExpr.span)
            if let old = globals[name], old.kind != .knob {
                throw NapkinError(.name, "'\(name)' is already defined and is not a knob", at: nameSpan)
            }
            setGlobal(name, Global(value: .quantity(v), kind: .knob, knob: info, definition: stmt.span, doc: doc))
            return nil
        case .assign(let name, let nameSpan, let valueExpr):
            guard let g = globals[name] else {
                throw NapkinError(.name, "cannot assign to '\(name)': no knob has that name", at: nameSpan,
                                  notes: ["declare it first: knob \(name) = 1 in 0...10 \"what it means\", or use let"]
                                    + didYouMean(name, among: globals.filter { $0.value.kind == .knob }.map(\.key)))
            }
            guard g.kind == .knob, let info = g.knob else {
                throw NapkinError(.name, "cannot assign to '\(name)': only knobs can be moved; '\(name)' was defined with \(g.kind == .function ? "fn" : "let")",
                                  at: nameSpan, notes: ["rebind it with 'let \(name) = …'"])
            }
            if info.isChoice {
                try selectOption(name, info, optionName(valueExpr, name, info), at: valueExpr.span)
                return nil
            }
            try moveKnob(name, g, info, try quantity(try evaluate(valueExpr, in: program), valueExpr.span, "a knob's value"), at: valueExpr.span)
            return nil
        case .assert(let e):
            try checkAssertion(try evaluate(e, in: program), e)
            return nil
        case .digits(let e):
            let q = try quantity(try evaluate(e, in: program), e.span, "digits")
            guard q.dim.isNone, q.value == q.value.rounded(), q.value >= 1, q.value <= 17 else {
                throw NapkinError(.runtime, "digits must be a whole number from 1 to 17", at: e.span)
            }
            digits = Int(q.value)
            return nil
        case .dimension(let name, let def):
            let err: String?
            if let def {
                var d = Dimension.none
                for f in def.factors {
                    guard let fd = units.dimensionsByName[f.name] else {
                        throw NapkinError(.name, "unknown dimension '\(f.name)'", at: f.span,
                                          notes: didYouMean(f.name, among: units.dimensionsByName.keys))
                    }
                    guard let p = fd.power(f.power), let nd = d.times(p) else {
                        throw NapkinError(.dimension, "dimension exponent out of range", at: f.span)
                    }
                    d = nd
                }
                err = units.declareDerivedDimension(name, d)
            } else {
                err = units.declareBaseDimension(name)
            }
            if let err { throw NapkinError(.name, err, at: stmt.span) }
            return nil
        case .unit(let names, let dimName, let valueExpr, let prefixes, let doc):
            var factor = 1.0
            var dim = Dimension.none
            if let dimName {
                guard let d = units.dimensionsByName[dimName] else {
                    throw NapkinError(.name, "unknown dimension '\(dimName)'", at: stmt.span, notes: didYouMean(dimName, among: units.dimensionsByName.keys))
                }
                dim = d
            }
            if let valueExpr {
                let q = try quantity(try evaluate(valueExpr, in: program), valueExpr.span, "a unit's value")
                if dimName != nil, q.dim != dim {
                    throw NapkinError(.dimension, "unit \(names[0]) is declared as \(dimName!) but its value is \(units.describe(q.dim))", at: valueExpr.span)
                }
                // Every quantity is divided by its unit's size to be shown: zero, a negative or a
                // size too small to divide by (5e-324 m) would show infinities and NaN.
                guard q.value.isNormal, q.value > 0 else {
                    throw NapkinError(.runtime, "a unit's size must be a positive number, got \(formatter.valueAndUnit(q))", at: valueExpr.span)
                }
                factor = q.value
                dim = q.dim
            }
            for n in names where units.unit(n) != nil {
                throw NapkinError(.name, "unit '\(n)' is already declared", at: stmt.span)
            }
            units.declareUnit(names: names, factor: factor, dim: dim, prefixes: prefixes, doc: doc, isBase: valueExpr == nil)
            unitCache = [:]
            return nil
        case .prefix(let name, let entries):
            var list: [(String, Double)] = []
            for (sym, e) in entries {
                let q = try quantity(try evaluate(e, in: program), e.span, "a prefix factor")
                guard q.dim.isNone, q.value > 0 else { throw NapkinError(.runtime, "a prefix factor is a positive plain number", at: e.span) }
                list.append((sym, q.value))
            }
            units.declarePrefixFamily(name, list)
            return nil
        case .display(let dimName, let list):
            guard let d = units.dimensionsByName[dimName] else {
                throw NapkinError(.name, "unknown dimension '\(dimName)'", at: stmt.span, notes: didYouMean(dimName, among: units.dimensionsByName.keys))
            }
            var ladder: [DisplayUnit] = []
            for u in list {
                let r = try resolveUnit(u)
                guard r.dim == d else {
                    throw NapkinError(.dimension, "\(u.text) is \(units.describe(r.dim)), not \(dimName)", at: u.span)
                }
                ladder.append(units.displayUnit(u.text, factor: r.factor, dim: d))
            }
            units.declareLadder(d, ladder)
            return nil
        }
    }

    /// Moves a knob: same dimension, inside its range; it keeps the unit it displays in.
    func moveKnob(_ name: String, _ g: Global, _ info: KnobInfo, _ value: Quantity, at span: Span?) throws(NapkinError) {
        var v = value
        let where_ = span ?? Span(0, 0, file: nil)
        try sameDimension(v, info.low, where_, "the knob '\(name)'")
        try checkKnobRange(name, v, info, where_)
        if v.unit == nil, case .quantity(let old) = g.value { v.unit = old.unit }
        g.value = .quantity(v)
    }

    func checkKnobRange(_ name: String, _ v: Quantity, _ info: KnobInfo, _ span: Span) throws(NapkinError) {
        let tol = 1e-12 * max(abs(info.low.value), abs(info.high.value))
        if v.value < info.low.value - tol || v.value > info.high.value + tol {
            let f = formatter
            throw NapkinError(.runtime, "\(name) = \(f.valueAndUnit(v)) is outside the knob's range \(f.valueAndUnit(info.low))...\(f.valueAndUnit(info.high))", at: span)
        }
        // A stepped knob stops only on its grid: 5.5 cameras is not a setting.
        if let st = info.step {
            let k = (v.value - info.low.value) / st.value
            if abs(k - k.rounded()) > 1e-9 * max(1, abs(k)) {
                let f = formatter
                let below = info.snapped(info.low.value + k.rounded(.down) * st.value), above = info.snapped(info.low.value + k.rounded(.up) * st.value)
                let near = Set([below, above]).sorted().map { f.valueAndUnit(Quantity($0, v.dim, unit: v.unit ?? info.low.unit)) }
                throw NapkinError(.runtime, "\(name) = \(f.valueAndUnit(v)) is between settings: the knob moves in steps of \(f.valueAndUnit(st)) from \(f.valueAndUnit(info.low))", at: span,
                                  notes: ["try \(near.map { "\(name) = \($0)" }.joined(separator: " or "))"])
            }
        }
    }

    // MARK: - Expressions

    /// `3 kWh`: the number in the unit, shown in it. A unit means the same for the whole
    /// session, so compiled code resolves a literal once; an unknown unit errs where it is reached.
    func quantityLiteral(_ v: Double, _ u: UnitExpr, _ span: Span) throws(NapkinError) -> Value {
        let r = try resolveUnit(u)
        let display = units.displayUnit(u.text, factor: r.factor, dim: r.dim)
        let scaled = v * r.factor
        try checkFinite(scaled, span, "\(span.text)")
        return .quantity(Quantity(scaled, r.dim, unit: display))
    }

    /// `-x` and `not x`.
    func unary(_ op: String, _ v: Value, _ span: Span) throws(NapkinError) -> Value {
        if op == "not" {
            guard case .bool(let b) = v else { throw NapkinError(.runtime, "'not' needs true/false, got a \(v.typeName)", at: span) }
            return .bool(!b)
        }
        guard case .quantity(var q) = v else { throw NapkinError(.runtime, "cannot negate a \(v.typeName)", at: span) }
        q.value = -q.value
        return .quantity(q)
    }

    /// `and` / `or`, evaluating the right side only when it decides.
    func logic(_ op: BinaryOp, _ l: Expr, _ r: Expr, left: () throws(NapkinError) -> Value,
               right: () throws(NapkinError) -> Value) throws(NapkinError) -> Value {
        let lv = try left()
        guard case .bool(let lb) = lv else { throw NapkinError(.runtime, "'\(op.rawValue)' needs true/false on its left, got a \(lv.typeName)", at: l.span) }
        if op == .and && !lb { return .bool(false) }
        if op == .or && lb { return .bool(true) }
        let rv = try right()
        guard case .bool(let rb) = rv else { throw NapkinError(.runtime, "'\(op.rawValue)' needs true/false on its right, got a \(rv.typeName)", at: r.span) }
        return .bool(rb)
    }

    /// The condition of an `if`.
    func condition(_ v: Value, _ c: Expr) throws(NapkinError) -> Bool {
        guard case .bool(let b) = v else { throw NapkinError(.runtime, "'if' needs a true/false condition, got a \(v.typeName)", at: c.span) }
        return b
    }

    /// A string with its `{…}` parts filled in, within the length limit.
    func buildString(_ parts: [StringPart], _ span: Span, value: (Expr) throws(NapkinError) -> Value) throws(NapkinError) -> Value {
        var s = ""
        for p in parts {
            switch p {
            case .text(let t): s += t
            case .expr(let x): s += try describeInline(try value(x))
            }
            if s.utf8.count > limits.maxStringLength { return .string(try limitedString(s, span)) }
        }
        return .string(s)
    }

    /// A record from its entries in order; a later field (or spread) replaces an earlier one.
    func buildRecord(_ entries: [RecordEntry], value: (Expr) throws(NapkinError) -> Value) throws(NapkinError) -> Value {
        var keys: [String] = [], values: [Value] = []
        keys.reserveCapacity(entries.count)
        values.reserveCapacity(entries.count)
        // Where each key is, once there are too many to look through, so a big literal or spread
        // builds in linear time.
        var position: [String: Int]?
        func set(_ k: String, _ v: Value) {
            if position == nil, keys.count >= Record.fewKeys {
                position = Dictionary(uniqueKeysWithValues: zip(keys, keys.indices))
            }
            if let i = position == nil ? keys.firstIndex(of: k) : position![k] {
                values[i] = v
            } else {
                position?[k] = keys.count
                keys.append(k)
                values.append(v)
            }
        }
        for entry in entries {
            switch entry {
            case .field(let name, let x, _):
                set(name, try value(x))
            case .spread(let x):
                let v = try value(x)
                guard case .record(let r) = v else { throw NapkinError(.runtime, "'...' spreads a record, got a \(v.typeName)", at: x.span) }
                try reserve(r.keys.count * (MemoryLayout<Value>.stride + 16), x.span)
                // Spread first into an empty record: its keys are distinct already.
                if keys.isEmpty {
                    keys = r.keys
                    values = r.values
                    continue
                }
                for (k, fv) in zip(r.keys, r.values) {
                    set(k, fv)
                    if keys.count & 0xFFF == 0, cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: x.span) }
                }
            }
        }
        return .record(Record(keys: keys, values: values))
    }

    /// `assert` in a block or at the top level.
    func checkAssertion(_ v: Value, _ e: Expr) throws(NapkinError) {
        guard case .bool(let ok) = v else { throw NapkinError(.runtime, "assert needs a true/false condition, got a \(v.typeName)", at: e.span) }
        if !ok { throw NapkinError(.assertion, "assertion failed: \(e.span.text)", at: e.span) }
    }

    // MARK: Names

    /// A name no local binds: a global, a builtin or a unit (locals are slots of compiled code).
    func lookup(_ n: String, _ span: Span) throws(NapkinError) -> Value {
        if let g = globals[n] { return g.cell.read(self) }
        if let b = builtins[n] { return .function(b) }
        if let u = units.unit(n) {
            return .quantity(Quantity(u.factor, u.dim, unit: units.displayUnit(n, factor: u.factor, dim: u.dim)))
        }
        let candidates = Array(globals.keys) + Array(builtins.keys) + units.suggestableUnitNames(for: n)
        throw NapkinError(.name, "unknown name \(quotedName(n))", at: span, notes: didYouMean(n, among: candidates))
    }

    // MARK: Units

    func resolveUnit(_ u: UnitExpr) throws(NapkinError) -> (factor: Double, dim: Dimension) {
        if let c = unitCache[u.text] { return c }
        var factor = 1.0
        var dim = Dimension.none
        for f in u.factors {
            let name = f.name == "%" ? "percent" : f.name
            guard let info = units.unit(name) else {
                throw NapkinError.unknownUnit(f.name, at: f.span, candidates: units.suggestableUnitNames(for: f.name),
                                              isValue: globals[f.name] != nil, registry: units)
            }
            guard let p = info.dim.power(f.power), let nd = dim.times(p) else {
                throw NapkinError(.dimension, "unit exponent out of range", at: f.span)
            }
            factor *= pow(info.factor, Double(f.power))
            dim = nd
        }
        unitCache[u.text] = (factor, dim)
        return (factor, dim)
    }

    func convert(_ v: Value, _ u: UnitExpr, opSpan: Span, valueSpan: Span) throws(NapkinError) -> Value {
        let r = try resolveUnit(u)
        let display = units.displayUnit(u.text, factor: r.factor, dim: r.dim, explicit: true)
        switch v {
        case .quantity(var q):
            guard q.dim == r.dim else {
                throw NapkinError(.dimension, "cannot convert \(dimName(q.dim)) to \(u.text) (\(dimName(r.dim)))", at: opSpan,
                                  label: "\(units.describe(q.dim)) vs \(units.describe(r.dim))")
            }
            // 1e308 J in eV is 6e326 eV, past the largest number a Double holds.
            guard !q.value.isFinite || (q.value / display.factor).isFinite else {
                throw NapkinError(.runtime, "\(formatter.valueAndUnit(q)) is too large to show in \(u.text)", at: opSpan)
            }
            q.unit = display
            return .quantity(q)
        case .list(let items):
            try checkStack(opSpan)
            var out: [Value] = []
            for it in items { out.append(try convert(it, u, opSpan: opSpan, valueSpan: valueSpan)) }
            return .list(out)
        case .table(let t):
            // Every column whose first cell is of this dimension (a numeric column keeps its
            // numbers and takes the unit).
            var converted = false
            var columns = t.columns
            for c in columns.indices {
                guard t.count > 0, case .quantity(let q) = t.cell(0, c), q.dim == r.dim else { continue }
                converted = true
                switch t.columns[c] {
                case .numbers(let xs, let dim, _): columns[c] = .numbers(xs, dim: dim, unitID: display.id)
                case .values(let vs):
                    var out: [Value] = []
                    out.reserveCapacity(vs.count)
                    for v in vs { out.append(try convert(v, u, opSpan: opSpan, valueSpan: valueSpan)) }
                    columns[c] = TableColumn(out)
                }
            }
            guard converted else { throw NapkinError(.dimension, "no column of this table is \(dimName(r.dim))", at: opSpan) }
            return .table(Table(names: t.names, columns: columns))
        case .record(let rec):
            var values = rec.values
            var converted = false
            for i in values.indices {
                if case .quantity(let q) = values[i], q.dim == r.dim {
                    values[i] = try convert(values[i], u, opSpan: opSpan, valueSpan: valueSpan)
                    converted = true
                }
            }
            // A conversion that changes nothing is a mistake (`fleet_carbon() -> kWh`), not a no-op.
            guard converted else {
                throw NapkinError(.dimension, "no field of this record is \(dimName(r.dim))", at: opSpan,
                                  notes: ["its fields: " + rec.keys.joined(separator: ", ")])
            }
            return .record(Record(keys: rec.keys, values: values))
        default:
            throw NapkinError(.runtime, "cannot convert a \(v.typeName) to a unit", at: valueSpan)
        }
    }

    func dimName(_ d: Dimension) -> String {
        let n = units.name(of: d)
        return n.isEmpty ? "a plain number" : n
    }

    // MARK: Arithmetic

    func quantity(_ v: Value, _ span: Span, _ what: String) throws(NapkinError) -> Quantity {
        guard case .quantity(let q) = v else { throw NapkinError(.runtime, "\(what) must be a number or quantity, got a \(v.typeName)", at: span) }
        return q
    }

    func sameDimension(_ a: Quantity, _ b: Quantity, _ span: Span, _ what: @autoclosure () -> String) throws(NapkinError) {
        guard a.dim == b.dim else {
            throw NapkinError(.dimension, "\(what()) mixes \(dimName(a.dim)) and \(dimName(b.dim))", at: span,
                              label: "\(units.describe(a.dim)) vs \(units.describe(b.dim))")
        }
    }

    func checkFinite(_ x: Double, _ span: Span, _ what: @autoclosure () -> String) throws(NapkinError) {
        if x.isNaN { throw NapkinError(.runtime, "\(what()) is not a number (NaN)", at: span) }
        if x.isInfinite { throw NapkinError(.runtime, "\(what()) overflows to infinity", at: span) }
    }

    func binary(_ op: BinaryOp, _ a: Value, _ b: Value, opSpan: Span, lhs: Expr, rhs: Expr) throws(NapkinError) -> Value {
        if case .quantity(let x) = a, case .quantity(let y) = b {
            return try arithmetic(op, x, y, opSpan: opSpan)
        }
        switch (op, a, b) {
        case (.add, .string(let s), _): return .string(try limitedString(s + (try describeInline(b)), opSpan))
        case (.add, _, .string(let s)): return .string(try limitedString((try describeInline(a)) + s, opSpan))
        case (.add, .list(let x), .list(let y)):
            guard x.count + y.count <= limits.maxListLength else {
                throw NapkinError(.runtime, "list of \(x.count + y.count) items exceeds the limit of \(limits.maxListLength)", at: opSpan,
                                  notes: ["raise it with --max-list"])
            }
            try reserve((x.count + y.count) * MemoryLayout<Value>.stride, opSpan)
            return .list(x + y)
        case (.eq, _, _): return .bool(try valuesEqual(a, b, opSpan))
        case (.ne, _, _): return .bool(!(try valuesEqual(a, b, opSpan)))
        case (.lt, .string(let x), .string(let y)): return .bool(x < y)
        case (.gt, .string(let x), .string(let y)): return .bool(x > y)
        default:
            throw NapkinError(.runtime, "cannot apply '\(op.rawValue)' to a \(a.typeName) and a \(b.typeName)", at: opSpan)
        }
    }

    /// Strings stay under the length limit, so a runaway doubling stops with an error.
    func limitedString(_ s: String, _ span: Span) throws(NapkinError) -> String {
        guard s.utf8.count <= limits.maxStringLength else {
            throw NapkinError(.runtime, "string of \(s.utf8.count) bytes exceeds the limit of \(limits.maxStringLength)", at: span,
                              notes: ["raise it with --max-string"])
        }
        try reserve(s.utf8.count, span)
        return s
    }

    /// The common cases of `arithmetic`, inline and without errors: nil sends the operation to
    /// `arithmetic`, which handles everything (plain zeros, errors, powers with dimensions).
    @inline(__always)
    static func fastArithmetic(_ op: BinaryOp, _ x: Quantity, _ y: Quantity) -> Value? {
        switch op {
        case .lt, .gt:
            guard x.dim == y.dim else { return nil }
            return .bool(op == .lt ? x.value < y.value : x.value > y.value)
        default:
            return fastQuantity(op, x, y).map { .quantity($0) }
        }
    }

    /// A product keeps the unit of its one non-plain factor (`2 * 3 kWh` shows in kWh), except a
    /// ratio such as %: `100 * 5%` is 5 (5% of 100), not 500%.
    @inline(__always)
    static func productUnit(_ x: Quantity, _ y: Quantity) -> UInt32 {
        if x.isPlain { return y.dim.isNone ? 0 : y.unitID }
        if y.isPlain { return x.dim.isNone ? 0 : x.unitID }
        return 0
    }

    /// `fastArithmetic` for `+ - * / ^`.
    @inline(__always)
    static func fastQuantity(_ op: BinaryOp, _ x: Quantity, _ y: Quantity) -> Quantity? {
        let v: Double
        let dim: Dimension
        let unitID: UInt32
        switch op {
        case .add, .sub:
            guard x.dim == y.dim else { return nil }
            v = op == .add ? x.value + y.value : x.value - y.value
            dim = x.dim
            unitID = x.unitID == y.unitID ? x.unitID : 0
        case .mul:
            guard let d = x.dim.times(y.dim) else { return nil }
            v = x.value * y.value
            dim = d
            unitID = productUnit(x, y)
        case .div:
            guard y.value != 0, let d = x.dim.over(y.dim) else { return nil }
            v = x.value / y.value
            dim = d
            unitID = y.isPlain ? x.unitID : 0
        case .pow:
            // Plain numbers only, and no negative base with a fractional power or 0 to a negative one.
            guard x.dim.isNone, y.dim.isNone, x.value > 0 || (x.value == 0 && y.value >= 0) else { return nil }
            v = napkin_pow(x.value, y.value)
            dim = .none
            unitID = 0
        default:
            return nil
        }
        guard v.isFinite else { return nil }
        return Quantity(v, dim, unitID: unitID)
    }

    func arithmetic(_ op: BinaryOp, _ x: Quantity, _ y: Quantity, opSpan: Span) throws(NapkinError) -> Value {
        // A plain 0 fits every dimension: `x > 0`, `total + 0` and `max(0, x)` just work.
        var x = x, y = y
        if x.dim != y.dim, op != .mul, op != .div, op != .pow {
            if x.isPlainZero { x.dim = y.dim }
            else if y.isPlainZero { y.dim = x.dim }
        }
        switch op {
        case .add, .sub:
            guard x.dim == y.dim else {
                throw NapkinError(.dimension, "cannot \(op == .add ? "add" : "subtract") \(dimName(x.dim)) and \(dimName(y.dim))", at: opSpan,
                                  label: "\(units.describe(x.dim)) vs \(units.describe(y.dim))")
            }
            let v = op == .add ? x.value + y.value : x.value - y.value
            try checkFinite(v, opSpan, "the result")
            return .quantity(Quantity(v, x.dim, unitID: x.unitID == y.unitID ? x.unitID : 0))
        case .mul:
            guard let d = x.dim.times(y.dim) else { throw NapkinError(.dimension, "dimension exponent out of range", at: opSpan) }
            let v = x.value * y.value
            try checkFinite(v, opSpan, "the product")
            return .quantity(Quantity(v, d, unitID: Interpreter.productUnit(x, y)))
        case .div:
            guard let d = x.dim.over(y.dim) else { throw NapkinError(.dimension, "dimension exponent out of range", at: opSpan) }
            if y.value == 0 {
                throw NapkinError(.runtime, x.value == 0 ? "0/0 is undefined" : "division by zero", at: opSpan)
            }
            let v = x.value / y.value
            try checkFinite(v, opSpan, "the quotient")
            return .quantity(Quantity(v, d, unitID: y.isPlain ? x.unitID : 0))
        case .pow:
            return .quantity(try power(x, y, opSpan))
        case .lt, .le, .gt, .ge, .eq, .ne:
            guard x.dim == y.dim else {
                throw NapkinError(.dimension, "cannot compare \(dimName(x.dim)) and \(dimName(y.dim))", at: opSpan,
                                  label: "\(units.describe(x.dim)) vs \(units.describe(y.dim))")
            }
            switch op {
            case .lt: return .bool(x.value < y.value)
            case .le: return .bool(x.value <= y.value || nearlyEqual(x.value, y.value))
            case .gt: return .bool(x.value > y.value)
            case .ge: return .bool(x.value >= y.value || nearlyEqual(x.value, y.value))
            case .eq: return .bool(nearlyEqual(x.value, y.value))
            default: return .bool(!nearlyEqual(x.value, y.value))
            }
        case .and, .or:
            throw NapkinError(.runtime, "'\(op.rawValue)' needs true/false, got numbers", at: opSpan)
        }
    }

    func power(_ x: Quantity, _ y: Quantity, _ span: Span) throws(NapkinError) -> Quantity {
        guard y.dim.isNone else {
            throw NapkinError(.dimension, "an exponent must be a plain number, got \(units.describe(y.dim))", at: span)
        }
        let p = y.value
        var d = Dimension.none
        if !x.dim.isNone {
            if let nd = x.dim.raised(to: p) {
                d = nd
            } else if let n = Int(whole: p), abs(n) <= 100 {
                throw NapkinError(.dimension, "dimension exponent out of range", at: span)
            } else {
                throw NapkinError(.dimension, "cannot raise \(units.describe(x.dim)) to the power \(formatNumber(p, digits: 6)): the dimension would need a fractional exponent", at: span)
            }
        }
        if x.value < 0 && p != p.rounded() {
            throw NapkinError(.runtime, "a negative number has no real power \(formatNumber(p, digits: 6))", at: span)
        }
        if x.value == 0 && p < 0 { throw NapkinError(.runtime, "division by zero (0 to a negative power)", at: span) }
        let v = napkin_pow(x.value, p)
        try checkFinite(v, span, "the power")
        return Quantity(v, d)
    }

    func nearlyEqual(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    }

    func valuesEqual(_ a: Value, _ b: Value, _ span: Span) throws(NapkinError) -> Bool {
        switch (a, b) {
        case (.quantity(let x), .quantity(let y)):
            guard x.dim == y.dim else {
                throw NapkinError(.dimension, "cannot compare \(dimName(x.dim)) and \(dimName(y.dim))", at: span,
                                  label: "\(units.describe(x.dim)) vs \(units.describe(y.dim))")
            }
            return nearlyEqual(x.value, y.value)
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)):
            guard x.count == y.count else { return false }
            try checkStack(span)
            for (p, q) in zip(x, y) where !(try valuesEqual(p, q, span)) { return false }
            return true
        case (.record(let x), .record(let y)):
            guard x.keys == y.keys else { return false }
            try checkStack(span)
            for (p, q) in zip(x.values, y.values) where !(try valuesEqual(p, q, span)) { return false }
            return true
        case (.nothing, .nothing): return true
        case (.function(let f), .function(let g)): return f === g
        case (.figure(let f), .figure(let g)): return f === g
        default: return false
        }
    }

    // MARK: Fields and indexing

    /// `field` for compiled code: the site remembers where the field was, for next time.
    @inline(__always)
    func fieldValue(_ v: Value, _ site: FieldSite, _ span: Span) throws(NapkinError) -> Value {
        if case .record(let r) = v {
            if let x = r.field(site.name, hint: site.hint) { return x }
            if let j = r.keys.firstIndex(of: site.name) {
                if !isWorker { site.hint = j }
                return r.values[j]
            }
        }
        return try field(v, site.name, span)
    }

    func field(_ v: Value, _ name: String, _ span: Span) throws(NapkinError) -> Value {
        switch v {
        case .record(let r):
            if let x = r[name] { return x }
            throw NapkinError(.name, "this record has no field \(quotedName(name))", at: span,
                              notes: didYouMean(name, among: r.keys) + ["its fields: " + r.keys.joined(separator: ", ")])
        case .table(let t):
            if let i = t.names.firstIndex(of: name) { return try t.list(i, self, span) }
            throw NapkinError(.name, "this table has no column '\(name)'", at: span,
                              notes: didYouMean(name, among: t.names) + ["its columns: " + t.names.joined(separator: ", ")])
        default:
            throw NapkinError(.runtime, "a \(v.typeName) has no fields (looked for '\(name)')", at: span)
        }
    }

    func index(_ v: Value, _ i: Value, _ span: Span) throws(NapkinError) -> Value {
        if case .string(let key) = i { return try field(v, key, span) }
        guard case .quantity(let q) = i, q.dim.isNone, let k = Int(whole: q.value) else {
            throw NapkinError(.runtime, "an index is a whole number, got \(try describeInline(i))", at: span)
        }
        func pick(_ count: Int) throws(NapkinError) -> Int {
            let j = k < 0 ? count + k : k
            guard j >= 0, j < count else {
                throw NapkinError(.runtime, "index \(k) is out of range for \(count) item\(count == 1 ? "" : "s") (the first is 0)", at: span)
            }
            return j
        }
        switch v {
        case .list(let items): return items[try pick(items.count)]
        case .string(let s):
            let chars = Array(s)
            return .string(String(chars[try pick(chars.count)]))
        case .table(let t):
            return .record(t.record(try pick(t.count)))
        default:
            throw NapkinError(.runtime, "cannot index a \(v.typeName)", at: span)
        }
    }

    // MARK: Calls

    /// Calls an evaluated callee; `argument(i)` evaluates the i-th argument (in source order).
    func callValue(_ callee: Value, _ calleeExpr: Expr, _ args: [CallArgument], _ span: Span, calleeIsLocal: Bool,
                   argument: (Int) throws(NapkinError) -> Value) throws(NapkinError) -> Value {
        guard case .function(let f) = callee else {
            if case .name(let n) = calleeExpr.kind, globals[n] == nil, !calleeIsLocal, units.unit(n) != nil {
                throw NapkinError(.name, "'\(n)' is a unit, not a function", at: calleeExpr.span,
                                  notes: ["no function called '\(n)' is defined here"])
            }
            throw NapkinError(.runtime, "a \(callee.typeName) cannot be called", at: calleeExpr.span)
        }
        // A user function: its arguments go straight to their slots.
        if case .user(let params, _, _) = f.body {
            let shape = try callShape(f, params, args, span)
            do throws(NapkinError) {
                return try callCompiled(f, compiledBody(of: f), shape, span, argument: argument)
            } catch {
                throw pointAtArgument(error, args, shape, span)
            }
        }
        var positional: [Value] = []
        positional.reserveCapacity(args.count)
        var named: [(String, Value, Span)] = []
        for (k, a) in args.enumerated() {
            let v = try argument(k)
            if let label = a.label { named.append((label, v, a.labelSpan ?? a.value.span)) } else { positional.append(v) }
        }
        return try apply(f, positional, named, CallSite(span: span, arguments: args))
    }

    /// Calls a function value with one argument (`map`, `filter`).
    func apply(_ f: FunctionValue, _ x: Value, _ span: Span) throws(NapkinError) -> Value {
        if case .user(let params, _, _) = f.body, params.count >= 1 {
            return try callCompiled(f, compiledBody(of: f), CallShape.positional(1, of: params.count), span) { (_: Int) throws(NapkinError) -> Value in x }
        }
        return try apply(f, [x], [], span)
    }

    /// Calls a function value with positional and named arguments.
    public func apply(_ f: FunctionValue, _ positional: [Value], _ named: [(String, Value, Span)] = [], _ span: Span,
                      argSpans: [Span] = []) throws(NapkinError) -> Value {
        try apply(f, positional, named, CallSite(span: span, argSpans: argSpans))
    }

    /// Calls a function value; `site` points errors at the call and its arguments.
    func apply(_ f: FunctionValue, _ positional: [Value], _ named: [(String, Value, Span)], _ site: CallSite) throws(NapkinError) -> Value {
        let span = site.span
        try step(span)
        switch f.body {
        case .builtin(let b):
            var args = positional
            var site = site
            if !named.isEmpty {
                // The builtin asks for the span of its i-th parameter's argument: named ones may
                // be written in any order (`map(f: …, list: 1)` points at the 1).
                var spans = (0..<positional.count).map(site.arg)
                for (label, v, lspan) in named {
                    guard let i = b.parameters.firstIndex(of: label) else {
                        throw NapkinError(.name, "\(f.name) has no parameter \(quotedName(label))", at: lspan,
                                          notes: didYouMean(label, among: b.parameters) + ["\(f.signature)"])
                    }
                    while args.count < i { args.append(.nothing) }
                    if args.count == i { args.append(v) } else { args[i] = v }
                    while spans.count <= i { spans.append(site.span) }
                    spans[i] = site.valueSpan(label) ?? lspan
                }
                site = CallSite(span: site.span, argSpans: spans)
            }
            if args.count < b.minArgs || (b.maxArgs.map { args.count > $0 } ?? false) {
                let expected = b.maxArgs == b.minArgs ? "\(b.minArgs)" : b.maxArgs == nil ? "at least \(b.minArgs)" : "\(b.minArgs) to \(b.maxArgs!)"
                throw NapkinError(.runtime, "\(f.name) takes \(expected) argument\(expected == "1" ? "" : "s"), got \(args.count)", at: span,
                                  notes: [f.signature])
            }
            let result = try b.impl(self, args, site)
            if case .quantity(let q) = result { try checkFinite(q.value, span, "the result of \(f.name)") }
            return result
        case .user(let params, _, _):
            // Arguments in order, as builtins pass them: straight to their slots.
            if named.isEmpty, positional.count <= params.count {
                return try callCompiled(f, compiledBody(of: f), CallShape.positional(positional.count, of: params.count), span) {
                    (k: Int) throws(NapkinError) -> Value in positional[k]
                }
            }
            let slots = try argumentSlots(f, params, positionalCount: positional.count, labels: named.map { ($0.0, $0.2) }, span)
            var given = [Value?](repeating: nil, count: params.count)
            for (i, v) in positional.enumerated() { given[slots[i]] = v }
            for (k, arg) in named.enumerated() { given[slots[positional.count + k]] = arg.1 }
            return try invoke(f, given, span)
        }
    }

    /// Where a call's arguments go in `f`'s frame, and which parameters take their defaults.
    func callShape(_ f: FunctionValue, _ params: [Parameter], _ args: [CallArgument], _ span: Span) throws(NapkinError) -> CallShape {
        let positionalCount = args.prefix { $0.label == nil }.count
        // Arguments in order, none named (a lambda or a function passed in): a shared shape.
        if positionalCount == args.count, positionalCount <= params.count { return CallShape.positional(positionalCount, of: params.count) }
        let labels = args.dropFirst(positionalCount).map { ($0.label ?? "", $0.labelSpan ?? $0.value.span) }
        return CallShape(slots: try argumentSlots(f, params, positionalCount: positionalCount, labels: labels, span), parameters: params.count)
    }

    /// Where each argument of a call goes: positional ones in order, then named ones by label.
    func argumentSlots(_ f: FunctionValue, _ params: [Parameter], positionalCount: Int, labels: [(String, Span)],
                       _ span: Span) throws(NapkinError) -> [Int] {
        if positionalCount > params.count {
            throw NapkinError(.runtime, "\(f.name) takes \(params.count) argument\(params.count == 1 ? "" : "s"), got \(positionalCount)", at: span,
                              notes: [f.signature])
        }
        var slots = Array(0..<positionalCount)
        for (label, lspan) in labels {
            guard let i = f.paramNames.firstIndex(of: label) else {
                throw NapkinError(.name, "\(f.name) has no parameter \(quotedName(label))", at: lspan,
                                  notes: didYouMean(label, among: f.paramNames) + [f.signature])
            }
            if slots.contains(i) { throw NapkinError(.runtime, "argument '\(label)' is given twice", at: lspan) }
            slots.append(i)
        }
        return slots
    }

    /// Runs a user function with its arguments in parameter order (nil: use the default).
    func invoke(_ f: FunctionValue, _ given: [Value?], _ span: Span) throws(NapkinError) -> Value {
        let slots = given.indices.filter { given[$0] != nil }
        return try callCompiled(f, compiledBody(of: f), CallShape(slots: slots, parameters: given.count), span) { (k: Int) throws(NapkinError) -> Value in
            given[slots[k]]!
        }
    }
}

/// Where a builtin was called from, for its error messages.
public struct CallSite {
    public var span: Span
    /// The arguments' spans, given as such or read from the call's syntax when an error needs
    /// one (a builtin call then makes no array of spans).
    private let spans: [Span]
    private let arguments: [CallArgument]
    public init(span: Span, argSpans: [Span]) {
        self.span = span
        spans = argSpans
        arguments = []
    }
    init(span: Span, arguments: [CallArgument]) {
        self.span = span
        spans = []
        self.arguments = arguments
    }
    public func arg(_ i: Int) -> Span {
        if i < spans.count { return spans[i] }
        return i < arguments.count ? arguments[i].value.span : span
    }
    /// The span of the value of the argument named `label`, when the call's syntax is known.
    func valueSpan(_ label: String) -> Span? {
        arguments.first { $0.label == label }?.value.span
    }
}
