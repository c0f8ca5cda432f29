/// The evaluator: syntax turned into closures, for all code. A top-level statement is compiled
/// before it runs, a global function on its first call, a lambda or local fn with the code that
/// makes it. Names are resolved here, once: parameters, block `let`s, sweep variables and what a
/// closure captures live in frame slots; a global is read from its cell; a call of a global
/// function knows its callee and where each argument goes. Nothing is written into the syntax
/// tree, so the workers of a parallel sweep run the same code. Arithmetic on two quantities,
/// calls and field reads take inline fast paths; anything unusual (an error, a string, a plain
/// zero meeting a unit) goes to the one helper that states the rule (`binary`, `field`,
/// `callValue`, …). Straight-line arithmetic also runs as a tape (`NumericTape`).
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
    /// A user function's compiled body. A global function is compiled on its first call, when the
    /// functions it calls are defined (so they can be inlined); whichever thread gets there first
    /// publishes it, and the workers of a parallel sweep share it.
    func compiledBody(of f: FunctionValue) -> CompiledBody {
        if let c = f.compiled { return c }
        guard case .user(let params, let body, _) = f.body else { preconditionFailure("a builtin has no compiled body") }
        let compiler = BodyCompiler(self, f.resolution, parameters: params.count)
        compiler.inlining = [f]
        let declared = Declaration.parameters(params, of: body)
        var defaults: [Compiled?] = []
        for (i, p) in params.enumerated() {
            guard let d = p.defaultValue else { defaults.append(nil); continue }
            // A default sees only the parameters before it.
            compiler.visible = declared[..<i].enumerated().map { ($1, $0) }
            defaults.append(compiler.compile(d))
        }
        compiler.visible = declared.enumerated().map { ($1, $0) }
        let b = compiler.compile(body)
        return f.publish(CompiledBody(body: b, defaults: defaults, frameSize: compiler.frameSize))
    }

    /// Evaluates an expression outside any function (a top-level statement, a knob's range). Code
    /// that runs once is compiled plainly; a sweep is worth inlining calls and tapes for.
    /// Runs an expression once; `program`: the bound program it is part of (its names are then
    /// not bound again).
    func evaluate(_ e: Expr, in program: Program? = nil) throws(NapkinError) -> Value {
        try run(PreparedExpression(e, self, optimized: e.containsSweep, resolution: Interpreter.resolution(of: e, in: program)))
    }

    /// The binder's answer for `e`: its program's, when `e` is part of it; else worked out now
    /// (nil at once when nothing in `e` binds a name).
    static func resolution(of e: Expr, in program: Program?) -> Resolution? {
        if let r = program?.resolution, r.covers(e) { return r }
        return .expression(e)
    }

    /// Runs an expression compiled with `prepare`.
    public func run(_ p: PreparedExpression) throws(NapkinError) -> Value {
        let frame = pushFrame(p.layout.size)
        defer { popFrame(frame, p.layout.size) }
        return try p.code(self, frame)
    }

    /// The value of an expression a host evaluates again and again (a lab's goals, readings,
    /// texts and instruments), compiled on its first evaluation and kept for this session. Its
    /// first evaluations run plain code; then it is compiled optimised (calls inlined, tapes),
    /// which pays only for what is read many times, as a goal is by a search: optimising every
    /// text shown once and every instrument drawn a few times was 5% of `napkin check`'s
    /// instructions (372 k each), and optimising after four readings, when `napkin check` reads
    /// an instrument up to nine times to see it move, another 5% of the data lab's. A sweep is
    /// optimised at once.
    /// `program`: the bound program `e` is part of, if any.
    public func evaluateRepeatedly(_ e: Expr, in program: Program? = nil) throws(NapkinError) -> Value {
        let id = ObjectIdentifier(e), known = prepared[id]
        let p: PreparedExpression
        if let known, known.optimized || known.runs < Interpreter.plainRuns {
            p = known
        } else {
            // Compiled code stays right when knobs move and when a line redefines a function it
            // calls (it checks that its callee is the same).
            p = PreparedExpression(e, self, optimized: known != nil || e.containsSweep, resolution: Interpreter.resolution(of: e, in: program))
            prepared[id] = p
        }
        p.runs += 1
        callDepth = 0
        return try run(p)
    }

    /// Evaluations of an expression in plain code before `evaluateRepeatedly` optimises it.
    static let plainRuns = 8
}

/// An expression compiled at the top level, with the size of the frame it runs in. It holds its
/// expression, so the expression's identity names it for as long as it is kept.
public final class PreparedExpression {
    let expr: Expr
    let code: Compiled
    let layout: FrameLayout
    let optimized: Bool
    /// Times `evaluateRepeatedly` has run it.
    var runs = 0
    /// `resolution`: the binder's answer for `e`, or for the program it is part of.
    init(_ e: Expr, _ interp: Interpreter, optimized: Bool, resolution: Resolution?) {
        expr = e
        self.optimized = optimized
        let compiler = BodyCompiler(interp, resolution, parameters: 0)
        compiler.optimized = optimized
        code = compiler.compile(e)
        layout = compiler.layout
    }
}

/// Reports the names an expression reads from outside it (`Expr.forEachFreeName`).
private struct FreeNames: ScopeVisitor {
    let visit: (String) -> Void
    mutating func read(_ name: String, at e: Expr, bound: Bound, inFunction: Bool) {
        if !bound.contains(name) { visit(name) }
    }
    mutating func sweeps(_ name: String) { visit(name) }
}

extension Expr {
    /// Whether the expression may be a quantity, as far as its syntax tells: a string, a bool, a
    /// list, a record or a lambda never is.
    var isQuantityShaped: Bool {
        switch kind {
        case .string, .bool, .list, .record, .lambda: return false
        default: return true
        }
    }

    /// Whether a sweep appears anywhere inside (outside lambdas, which are compiled on their own).
    var containsSweep: Bool {
        anyNode { if case .sweep = $0.kind { return true } else { return false } }
    }

    /// Whether a closure may be made anywhere inside: a lambda or a local `fn`, in sweeps and
    /// blocks too (a closure captures the values of what it reads, so what it reads must be
    /// a slot, never a global standing in for a parameter).
    var makesClosure: Bool {
        var found = false
        forEachClosure(lambda: { _ in found = true }, localFn: { _ in found = true })
        return found
    }

    /// Calls `lambda` for every lambda inside and `localFn` for every local `fn` statement,
    /// looking everywhere: sweeps, blocks, other closures.
    func forEachClosure(lambda: (Expr) -> Void, localFn: (Stmt) -> Void) {
        switch kind {
        case .lambda: lambda(self)
        case .block(let stmts, _):
            for st in stmts { if case .function = st.kind { localFn(st) } }
        default: break
        }
        for x in inside { x.forEachClosure(lambda: lambda, localFn: localFn) }
    }

    /// Every name read inside that is not bound there (by a parameter, a `let`, a local `fn` or
    /// a sweep; `Scopes` states the rule) nor in `bound`: the globals, builtins and units the
    /// expression may read. Every sweep's own name is reported too, whatever binds it: a sweep
    /// named after a knob moves the knob.
    func forEachFreeName(bound: Set<String> = [], _ visit: (String) -> Void) {
        withoutActuallyEscaping(visit) { visit in
            var names = FreeNames(visit: visit)
            Scopes.walk(self, Bound(names: Array(bound), site: self), inFunction: false, &names)
        }
    }

    /// Syntax nodes inside, lambdas, blocks and sweeps included: a rough measure of the work
    /// of evaluating it once.
    var nodeCount: Int { inside.reduce(1) { $0 + $1.nodeCount } }

    /// Every expression directly inside this one, into lambdas (defaults and body), blocks (the
    /// values of their statements, local fns' defaults and bodies) and sweeps (range, columns):
    /// the shape of the tree, for the walks that look everywhere.
    var inside: [Expr] {
        switch kind {
        case .lambda(let params, let body): return params.compactMap(\.defaultValue) + [body]
        case .block(let stmts, let v): return stmts.flatMap(\.inside) + [v]
        case .sweep(_, _, let range, let columns): return [range] + columns.map(\.expr)
        default: return children
        }
    }

    /// The expressions directly inside this one (lambdas, blocks and sweeps aside).
    var children: [Expr] {
        switch kind {
        case .number, .quantity, .bool, .name, .lambda, .sweep, .block: return []
        case .string(let parts): return parts.compactMap { if case .expr(let x) = $0 { return x } else { return nil } }
        case .unary(_, let x), .convert(let x, _, _), .field(let x, _, _): return [x]
        case .binary(_, let l, let r, _), .index(let l, let r): return [l, r]
        case .call(let c, let args): return [c] + args.map(\.value)
        case .list(let items): return items
        case .record(let entries):
            return entries.map {
                switch $0 {
                case .field(_, let v, _): return v
                case .spread(let v): return v
                }
            }
        case .range(let lo, let hi, let step): return [lo, hi] + (step.map { [$0] } ?? [])
        case .conditional(let c, let a, let b): return [c, a, b]
        }
    }

    /// Whether `test` holds for this node or any node inside it (not looking into lambdas,
    /// sweeps or local fns, which are compiled on their own).
    func anyNode(_ test: (Expr) -> Bool) -> Bool {
        if test(self) { return true }
        switch kind {
        case .lambda, .sweep: return false
        case .block(let stmts, let v):
            return v.anyNode(test) || stmts.contains {
                switch $0.kind {
                case .let(_, _, let x, _), .expr(let x), .assert(let x): return x.anyNode(test)
                default: return false
                }
            }
        default: return children.contains { $0.anyNode(test) }
        }
    }
}

extension Stmt {
    /// The expressions a block statement holds: a value, or a local fn's defaults and body.
    var inside: [Expr] {
        switch kind {
        case .let(_, _, let x, _), .expr(let x), .assert(let x): return [x]
        case .function(_, _, let params, _, let body, _): return params.compactMap(\.defaultValue) + [body]
        default: return []
        }
    }
}

/// What a name that no global has means (a builtin or a unit), worked out when its code was
/// compiled. It holds while no name has been defined since; after a definition the name is looked
/// up again, and if it still means the same the count is brought up to date, so code compiled
/// before a lab's `let`s does not look every builtin up by name from then on. Only the session's
/// own thread writes the count (workers of a sweep spread over cores only read it).
final class NameMeaning {
    let known: Value
    private var checkedAt: Int

    init(_ known: Value, _ interp: Interpreter) {
        self.known = known
        checkedAt = interp.namesDefined
    }

    @inline(__always)
    func value(_ n: String, _ interp: Interpreter, _ span: Span) throws(NapkinError) -> Value {
        if interp.namesDefined == checkedAt { return known }
        return try recheck(n, interp, span)
    }

    @inline(never)
    private func recheck(_ n: String, _ interp: Interpreter, _ span: Span) throws(NapkinError) -> Value {
        let now = try interp.lookup(n, span)
        if !interp.isWorker, NameMeaning.same(now, known) { checkedAt = interp.namesDefined }
        return now
    }

    static func same(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.function(let f), .function(let g)): return f === g
        case (.quantity(let p), .quantity(let q)):
            return p.value.bitPattern == q.value.bitPattern && p.dim == q.dim && p.unitID == q.unitID
        default: return false
        }
    }
}

/// How many slots a compiled frame has, once all of it is compiled.
final class FrameLayout {
    var size = 0
}

/// Compiles expressions to closures. Which declaration each name is bound to is the binder's
/// answer (`Resolution`); the compiler gives each declaration in scope a slot of the frame.
final class BodyCompiler {
    /// The declarations in scope, innermost last, with their slots.
    var visible: [(Declaration, Int)] = []
    /// Which declaration each name in the code being compiled is bound to (an inlined call's
    /// body is compiled with its function's); nil when nothing in it is bound.
    var resolution: Resolution?
    /// Slots that hold a box (`Value.box`): a local fn that calls itself, whose closure must
    /// capture it before it exists. They are read through the box, never as a plain slot.
    var boxes: Set<Int> = []
    /// Whether calls are inlined and arithmetic taped: worth it for code that runs many times, not
    /// for a top-level line that runs once.
    var optimized = true
    /// Slots used so far: the parameters, then one per block `let` and sweep variable.
    private(set) var frameSize: Int {
        get { layout.size }
        set { layout.size = newValue }
    }
    /// The frame's final size, for code that copies the frame (a sweep spread over cores).
    let layout = FrameLayout()
    /// Resolves literals and known globals once, at compile time.
    unowned let interp: Interpreter

    init(_ interp: Interpreter, _ resolution: Resolution?, parameters: Int) {
        self.interp = interp
        self.resolution = resolution
        layout.size = parameters
    }

    /// The declaration a name (a `.name` node) is bound to; nil for a global, builtin or unit.
    func declaration(_ e: Expr) -> Declaration? { resolution?.declaration(of: e) }
    /// The slot a declaration has here, if any.
    private func binding(_ d: Declaration) -> Int? { visible.last { $0.0 == d }?.1 }
    private func binding(_ e: Expr) -> Int? { declaration(e).flatMap(binding) }
    /// The slot of a name bound here and read in place (not through a box).
    func slot(_ e: Expr) -> Int? {
        guard let i = binding(e), !boxes.contains(i) else { return nil }
        return i
    }
    /// The slot holding the box of a name bound here.
    func boxSlot(_ e: Expr) -> Int? {
        guard let i = binding(e), boxes.contains(i) else { return nil }
        return i
    }
    /// Whether a slot binds the name here (a plain one or a box).
    func isBound(_ e: Expr) -> Bool { binding(e) != nil }
    /// The constant an inlined call's parameter named here stands for.
    func constant(_ e: Expr) -> Quantity? { declaration(e).flatMap { constants[$0] } }
    /// The global named here: the one an inlined call's parameter stands for, or the name itself
    /// when it is free (nil when it is bound to a slot or a constant, or has no place here).
    func globalName(_ e: Expr) -> String? {
        guard case .name(let n) = e.kind else { return nil }
        guard let d = declaration(e) else { return n }
        return aliases[d]
    }

    /// Code for a name the binder bound that this compiler gave no place: a bug between the
    /// two, reported where it is read, never a global of the same name read instead.
    private func unplaced(_ name: String, _ span: Span) -> Compiled {
        { _, _ throws(NapkinError) in
            throw NapkinError(.runtime, "internal error: '\(name)' is bound here but the compiled code has no place for it; please report this", at: span)
        }
    }

    /// A name bound here rather than globally: a slot, or a parameter of an inlined call that is
    /// a constant or stands for a global (it may still hide a global of its own name).
    func isLocal(_ e: Expr) -> Bool {
        guard let d = declaration(e) else { return false }
        return binding(d) != nil || aliases[d] != nil || constants[d] != nil
    }

    /// False while compiling the fallback of a tape, and for code that runs once.
    var tapesAllowed = true

    /// Parameters of an inlined call that read a global directly instead of a copy in a slot
    /// (`hw = h100`, `eff = efficiency`): parameter → global name.
    var aliases: [Declaration: String] = [:]
    /// Parameters of an inlined call given (or defaulting to) a constant: `jevons: 1.4`, `fleet = 1000`.
    var constants: [Declaration: Quantity] = [:]

    /// The value of an expression known at compile time: literals, constant parameters and
    /// arithmetic on them (folded only when it succeeds; a failing one errs at run time).
    func constantValue(_ e: Expr) -> Quantity? {
        switch e.kind {
        case .number(let v): return Quantity(v)
        case .quantity(let v, let u):
            if case .quantity(let q)? = try? interp.quantityLiteral(v, u, e.span) { return q }
            return nil
        case .name:
            return constant(e)
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

    private func newSlot(_ d: Declaration, boxed: Bool = false) -> Int {
        let i = frameSize
        frameSize += 1
        visible.append((d, i))
        if boxed { boxes.insert(i) }
        return i
    }

    /// Compiles sub-expressions keyed by node, for the shared helpers that take an evaluator.
    private func compileEach(_ exprs: [Expr]) -> [ObjectIdentifier: Compiled] {
        var out: [ObjectIdentifier: Compiled] = [:]
        for x in exprs { out[ObjectIdentifier(x)] = compile(x) }
        return out
    }

    /// Code that runs `first`, then `next` (the statements of a block, in order).
    private func then(_ first: @escaping Compiled, _ next: @escaping Compiled) -> Compiled {
        { interp, s throws(NapkinError) in
            _ = try first(interp, s)
            return try next(interp, s)
        }
    }

    func compile(_ e: Expr) -> Compiled {
        interp.compiledExpressions &+= 1
        switch e.kind {
        case .number(let v):
            let value = Value.number(v)
            return { _, _ in value }
        case .quantity(let v, let u):
            // A unit means the same for the whole session; an unknown one errs when reached.
            let span = e.span
            if let value = try? interp.quantityLiteral(v, u, span) { return { _, _ in value } }
            return { interp, _ throws(NapkinError) in try interp.quantityLiteral(v, u, span) }
        case .bool(let b):
            let value = Value.bool(b)
            return { _, _ in value }
        case .name(let name):
            if let i = slot(e) { return { _, s in s[i] } }
            if let i = boxSlot(e) {
                let span = e.span
                return { interp, s throws(NapkinError) in try BodyCompiler.unbox(s[i], name, interp, span) }
            }
            if let q = constant(e) {
                let value = Value.quantity(q)
                return { _, _ in value }
            }
            let span = e.span
            guard let n = globalName(e) else { return unplaced(name, span) }
            // A global known now keeps its cell for the session (a later definition reuses it).
            if let cell = interp.globals[n]?.cell {
                return { interp, _ throws(NapkinError) in
                    if cell.defined { return cell.read(interp) }
                    return try interp.lookup(n, span)
                }
            }
            // A builtin or a unit, while no later definition takes the name.
            if interp.builtins[n] != nil || interp.units.unit(n) != nil, let known = try? interp.lookup(n, span) {
                let meaning = NameMeaning(known, interp)
                return { interp, _ throws(NapkinError) in try meaning.value(n, interp, span) }
            }
            return { interp, _ throws(NapkinError) in try interp.lookup(n, span) }
        case .unary("-", _):
            return boxed(compileNumeric(e))
        case .unary(let op, let x):
            let cx = compile(x)
            let span = e.span
            return { interp, s throws(NapkinError) in try interp.unary(op, try cx(interp, s), span) }
        case .binary(let op, let l, let r, let opSpan):
            if op.isArithmetic { return boxed(compileNumeric(e)) }
            if op.isComparison, l.isQuantityShaped, r.isQuantityShaped {
                // Both sides stay unboxed; anything but two quantities takes the generic rules.
                let nl = compileNumeric(l), nr = compileNumeric(r)
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
            let cl = compile(l), cr = compile(r)
            if op.isComparison {
                // `type(x) == "record"`: a string or a bool is compared by the generic rules,
                // not carried out of the unboxed path at every call.
                return { interp, s throws(NapkinError) in
                    try interp.binary(op, try cl(interp, s), try cr(interp, s), opSpan: opSpan, lhs: l, rhs: r)
                }
            }
            return { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                try interp.logic(op, l, r, left: { () throws(NapkinError) -> Value in try cl(interp, s) },
                                 right: { () throws(NapkinError) -> Value in try cr(interp, s) })
            }
        case .convert(let x, let u, let opSpan):
            let cx = compile(x)
            return { interp, s throws(NapkinError) in try interp.convert(try cx(interp, s), u, opSpan: opSpan, valueSpan: x.span) }
        case .call(let callee, let args):
            if let inPlace = compileLambdaInPlace(e, callee, args) { return inPlace }
            // sum(sweep …), min(sweep …), …: streamed when the name still means the builtin;
            // else the sweep, compiled once for both, is made into a table and passed as usual
            // (compiling it again for the usual call doubled the work at every level of nested
            // reductions: 2ⁿ for n).
            if let reducer = interp.streamedReducer(callee, args), !isLocal(callee),
               case .sweep(let name, _, let range, let columns) = args[0].value.kind {
                let sweep = compileSweep(args[0].value, name, range, columns, tapes: true)
                let reduce = sweep(reducer, e.span)
                let call = compileCall(e, callee, args, argumentCode: [sweep(nil, args[0].value.span)])
                return { interp, s throws(NapkinError) in
                    guard interp.globals[reducer.rawValue] == nil else { return try call(interp, s) }
                    interp.steps &+= 1
                    return try reduce(interp, s)
                } as Compiled
            }
            let call = compileCall(e, callee, args)
            return (optimized ? compileInlineCall(e, callee, args, otherwise: call) : nil) ?? call
        case .field(let x, let name, let nameSpan):
            let cx = compile(x)
            let site = FieldSite(name)
            return { interp, s throws(NapkinError) in try interp.fieldValue(try cx(interp, s), site, nameSpan) }
        case .index(let x, let i):
            let cx = compile(x), ci = compile(i)
            return { interp, s throws(NapkinError) in try interp.index(try cx(interp, s), try ci(interp, s), i.span) }
        case .conditional(let c, let a, let b):
            let cc = compile(c), ca = compile(a), cb = compile(b)
            return { interp, s throws(NapkinError) in
                try interp.condition(try cc(interp, s), c) ? ca(interp, s) : cb(interp, s)
            }
        case .list(let items):
            let cs = items.map { compile($0) }
            return { interp, s throws(NapkinError) in
                var out: [Value] = []
                out.reserveCapacity(cs.count)
                for c in cs { out.append(try c(interp, s)) }
                return .list(out)
            }
        case .string(let parts):
            let compiled = compileEach(parts.compactMap { if case .expr(let x) = $0 { return x } else { return nil } })
            let span = e.span
            return { interp, s throws(NapkinError) in
                try interp.buildString(parts, span) { (x: Expr) throws(NapkinError) -> Value in try compiled[ObjectIdentifier(x)]!(interp, s) }
            }
        case .record(let entries):
            // Fields named once each, no spread: the keys are known now, and the record is built
            // from its values in order.
            let names = entries.compactMap { entry -> String? in
                if case .field(let n, _, _) = entry { return n }
                return nil
            }
            if names.count == entries.count, Set(names).count == names.count {
                let codes = entries.map { entry -> Compiled in
                    if case .field(_, let v, _) = entry { return compile(v) }
                    preconditionFailure("only fields")
                }
                return { interp, s throws(NapkinError) in
                    var values: [Value] = []
                    values.reserveCapacity(codes.count)
                    for c in codes { values.append(try c(interp, s)) }
                    return .record(Record(keys: names, values: values))
                }
            }
            let values = entries.map { entry -> Expr in
                switch entry {
                case .field(_, let v, _): return v
                case .spread(let v): return v
                }
            }
            let compiled = compileEach(values)
            return { interp, s throws(NapkinError) in
                try interp.buildRecord(entries) { (x: Expr) throws(NapkinError) -> Value in try compiled[ObjectIdentifier(x)]!(interp, s) }
            }
        case .range(let lo, let hi, let step):
            let compiled = compileEach([lo, hi] + (step.map { [$0] } ?? []))
            let span = e.span
            return { interp, s throws(NapkinError) in
                let spec = try interp.rangeSpec(lo, hi, step, span) { (x: Expr) throws(NapkinError) -> Value in
                    try compiled[ObjectIdentifier(x)]!(interp, s)
                }
                return try interp.rangeList(spec, span)
            }
        case .lambda(let params, let body):
            return compileClosure("lambda", params, body, result: nil, definition: e.span)
        case .block(let stmts, let value):
            return compileBlock(stmts, value)
        case .sweep(let name, _, let range, let columns):
            return compileSweep(e, name, range, columns, tapes: false)(nil, e.span)
        }
    }

    /// A boxed name's value: the local fn its box holds (it is filled as soon as the fn is made,
    /// before anything can call it; an empty one reads the name as outside the block).
    @inline(__always)
    static func unbox(_ slot: Value, _ name: String, _ interp: Interpreter, _ span: Span) throws(NapkinError) -> Value {
        if case .box(let b) = slot, let v = b.value { return v }
        return try interp.lookup(name, span)
    }

    /// A block: a `let` binds a slot from the next statement on, a local fn from its own body on
    /// (`BlockBinding`, the rule the checks read names by). A closure made in the block captures the
    /// slots it reads as they are when it is made, so a later `let` of the same name is a new
    /// slot it never sees. A local fn that calls itself lives in a box made just before it, which
    /// the fn captures and which then holds it.
    private func compileBlock(_ stmts: [Stmt], _ value: Expr) -> Compiled {
        let outer = visible.count
        defer { visible.removeSubrange(outer...) }
        var steps: Compiled = { _, _ in .nothing }
        for st in stmts {
            // The slot a `let` or local fn binds, made where the rule says its name starts.
            var slot: Int?, boxed = false
            let binding = st.blockBinding
            if case .fromOwnBody(let name)? = binding, case .function(_, _, _, _, let body, _) = st.kind {
                // Boxed when it reads itself: the binder lists it among what it captures.
                let own = Declaration.statement(name, st)
                boxed = resolution?.captures(ofBody: body).contains(own) ?? false
                slot = newSlot(own, boxed: boxed)
            }
            let code: Compiled
            switch st.kind {
            case .let(_, _, let v, _):
                code = compile(v)
            case .function(let name, _, let params, let result, let body, _):
                code = compileClosure(name, params, body, result: result, definition: st.span)
            case .assert(let x):
                let c = compile(x)
                code = { interp, s throws(NapkinError) in
                    try interp.checkAssertion(try c(interp, s), x)
                    return .nothing
                }
            case .expr(let x):
                code = compile(x)
            default:
                let span = st.span
                code = { _, _ throws(NapkinError) in throw NapkinError(.parse, "not allowed inside a block", at: span) }
            }
            if case .fromNextStatement(let name)? = binding { slot = newSlot(.statement(name, st)) }
            guard let i = slot else {
                steps = then(steps, code)
                continue
            }
            if boxed {
                steps = then(steps) { interp, s throws(NapkinError) in
                    let box = ValueBox(nil)
                    s[i] = .box(box)
                    box.value = try code(interp, s)
                    return .nothing
                }
            } else {
                steps = then(steps) { interp, s throws(NapkinError) in
                    s[i] = try code(interp, s)
                    return .nothing
                }
            }
        }
        return then(steps, compile(value))
    }

    /// A lambda or local fn: its body is compiled now, in a frame of its own (parameters, then the
    /// names it reads from here, then its own `let`s). Making it copies those names' values from
    /// this frame (a box is shared, not copied); constants and globals a parameter stands for are
    /// known now and stay so.
    private func compileClosure(_ name: String, _ params: [Parameter], _ body: Expr, result: DeclaredType?,
                                definition: Span) -> Compiled {
        let inner = BodyCompiler(interp, resolution, parameters: params.count)
        inner.inlining = inlining
        inner.optimized = optimized
        inner.lambdaNesting = lambdaNesting + 1
        var sources: [Int] = []
        for d in resolution?.captures(ofBody: body) ?? [] {
            if let i = binding(d) {
                _ = inner.newSlot(d, boxed: boxes.contains(i))
                sources.append(i)
            } else if let q = constants[d] {
                inner.constants[d] = q
            } else if let g = aliases[d] {
                inner.aliases[d] = g
            }
        }
        let captured = inner.visible
        let parameters = Declaration.parameters(params, of: body)
        var defaults: [Compiled?] = []
        for (i, p) in params.enumerated() {
            guard let d = p.defaultValue else { defaults.append(nil); continue }
            // A default sees only the parameters before it.
            inner.visible = captured + parameters[..<i].enumerated().map { ($1, $0) }
            defaults.append(inner.compile(d))
        }
        inner.visible = captured + parameters.enumerated().map { ($1, $0) }
        let code = CompiledBody(body: inner.compile(body), defaults: defaults, frameSize: inner.frameSize)
        let declared = result != nil || params.contains { $0.declared != nil }
        return { interp, s throws(NapkinError) in
            var values: [Value] = []
            values.reserveCapacity(sources.count)
            for i in sources { values.append(s[i]) }
            let f = FunctionValue(name: name, body: .user(params: params, body: body, closure: Closure(code: code, captured: values)),
                                  definition: definition, resultType: result)
            if declared {
                // A fresh function of this thread's own: its contract is stored here even on a
                // worker (which never writes a shared function's).
                f.contract = try interp.contract(of: f)
                f.contractResolved = true
            }
            return .function(f)
        }
    }

    /// Compiles an expression that is usually a quantity to code that returns the quantity
    /// unboxed: arithmetic on the way stays in registers. When a value turns out not to be a
    /// quantity (`"total: " + x`), the code throws it as `NapkinError.carrying(value)` and the
    /// nearest operation finishes with the generic rules, so nothing is evaluated twice.
    func compileNumeric(_ e: Expr) -> NumericCode {
        if let q = constantValue(e) { return { _, _ in q } }
        switch e.kind {
        case .number(let v):
            let q = Quantity(v)
            return { _, _ in q }
        case .quantity(let v, let u):
            if case .quantity(let q)? = try? interp.quantityLiteral(v, u, e.span) { return { _, _ in q } }
        case .name where boxSlot(e) != nil:
            break
        case .name(let name):
            if let i = slot(e) {
                return { _, s throws(NapkinError) in
                    if case .quantity(let q) = s[i] { return q }
                    throw .carrying(s[i])
                }
            }
            let span = e.span
            guard let n = globalName(e) else {
                let code = unplaced(name, span)
                return { interp, s throws(NapkinError) in try numeric(try code(interp, s)) }
            }
            if let cell = interp.globals[n]?.cell {
                return { interp, _ throws(NapkinError) in
                    if cell.defined, case .quantity(let q) = cell.read(interp) { return q }
                    return try numeric(try interp.lookup(n, span))
                }
            }
            if interp.units.unit(n) != nil, let known = try? interp.lookup(n, span) {
                let meaning = NameMeaning(known, interp)
                return { interp, _ throws(NapkinError) in try numeric(try meaning.value(n, interp, span)) }
            }
            return { interp, _ throws(NapkinError) in try numeric(try interp.lookup(n, span)) }
        case .unary("-", let x):
            let nx = compileNumeric(x)
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
            let tape = tapesAllowed && optimized ? compileTape(e) : nil
            if tape != nil { tapesAllowed = false }
            defer { if tape != nil { tapesAllowed = true } }
            let ol = operand(l), or = operand(r)
            let closures = numericBinary(ArithmeticSite(op: op, lhs: l, rhs: r, opSpan: opSpan), ol, or)
            if let tape {
                return { interp, s throws(NapkinError) in try tape.run(interp, s, generic: closures) }
            }
            return closures
        case .field(let x, let name, let nameSpan):
            // A field of a record named by a slot or a global is read where the record lives
            // (FieldReader); anything unusual takes the generic rules.
            let base = compile(x)
            if let reader = fieldReader(x, name) {
                let site = reader.site
                return { interp, s throws(NapkinError) in
                    if let q = reader.read(interp, s) { return q }
                    return try numeric(try interp.fieldValue(try base(interp, s), site, nameSpan))
                }
            }
            let site = FieldSite(name)
            return { interp, s throws(NapkinError) in
                let v = try base(interp, s)
                if case .record(let r) = v, let q = r.quantity(name, hint: site.hint) { return q }
                return try numeric(try interp.fieldValue(v, site, nameSpan))
            }
        case .conditional(let c, let a, let b):
            let cc = compile(c), na = compileNumeric(a), nb = compileNumeric(b)
            return { interp, s throws(NapkinError) in
                try interp.condition(try cc(interp, s), c) ? na(interp, s) : nb(interp, s)
            }
        default:
            break
        }
        let g = compile(e)
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

    /// A reader for `base.name` when `base` names a slot or a global (not a constant parameter
    /// or a box).
    func fieldReader(_ base: Expr, _ name: String) -> FieldReader? {
        guard case .name = base.kind, constant(base) == nil, boxSlot(base) == nil else { return nil }
        if let i = slot(base) { return FieldReader(slot: i, cell: nil, name: name) }
        guard let n = globalName(base), let cell = interp.globals[n]?.cell else { return nil }
        return FieldReader(slot: nil, cell: cell, name: name)
    }

    /// An operand of arithmetic: a constant or a slot is read in place, without a call.
    private func operand(_ e: Expr) -> NumericOperand {
        if let q = constantValue(e) { return .constant(q) }
        switch e.kind {
        case .number(let v): return .constant(Quantity(v))
        case .quantity(let v, let u): if case .quantity(let q)? = try? interp.quantityLiteral(v, u, e.span) { return .constant(q) }
        case .name: if let i = slot(e) { return .slot(i) }
        default: break
        }
        return .code(compileNumeric(e))
    }

    /// Generic code around numeric code: the quantity boxed, or the value it carried out.
    private func boxed(_ n: @escaping NumericCode) -> Compiled {
        { interp, s throws(NapkinError) in try unboxed(n, interp, s) }
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
        guard let n = globalName(callee), inlining.count < BodyCompiler.maxInlineDepth,
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
        let mayAlias = !body.makesClosure && !defaultExprs.contains { $0.makesClosure }
        let bodySweeps = body.containsSweep || defaultExprs.contains { $0.containsSweep }
        let declared = Declaration.parameters(params, of: body)
        var argAliases: [Declaration: String] = [:], argConstants: [Declaration: Quantity] = [:]
        var bind: Compiled = { _, _ in .nothing }
        var bound = 0, defaulted = 0
        for (k, a) in args.enumerated() {
            let param = declared[argSlots[k]]
            if mayAlias {
                if let q = constantValue(a.value) { argConstants[param] = q; continue }
                if let target = globalName(a.value),
                   let global = interp.globals[target], global.kind != .knob || !bodySweeps {
                    argAliases[param] = target
                    continue
                }
            }
            let code = compile(a.value)
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
        let callerScope = visible, callerAliases = aliases, callerConstants = constants, callerResolution = resolution
        defer { visible = callerScope; aliases = callerAliases; constants = callerConstants; resolution = callerResolution }
        resolution = f.resolution
        inlining.append(f)
        defer { inlining.removeLast() }
        // A default that is a constant, or just a global's name, is used where the parameter is
        // read. That means the same unless the body moves that knob meanwhile (a sweep) or a
        // lambda would have to capture the parameter, so then it is copied as usual.
        var paramAliases = argAliases, paramConstants = argConstants
        func inSlot(_ d: Declaration) -> Bool { paramAliases[d] == nil && paramConstants[d] == nil }
        var defaults: Compiled = { _, _ in .nothing }
        for i in missing {
            // A default sees only the parameters before it, however they are bound.
            let earlier = Set(declared[..<i])
            visible = declared[..<i].enumerated().filter { inSlot($1) }.map { ($1, base + $0) }
            aliases = paramAliases.filter { earlier.contains($0.key) }
            constants = paramConstants.filter { earlier.contains($0.key) }
            if mayAlias {
                if let q = constantValue(params[i].defaultValue!) { paramConstants[declared[i]] = q; continue }
                if let target = globalName(params[i].defaultValue!),
                   let global = interp.globals[target], global.kind != .knob || !bodySweeps {
                    paramAliases[declared[i]] = target
                    continue
                }
            }
            let code = compile(params[i].defaultValue!)
            defaulted += 1
            let before = defaults
            defaults = { interp, s throws(NapkinError) in
                _ = try before(interp, s)
                s[base + i] = try code(interp, s)
                return .nothing
            }
        }
        visible = declared.enumerated().filter { inSlot($1) }.map { ($1, base + $0) }
        aliases = paramAliases
        constants = paramConstants
        var sources: [ParameterSource] = []
        if let contract {
            for (i, p) in declared.enumerated() {
                if let q = paramConstants[p] {
                    // A constant that does not fit is left to the generic call, which reports it.
                    if let check = contract.parameters[i], !check.accepts(.quantity(q)) { return nil }
                    sources.append(.constant(.quantity(q)))
                } else if let target = paramAliases[p], let global = interp.globals[target] {
                    sources.append(.global(global.cell))
                } else {
                    sources.append(.slot(base + i))
                }
            }
        }
        let run = compile(body)
        let cell = g.cell, version = g.cell.version
        let span = e.span
        var argumentSpans = [Span?](repeating: nil, count: params.count)
        for (k, a) in args.enumerated() { argumentSpans[argSlots[k]] = a.value.span }
        let bindArguments = bind, bindDefaults = defaults
        let hasArguments = bound > 0, hasDefaults = defaulted > 0
        return { interp, s throws(NapkinError) in
            // With a call memo the call is made as usual, where the memo is (see CallMemo).
            guard cell.version == version, cell.defined, !(interp.callMemo?.wants(f) ?? false) else { return try generic(interp, s) }
            if hasArguments { _ = try bindArguments(interp, s) }
            try interp.enterCall(f.name, span)
            defer { interp.callDepth -= 1 }
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

    /// How many lambdas the code being compiled is inside (their bodies, in place or not).
    var lambdaNesting = 0
    /// A lambda run in place is compiled twice (in place, and as a lambda should the name stop
    /// meaning the builtin): only this many levels deep, so nested ones cost 2³ at most.
    static let maxLambdaInPlaceNesting = 3

    /// `map(list, x => …)` and `filter(list, x => …)` with a literal lambda of one plain parameter:
    /// the lambda's body is compiled into this frame with its parameter in a slot, and runs once
    /// per item with a call's bookkeeping (`enterCall`, and its place in an error's trace) but
    /// no closure made and no frame pushed. Its body reads the names around it in place, which
    /// is what the lambda would have captured: nothing in this frame changes while `map` runs.
    /// At run time the name must still mean the builtin (a REPL line may define `map`); if not,
    /// the call is made as usual, with the list evaluated by the same code (compiling it twice
    /// would double the work at every `map` of a `map`: 2ⁿ for a chain of n).
    private func compileLambdaInPlace(_ e: Expr, _ callee: Expr, _ args: [CallArgument]) -> Compiled? {
        guard case .name(let name) = callee.kind, name == "map" || name == "filter", !isLocal(callee),
              lambdaNesting < BodyCompiler.maxLambdaInPlaceNesting,
              args.count == 2, args.allSatisfy({ $0.label == nil }),
              case .lambda(let params, let body) = args[1].value.kind, params.count == 1,
              params[0].defaultValue == nil, params[0].declared == nil else { return nil }
        let items = compile(args[0].value)
        let generic = compileCall(e, callee, args, argumentCode: [items, compile(args[1].value)])
        let outer = visible.count
        let slot = newSlot(.parameter(params[0].name, 0, of: body))
        lambdaNesting += 1
        let run = compile(body)
        lambdaNesting -= 1
        visible.removeSubrange(outer...)
        let site = CallSite(span: e.span, arguments: args)
        let span = e.span, isMap = name == "map"
        return { interp, s throws(NapkinError) in
            guard interp.globals[name] == nil else { return try generic(interp, s) }
            let list = try items(interp, s)
            // The builtin's own call, as `apply` counts it.
            try interp.step(span)
            let each = { (x: Value) throws(NapkinError) -> Value in
                s[slot] = x
                try interp.enterCall("lambda", span)
                defer { interp.callDepth -= 1 }
                do throws(NapkinError) { return try run(interp, s) } catch { throw interp.traced(error, "lambda", span) }
            }
            let values = try Builtins.list(list, site, name)
            return isMap ? try Builtins.map(values, site, interp, each) : try Builtins.filter(values, site, each)
        }
    }

    /// Where an inlined parameter's value is, for its declared-dimension check.
    enum ParameterSource {
        case slot(Int)
        case constant(Value)
        case global(GlobalCell)
    }

    /// A call. When the name means a global user function now, where each argument goes is worked
    /// out here, once; at run time one identity check says it still applies, and the arguments
    /// are evaluated straight into the callee's frame. Anything else goes through `callValue`.
    /// `argumentCode`: the arguments already compiled (by a form that also runs them another
    /// way), so that nothing is compiled twice.
    private func compileCall(_ e: Expr, _ callee: Expr, _ args: [CallArgument], argumentCode: [Compiled]? = nil) -> Compiled {
        let cc = compile(callee)
        let compiledArgs = argumentCode ?? args.map { compile($0.value) }
        let span = e.span
        var calleeIsLocal = false
        var known: (FunctionValue, CallShape)?
        if case .name = callee.kind {
            calleeIsLocal = isLocal(callee)
            if let n = globalName(callee), let g = interp.globals[n], g.kind == .function,
               case .function(let f) = g.value, case .user(let params, _, nil) = f.body,
               let shape = try? interp.callShape(f, params, args, span) {
                known = (f, shape)
            }
        }
        return { interp, s throws(NapkinError) in
            let fv = try cc(interp, s)
            let argument = { (i: Int) throws(NapkinError) -> Value in try compiledArgs[i](interp, s) }
            if let (f, shape) = known, case .function(let g) = fv, g === f {
                do throws(NapkinError) {
                    return try interp.callCompiled(f, interp.compiledBody(of: f), shape, span, argument: argument)
                } catch {
                    throw interp.pointAtArgument(error, args, shape, span)
                }
            }
            return try interp.callValue(fv, callee, args, span, calleeIsLocal: calleeIsLocal, argument: argument)
        }
    }

    /// A sweep's columns, evaluated in order: all of them into a row, or (for a reduction)
    /// all of them keeping the last.
    private func compileRow(_ columns: [SweepColumn]) -> (all: RowCode, last: Compiled) {
        var all: RowCode = { _, _, _ in }
        var last: Compiled = { _, _ in .nothing }
        for c in columns {
            let code = compile(c.expr)
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
    /// once, with the swept name in a slot of its own. When the name is a knob, the knob is
    /// moved too, to the same value at every point: the body reads the slot, and whatever it
    /// calls reads the knob. Which knob is bound here, and looked up again only if a name has
    /// been defined since (a REPL line may define the knob after the function that sweeps it).
    /// Compiled once, it runs as a table (no reducer) or into a reduction, with errors at `span`.
    private func compileSweep(_ sweep: Expr, _ name: String, _ range: Expr, _ columns: [SweepColumn],
                              tapes: Bool) -> (_ reducer: SweepReducer?, _ span: Span) -> Compiled {
        var rangeParts = [range]
        if case .range(let lo, let hi, let step) = range.kind { rangeParts = [lo, hi] + (step.map { [$0] } ?? []) }
        let rangeCode = compileEach(rangeParts)
        let outer = visible.count
        defer { visible.removeSubrange(outer...) }
        let slot = newSlot(.sweep(name, sweep))
        // A row is one chain of closures (no array of closures to walk per point, whose
        // contexts every core would retain).
        let row = compileRow(columns)
        // A reduction of one column also runs as a tape over blocks of points, when it can
        // (NumericTape.Block).
        let tape = tapes && columns.count == 1 ? compileTape(columns[0].expr, minimumSteps: 1, spanCalls: true) : nil
        let titles = [name] + columns.map(\.name)
        // A sweep of sweeps spreads its points over the cores.
        let nested = columns.contains { $0.expr.containsSweep }
        let layout = self.layout
        // Which knob the sweep moves is worked out here, once (see `sweptKnob`).
        let binding = interp.bindSweptKnob(name)
        return { reducer, span in { interp, s throws(NapkinError) in
            let points = try interp.sweepPoints(range) { (x: Expr) throws(NapkinError) -> Value in try rangeCode[ObjectIdentifier(x)]!(interp, s) }
            let knob = try interp.sweptKnob(name, binding, rangeSpan: range.span)
            var reduction = reducer.map { SweepReduction($0, site: span) }
            var table = reducer == nil ? try TableBuilder(names: titles, capacity: points.count, interp, span) : nil
            if nested, interp.shouldSpread(points.count), reduction != nil {
                // A reduction needs one value of each point: the last column's.
                try interp.spreadSweep(name, points, knob: knob, rangeSpan: range.span, span: span, frame: s, frameSize: layout.size,
                                       evaluate: { (w: Interpreter, f: UnsafeMutablePointer<Value>, x: Value) throws(NapkinError) -> Value in
                    f[slot] = x
                    return try row.last(w, f)
                }) { (x: Value, last: Value) throws(NapkinError) in try reduction!.add(x, last, interp) }
            } else if nested, interp.shouldSpread(points.count) {
                try interp.spreadSweep(name, points, knob: knob, rangeSpan: range.span, span: span, frame: s, frameSize: layout.size,
                                       evaluate: { (w: Interpreter, f: UnsafeMutablePointer<Value>, x: Value) throws(NapkinError) -> [Value] in
                    f[slot] = x
                    var cells = [x]
                    try row.all(w, f, &cells)
                    return cells
                }) { (_: Value, cells: [Value]) throws(NapkinError) in try table!.append(cells) }
            } else if reduction != nil, let block = interp.sweepBlock(tape, points, s, sweptSlot: slot, knob: knob) {
                try interp.reduceSweepInBlocks(name, points, knob: knob, rangeSpan: range.span, span: span, block, computed: { (values: UnsafeMutablePointer<Double>, first: Int, n: Int) throws(NapkinError) in
                    try reduction!.addBlock(values, n, block.dim, block.unitID, x: { points.point(first + $0) }, interp)
                }) { (x: Value) throws(NapkinError) in
                    s[slot] = x
                    try reduction!.add(x, try row.last(interp, s), interp)
                }
            } else if reduction != nil {
                try interp.forEachSweepPoint(name, points, knob: knob, rangeSpan: range.span, span: span) { (x: Value) throws(NapkinError) in
                    s[slot] = x
                    try reduction!.add(x, try row.last(interp, s), interp)
                }
            } else {
                // One row buffer for the whole sweep: each row goes straight into the columns.
                var cells: [Value] = []
                cells.reserveCapacity(columns.count + 1)
                try interp.forEachSweepPoint(name, points, knob: knob, rangeSpan: range.span, span: span) { (x: Value) throws(NapkinError) in
                    s[slot] = x
                    cells.removeAll(keepingCapacity: true)
                    cells.append(x)
                    try row.all(interp, s, &cells)
                    try table!.append(cells)
                }
            }
            if let reduction { return try reduction.result(interp) }
            return .table(table!.table)
        } }
    }
}
