/// napkin's scoping rule, stated once for the passes that read names before anything runs: the
/// binder (`Binder.swift`, which checks a program's names as it binds them) and the call memo's
/// test of what a function can reach (`Expr.forEachFreeName`). A parameter binds from the
/// parameter after it (a default sees the ones before), a block's `let` from the statement after
/// it, a block's `fn` from its own body on (it may call itself), a sweep's name in its body; a
/// function's or lambda's body runs later, when the whole program is defined. The binder tells
/// each name read which declaration it is bound to; the compiler (`BodyCompiler`) reads that
/// answer and gives each declaration a slot, so a closure reads what was bound where it is
/// written (a later `let` is a new declaration), and `DimensionChecker` a shape. Conformance
/// cases and a property test (`closuresReadWhereWritten`) hold them to it.
protocol ScopeVisitor {
    /// A name read as a value. `bound`: the names bound where it is read, innermost last;
    /// `inFunction`: inside a function's or lambda's body.
    mutating func read(_ name: String, at e: Expr, bound: Bound, inFunction: Bool)
    /// The units of a literal (`2 kWh`, `literal`, with its number) or of a conversion target
    /// (`-> h`).
    mutating func units(_ u: UnitExpr, literal: Bool, amount: Double?, bound: Bound, inFunction: Bool)
    /// A lambda's or local fn's body is about to be walked (`bound`: what is bound where it is
    /// written), and has been.
    mutating func enterClosure(body: Expr, outside bound: Bound)
    mutating func leaveClosure()
    /// A sweep's own name: a sweep named after a knob moves the knob.
    mutating func sweeps(_ name: String)
    /// Whether `name` is a choice knob: a value given to it names one of its options, which
    /// need not be a bound name.
    func isChoiceKnob(_ name: String) -> Bool
}

extension ScopeVisitor {
    mutating func units(_ u: UnitExpr, literal: Bool, amount: Double?, bound: Bound, inFunction: Bool) {}
    mutating func enterClosure(body: Expr, outside bound: Bound) {}
    mutating func leaveClosure() {}
    mutating func sweeps(_ name: String) {}
    func isChoiceKnob(_ name: String) -> Bool { false }
}

/// What a block statement binds, and from where: the part of the scoping rule that the passes
/// binding a block's names in order share (`Scopes.walk`, `BodyCompiler.compileBlock`,
/// `DimensionChecker.bind`; the parser reads `3 h` by the same rule as it reads tokens).
enum BlockBinding {
    /// A `let`: its name from the next statement on (its own value cannot see it).
    case fromNextStatement(String)
    /// A local `fn`: its name from its own body on (it may call itself).
    case fromOwnBody(String)
}

extension Stmt {
    /// What this statement binds in a block, if anything.
    var blockBinding: BlockBinding? {
        switch kind {
        case .let(let n, _, _, _): return .fromNextStatement(n)
        case .function(let n, _, _, _, _, _): return .fromOwnBody(n)
        default: return nil
        }
    }
}

enum Scopes {
    /// Walks `e`, where the names in `bound` are bound.
    static func walk<V: ScopeVisitor>(_ e: Expr, _ bound: Bound, inFunction: Bool, _ v: inout V) {
        switch e.kind {
        case .number, .bool: break
        case .quantity(let x, let u): v.units(u, literal: true, amount: x, bound: bound, inFunction: inFunction)
        case .name(let n): v.read(n, at: e, bound: bound, inFunction: inFunction)
        case .unary("-", let x):
            // -20 °C: the number a unit's hint shows is -20.
            if case .quantity(let a, let u) = x.kind {
                v.units(u, literal: true, amount: -a, bound: bound, inFunction: inFunction)
            } else {
                walk(x, bound, inFunction: inFunction, &v)
            }
        case .convert(let x, let u, _):
            walk(x, bound, inFunction: inFunction, &v)
            v.units(u, literal: false, amount: nil, bound: bound, inFunction: inFunction)
        case .lambda(let params, let body):
            v.enterClosure(body: body, outside: bound)
            let inner = parameters(params, of: body, bound, &v)
            walk(body, inner, inFunction: true, &v)
            v.leaveClosure()
        case .block(let stmts, let value):
            var inner = bound
            for s in stmts {
                let binding = s.blockBinding
                if case .fromOwnBody(let n)? = binding { inner.append(.statement(n, s)) }
                walk(s, inner, inFunction: inFunction, &v)
                if case .fromNextStatement(let n)? = binding { inner.append(.statement(n, s)) }
            }
            walk(value, inner, inFunction: inFunction, &v)
        case .sweep(let name, _, let range, let columns):
            v.sweeps(name)
            walk(range, bound, inFunction: inFunction, &v)
            let inner = bound.adding(.sweep(name, e))
            for c in columns { walk(c.expr, inner, inFunction: inFunction, &v) }
        default:
            for x in e.children { walk(x, bound, inFunction: inFunction, &v) }
        }
    }

    /// Walks a statement, where the names in `bound` are bound (a block's `fn` is bound in its
    /// own body by the caller; a top-level one binds its own name here).
    static func walk<V: ScopeVisitor>(_ s: Stmt, _ bound: Bound, inFunction: Bool, _ v: inout V) {
        switch s.kind {
        case .expr(let e), .assert(let e), .digits(let e), .let(_, _, let e, _): walk(e, bound, inFunction: inFunction, &v)
        case .function(let name, _, let params, _, let body, _):
            // A block's fn is a closure, its name bound by the block; a top-level one is a global.
            let inBlock = bound.declarations.last == .statement(name, s)
            if inBlock { v.enterClosure(body: body, outside: bound) }
            let inner = parameters(params, of: body, inBlock ? bound : bound.adding(.statement(name, s, global: true)), &v)
            walk(body, inner, inFunction: true, &v)
            if inBlock { v.leaveClosure() }
        case .knob(_, _, let value, let range, _):
            // A choice knob's value names one of its options.
            if case .range = range.kind { walk(value, bound, inFunction: inFunction, &v) } else if case .name = value.kind {} else {
                walk(value, bound, inFunction: inFunction, &v)
            }
            walk(range, bound, inFunction: inFunction, &v)
        case .assign(let n, _, let e):
            if case .name = e.kind, v.isChoiceKnob(n) { break }
            walk(e, bound, inFunction: inFunction, &v)
        case .unit(_, _, let value, _, _): if let value { walk(value, bound, inFunction: inFunction, &v) }
        case .prefix(_, let entries): for (_, e) in entries { walk(e, bound, inFunction: inFunction, &v) }
        case .dimension, .display: break
        }
    }

    /// Walks parameters' defaults (each sees the parameters before it); the names bound in the body.
    static func parameters<V: ScopeVisitor>(_ params: [Parameter], of body: Expr, _ bound: Bound, _ v: inout V) -> Bound {
        var inner = bound
        for (i, p) in params.enumerated() {
            if let d = p.defaultValue { walk(d, inner, inFunction: true, &v) }
            inner.append(.parameter(p.name, i, of: body))
        }
        return inner
    }
}
