/// Dimensions before running: an abstract interpretation of a program in which every value's
/// dimension is either known or unknown. A dimension error is reported only where it is certain
/// (both sides known and no plain 0 that could fit either), so a mistake in a branch that the
/// lab's defaults never take is found by `napkin check` — and nothing legal is ever refused.
///
/// Known: literals with units, numbers (plain), declared parameter and result dimensions, the
/// session's globals (prelude constants, records and their fields, knobs), lets, the arithmetic
/// rules, both branches of an `if`, builtins with a fixed rule, and calls of user functions,
/// whose bodies are inferred for the argument dimensions of each call (memoised, with a
/// recursion guard). A branch chosen by `type(x)` or `fields(x)` is never judged: it is there
/// precisely because the value's kind varies.
public final class DimensionChecker {
    /// `everything`: every statement and definition (napkin check). `definitions`: only what a
    /// function definition's body does for any call (run and the REPL report those when the
    /// function is defined, as they report an unknown name; top-level lines keep their order).
    public enum Scope { case everything, definitions }

    /// What is known about a value.
    indirect enum Shape: Hashable {
        /// A quantity of this dimension. `zero`: it may be a plain 0 (only for plain numbers),
        /// which at run time fits any dimension in + − and comparisons.
        case quantity(Dimension, zero: Bool)
        case bool, string
        case list(Shape)
        case record([String: Shape])
        case function(Callee)
        case unknown

        static let plain = Shape.quantity(.none, zero: true)
    }

    enum Callee: Hashable {
        case builtin(String)
        case user(FunctionRef)
    }

    /// A function the checker can look into: a definition, a lambda, or a session function.
    final class FunctionRef: Hashable {
        let name: String
        let params: [Parameter]
        let result: DeclaredType?
        let body: Expr
        /// Locals the function closed over (a lambda or local fn); nil for a global function.
        var closure: Locals?
        /// A session function that captured a run-time scope the checker cannot see.
        let opaque: Bool
        /// A global function's resolution (a session function's is its own, worked out once).
        private let given: Resolution?
        init(name: String, params: [Parameter], result: DeclaredType?, body: Expr, closure: Locals?, opaque: Bool = false,
             resolution: Resolution? = nil) {
            self.name = name
            self.params = params
            self.result = result
            self.body = body
            self.closure = closure
            self.opaque = opaque
            given = resolution
        }
        /// What its body sees before its parameters are bound: what it closed over, or nothing.
        lazy var outside: Locals = closure ?? Locals(given ?? .function(params, body))
        static func == (a: FunctionRef, b: FunctionRef) -> Bool { a === b }
        func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }
    }

    struct CallKey: Hashable {
        let function: FunctionRef
        let args: [Shape]
        let silent: Bool
    }

    typealias Env = [String: Shape]

    /// What the code being checked has bound: the binder's answer for it (`Resolution`), and the
    /// shape of each declaration in scope.
    struct Locals: Hashable {
        /// nil when nothing in the code is bound.
        let resolution: Resolution?
        var shapes: [Declaration: Shape] = [:]
        init(_ resolution: Resolution?) { self.resolution = resolution }
        subscript(d: Declaration) -> Shape? {
            get { shapes[d] }
            set { shapes[d] = newValue }
        }
        static func == (a: Locals, b: Locals) -> Bool { a.resolution === b.resolution && a.shapes == b.shapes }
        func hash(into h: inout Hasher) {
            h.combine(resolution.map(ObjectIdentifier.init))
            h.combine(shapes)
        }
    }

    /// A definition is checked once for each scope it closes over.
    struct DefinitionKey: Hashable {
        let body: ObjectIdentifier
        let closure: Locals?
        let silent: Bool
    }

    let interp: Interpreter
    /// Top-level names the program defines, each the join of all its definitions (and of the
    /// session's value, which holds until the program's definition runs).
    var programGlobals: Env = [:]
    var sessionShapes: Env = [:]
    var sessionFunctions: [ObjectIdentifier: FunctionRef] = [:]
    var declaredShapes: [String: Shape] = [:]
    var checks: [String: TypeCheck?] = [:]
    var errors: [NapkinError] = []
    var reported: Set<String> = []
    /// > 0 while errors are not reported (building the globals; a branch chosen by kind).
    var silent = 0
    var calls: [CallKey: Shape] = [:]
    var inProgress: Set<CallKey> = []
    var checkedDefinitions: Set<DefinitionKey> = []
    /// The program's top-level functions, by body.
    var topLevel: [ObjectIdentifier: FunctionRef] = [:]
    /// The calls being inferred, outermost first (an error inside one reports them as a trace).
    var stack: [CallFrame] = []
    static let maxDepth = 16
    /// Bodies inferred at most this many times per check: a program whose calls fan out with
    /// ever new dimensions (`f(x * 1 m) + f(x * 1 s)`) stops being inferred, never hangs.
    var inferences = 0
    static let maxInferences = 20_000

    /// The `+ − comparison` operators met, and those whose two sides' dimensions were both
    /// known there (so a mismatch would have been reported): how much the pass can judge.
    var operatorSites: Set<Site> = []
    var judgedSites: Set<Site> = []
    public var operatorsMet: Int { operatorSites.count }
    public var operatorsJudged: Int { judgedSites.count }
    struct Site: Hashable {
        let file: Int32, start: Int, end: Int
        init(_ s: Span) { file = s.fileID; start = s.start; end = s.end }
    }

    public init(interpreter: Interpreter) {
        self.interp = interpreter
    }

    /// The certain dimension errors of a program, in the order found.
    public func check(_ program: Program, scope: Scope = .everything) -> [NapkinError] {
        resolution = program.resolution
        buildGlobals(program.statements)
        for s in program {
            switch s.kind {
            case .function(let n, _, let params, let result, let body, _):
                // A top-level definition is checked on its own, with its declared dimensions.
                checkDefinition(topLevel[ObjectIdentifier(body)] ?? FunctionRef(name: n, params: params, result: result, body: body, closure: nil,
                                                                                resolution: resolution))
            default:
                if scope == .everything { statement(s, Locals(resolution)) }
            }
        }
        return errors
    }

    /// The binder's answer for the program being checked (nil: it binds nothing).
    private var resolution: Resolution?

    // MARK: Globals

    /// The program's top-level names: functions first (visible everywhere), then lets and knobs
    /// in order, each joined with any earlier definition of the same name.
    func buildGlobals(_ program: [Stmt]) {
        silent += 1
        defer { silent -= 1 }
        var defined: Set<String> = []
        for s in program {
            guard case .function(let n, _, let params, let result, let body, _) = s.kind else { continue }
            let f = FunctionRef(name: n, params: params, result: result, body: body, closure: nil, resolution: resolution)
            topLevel[ObjectIdentifier(body)] = f
            // Defined twice: which one a call meets depends on when it runs.
            define(n, defined.insert(n).inserted ? .function(.user(f)) : .unknown)
        }
        for s in program {
            switch s.kind {
            case .let(let n, _, let e, _):
                define(n, eval(e, Locals(resolution)))
            case .knob(let n, _, let v, let range, _):
                define(n, knobShape(v, range))
            default: break
            }
        }
    }

    func define(_ n: String, _ shape: Shape) {
        if let old = programGlobals[n] {
            programGlobals[n] = join(old, shape)
        } else if let session = sessionGlobal(n) {
            programGlobals[n] = join(session, shape)
        } else {
            programGlobals[n] = shape
        }
    }

    /// A knob's value: a numeric knob keeps its dimension (moving it cannot change it; a plain
    /// knob may be moved to 0); a choice knob is one of its options.
    func knobShape(_ value: Expr, _ range: Expr) -> Shape {
        switch range.kind {
        case .range:
            if case .quantity(let d, _) = eval(value, Locals(resolution)) { return .quantity(d, zero: d.isNone) }
            return .unknown
        case .record(let entries):
            var shape: Shape?
            for case .field(_, let e, _) in entries {
                let s = eval(e, Locals(resolution))
                shape = shape.map { join($0, s) } ?? s
            }
            return shape ?? .unknown
        default:
            return .unknown
        }
    }

    func sessionGlobal(_ n: String) -> Shape? {
        if let s = sessionShapes[n] { return s }
        guard let g = interp.globals[n], g.cell.defined else { return nil }
        var s: Shape
        if let knob = g.knob, knob.isChoice {
            s = knob.options.map { shape(of: $0.value, knob: false, depth: 0) }.reduce(nil) { (acc: Shape?, x) in acc.map { join($0, x) } ?? x } ?? .unknown
        } else {
            s = shape(of: g.value, knob: g.kind == .knob, depth: 0)
        }
        if case .quantity(let d, _) = s, g.kind == .knob { s = .quantity(d, zero: d.isNone) }
        sessionShapes[n] = s
        return s
    }

    /// What a run-time value tells about its dimension.
    func shape(of v: Value, knob: Bool, depth: Int) -> Shape {
        switch v {
        case .quantity(let q):
            return .quantity(q.dim, zero: q.dim.isNone && (knob || q.isPlainZero))
        case .bool: return .bool
        case .string: return .string
        case .list(let items):
            guard depth < 4, items.count <= 512, let first = items.first else { return .list(.unknown) }
            var s = shape(of: first, knob: false, depth: depth + 1)
            for x in items.dropFirst() {
                s = join(s, shape(of: x, knob: false, depth: depth + 1))
                if s == .unknown { break }
            }
            return .list(s)
        case .record(let r):
            guard depth < 6 else { return .unknown }
            var fields: Env = [:]
            for (k, x) in zip(r.keys, r.values) { fields[k] = shape(of: x, knob: false, depth: depth + 1) }
            return .record(fields)
        case .function(let f):
            switch f.body {
            case .builtin(let b): return .function(.builtin(b.name))
            case .user(let params, let body, let closure):
                if let known = sessionFunctions[ObjectIdentifier(f)] { return .function(.user(known)) }
                let ref = FunctionRef(name: f.name, params: params, result: f.resultType, body: body, closure: nil, opaque: closure != nil,
                                      resolution: closure == nil ? f.resolution : nil)
                sessionFunctions[ObjectIdentifier(f)] = ref
                return .function(.user(ref))
            }
        case .table, .figure, .nothing, .box:
            return .unknown
        }
    }

    /// What is true of either of two values.
    func join(_ a: Shape, _ b: Shape) -> Shape {
        if a == b { return a }
        switch (a, b) {
        case (.quantity(let x, let zx), .quantity(let y, let zy)) where x == y:
            return .quantity(x, zero: zx || zy)
        case (.list(let x), .list(let y)):
            return .list(join(x, y))
        case (.record(let x), .record(let y)) where Set(x.keys) == Set(y.keys):
            var out: Env = [:]
            for (k, v) in x { out[k] = join(v, y[k]!) }
            return .record(out)
        default:
            return .unknown
        }
    }

    // MARK: Errors

    func report(_ e: NapkinError) {
        guard silent == 0 else { return }
        var e = e
        e.trace = stack.reversed()
        let key = "\(e.span?.fileID ?? 0):\(e.span?.start ?? 0):\(e.span?.end ?? 0):\(e.message)"
        guard reported.insert(key).inserted else { return }
        errors.append(e)
    }

    func describe(_ d: Dimension) -> String { interp.units.describe(d) }

    func mismatch(_ what: String, _ x: Dimension, _ y: Dimension, _ span: Span) {
        report(NapkinError(.dimension, "\(what) \(interp.dimName(x)) and \(interp.dimName(y))", at: span,
                           label: "\(describe(x)) vs \(describe(y))"))
    }

    // MARK: Statements

    func statement(_ s: Stmt, _ env: Locals) {
        switch s.kind {
        case .expr(let e), .assert(let e), .digits(let e), .let(_, _, let e, _), .assign(_, _, let e):
            _ = eval(e, env)
        case .knob(_, _, let v, let range, _):
            if case .range = range.kind { _ = eval(v, env) }
            _ = eval(range, env)
        case .function(let n, _, let params, let result, let body, _):
            checkDefinition(FunctionRef(name: n, params: params, result: result, body: body, closure: env))
        case .unit, .prefix, .dimension, .display:
            break
        }
    }

    /// A definition on its own: declared parameters at their dimensions; a parameter declared
    /// no more precisely (`Record`, `Energy or Power`, none) as its default, if it has one — the
    /// call that leaves it out — and otherwise unknown.
    func checkDefinition(_ f: FunctionRef) {
        let key = DefinitionKey(body: ObjectIdentifier(f.body), closure: f.closure, silent: silent > 0)
        guard checkedDefinitions.insert(key).inserted else { return }
        var env = f.outside
        for (i, p) in f.params.enumerated() {
            let byDefault = p.defaultValue.map { eval($0, env) } ?? .unknown
            let declared = p.declared.map(declaredShape) ?? .unknown
            env[.parameter(p.name, i, of: f.body)] = declared == .unknown ? byDefault : declared
        }
        var tails: [Shape] = []
        _ = evalBody(f.body, env, &tails)
        checkResult(f, tails)
    }

    func signature(_ f: FunctionRef) -> String {
        FunctionValue(name: f.name, body: .user(params: f.params, body: f.body, closure: nil), resultType: f.result).signature
    }

    func checkResult(_ f: FunctionRef, _ results: [Shape]) {
        guard let declared = f.result, let check = typeCheck(declared),
              let result = results.first(where: { definite($0) != nil && !accepts(check, $0) }), let got = definite(result) else { return }
        report(NapkinError(.dimension, "\(f.name) must return \(interp.expectation(check)), but returned \(got)", at: declared.span,
                           notes: [signature(f)]))
    }

    // MARK: Declared dimensions

    func typeCheck(_ t: DeclaredType) -> TypeCheck? {
        if let c = checks[t.text] { return c }
        let c = try? interp.resolve(t)
        checks[t.text] = c
        return c
    }

    func declaredShape(_ t: DeclaredType) -> Shape {
        if let s = declaredShapes[t.text] { return s }
        var s = Shape.unknown
        if let c = typeCheck(t), !c.any {
            if c.dimensions.count == 1, c.kinds.isEmpty { s = .quantity(c.dimensions[0], zero: c.dimensions[0].isNone) }
            else if c.dimensions.isEmpty, c.kinds == ["string"] { s = .string }
            else if c.dimensions.isEmpty, c.kinds == ["boolean"] { s = .bool }
        }
        declaredShapes[t.text] = s
        return s
    }

    /// A value whose kind and dimension are certain, in the words of the run-time error (nil
    /// when it is not certain, or may be a plain 0 that fits any declared dimension).
    func definite(_ s: Shape) -> String? {
        switch s {
        case .quantity(let d, let zero): return zero ? nil : (d.isNone ? "a plain number" : describe(d))
        case .string: return "a string"
        case .bool: return "a boolean"
        default: return nil
        }
    }

    func accepts(_ c: TypeCheck, _ s: Shape) -> Bool {
        if c.any { return true }
        switch s {
        case .quantity(let d, let zero): return c.dimensions.contains(d) || (zero && !c.dimensions.isEmpty)
        case .string: return c.kinds.contains("string")
        case .bool: return c.kinds.contains("boolean")
        default: return true
        }
    }

    // MARK: Expressions

    func eval(_ e: Expr, _ env: Locals) -> Shape {
        switch e.kind {
        case .number(let v):
            return .quantity(.none, zero: v == 0)
        case .quantity(_, let u):
            // A literal with a unit always remembers its unit, so it is never a plain 0.
            return unitDimension(u).map { .quantity($0, zero: false) } ?? .unknown
        case .string(let parts):
            for case .expr(let x) in parts { _ = eval(x, env) }
            return .string
        case .bool:
            return .bool
        case .name(let n):
            return lookup(e, n, env)
        case .unary(let op, let x):
            let s = eval(x, env)
            if op == "not" { return .bool }
            if case .quantity = s { return s }
            return .unknown
        case .binary(let op, let l, let r, let opSpan):
            if op == .and || op == .or {
                _ = eval(l, env)
                let guarded = asksKind(l)
                if guarded { silent += 1 }
                _ = eval(r, env)
                if guarded { silent -= 1 }
                return .bool
            }
            let a = eval(l, env), b = eval(r, env)
            if op == .pow, case .quantity(let d, _) = a, !d.isNone, let p = constantExponent(r) {
                // m^2, (kg*m)^3, sqrt-like ^0.5 on an even dimension: as the interpreter reads them.
                if let nd = d.raised(to: p) { return .quantity(nd, zero: nd.isNone) }
                return .unknown
            }
            return binary(op, a, b, opSpan)
        case .convert(let x, let u, let opSpan):
            let s = eval(x, env)
            guard let target = unitDimension(u) else { return .unknown }
            switch s {
            case .quantity(let d, _):
                // No plain-0 exception here: `0 -> kWh` is refused at run time too.
                if d != target {
                    report(NapkinError(.dimension, "cannot convert \(interp.dimName(d)) to \(u.text) (\(interp.dimName(target)))", at: opSpan,
                                       label: "\(describe(d)) vs \(describe(target))"))
                    return .unknown
                }
                return .quantity(target, zero: false)
            case .list(.quantity(let d, _)) where d == target:
                return .list(.quantity(target, zero: false))
            default:
                return .unknown
            }
        case .call(let callee, let args):
            return call(callee, args, env, e.span)
        case .field(let x, let name, _):
            if case .record(let fields) = eval(x, env) { return fields[name] ?? .unknown }
            return .unknown
        case .index(let x, let i):
            let s = eval(x, env)
            let k = eval(i, env)
            if case .list(let item) = s, case .quantity(let d, _) = k, d.isNone { return item }
            return .unknown
        case .list(let items):
            var item: Shape?
            for x in items {
                let s = eval(x, env)
                item = item.map { join($0, s) } ?? s
            }
            return .list(item ?? .unknown)
        case .record(let entries):
            var fields: Env = [:]
            var known = true
            for entry in entries {
                switch entry {
                case .field(let name, let x, _):
                    fields[name] = eval(x, env)
                case .spread(let x):
                    if case .record(let spread) = eval(x, env) { fields.merge(spread) { $1 } } else { known = false }
                }
            }
            return known ? .record(fields) : .unknown
        case .range(let lo, let hi, let step):
            let a = eval(lo, env), b = eval(hi, env)
            if let step { _ = eval(step, env) }
            if case .quantity(let x, _) = a, case .quantity(let y, _) = b, x == y { return .list(.quantity(x, zero: x.isNone)) }
            return .list(.unknown)
        case .conditional(let c, let a, let b):
            _ = eval(c, env)
            let guarded = asksKind(c)
            if guarded { silent += 1 }
            defer { if guarded { silent -= 1 } }
            let x = eval(a, env), y = eval(b, env)
            return guarded ? .unknown : join(x, y)
        case .lambda(let params, let body):
            let f = FunctionRef(name: "lambda", params: params, result: nil, body: body, closure: env)
            checkDefinition(f)
            return .function(.user(f))
        case .block(let stmts, let value):
            return eval(value, bind(stmts, env))
        case .sweep(let knob, _, let range, let columns):
            let r = eval(range, env)
            var inner = env
            // A sweep variable takes the range's values; sweeping a global moves it (within its
            // dimension, or the sweep is refused), so inside the sweep nothing more is assumed.
            let variable = Declaration.sweep(knob, e)
            if case .list(let item) = r, programGlobals[knob] == nil, sessionGlobal(knob) == nil { inner[variable] = item } else { inner[variable] = .unknown }
            for c in columns { _ = eval(c.expr, inner) }
            return .unknown
        }
    }

    /// A block's statements in order; the scope its value sees. Names start where `BlockBinding`
    /// says: a `let`'s after its value, a local fn's before its body.
    func bind(_ stmts: [Stmt], _ env: Locals) -> Locals {
        var local = env
        for s in stmts {
            switch s.kind {
            case .let(let n, _, let x, _):
                local[.statement(n, s)] = eval(x, local)
            case .function(let n, _, let params, let result, let body, _):
                // Defined before its body runs, so a local fn can call itself.
                let f = FunctionRef(name: n, params: params, result: result, body: body, closure: nil)
                local[.statement(n, s)] = .function(.user(f))
                f.closure = local
                checkDefinition(f)
            default:
                statement(s, local)
            }
        }
        return local
    }

    /// A function body's value, and the value of each branch it may return from (each must
    /// have the declared result's dimension, though their join is unknown).
    func evalBody(_ e: Expr, _ env: Locals, _ tails: inout [Shape]) -> Shape {
        switch e.kind {
        case .conditional(let c, let a, let b) where !asksKind(c):
            _ = eval(c, env)
            return join(evalBody(a, env, &tails), evalBody(b, env, &tails))
        case .block(let stmts, let value):
            return evalBody(value, bind(stmts, env), &tails)
        default:
            let s = eval(e, env)
            tails.append(s)
            return s
        }
    }

    /// Whether a condition asks what kind of value something is (`type(x) == "record"`): the
    /// branches it chooses between are written for different kinds, so neither is judged.
    func asksKind(_ e: Expr) -> Bool {
        switch e.kind {
        case .call(let f, let args):
            if case .name(let n) = f.kind, n == "type" || n == "fields" { return true }
            return asksKind(f) || args.contains { asksKind($0.value) }
        case .binary(_, let a, let b, _): return asksKind(a) || asksKind(b)
        case .unary(_, let x), .field(let x, _, _), .convert(let x, _, _): return asksKind(x)
        case .conditional(let c, let a, let b): return asksKind(c) || asksKind(a) || asksKind(b)
        case .block(_, let x): return asksKind(x)
        default: return false
        }
    }

    /// An exponent written as a number (`^2`, `^-1`, `^(1/2)` is not one: unknown).
    func constantExponent(_ e: Expr) -> Double? {
        switch e.kind {
        case .number(let v): return v
        case .unary("-", let x): return constantExponent(x).map { -$0 }
        default: return nil
        }
    }

    func unitDimension(_ u: UnitExpr) -> Dimension? {
        var dim = Dimension.none
        for f in u.factors {
            guard let info = interp.units.unit(f.name == "%" ? "percent" : f.name),
                  let p = info.dim.power(f.power), let d = dim.times(p) else { return nil }
            dim = d
        }
        return dim
    }

    /// A name as the interpreter reads it: the declaration the binder bound it to, else a
    /// global, a builtin, then a unit.
    func lookup(_ e: Expr, _ n: String, _ env: Locals) -> Shape {
        if let d = env.resolution?.declaration(of: e) { return env[d] ?? .unknown }
        if let s = programGlobals[n] { return s }
        if let s = sessionGlobal(n) { return s }
        if interp.builtins[n] != nil { return .function(.builtin(n)) }
        if let u = interp.units.unit(n) { return .quantity(u.dim, zero: false) }
        return .unknown
    }

    // MARK: Arithmetic

    func binary(_ op: BinaryOp, _ a: Shape, _ b: Shape, _ span: Span) -> Shape {
        if op == .add || op == .sub || op.isComparison { operatorSites.insert(Site(span)) }
        if op == .add, a == .string || b == .string { return .string }
        guard case .quantity(let x, let zx) = a, case .quantity(let y, let zy) = b else {
            if op.isComparison { return .bool }
            if op == .add, case .list = a, case .list = b { return join(a, b) }
            return .unknown
        }
        switch op {
        case .add, .sub, .eq, .ne, .lt, .le, .gt, .ge:
            judgedSites.insert(Site(span))
            let result: Shape
            if x == y {
                result = .quantity(x, zero: x.isNone)
            } else if zx {
                result = .quantity(y, zero: false)      // the plain 0 takes the other side's dimension
            } else if zy {
                result = .quantity(x, zero: false)
            } else {
                let verb: String
                switch op {
                case .add: verb = "cannot add"
                case .sub: verb = "cannot subtract"
                default: verb = "cannot compare"
                }
                mismatch(verb, x, y, span)
                return op.isComparison ? .bool : .unknown
            }
            return op.isComparison ? .bool : result
        case .mul:
            guard let d = x.times(y) else { return .unknown }
            return .quantity(d, zero: d.isNone)
        case .div:
            guard let d = x.over(y) else { return .unknown }
            return .quantity(d, zero: d.isNone)
        case .pow:
            if !y.isNone, !zy {
                report(NapkinError(.dimension, "an exponent must be a plain number, got \(describe(y))", at: span))
                return .unknown
            }
            if x.isNone { return .plain }
            return .unknown
        case .and, .or:
            return .bool
        }
    }

    // MARK: Calls

    func call(_ calleeExpr: Expr, _ args: [CallArgument], _ env: Locals, _ span: Span) -> Shape {
        let callee = eval(calleeExpr, env)
        let shapes = args.map { eval($0.value, env) }
        guard case .function(let f) = callee else { return .unknown }
        switch f {
        case .builtin(let name):
            return args.contains(where: { $0.label != nil }) ? .unknown : builtin(name, shapes, args)
        case .user(let ref):
            // Where each argument goes, as the interpreter places them (a misplaced one is a
            // run-time error of another kind: nothing is inferred).
            let positional = args.prefix { $0.label == nil }.count
            guard positional <= ref.params.count else { return .unknown }
            var given = [Shape?](repeating: nil, count: ref.params.count)
            var spans = [Span?](repeating: nil, count: ref.params.count)
            for k in 0..<args.count {
                let slot: Int
                if k < positional {
                    slot = k
                } else {
                    guard let label = args[k].label, let i = ref.params.firstIndex(where: { $0.name == label }), given[i] == nil else { return .unknown }
                    slot = i
                }
                given[slot] = shapes[k]
                spans[slot] = args[k].value.span
            }
            return callUser(ref, given, spans, span)
        }
    }

    /// A call of a user function: its declared parameters checked against the arguments, and
    /// its body inferred for the arguments' dimensions.
    func callUser(_ f: FunctionRef, _ given: [Shape?], _ spans: [Span?], _ site: Span) -> Shape {
        let declaredResult = f.result.map(declaredShape) ?? .unknown
        if f.opaque { return declaredResult }
        var args: [Shape] = []
        for (i, p) in f.params.enumerated() {
            guard let g = given[i] else { args.append(.unknown); continue }
            if let t = p.declared, let check = typeCheck(t), let got = definite(g), !accepts(check, g) {
                report(NapkinError(.dimension, "\(f.name): parameter '\(p.name)' needs \(interp.expectation(check)), got \(got)",
                                   at: spans[i] ?? site, label: "\(p.name): \(t.text)", notes: [signature(f)]))
                return declaredResult
            }
            args.append(g)
        }
        let key = CallKey(function: f, args: args, silent: silent > 0)
        if let known = calls[key] { return known }
        guard !inProgress.contains(key), stack.count < DimensionChecker.maxDepth,
              inferences < DimensionChecker.maxInferences else { return declaredResult }
        inferences += 1
        inProgress.insert(key)
        stack.append(CallFrame(function: f.name, site: site))
        var env = f.outside
        for (i, p) in f.params.enumerated() {
            let d = Declaration.parameter(p.name, i, of: f.body)
            if let g = given[i] {
                env[d] = p.declared.map(declaredShape).flatMap { $0 == .unknown ? nil : $0 } ?? g
            } else if let x = p.defaultValue {
                let s = eval(x, env)
                env[d] = p.declared.map(declaredShape).flatMap { $0 == .unknown ? nil : $0 } ?? s
            } else {
                env[d] = .unknown
            }
        }
        var tails: [Shape] = []
        let body = evalBody(f.body, env, &tails)
        checkResult(f, tails)
        stack.removeLast()
        inProgress.remove(key)
        let result = declaredResult == .unknown ? body : declaredResult
        calls[key] = result
        return result
    }

    /// Builtins whose result's dimension follows from their arguments'.
    func builtin(_ name: String, _ args: [Shape], _ exprs: [CallArgument]) -> Shape {
        func quantity(_ i: Int) -> (Dimension, Bool)? {
            if i < args.count, case .quantity(let d, let z) = args[i] { return (d, z) }
            return nil
        }
        switch name {
        case "exp", "ln", "log10", "log2", "sin", "cos", "asin":
            if let (d, _) = quantity(0), !d.isNone, args.count == 1 {
                report(NapkinError(.dimension, "\(name) needs a plain number, got \(describe(d))", at: exprs[0].value.span,
                                   notes: ["divide by a unit first, e.g. \(name)(x / 1 s)"]))
                return .unknown
            }
            return .plain
        case "sqrt":
            if let (d, _) = quantity(0), let r = d.root(2) { return .quantity(r, zero: r.isNone) }
            return .unknown
        case "abs", "floor", "ceil", "round", "mod":
            if let (d, _) = quantity(0) { return .quantity(d, zero: d.isNone) }
            return .unknown
        case "min", "max", "sum", "mean":
            // Over a list, or over the arguments; a plain 0 among them takes the others' dimension.
            var items = args
            if args.count == 1 {
                guard case .list(let item) = args[0] else { return .unknown }
                items = [item]
            }
            var dim: Dimension?
            for s in items {
                guard case .quantity(let d, let zero) = s else { return .unknown }
                if zero { continue }
                if let known = dim, known != d { return .unknown }
                dim = d
            }
            return dim.map { .quantity($0, zero: $0.isNone) } ?? .plain
        case "map", "filter":
            // The function meets each item: a lambda's body is judged for the items' dimensions.
            guard args.count == 2, case .list(let item) = args[0], case .function(.user(let f)) = args[1],
                  f.params.count >= 1 else { return name == "filter" && args.count == 2 ? args[0] : .unknown }
            var given = [Shape?](repeating: nil, count: f.params.count)
            given[0] = item
            let result = callUser(f, given, [Span?](repeating: nil, count: f.params.count), exprs[1].value.span)
            return name == "map" ? .list(result) : args[0]
        case "len":
            return .plain
        case "type":
            return .string
        default:
            return .unknown
        }
    }
}
