/// Syntax turned into closures. A top-level function is compiled on its first call, and a
/// top-level statement that sweeps is compiled before it runs: parameters, block `let`s and
/// sweep variables live in frame slots instead of a named scope, and each node is a closure
/// instead of a `switch` over the tree. Arithmetic on two quantities, calls of compiled
/// functions and field reads take inline fast paths; anything unusual (an error, a string, a
/// plain zero meeting a unit) goes to the same helper the tree walker uses (`binary`, `field`,
/// `callValue`, …), so both mean exactly the same thing. A body with a local `fn` stays with the
/// tree walker (a local fn closes over its block as it grows).
typealias Compiled = (Interpreter, UnsafeMutablePointer<Value>) throws(NapkinError) -> Value
/// Code that appends a sweep's columns to a row.
typealias RowCode = (Interpreter, UnsafeMutablePointer<Value>, inout [Value]) throws(NapkinError) -> Void
/// Code whose value is nearly always a quantity, returned unboxed (see `compileNumeric`).
typealias NumericCode = (Interpreter, UnsafeMutablePointer<Value>) throws(NapkinError) -> Quantity

/// The quantity in `v`, or `v` carried out to the generic rules.
@inline(__always)
func numeric(_ v: Value) throws(NapkinError) -> Quantity {
    if case .quantity(let q) = v { return q }
    throw .carrying(v)
}

/// An arithmetic operation's syntax, for its rare paths: errors and values that are not quantities.
final class ArithmeticSite {
    let op: BinaryOp
    let lhs: Expr, rhs: Expr
    let opSpan: Span
    init(op: BinaryOp, lhs: Expr, rhs: Expr, opSpan: Span) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.opSpan = opSpan
    }

    /// Both operands as quantities. When one is not a quantity, the operation is finished by the
    /// generic rules and its result carried out (a quantity result too: the caller takes either).
    @inline(__always)
    func operands(_ ol: NumericOperand, _ or: NumericOperand, _ interp: Interpreter,
                  _ s: UnsafeMutablePointer<Value>) throws(NapkinError) -> (Quantity, Quantity) {
        let x: Quantity, y: Quantity
        do throws(NapkinError) { x = try ol.read(interp, s) } catch {
            guard let a = error.carried else { throw error }
            throw .carrying(try interp.binary(op, a, try or.value(interp, s), opSpan: opSpan, lhs: lhs, rhs: rhs))
        }
        do throws(NapkinError) { y = try or.read(interp, s) } catch {
            guard let b = error.carried else { throw error }
            throw .carrying(try interp.binary(op, .quantity(x), b, opSpan: opSpan, lhs: lhs, rhs: rhs))
        }
        return (x, y)
    }

    /// Everything but the common case: plain zeros meeting units, powers, errors.
    func general(_ x: Quantity, _ y: Quantity, _ interp: Interpreter) throws(NapkinError) -> Quantity {
        try numeric(try interp.arithmetic(op, x, y, opSpan: opSpan))
    }
}

/// An operand of compiled arithmetic.
enum NumericOperand {
    case constant(Quantity)
    case slot(Int)
    case code(NumericCode)

    @inline(__always)
    func read(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Quantity {
        switch self {
        case .constant(let q): return q
        case .slot(let i):
            if case .quantity(let q) = s[i] { return q }
            throw .carrying(s[i])
        case .code(let c): return try c(interp, s)
        }
    }

    /// The operand as a value, whatever it turns out to be.
    func value(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value {
        switch self {
        case .constant(let q): return .quantity(q)
        case .slot(let i): return s[i]
        case .code(let c): return try unboxed(c, interp, s)
        }
    }
}

/// Numeric code's result as a value, whether it was a quantity or carried another value out.
@inline(__always)
func unboxed(_ n: NumericCode, _ interp: Interpreter, _ s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value {
    do throws(NapkinError) { return .quantity(try n(interp, s)) } catch {
        if let v = error.carried { return v }
        throw error
    }
}

final class CompiledBody {
    let body: Compiled
    /// Default of each parameter (nil: the parameter has none).
    let defaults: [Compiled?]
    /// Slots a call needs: the parameters, then every block `let` and sweep variable.
    let frameSize: Int
    init(body: @escaping Compiled, defaults: [Compiled?], frameSize: Int) {
        self.body = body
        self.defaults = defaults
        self.frameSize = frameSize
    }
}

extension Interpreter {
    func compiledBody(of f: FunctionValue) -> CompiledBody? {
        if f.compileTried { return f.compiled }
        // Workers share function values: only the calling thread compiles (a worker walks the tree).
        if isWorker { return nil }
        f.compileTried = true
        guard case .user(let params, let body, nil) = f.body else { return nil }
        let compiler = BodyCompiler(self, parameters: params.count)
        compiler.inlining = [f]
        var defaults: [Compiled?] = []
        for (i, p) in params.enumerated() {
            guard let d = p.defaultValue else { defaults.append(nil); continue }
            // A default sees only the parameters before it.
            compiler.visible = params[..<i].enumerated().map { ($1.name, $0) }
            guard let c = compiler.compile(d) else { return nil }
            defaults.append(c)
        }
        compiler.visible = params.enumerated().map { ($1.name, $0) }
        guard let b = compiler.compile(body) else { return nil }
        f.compiled = CompiledBody(body: b, defaults: defaults, frameSize: compiler.frameSize)
        return f.compiled
    }

    /// Evaluates a top-level expression, compiled when it sweeps (where the time goes);
    /// anything else runs once, and the tree walker does that faster than compiling it.
    func evalTopLevel(_ e: Expr) throws(NapkinError) -> Value {
        guard e.containsSweep else { return try eval(e, nil) }
        let compiler = BodyCompiler(self, parameters: 0)
        guard let c = compiler.compile(e) else { return try eval(e, nil) }
        let frame = pushFrame(compiler.frameSize)
        defer { popFrame(frame, compiler.frameSize) }
        return try c(self, frame)
    }
}

extension Stmt {
    /// Whether a lambda appears in the statement's expression.
    var containsLambda: Bool {
        switch kind {
        case .let(_, _, let x, _), .expr(let x), .assert(let x): return x.containsLambda
        default: return false
        }
    }
}

extension Expr {
    /// Whether a sweep appears anywhere inside (outside lambdas, which the tree walker runs).
    var containsSweep: Bool {
        anyNode { if case .sweep = $0.kind { return true } else { return false } }
    }

    /// Whether a lambda appears anywhere inside.
    var containsLambda: Bool {
        anyNode { if case .lambda = $0.kind { return true } else { return false } }
    }

    /// Whether `test` holds for this node or any node inside it (not looking into lambdas).
    func anyNode(_ test: (Expr) -> Bool) -> Bool {
        if test(self) { return true }
        switch kind {
        case .number, .quantity, .bool, .name, .lambda, .sweep: return false
        case .string(let parts): return parts.contains { if case .expr(let x) = $0 { return x.anyNode(test) } else { return false } }
        case .unary(_, let x), .convert(let x, _, _), .field(let x, _, _): return x.anyNode(test)
        case .binary(_, let l, let r, _), .index(let l, let r): return l.anyNode(test) || r.anyNode(test)
        case .call(let c, let args): return c.anyNode(test) || args.contains { $0.value.anyNode(test) }
        case .list(let items): return items.contains { $0.anyNode(test) }
        case .record(let entries):
            return entries.contains {
                switch $0 {
                case .field(_, let v, _): return v.anyNode(test)
                case .spread(let v): return v.anyNode(test)
                }
            }
        case .range(let lo, let hi, let step): return lo.anyNode(test) || hi.anyNode(test) || (step?.anyNode(test) ?? false)
        case .conditional(let c, let a, let b): return c.anyNode(test) || a.anyNode(test) || b.anyNode(test)
        case .block(let stmts, let v):
            return v.anyNode(test) || stmts.contains {
                switch $0.kind {
                case .let(_, _, let x, _), .expr(let x), .assert(let x): return x.anyNode(test)
                default: return false
                }
            }
        }
    }
}

/// How many slots a compiled frame has, once all of it is compiled.
final class FrameLayout {
    var size = 0
}

/// Compiles expressions against the names in scope, each in a slot of the frame.
final class BodyCompiler {
    /// Names in scope, innermost last, with their slots.
    var visible: [(String, Int)] = []
    /// Slots used so far: the parameters, then one per block `let` and sweep variable.
    private(set) var frameSize: Int {
        get { layout.size }
        set { layout.size = newValue }
    }
    /// The frame's final size, for code that copies the frame (a sweep spread over cores).
    let layout = FrameLayout()
    /// Resolves literals and known globals once, at compile time.
    unowned let interp: Interpreter

    init(_ interp: Interpreter, parameters: Int) {
        self.interp = interp
        layout.size = parameters
    }

    func slot(_ name: String) -> Int? { visible.last { $0.0 == name }?.1 }

    /// A name bound here rather than globally: a slot, or a parameter of an inlined call that is
    /// a constant or stands for a global (it may still hide a global of its own name).
    func isLocal(_ name: String) -> Bool { slot(name) != nil || aliases[name] != nil || constants[name] != nil }

    /// False while compiling the fallback of a tape.
    var tapesAllowed = true

    /// Parameters of an inlined call that read a global directly instead of a copy in a slot
    /// (`hw = h100`, `eff = efficiency`): parameter name → global name.
    var aliases: [String: String] = [:]
    /// Parameters of an inlined call given (or defaulting to) a constant: `jevons: 1.4`, `fleet = 1000`.
    var constants: [String: Quantity] = [:]

    /// The value of an expression known at compile time: literals, constant parameters and
    /// arithmetic on them (folded only when it succeeds; a failing one errs at run time).
    func constantValue(_ e: Expr) -> Quantity? {
        switch e.kind {
        case .number(let v): return Quantity(v)
        case .quantity:
            if case .quantity(let q)? = try? interp.eval(e, nil) { return q }
            return nil
        case .name(let n):
            return slot(n) == nil ? constants[n] : nil
        case .unary("-", let x):
            guard var q = constantValue(x) else { return nil }
            q.value = -q.value
            return q
        case .binary(let op, let l, let r, _) where op.isArithmetic:
            guard let a = constantValue(l), let b = constantValue(r) else { return nil }
            return Interpreter.fastQuantity(op, a, b)
        default:
            return nil
        }
    }

    private func newSlot(_ name: String) -> Int {
        let i = frameSize
        frameSize += 1
        visible.append((name, i))
        return i
    }

    /// Compiles sub-expressions keyed by node, for the shared helpers that take an evaluator.
    private func compileEach(_ exprs: [Expr]) -> [ObjectIdentifier: Compiled]? {
        var out: [ObjectIdentifier: Compiled] = [:]
        for x in exprs {
            guard let c = compile(x) else { return nil }
            out[ObjectIdentifier(x)] = c
        }
        return out
    }

    func compile(_ e: Expr) -> Compiled? {
        switch e.kind {
        case .number(let v):
            let value = Value.number(v)
            return { _, _ in value }
        case .quantity:
            // A unit means the same for the whole session; an unknown one errs when reached.
            if let value = try? interp.eval(e, nil) { return { _, _ in value } }
            return { interp, _ throws(NapkinError) in try interp.eval(e, nil) }
        case .bool(let b):
            let value = Value.bool(b)
            return { _, _ in value }
        case .name(let name):
            if let i = slot(name) { return { _, s in s[i] } }
            if let q = constants[name] {
                let value = Value.quantity(q)
                return { _, _ in value }
            }
            let span = e.span
            let n = aliases[name] ?? name
            // A global known now keeps its cell for the session (a later definition reuses it).
            if let cell = interp.globals[n]?.cell {
                return { interp, _ throws(NapkinError) in
                    if cell.defined { return cell.read(interp) }
                    return try interp.lookup(n, nil, span, node: nil)
                }
            }
            return { interp, _ throws(NapkinError) in
                if let cell = e.cachedCell, cell.defined, e.cachedCellOwner == interp.instanceID { return cell.read(interp) }
                return try interp.lookup(n, nil, span, node: e)
            }
        case .unary("-", _):
            return boxed(compileNumeric(e))
        case .unary(let op, let x):
            guard let cx = compile(x) else { return nil }
            let span = e.span
            return { interp, s throws(NapkinError) in try interp.unary(op, try cx(interp, s), span) }
        case .binary(let op, let l, let r, let opSpan):
            if op.isArithmetic { return boxed(compileNumeric(e)) }
            if op.isComparison {
                // Both sides stay unboxed; anything but two quantities takes the generic rules.
                guard let nl = compileNumeric(l), let nr = compileNumeric(r) else { return nil }
                return { interp, s throws(NapkinError) in
                    let x: Quantity, y: Quantity
                    do throws(NapkinError) { x = try nl(interp, s) } catch {
                        guard let a = error.carried else { throw error }
                        return try interp.binary(op, a, try unboxed(nr, interp, s), opSpan: opSpan, lhs: l, rhs: r)
                    }
                    do throws(NapkinError) { y = try nr(interp, s) } catch {
                        guard let b = error.carried else { throw error }
                        return try interp.binary(op, .quantity(x), b, opSpan: opSpan, lhs: l, rhs: r)
                    }
                    if let v = Interpreter.fastArithmetic(op, x, y) { return v }
                    return try interp.arithmetic(op, x, y, opSpan: opSpan)
                }
            }
            guard let cl = compile(l), let cr = compile(r) else { return nil }
            return { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                try interp.logic(op, l, r, left: { () throws(NapkinError) -> Value in try cl(interp, s) },
                                 right: { () throws(NapkinError) -> Value in try cr(interp, s) })
            }
        case .convert(let x, let u, let opSpan):
            guard let cx = compile(x) else { return nil }
            return { interp, s throws(NapkinError) in try interp.convert(try cx(interp, s), u, opSpan: opSpan, valueSpan: x.span) }
        case .call(let callee, let args):
            guard let call = compileCall(e, callee, args) else { return nil }
            // sum(sweep …), min(sweep …), …: streamed when the name still means the builtin.
            if let reducer = interp.streamedReducer(callee, args), !isLocal(reducer.rawValue) {
                guard case .sweep(let name, _, let range, let columns) = args[0].value.kind,
                      let reduce = compileSweep(name, range, columns, e.span, reducer: reducer) else { return nil }
                return { interp, s throws(NapkinError) in
                    guard interp.globals[reducer.rawValue] == nil else { return try call(interp, s) }
                    interp.steps &+= 1
                    return try reduce(interp, s)
                } as Compiled
            }
            return compileInlineCall(e, callee, args, otherwise: call) ?? call
        case .field(let x, let name, let nameSpan):
            guard let cx = compile(x) else { return nil }
            return { interp, s throws(NapkinError) in try interp.fieldValue(try cx(interp, s), name, nameSpan, node: e) }
        case .index(let x, let i):
            guard let cx = compile(x), let ci = compile(i) else { return nil }
            return { interp, s throws(NapkinError) in try interp.index(try cx(interp, s), try ci(interp, s), i.span) }
        case .conditional(let c, let a, let b):
            guard let cc = compile(c), let ca = compile(a), let cb = compile(b) else { return nil }
            return { interp, s throws(NapkinError) in
                try interp.condition(try cc(interp, s), c) ? ca(interp, s) : cb(interp, s)
            }
        case .list(let items):
            var cs: [Compiled] = []
            for it in items {
                guard let c = compile(it) else { return nil }
                cs.append(c)
            }
            return { interp, s throws(NapkinError) in
                var out: [Value] = []
                out.reserveCapacity(cs.count)
                for c in cs { out.append(try c(interp, s)) }
                return .list(out)
            }
        case .string(let parts):
            guard let compiled = compileEach(parts.compactMap { if case .expr(let x) = $0 { return x } else { return nil } }) else { return nil }
            let span = e.span
            return { interp, s throws(NapkinError) in
                try interp.buildString(parts, span) { (x: Expr) throws(NapkinError) -> Value in try compiled[ObjectIdentifier(x)]!(interp, s) }
            }
        case .record(let entries):
            let values = entries.map { entry -> Expr in
                switch entry {
                case .field(_, let v, _): return v
                case .spread(let v): return v
                }
            }
            guard let compiled = compileEach(values) else { return nil }
            return { interp, s throws(NapkinError) in
                try interp.buildRecord(entries) { (x: Expr) throws(NapkinError) -> Value in try compiled[ObjectIdentifier(x)]!(interp, s) }
            }
        case .range(let lo, let hi, let step):
            guard let compiled = compileEach([lo, hi] + (step.map { [$0] } ?? [])) else { return nil }
            let span = e.span
            return { interp, s throws(NapkinError) in
                let spec = try interp.rangeSpec(lo, hi, step, span) { (x: Expr) throws(NapkinError) -> Value in
                    try compiled[ObjectIdentifier(x)]!(interp, s)
                }
                return try interp.rangeList(spec, span)
            }
        case .lambda(let params, let body):
            // The lambda keeps the values of the names in scope (they never change) and runs
            // in the tree walker.
            let captured = visible
            let span = e.span
            return { _, s in
                let scope = Scope(parent: nil, names: captured.map(\.0), values: captured.map { s[$0.1] })
                return .function(FunctionValue(name: "lambda", body: .user(params: params, body: body, closure: scope), definition: span))
            }
        case .block(let stmts, let value):
            // A lambda sees its block as it is when called (a later `let` of a name it reads
            // counts, even its own), while compiled lambdas keep the values of when they were
            // made: a block that binds a name at or after a lambda is left to the tree walker.
            if let first = stmts.firstIndex(where: { $0.containsLambda }),
               stmts[first...].contains(where: { if case .let = $0.kind { return true } else { return false } }) {
                return nil
            }
            let outer = visible.count
            defer { visible.removeSubrange(outer...) }
            var steps: Compiled = { _, _ in .nothing }
            func then(_ next: @escaping Compiled) {
                let before = steps
                steps = { interp, s throws(NapkinError) in
                    _ = try before(interp, s)
                    return try next(interp, s)
                }
            }
            for st in stmts {
                switch st.kind {
                case .let(let name, _, let v, _):
                    guard let c = compile(v) else { return nil }
                    let i = newSlot(name)
                    let bind: Compiled = { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                        s[i] = try c(interp, s)
                        return .nothing
                    }
                    then(bind)
                case .assert(let x):
                    guard let c = compile(x) else { return nil }
                    let check: Compiled = { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                        let v = try c(interp, s)
                        try interp.checkAssertion(v, x)
                        return .nothing
                    }
                    then(check)
                case .expr(let x):
                    guard let c = compile(x) else { return nil }
                    then(c)
                default:
                    return nil  // a local fn closes over its block: the tree walker handles it
                }
            }
            guard let cv = compile(value) else { return nil }
            let run = steps
            return { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                _ = try run(interp, s)
                return try cv(interp, s)
            }
        case .sweep(let name, _, let range, let columns):
            return compileSweep(name, range, columns, e.span, reducer: nil)
        }
    }

    /// Compiles an expression that is usually a quantity to code that returns the quantity
    /// unboxed: arithmetic on the way stays in registers. When a value turns out not to be a
    /// quantity (`"total: " + x`), the code throws it as `NapkinError.carrying(value)` and the
    /// nearest operation finishes with the generic rules, so nothing is evaluated twice.
    func compileNumeric(_ e: Expr) -> NumericCode? {
        if let q = constantValue(e) { return { _, _ in q } }
        switch e.kind {
        case .number(let v):
            let q = Quantity(v)
            return { _, _ in q }
        case .quantity:
            if case .quantity(let q)? = try? interp.eval(e, nil) { return { _, _ in q } }
        case .name(let name):
            if let i = slot(name) {
                return { _, s throws(NapkinError) in
                    if case .quantity(let q) = s[i] { return q }
                    throw .carrying(s[i])
                }
            }
            let span = e.span
            let n = aliases[name] ?? name
            if let cell = interp.globals[n]?.cell {
                return { interp, _ throws(NapkinError) in
                    if cell.defined, case .quantity(let q) = cell.read(interp) { return q }
                    return try numeric(try interp.lookup(n, nil, span, node: nil))
                }
            }
            return { interp, _ throws(NapkinError) in
                if let cell = e.cachedCell, cell.defined, e.cachedCellOwner == interp.instanceID, case .quantity(let q) = cell.read(interp) { return q }
                return try numeric(try interp.lookup(n, nil, span, node: e))
            }
        case .unary("-", let x):
            guard let nx = compileNumeric(x) else { return nil }
            let span = e.span
            return { interp, s throws(NapkinError) in
                var q: Quantity
                do throws(NapkinError) { q = try nx(interp, s) } catch {
                    guard let v = error.carried else { throw error }
                    return try numeric(try interp.unary("-", v, span))
                }
                q.value = -q.value
                return q
            }
        case .binary(let op, let l, let r, let opSpan) where op.isArithmetic:
            // Several operations on plain reads run as a tape on Doubles (NumericTape.swift), with
            // the closures below for whatever the tape cannot do (no tapes inside those).
            let tape = tapesAllowed ? compileTape(e) : nil
            if tape != nil { tapesAllowed = false }
            defer { if tape != nil { tapesAllowed = true } }
            guard let ol = operand(l), let or = operand(r) else { return nil }
            let closures = numericBinary(ArithmeticSite(op: op, lhs: l, rhs: r, opSpan: opSpan), ol, or)
            if let tape {
                return { interp, s throws(NapkinError) in try tape.run(interp, s, generic: closures) }
            }
            return closures
        case .field(let x, let name, let nameSpan):
            // A field of a record named by a slot or a global is read where the record lives
            // (FieldReader); anything unusual takes the generic rules.
            guard let base = compile(x) else { return nil }
            if let reader = fieldReader(x, name, e) {
                return { interp, s throws(NapkinError) in
                    if let q = reader.read(interp, s) { return q }
                    return try numeric(try interp.fieldValue(try base(interp, s), name, nameSpan, node: e))
                }
            }
            return { interp, s throws(NapkinError) in
                let v = try base(interp, s)
                if case .record(let r) = v, let q = r.quantity(name, hint: e.cachedFieldIndex) { return q }
                return try numeric(try interp.fieldValue(v, name, nameSpan, node: e))
            }
        case .conditional(let c, let a, let b):
            guard let cc = compile(c), let na = compileNumeric(a), let nb = compileNumeric(b) else { return nil }
            return { interp, s throws(NapkinError) in
                try interp.condition(try cc(interp, s), c) ? na(interp, s) : nb(interp, s)
            }
        default:
            break
        }
        guard let g = compile(e) else { return nil }
        return { interp, s throws(NapkinError) in try numeric(try g(interp, s)) }
    }

    /// `x op y` on quantities: the common case inline (`fastQuantity`), the rare cases and errors
    /// through `arithmetic`.
    private func numericBinary(_ site: ArithmeticSite, _ ol: NumericOperand, _ or: NumericOperand) -> NumericCode {
        { interp, s throws(NapkinError) in
            let (x, y) = try site.operands(ol, or, interp, s)
            if let q = Interpreter.fastQuantity(site.op, x, y) { return q }
            return try site.general(x, y, interp)
        }
    }

    /// A reader for `base.name` when `base` names a slot or a global (not a constant parameter).
    func fieldReader(_ base: Expr, _ name: String, _ node: Expr) -> FieldReader? {
        guard case .name(let n) = base.kind, constants[n] == nil else { return nil }
        if let i = slot(n) { return FieldReader(slot: i, cell: nil, name: name, node: node) }
        guard let cell = interp.globals[aliases[n] ?? n]?.cell else { return nil }
        return FieldReader(slot: nil, cell: cell, name: name, node: node)
    }

    /// An operand of arithmetic: a constant or a slot is read in place, without a call.
    private func operand(_ e: Expr) -> NumericOperand? {
        if let q = constantValue(e) { return .constant(q) }
        switch e.kind {
        case .number(let v): return .constant(Quantity(v))
        case .quantity: if case .quantity(let q)? = try? interp.eval(e, nil) { return .constant(q) }
        case .name(let n): if let i = slot(n) { return .slot(i) }
        default: break
        }
        return compileNumeric(e).map { .code($0) }
    }

    /// Generic code around numeric code: the quantity boxed, or the value it carried out.
    private func boxed(_ n: NumericCode?) -> Compiled? {
        guard let n else { return nil }
        return { interp, s throws(NapkinError) in try unboxed(n, interp, s) }
    }

    /// Functions whose bodies are being compiled here, outermost first: none is inlined into itself.
    var inlining: [FunctionValue] = []
    /// How deep calls are inlined into one another, and how many slots a frame may grow to.
    static let maxInlineDepth = 4
    static let maxInlineFrame = 256

    /// A call of a global user function, compiled into the caller: its parameters become slots
    /// of the caller's frame and its body runs there, with no frame to push and no closure to
    /// look up. At run time the call checks that the name still means that function (a REPL
    /// line can redefine it); if not, `otherwise` makes the call as usual. Recursion, bad
    /// labels and missing arguments are never inlined, so their errors come from `callValue`.
    private func compileInlineCall(_ e: Expr, _ callee: Expr, _ args: [CallArgument], otherwise generic: @escaping Compiled) -> Compiled? {
        // The callee is a global function, named directly or by a parameter standing for it.
        guard case .name(let calleeName) = callee.kind, slot(calleeName) == nil, constants[calleeName] == nil,
              case let n = aliases[calleeName] ?? calleeName, inlining.count < BodyCompiler.maxInlineDepth,
              let g = interp.globals[n], g.kind == .function, case .function(let f) = g.value,
              case .user(let params, let body, nil) = f.body, !inlining.contains(where: { $0 === f }),
              frameSize + params.count <= BodyCompiler.maxInlineFrame else { return nil }
        let positionalCount = args.prefix { $0.label == nil }.count
        let labels = args.dropFirst(positionalCount).map { ($0.label ?? "", $0.labelSpan ?? $0.value.span) }
        guard let argSlots = try? interp.argumentSlots(f, params, positionalCount: positionalCount, labels: labels, e.span) else { return nil }
        let missing = CallShape(slots: argSlots, parameters: params.count).missing
        guard missing.allSatisfy({ params[$0].defaultValue != nil }) else { return nil }

        // Arguments are evaluated in the caller's scope, into the callee's parameter slots; a
        // constant or a global's name is used in place instead (see the defaults below).
        let base = frameSize
        frameSize += params.count
        // A lambda (in the body or a default) captures slots only, and a sweep (anywhere in the
        // call) may move a knob a parameter stands for: then parameters get slots as usual.
        let defaultExprs = params.compactMap(\.defaultValue)
        // Declared dimensions are checked where each parameter's value is: its slot, a constant
        // (checked here, once), or the global it stands for.
        guard f.contractResolved else { return nil }
        let contract = f.contract
        let mayAlias = !body.containsLambda && !defaultExprs.contains { $0.containsLambda }
        let bodySweeps = body.containsSweep || defaultExprs.contains { $0.containsSweep }
        var argAliases: [String: String] = [:], argConstants: [String: Quantity] = [:]
        var bind: Compiled = { _, _ in .nothing }
        var bound = 0, defaulted = 0
        for (k, a) in args.enumerated() {
            let param = params[argSlots[k]].name
            if mayAlias {
                if let q = constantValue(a.value) { argConstants[param] = q; continue }
                if case .name(let g) = a.value.kind, slot(g) == nil, case let target = aliases[g] ?? g,
                   let global = interp.globals[target], global.kind != .knob || !bodySweeps {
                    argAliases[param] = target
                    continue
                }
            }
            guard let code = compile(a.value) else { return nil }
            bound += 1
            let target = base + argSlots[k]
            let before = bind
            bind = { interp, s throws(NapkinError) in
                _ = try before(interp, s)
                s[target] = try code(interp, s)
                return .nothing
            }
        }
        // The callee sees only its own parameters (a default, only the ones before it).
        let callerScope = visible, callerAliases = aliases, callerConstants = constants
        defer { visible = callerScope; aliases = callerAliases; constants = callerConstants }
        inlining.append(f)
        defer { inlining.removeLast() }
        // A default that is a constant, or just a global's name, is used where the parameter is
        // read. That means the same unless the body moves that knob meanwhile (a sweep) or a
        // lambda would have to capture the parameter, so then it is copied as usual.
        var paramAliases = argAliases, paramConstants = argConstants
        func inSlot(_ name: String) -> Bool { paramAliases[name] == nil && paramConstants[name] == nil }
        var defaults: Compiled = { _, _ in .nothing }
        for i in missing {
            // A default sees only the parameters before it, however they are bound.
            let earlier = Set(params[..<i].map(\.name))
            visible = params[..<i].enumerated().filter { inSlot($1.name) }.map { ($1.name, base + $0) }
            aliases = paramAliases.filter { earlier.contains($0.key) }
            constants = paramConstants.filter { earlier.contains($0.key) }
            if mayAlias {
                if let q = constantValue(params[i].defaultValue!) { paramConstants[params[i].name] = q; continue }
                if case .name(let g)? = params[i].defaultValue?.kind, slot(g) == nil, case let target = aliases[g] ?? g,
                   let global = interp.globals[target], global.kind != .knob || !bodySweeps {
                    paramAliases[params[i].name] = target
                    continue
                }
            }
            guard let code = compile(params[i].defaultValue!) else { return nil }
            defaulted += 1
            let before = defaults
            defaults = { interp, s throws(NapkinError) in
                _ = try before(interp, s)
                s[base + i] = try code(interp, s)
                return .nothing
            }
        }
        visible = params.enumerated().filter { inSlot($1.name) }.map { ($1.name, base + $0) }
        aliases = paramAliases
        constants = paramConstants
        var sources: [ParameterSource] = []
        if let contract {
            for (i, p) in params.enumerated() {
                if let q = paramConstants[p.name] {
                    // A constant that does not fit is left to the generic call, which reports it.
                    if let check = contract.parameters[i], !check.accepts(.quantity(q)) { return nil }
                    sources.append(.constant(.quantity(q)))
                } else if let target = paramAliases[p.name], let global = interp.globals[target] {
                    sources.append(.global(global.cell))
                } else {
                    sources.append(.slot(base + i))
                }
            }
        }
        guard let run = compile(body) else { return nil }
        let cell = g.cell, version = g.cell.version
        let span = e.span
        var argumentSpans = [Span?](repeating: nil, count: params.count)
        for (k, a) in args.enumerated() { argumentSpans[argSlots[k]] = a.value.span }
        let bindArguments = bind, bindDefaults = defaults
        let hasArguments = bound > 0, hasDefaults = defaulted > 0
        return { interp, s throws(NapkinError) in
            guard cell.version == version, cell.defined else { return try generic(interp, s) }
            if hasArguments { _ = try bindArguments(interp, s) }
            interp.steps &+= 1
            if interp.steps & 0x3FF == 0, interp.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: span) }
            interp.callDepth += 1
            defer { interp.callDepth -= 1 }
            if interp.callDepth > interp.limits.maxCallDepth { throw interp.depthError(f, span) }
            try interp.checkCall(span)
            if hasDefaults {
                do throws(NapkinError) { _ = try bindDefaults(interp, s) } catch { throw interp.traced(error, f, span) }
            }
            // A wrong argument is the caller's error: it points at the call, with no trace.
            if let contract {
                try interp.checkArguments(f, contract, span, argumentSpans: argumentSpans) { i in
                    switch sources[i] {
                    case .slot(let k): return s[k]
                    case .constant(let v): return v
                    case .global(let cell): return cell.read(interp)
                    }
                }
            }
            do throws(NapkinError) {
                let v = try run(interp, s)
                if let contract { try interp.checkResult(f, contract, v, span) }
                return v
            } catch {
                throw interp.traced(error, f, span)
            }
        }
    }

    /// Where an inlined parameter's value is, for its declared-dimension check.
    enum ParameterSource {
        case slot(Int)
        case constant(Value)
        case global(GlobalCell)
    }

    /// A call: a compiled function called from here before takes the fast path (its arguments
    /// evaluated straight into its frame); anything else goes through `callValue`.
    private func compileCall(_ e: Expr, _ callee: Expr, _ args: [CallArgument]) -> Compiled? {
        guard let cc = compile(callee) else { return nil }
        var compiledArgs: [Compiled] = []
        for a in args {
            guard let ca = compile(a.value) else { return nil }
            compiledArgs.append(ca)
        }
        let span = e.span
        var calleeIsLocal = false
        if case .name(let n) = callee.kind { calleeIsLocal = isLocal(n) }
        return { interp, s throws(NapkinError) in
            let fv = try cc(interp, s)
            let argument = { (i: Int) throws(NapkinError) -> Value in try compiledArgs[i](interp, s) }
            if case .function(let f) = fv, f === e.cachedCallee, let body = f.compiled, let shape = e.cachedShape {
                do throws(NapkinError) {
                    return try interp.callCompiled(f, body, shape, span, argument: argument)
                } catch {
                    throw interp.pointAtArgument(error, args, shape, span)
                }
            }
            return try interp.callValue(fv, callee, args, span, node: e, calleeIsLocal: calleeIsLocal, argument: argument)
        }
    }

    /// A sweep's columns, evaluated in order: all of them into a row, or (for a reduction)
    /// all of them keeping the last.
    private func compileRow(_ columns: [SweepColumn]) -> (all: RowCode, last: Compiled)? {
        var all: RowCode = { _, _, _ in }
        var last: Compiled = { _, _ in .nothing }
        for c in columns {
            guard let code = compile(c.expr) else { return nil }
            let allBefore = all, lastBefore = last
            all = { interp, s, row throws(NapkinError) in
                try allBefore(interp, s, &row)
                row.append(try code(interp, s))
            }
            last = { interp, s throws(NapkinError) in
                _ = try lastBefore(interp, s)
                return try code(interp, s)
            }
        }
        return (all, last)
    }

    /// A sweep, as a table (`reducer` nil) or streamed into a reduction. The body is compiled
    /// twice: once reading the swept name as a knob, once with it in a slot of its own, because
    /// which it is depends on the session when the sweep runs.
    private func compileSweep(_ name: String, _ range: Expr, _ columns: [SweepColumn], _ span: Span,
                              reducer: SweepReducer?) -> Compiled? {
        var rangeParts = [range]
        if case .range(let lo, let hi, let step) = range.kind { rangeParts = [lo, hi] + (step.map { [$0] } ?? []) }
        guard let rangeCode = compileEach(rangeParts) else { return nil }
        // Each way of evaluating a row is one chain of closures (no array of closures to walk
        // per point, whose contexts every core would retain).
        guard let knobRow = compileRow(columns) else { return nil }
        // A reduction of one column also runs as a tape over blocks of points, when it can
        // (NumericTape.Block); each way of reading the swept name has its own.
        let blocks = reducer != nil && columns.count == 1
        let knobTape = blocks ? compileTape(columns[0].expr, minimumSteps: 1, spanCalls: true) : nil
        let outer = visible.count
        defer { visible.removeSubrange(outer...) }
        let slot = newSlot(name)
        guard let localRow = compileRow(columns) else { return nil }
        let localTape = blocks ? compileTape(columns[0].expr, minimumSteps: 1, spanCalls: true) : nil
        let titles = [name] + columns.map(\.name)
        // A sweep of sweeps spreads its points over the cores.
        let nested = columns.contains { $0.expr.containsSweep }
        let layout = self.layout
        return { interp, s throws(NapkinError) in
            let points = try interp.sweepPoints(range) { (x: Expr) throws(NapkinError) -> Value in try rangeCode[ObjectIdentifier(x)]!(interp, s) }
            let knob = interp.sweptKnob(name)
            let row = knob == nil ? localRow : knobRow
            var reduction = reducer.map { SweepReduction($0, site: span) }
            var table = reducer == nil ? try TableBuilder(names: titles, capacity: points.count, interp, span) : nil
            if nested, interp.shouldSpread(points.count) {
                try interp.spreadSweep(name, points, knob: knob, rangeSpan: range.span, span: span, frame: s, frameSize: layout.size,
                                       evaluate: { (w: Interpreter, f: UnsafeMutablePointer<Value>, x: Value) throws(NapkinError) -> [Value] in
                    if knob == nil { f[slot] = x }
                    var cells = [x]
                    try row.all(w, f, &cells)
                    return cells
                }) { (x: Value, cells: [Value]) throws(NapkinError) in
                    if reduction != nil { try reduction!.add(x, cells[cells.count - 1], interp) } else { try table!.append(cells) }
                }
            } else if reduction != nil, let block = interp.sweepBlock(knob == nil ? localTape : knobTape, points, s,
                                                                    sweptSlot: knob == nil ? slot : nil, knob: knob) {
                try interp.reduceSweepInBlocks(name, points, knob: knob, rangeSpan: range.span, span: span, block, computed: { (values: UnsafeMutablePointer<Double>, first: Int, n: Int) throws(NapkinError) in
                    try reduction!.addBlock(values, n, block.dim, block.unitID, x: { points.point(first + $0) }, interp)
                }) { (x: Value) throws(NapkinError) in
                    if knob == nil { s[slot] = x }
                    try reduction!.add(x, try row.last(interp, s), interp)
                }
            } else if reduction != nil {
                try interp.forEachSweepPoint(name, points, knob: knob, rangeSpan: range.span, span: span) { (x: Value) throws(NapkinError) in
                    if knob == nil { s[slot] = x }
                    try reduction!.add(x, try row.last(interp, s), interp)
                }
            } else {
                // One row buffer for the whole sweep: each row goes straight into the columns.
                var cells: [Value] = []
                cells.reserveCapacity(columns.count + 1)
                try interp.forEachSweepPoint(name, points, knob: knob, rangeSpan: range.span, span: span) { (x: Value) throws(NapkinError) in
                    if knob == nil { s[slot] = x }
                    cells.removeAll(keepingCapacity: true)
                    cells.append(x)
                    try row.all(interp, s, &cells)
                    try table!.append(cells)
                }
            }
            if let reduction { return try reduction.result(interp) }
            return .table(table!.table)
        }
    }
}
