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

    init(leaves: [Leaf], steps: [Step], keep: [AnyObject]) {
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
                    v = Foundation.pow(x, y)
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
    /// all constants, names or fields of named records; nil otherwise.
    func compileTape(_ e: Expr, minimumSteps: Int = 3) -> NumericTape? {
        var leaves: [NumericTape.Leaf] = []
        var steps: [NumericTape.Step] = []
        var keep: [AnyObject] = []

        func leaf(_ l: NumericTape.Leaf) -> Int32 {
            leaves.append(l)
            return Int32(leaves.count - 1)
        }
        // Registers hold the leaves, then one result per step. The leaf count is known only at
        // the end, so operands are noted as (is a step, index) and numbered afterwards.
        var operands: [(Bool, Int32, Bool, Int32)] = []
        var kinds: [NumericTape.Kind] = []

        func visit(_ x: Expr) -> (Bool, Int32)? {
            if leaves.count + kinds.count >= NumericTape.maxSize { return nil }
            if let q = constantValue(x) { return (false, leaf(.constant(q))) }
            switch x.kind {
            case .name(let n):
                if let i = slot(n) { return (false, leaf(.slot(i))) }
                guard let cell = interp.globals[aliases[n] ?? n]?.cell else { return nil }
                keep.append(cell)
                return (false, leaf(.global(Unmanaged.passUnretained(cell))))
            case .field(let base, let name, _):
                guard let reader = fieldReader(base, name, x) else { return nil }
                keep.append(reader)
                return (false, leaf(.field(Unmanaged.passUnretained(reader))))
            case .unary("-", let y):
                guard let a = visit(y) else { return nil }
                return step(.neg, a, a)
            case .binary(let op, let l, let r, _) where op.isArithmetic:
                guard let a = visit(l), let b = visit(r) else { return nil }
                let kind: NumericTape.Kind
                switch op {
                case .add: kind = .add
                case .sub: kind = .sub
                case .mul: kind = .mul
                case .div: kind = .div
                default: kind = .pow
                }
                return step(kind, a, b)
            default:
                return nil
            }
        }
        func step(_ kind: NumericTape.Kind, _ a: (Bool, Int32), _ b: (Bool, Int32)) -> (Bool, Int32) {
            kinds.append(kind)
            operands.append((a.0, a.1, b.0, b.1))
            return (true, Int32(kinds.count - 1))
        }

        guard let _ = visit(e), kinds.count >= minimumSteps else { return nil }
        let leafCount = Int32(leaves.count)
        for (k, o) in zip(kinds, operands) {
            steps.append(NumericTape.Step(kind: k, a: o.0 ? leafCount + o.1 : o.1, b: o.2 ? leafCount + o.3 : o.3))
        }
        return NumericTape(leaves: leaves, steps: steps, keep: keep)
    }
}
