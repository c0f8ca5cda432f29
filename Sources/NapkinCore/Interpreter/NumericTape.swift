import CVectorMath
import Foundation

/// Straight-line arithmetic (`fleet * (u * hw.power + (1 - u) * hw.idle) * 1 year`) run on plain
/// Doubles, with dimensions worked out once instead of at every operation.
///
/// Which dimension and display unit each operation yields depends only on the dimensions and
/// units of its leaves (the constants, names and record fields it reads), never on their values,
/// as long as every operation takes its common case: equal dimensions for `+` and `-`, a plain
/// exponent for `^`. So the first run records the leaves' dimensions and works out the result's;
/// later runs check the leaves against that record (one comparison each) and do only the Double
/// arithmetic. Anything else — a leaf of another dimension, a value that is not a quantity, a
/// division by zero, a non-finite result, a plain zero meeting a unit — hands the whole
/// expression to the compiled closures, which mean the same and report the error. That is safe
/// because leaves are only constants, names and fields of named records: reading them twice
/// changes nothing.
final class NumericTape {
    enum Kind: UInt8 {
        case add, sub, mul, div, pow, neg

        /// The binary operator this step performs (nil: unary minus).
        var `operator`: BinaryOp? {
            switch self {
            case .add: return .add
            case .sub: return .sub
            case .mul: return .mul
            case .div: return .div
            case .pow: return .pow
            case .neg: return nil
            }
        }
    }

    struct Step {
        let kind: Kind
        let a: Int32, b: Int32
    }

    /// Where a leaf comes from. The readers are held by the tape (`keep`), so the leaves can
    /// refer to them without reference counting.
    enum Leaf {
        case constant(Quantity)
        case slot(Int)
        case global(Unmanaged<GlobalCell>)
        case field(Unmanaged<FieldReader>)
    }

    static let maxSize = 64
    /// A tape that spans calls may be longer: it replaces a whole sweep body.
    static let maxSpanningSize = 512

    let leafCount: Int
    let stepCount: Int
    private let leaves: UnsafeMutablePointer<Leaf>
    private let steps: UnsafeMutablePointer<Step>
    /// The leaves that are not constants (only they are read and checked on each run), and the
    /// constant ones with their values.
    private let variable: UnsafeMutablePointer<Int>
    private let variableCount: Int
    private let constants: UnsafeMutablePointer<(Int, Quantity)>
    private let constantCount: Int
    /// What the leaves refer to, kept alive with the tape.
    private let keep: [AnyObject]
    /// The shape of the first run: each leaf's dimension and unit, and the result's.
    private let leafDims: UnsafeMutablePointer<Dimension>
    private let leafUnits: UnsafeMutablePointer<UInt32>
    private var recorded = false
    /// The recorded shape needs the generic rules (two dimensions added, a power of a unit).
    private var unusable = false
    private var resultDim = Dimension.none
    private var resultUnit: UInt32 = 0

    /// What a tape that spans calls must check before it runs (see `block`): each inlined
    /// function is still the one compiled in (a REPL line can redefine it), the declared
    /// dimensions of its parameters (a register, or a global a parameter stands for) and of its
    /// result, and how deep the calls nest.
    struct Inlined {
        var guards: [(GlobalCell, UInt64)] = []
        var checks: [(Int32, TypeCheck)] = []
        var globalChecks: [(GlobalCell, TypeCheck)] = []
        var nesting = 0
    }
    /// Nil for a tape of one expression; a tape that spans calls runs only over blocks.
    let inlined: Inlined?

    /// The register of the result: the last step's, except in a tape that spans calls, where a
    /// call's value may be any register (`fn pick(a, b = a * 2, c = b + 1) = c`).
    let result: Int

    init(leaves: [Leaf], steps: [Step], keep: [AnyObject], inlined: Inlined? = nil, result: Int? = nil) {
        self.inlined = inlined
        self.result = result ?? leaves.count + steps.count - 1
        leafCount = leaves.count
        stepCount = steps.count
        self.leaves = .allocate(capacity: max(1, leaves.count))
        self.leaves.initialize(from: leaves, count: leaves.count)
        self.steps = .allocate(capacity: max(1, steps.count))
        self.steps.initialize(from: steps, count: steps.count)
        leafDims = .allocate(capacity: max(1, leaves.count))
        leafDims.initialize(repeating: .none, count: leaves.count)
        leafUnits = .allocate(capacity: max(1, leaves.count))
        leafUnits.initialize(repeating: 0, count: leaves.count)
        self.keep = keep
        var variableLeaves: [Int] = [], constantLeaves: [(Int, Quantity)] = []
        for (i, l) in leaves.enumerated() {
            if case .constant(let q) = l { constantLeaves.append((i, q)) } else { variableLeaves.append(i) }
        }
        variableCount = variableLeaves.count
        variable = .allocate(capacity: max(1, variableCount))
        variable.initialize(from: variableLeaves, count: variableCount)
        constantCount = constantLeaves.count
        constants = .allocate(capacity: max(1, constantCount))
        constants.initialize(from: constantLeaves, count: constantCount)
    }

    deinit {
        variable.deallocate()
        constants.deallocate()
        leaves.deallocate()
        steps.deallocate()
        leafDims.deallocate()
        leafUnits.deallocate()
    }

    /// The expression's value; `generic` computes it the ordinary way when the tape cannot.
    @inline(__always)
    func run(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>, generic: NumericCode) throws(NapkinError) -> Quantity {
        // Not recorded yet and on a worker (which may not record), or recorded as not for a tape.
        if inlined != nil { return try generic(interp, s) }
        if recorded ? unusable : interp.isWorker { return try generic(interp, s) }
        let fast: Quantity? = withUnsafeTemporaryAllocation(of: Quantity.self, capacity: leafCount) { qs in
            load(interp, s, qs.baseAddress!) ? compute(interp, qs.baseAddress!) : nil
        }
        if let fast { return fast }
        return try generic(interp, s)
    }

    /// Reads every leaf; false when one is not a quantity or cannot be read (the generic code
    /// will say why).
    private func load(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>, _ qs: UnsafeMutablePointer<Quantity>) -> Bool {
        for k in 0..<constantCount { qs[constants[k].0] = constants[k].1 }
        for k in 0..<variableCount {
            let i = variable[k]
            switch leaves[i] {
            case .constant(let q): qs[i] = q
            case .slot(let k):
                guard case .quantity(let q) = s[k] else { return false }
                qs[i] = q
            case .global(let cell):
                // The tape holds the reader: no reference count to touch (cores share tapes).
                let value = cell._withUnsafeGuaranteedRef { c -> Quantity? in
                    guard c.defined, case .quantity(let q) = c.read(interp) else { return nil }
                    return q
                }
                guard let q = value else { return false }
                qs[i] = q
            case .field(let f):
                guard let q = f._withUnsafeGuaranteedRef({ $0.read(interp, s) }) else { return false }
                qs[i] = q
            }
        }
        return true
    }

    private func compute(_ interp: Interpreter, _ qs: UnsafeMutablePointer<Quantity>) -> Quantity? {
        if !recorded {
            // Workers share the tape: only the calling thread records it.
            if interp.isWorker { return nil }
            record(qs)
        }
        if unusable { return nil }
        for k in 0..<variableCount {
            let i = variable[k]
            if qs[i].dim != leafDims[i] || qs[i].unitID != leafUnits[i] { return nil }
        }
        let value: Double? = withUnsafeTemporaryAllocation(of: Double.self, capacity: leafCount + stepCount) { r in
            for i in 0..<leafCount { r[i] = qs[i].value }
            for k in 0..<stepCount {
                let st = steps[k]
                let x = r[Int(st.a)], y = r[Int(st.b)]
                let v: Double
                switch st.kind {
                case .add: v = x + y
                case .sub: v = x - y
                case .mul: v = x * y
                case .div:
                    guard y != 0 else { return nil }
                    v = x / y
                case .pow:
                    guard x > 0 || (x == 0 && y >= 0) else { return nil }
                    v = napkin_pow(x, y)
                case .neg:
                    r[leafCount + k] = -x
                    continue
                }
                guard v.isFinite else { return nil }
                r[leafCount + k] = v
            }
            return r[leafCount + stepCount - 1]
        }
        return value.map { Quantity($0, resultDim, unitID: resultUnit) }
    }

    /// Works out each step's dimension and unit from the leaves' by the very rules of the
    /// closures' common case (`Interpreter.fastQuantity`), applied to operands of value 1 (so no
    /// value decides anything): a step those rules do not take makes the tape unusable.
    private func record(_ qs: UnsafeMutablePointer<Quantity>) {
        recorded = true
        var shapes: [Quantity] = []
        for i in 0..<leafCount {
            leafDims[i] = qs[i].dim
            leafUnits[i] = qs[i].unitID
            shapes.append(Quantity(1, qs[i].dim, unitID: qs[i].unitID))
        }
        for k in 0..<stepCount {
            let st = steps[k]
            let x = shapes[Int(st.a)], y = shapes[Int(st.b)]
            guard let op = st.kind.operator else {
                shapes.append(x)  // unary minus keeps dimension and unit
                continue
            }
            guard let q = Interpreter.fastQuantity(op, x, y) else { unusable = true; return }
            shapes.append(Quantity(1, q.dim, unitID: q.unitID))
        }
        resultDim = shapes[shapes.count - 1].dim
        resultUnit = shapes[shapes.count - 1].unitID
    }
}

extension BodyCompiler {
    /// A tape for an arithmetic expression of at least `minimumSteps` operations whose leaves are
    /// all constants, names or fields of named records; nil otherwise. With `spanCalls`, calls of
    /// global user functions are inlined into it (their parameters bound to the arguments'
    /// registers, or to the globals they stand for): such a tape runs only over blocks.
    func compileTape(_ e: Expr, minimumSteps: Int = 3, spanCalls: Bool = false) -> NumericTape? {
        var leaves: [NumericTape.Leaf] = []
        var keep: [AnyObject] = []
        var inlined = NumericTape.Inlined()
        var checks: [((Bool, Int32), TypeCheck)] = []
        var calls: [FunctionValue] = []
        let limit = spanCalls ? NumericTape.maxSpanningSize : NumericTape.maxSize

        func leaf(_ l: NumericTape.Leaf) -> (Bool, Int32) {
            leaves.append(l)
            return (false, Int32(leaves.count - 1))
        }
        // Registers hold the leaves, then one result per step. The leaf count is known only at
        // the end, so operands are noted as (is a step, index) and numbered afterwards.
        var operands: [(Bool, Int32, Bool, Int32)] = []
        var kinds: [NumericTape.Kind] = []

        /// What a name means inside an inlined call: a register, or the global it stands for
        /// (which may be a record whose fields are read). Outside calls (`env` nil) names mean
        /// what they mean to this compiler: slots, constant parameters, aliases, globals.
        enum Binding { case register((Bool, Int32)), global(String) }
        /// Inside an inlined call: its function's resolution, and what each parameter is bound to.
        typealias Env = (resolution: Resolution, parameters: [Declaration: Binding])

        func global(_ n: String) -> (Bool, Int32)? {
            guard let cell = interp.globals[n]?.cell else { return nil }
            keep.append(cell)
            return leaf(.global(Unmanaged.passUnretained(cell)))
        }
        /// What a name means inside an inlined call (nil: a global, builtin or unit).
        func parameter(_ x: Expr, _ env: Env) -> Binding? {
            env.resolution.declaration(of: x).flatMap { env.parameters[$0] }
        }
        /// The global a name stands for, if it is not bound to a register.
        func globalName(_ x: Expr, _ env: Env?) -> String? {
            guard case .name(let n) = x.kind else { return nil }
            if let env {
                guard let d = env.resolution.declaration(of: x) else { return n }
                if case .global(let t)? = env.parameters[d] { return t }
                return nil
            }
            return self.globalName(x)
        }
        func binding(_ x: Expr, _ env: Env?) -> Binding? {
            if case .name = x.kind {
                if let env, let b = parameter(x, env) { return b }
                if let t = globalName(x, env), interp.globals[t] != nil { return .global(t) }
            }
            return visit(x, env).map { .register($0) }
        }
        func visit(_ x: Expr, _ env: Env?) -> (Bool, Int32)? {
            if leaves.count + kinds.count >= limit { return nil }
            if env == nil, let q = constantValue(x) { return leaf(.constant(q)) }
            switch x.kind {
            case .number(let v):
                return leaf(.constant(Quantity(v)))
            case .quantity:
                guard case .quantity(let v, let u) = x.kind, case .quantity(let q)? = try? interp.quantityLiteral(v, u, x.span) else { return nil }
                return leaf(.constant(q))
            case .name:
                if env == nil, let i = slot(x) { return leaf(.slot(i)) }
                if let env, case .register(let r)? = parameter(x, env) { return r }
                return globalName(x, env).flatMap(global)
            case .field(let base, let name, _):
                let reader: FieldReader?
                if env != nil {
                    guard let t = globalName(base, env), let cell = interp.globals[t]?.cell else { return nil }
                    reader = FieldReader(slot: nil, cell: cell, name: name)
                } else {
                    reader = fieldReader(base, name)
                }
                guard let reader else { return nil }
                keep.append(reader)
                return leaf(.field(Unmanaged.passUnretained(reader)))
            case .unary("-", let y):
                guard let a = visit(y, env) else { return nil }
                return step(.neg, a, a)
            case .binary(let op, let l, let r, _) where op.isArithmetic:
                guard let a = visit(l, env), let b = visit(r, env) else { return nil }
                let kind: NumericTape.Kind
                switch op {
                case .add: kind = .add
                case .sub: kind = .sub
                case .mul: kind = .mul
                case .div: kind = .div
                default: kind = .pow
                }
                return step(kind, a, b)
            case .call(let callee, let args) where spanCalls:
                return inline(x, callee, args, env)
            default:
                return nil
            }
        }
        /// A call of a global user function, by the rules of `compileInlineCall`: arguments are
        /// bound in the caller's scope, a default sees only the parameters before it, a function
        /// is never inlined into itself.
        func inline(_ e: Expr, _ callee: Expr, _ args: [CallArgument], _ env: Env?) -> (Bool, Int32)? {
            guard let target = globalName(callee, env),
                  calls.count < BodyCompiler.maxInlineDepth, let g = interp.globals[target], g.kind == .function,
                  case .function(let f) = g.value, case .user(let params, let body, nil) = f.body, f.contractResolved,
                  !calls.contains(where: { $0 === f }), !inlining.contains(where: { $0 === f }) else { return nil }
            let positionalCount = args.prefix { $0.label == nil }.count
            let labels = args.dropFirst(positionalCount).map { ($0.label ?? "", $0.labelSpan ?? $0.value.span) }
            guard let argSlots = try? interp.argumentSlots(f, params, positionalCount: positionalCount, labels: labels, e.span) else { return nil }
            var given = [Binding?](repeating: nil, count: params.count)
            for (k, a) in args.enumerated() {
                guard let b = binding(a.value, env) else { return nil }
                given[argSlots[k]] = b
            }
            calls.append(f)
            defer { calls.removeLast() }
            inlined.nesting = max(inlined.nesting, calls.count)
            guard let resolution = f.resolution else { return nil }
            var callee: Env = (resolution, [:])
            for (i, p) in params.enumerated() {
                if given[i] == nil {
                    guard let d = p.defaultValue, let b = binding(d, callee) else { return nil }
                    given[i] = b
                }
                callee.parameters[.parameter(p.name, i, of: body)] = given[i]
            }
            if let contract = f.contract {
                for (i, check) in contract.parameters.enumerated() {
                    guard let check else { continue }
                    switch given[i]! {
                    case .register(let r): checks.append((r, check))
                    case .global(let t):
                        guard let cell = interp.globals[t]?.cell else { return nil }
                        inlined.globalChecks.append((cell, check))
                    }
                }
            }
            inlined.guards.append((g.cell, g.cell.version))
            guard let r = visit(body, callee) else { return nil }
            if let check = f.contract?.result { checks.append((r, check)) }
            return r
        }
        func step(_ kind: NumericTape.Kind, _ a: (Bool, Int32), _ b: (Bool, Int32)) -> (Bool, Int32) {
            kinds.append(kind)
            operands.append((a.0, a.1, b.0, b.1))
            return (true, Int32(kinds.count - 1))
        }

        guard let root = visit(e, nil), kinds.count >= minimumSteps else { return nil }
        let leafCount = Int32(leaves.count)
        func register(_ o: (Bool, Int32)) -> Int32 { o.0 ? leafCount + o.1 : o.1 }
        let steps = zip(kinds, operands).map { k, o in NumericTape.Step(kind: k, a: register((o.0, o.1)), b: register((o.2, o.3))) }
        inlined.checks = checks.map { (register($0.0), $0.1) }
        return NumericTape(leaves: leaves, steps: steps, keep: keep, inlined: spanCalls ? inlined : nil, result: Int(register(root)))
    }
}

extension NumericTape {
    /// The tape run over a sweep's points a block at a time: each operation is one tight loop
    /// over the block's Doubles (which the compiler vectorises), and whatever does not depend on
    /// the swept value — constants, knobs not swept, globals, fields of global records,
    /// defaults, and every operation on those alone — is read or computed once for the whole
    /// sweep. nil when the sweep cannot run this way (a leaf that is not a quantity, an
    /// operation outside the common case, an inlined function redefined, a declared dimension
    /// that does not fit): the sweep then runs point by point, which says why.
    ///
    /// `sweptSlot`/`sweptCell` say which leaf is the swept value (a slot, or the knob a sweep
    /// moves); `x` is the shape (dimension and unit) of every point.
    func block(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>, sweptSlot: Int?, sweptCell: GlobalCell?,
               x: (Dimension, UInt32)) -> Block? {
        guard let inlined, stepCount > 0 else { return nil }
        for (cell, version) in inlined.guards where !cell.defined || cell.version != version { return nil }
        if interp.callDepth + inlined.nesting > interp.limits.maxCallDepth { return nil }
        for (cell, check) in inlined.globalChecks where !cell.defined || !check.accepts(cell.read(interp)) { return nil }
        let count = leafCount + stepCount
        // Per register: its dimension and unit, and its value when it is the same at every point.
        var dims: [Dimension] = [], units: [UInt32] = [], fixed: [Double?] = []
        dims.reserveCapacity(count); units.reserveCapacity(count); fixed.reserveCapacity(count)
        func add(_ q: Quantity, varying: Bool) {
            dims.append(q.dim)
            units.append(q.unitID)
            fixed.append(varying ? nil : q.value)
        }
        for i in 0..<leafCount {
            switch leaves[i] {
            case .constant(let q):
                add(q, varying: false)
            case .slot(let k):
                if k == sweptSlot { add(Quantity(1, x.0, unitID: x.1), varying: true); continue }
                guard case .quantity(let q) = s[k] else { return nil }
                add(q, varying: false)
            case .global(let c):
                let cell = c.takeUnretainedValue()
                if cell === sweptCell { add(Quantity(1, x.0, unitID: x.1), varying: true); continue }
                guard cell.defined, case .quantity(let q) = cell.read(interp) else { return nil }
                add(q, varying: false)
            case .field(let f):
                let reader = f.takeUnretainedValue()
                if reader.slot != nil && reader.slot == sweptSlot { return nil }
                guard let q = reader.lookup(interp, s) else { return nil }
                add(q, varying: false)
            }
        }
        // Shapes by the rules of the common case on operands of value 1 (as `record` does), and
        // the values of the operations whose operands are fixed, by those very rules.
        for k in 0..<stepCount {
            let st = steps[k]
            let a = Int(st.a), b = Int(st.b)
            let shapeA = Quantity(1, dims[a], unitID: units[a]), shapeB = Quantity(1, dims[b], unitID: units[b])
            if let va = fixed[a], let vb = fixed[b] {
                guard let op = st.kind.operator else {
                    add(Quantity(-va, dims[a], unitID: units[a]), varying: false)
                    continue
                }
                guard let q = Interpreter.fastQuantity(op, Quantity(va, dims[a], unitID: units[a]), Quantity(vb, dims[b], unitID: units[b])) else { return nil }
                add(q, varying: false)
            } else if let op = st.kind.operator {
                guard let q = Interpreter.fastQuantity(op, shapeA, shapeB) else { return nil }
                add(q, varying: true)
            } else {
                add(shapeA, varying: true)
            }
        }
        for (r, check) in inlined.checks {
            let i = Int(r)
            guard check.accepts(.quantity(Quantity(fixed[i] ?? 1, dims[i], unitID: units[i]))) else { return nil }
        }
        return Block(self, dims: dims, units: units, fixed: fixed, count: count, x: x, interp)
    }

    final class Block {
        /// Points per block: the registers of a long body stay in the cache.
        static let size = 1024

        enum Operand {
            case vector(UnsafeMutablePointer<Double>)
            case scalar(Double)
        }
        struct Op {
            let kind: Kind
            let a: Operand, b: Operand
            let out: UnsafeMutablePointer<Double>
        }

        private let ops: [Op]
        private let storage: UnsafeMutablePointer<Double>
        private let capacity: Int
        /// Whether the buffer is still this block's (`recycle` hands it back to an interpreter).
        private var ownsStorage = true
        /// The result when it is the same at every point (`values` then holds it throughout).
        private let fixedResult: Double?
        /// The swept values of the current block, and its results.
        let xs: UnsafeMutablePointer<Double>
        let values: UnsafeMutablePointer<Double>
        /// Every point's shape, and every result's.
        let x: (Dimension, UInt32)
        let dim: Dimension, unitID: UInt32

        fileprivate init(_ tape: NumericTape, dims: [Dimension], units: [UInt32], fixed: [Double?], count: Int, x: (Dimension, UInt32),
                         _ interp: Interpreter) {
            // A block is made at every run of its sweep (in a sweep of sweeps, once per outer
            // point), so it is made without hashing: a varying step's buffer is found by its
            // place among the varying steps, counted in one pass.
            var varying = 0
            for r in tape.leafCount..<count where fixed[r] == nil { varying += 1 }
            // The swept values, each varying step's results, and the result when it is fixed.
            let (storage, capacity) = Block.buffer((varying + 2) * Block.size, interp)
            self.storage = storage
            self.capacity = capacity
            xs = storage
            // buffer[r - leafCount]: where step r writes, when it varies.
            var buffer = [UnsafeMutablePointer<Double>](repeating: storage, count: count - tape.leafCount)
            var ops: [Op] = []
            ops.reserveCapacity(varying)
            func operand(_ r: Int) -> Operand {
                if let v = fixed[r] { return .scalar(v) }
                return .vector(r < tape.leafCount ? storage : buffer[r - tape.leafCount])
            }
            for r in tape.leafCount..<count where fixed[r] == nil {
                let out = storage + (ops.count + 1) * Block.size
                buffer[r - tape.leafCount] = out
                let st = tape.steps[r - tape.leafCount]
                ops.append(Op(kind: st.kind, a: operand(Int(st.a)), b: operand(Int(st.b)), out: out))
            }
            self.ops = ops
            let last = tape.result
            fixedResult = fixed[last]
            if let v = fixed[last] {
                values = storage + (varying + 1) * Block.size
                values.initialize(repeating: v, count: Block.size)
            } else {
                values = last < tape.leafCount ? storage : buffer[last - tape.leafCount]
            }
            self.x = x
            dim = dims[last]
            unitID = units[last]
        }

        /// A block like `other` with buffers of its own, for another core.
        private init(copying other: Block, _ interp: Interpreter) {
            (storage, capacity) = Block.buffer(other.capacity, interp)
            let base = storage
            func moved(_ p: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> { base + (p - other.storage) }
            func moved(_ a: Operand) -> Operand {
                if case .vector(let p) = a { return .vector(moved(p)) }
                return a
            }
            ops = other.ops.map { Op(kind: $0.kind, a: moved($0.a), b: moved($0.b), out: moved($0.out)) }
            xs = storage
            values = moved(other.values)
            fixedResult = other.fixedResult
            if let v = fixedResult { values.initialize(repeating: v, count: Block.size) }
            x = other.x
            dim = other.dim
            unitID = other.unitID
        }

        func copy(_ interp: Interpreter) -> Block { Block(copying: self, interp) }

        deinit { if ownsStorage { storage.deallocate() } }

        /// A buffer of at least `capacity` Doubles: one `interp` has finished with, or a new one.
        private static func buffer(_ capacity: Int, _ interp: Interpreter) -> (UnsafeMutablePointer<Double>, Int) {
            if let i = interp.spareBlockBuffers.lastIndex(where: { $0.capacity >= capacity }) {
                return interp.spareBlockBuffers.remove(at: i)
            }
            return (.allocate(capacity: capacity), capacity)
        }

        /// Hands the buffer to `interp` for its next block; the block is not run again. Called
        /// on the thread `interp` runs on, when the sweep is done with the block.
        func recycle(into interp: Interpreter) {
            guard ownsStorage else { return }
            ownsStorage = false
            // A few buffers are enough: blocks of one thread are alive one or two at a time.
            if interp.spareBlockBuffers.count < 4 {
                interp.spareBlockBuffers.append((storage, capacity))
            } else {
                storage.deallocate()
            }
        }

        /// Puts points `start..<start+n` into `xs`; false when one is not of the sweep's shape.
        func load(_ points: SweepPoints, _ start: Int, _ n: Int) -> Bool {
            switch points {
            case .range(let r):
                // As `RangeSpec.value`, to the bit. Below 2³¹ the point's number converts from
                // 32 bits, exactly the same Double, two at a time (64-bit integers convert one
                // by one without AVX-512).
                if start + n <= Int(Int32.max) {
                    let first = Int32(start)
                    for i in 0..<Int32(n) { xs[Int(i)] = r.lo + Double(first &+ i) * r.step }
                } else {
                    for i in 0..<n { xs[i] = r.lo + Double(start + i) * r.step }
                }
            case .list(let items):
                for i in 0..<n {
                    guard case .quantity(let q) = items[start + i], q.dim == x.0, q.unitID == x.1 else { return false }
                    xs[i] = q.value
                }
            }
            return true
        }

        /// Computes `values` for the `n` points in `xs`. False when any point leaves the common
        /// case (a non-finite result, which a division by zero also gives; a power outside its
        /// domain): the caller then runs the block point by point, which reports the first error
        /// exactly as before.
        func run(_ n: Int) -> Bool {
            var ok = true
            for op in ops {
                let o = op.out
                let finite: Bool
                switch op.kind {
                // The loops are C compiled for the processor (CVectorMath's block_ops.c).
                case .add: finite = Block.each(n, op.a, op.b, o, napkin_block_add_vv, napkin_block_add_vs, napkin_block_add_sv) { $0 + $1 }
                case .sub: finite = Block.each(n, op.a, op.b, o, napkin_block_sub_vv, napkin_block_sub_vs, napkin_block_sub_sv) { $0 - $1 }
                case .mul: finite = Block.each(n, op.a, op.b, o, napkin_block_mul_vv, napkin_block_mul_vs, napkin_block_mul_sv) { $0 * $1 }
                case .div: finite = Block.each(n, op.a, op.b, o, napkin_block_div_vv, napkin_block_div_vs, napkin_block_div_sv) { $0 / $1 }
                case .neg:
                    switch op.a {
                    case .vector(let p): finite = napkin_block_neg(p, o, n) != 0
                    case .scalar(let x): finite = Block.fill(n, -x, o)
                    }
                case .pow:
                    // napkin's power over the whole block (CVectorMath): the bits of each point's
                    // own `napkin_pow`, four points at a time.
                    if !Block.inDomain(n, op.a, op.b) { ok = false }
                    finite = Block.power(n, op.a, op.b, o)
                }
                if !finite { return false }
            }
            return ok
        }

        /// Whether the block is worth sharing out between cores: a power costs far more per
        /// point than handing the block over; `+ - * /` cost less.
        var costly: Bool { ops.contains { $0.kind == .pow } }

        /// Whether every point's power is defined: a positive base, or zero to a power ≥ 0.
        private static func inDomain(_ n: Int, _ a: Operand, _ b: Operand) -> Bool {
            // Counted without branches, so the loops vectorise.
            @inline(__always) func bad(_ x: Double, _ y: Double) -> Int {
                (x > 0 ? 0 : 1) & (x == 0 && y >= 0 ? 0 : 1)
            }
            var count = 0
            switch (a, b) {
            case (.vector(let p), .vector(let q)): for i in 0..<n { count &+= bad(p[i], q[i]) }
            case (.vector(let p), .scalar(let y)): for i in 0..<n { count &+= bad(p[i], y) }
            case (.scalar(let x), .vector(let q)):
                // A positive base takes any exponent (`x ^ (1 + b / 1000)` swept over b).
                if x > 0 { return true }
                for i in 0..<n { count &+= bad(x, q[i]) }
            case (.scalar(let x), .scalar(let y)): count = bad(x, y)
            }
            return count == 0
        }

        /// `o[i] = a[i] ^ b[i]` over the block, and whether every result is finite.
        private static func power(_ n: Int, _ a: Operand, _ b: Operand, _ o: UnsafeMutablePointer<Double>) -> Bool {
            switch (a, b) {
            case (.vector(let p), .vector(let q)): napkin_pow_vv(p, q, o, n)
            case (.vector(let p), .scalar(let y)): napkin_pow_vs(p, y, o, n)
            case (.scalar(let x), .vector(let q)): napkin_pow_sv(x, q, o, n)
            case (.scalar(let x), .scalar(let y)): return fill(n, napkin_pow(x, y), o)
            }
            return allFinite(n, o)
        }

        /// Whether `o[0..<n]` are all finite (tested on the bits, so it vectorises).
        private static func allFinite(_ n: Int, _ o: UnsafeMutablePointer<Double>) -> Bool {
            let exponent: UInt64 = 0x7FF0_0000_0000_0000
            var any: UInt64 = 0
            for i in 0..<n { any |= (o[i].bitPattern & exponent) &+ (1 << 52) }
            return any & (1 << 63) == 0
        }

        /// `o[i] = f(a[i], b[i])` over the block, and whether every result is finite (not all
        /// exponent bits set: tested on the bits, in the same loop, so it vectorises).
        @inline(__always)
        private static func each(_ n: Int, _ a: Operand, _ b: Operand, _ o: UnsafeMutablePointer<Double>,
                                 _ vv: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Int32,
                                 _ vs: (UnsafePointer<Double>, Double, UnsafeMutablePointer<Double>, Int) -> Int32,
                                 _ sv: (Double, UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Int32,
                                 _ f: (Double, Double) -> Double) -> Bool {
            switch (a, b) {
            case (.vector(let p), .vector(let q)): return vv(p, q, o, n) != 0
            case (.vector(let p), .scalar(let y)): return vs(p, y, o, n) != 0
            case (.scalar(let x), .vector(let q)): return sv(x, q, o, n) != 0
            case (.scalar(let x), .scalar(let y)): return fill(n, f(x, y), o)
            }
        }

        /// `o[0..<n] = v`, and whether `v` is finite.
        private static func fill(_ n: Int, _ v: Double, _ o: UnsafeMutablePointer<Double>) -> Bool {
            o.update(repeating: v, count: n)
            return v.isFinite
        }
    }
}
