/// Resolves every name before anything runs, so a misspelt name in line 40 of a lab is
/// reported (with a did-you-mean) before lines 1–39 have printed anything.
public struct NameChecker {
    let globals: Set<String>
    let units: UnitNames
    let builtins: Set<String>
    var errors: [NapkinError] = []
    /// Names bound to values at the top so far (globals and the program's definitions): never units.
    var values: Set<String> = []
    /// Every top-level definition of the program, for a unit in a function body that a
    /// definition further down would shadow.
    var definedLater: Set<String> = []
    /// Inside a fn or lambda body (which runs later, when definitions below exist).
    var functionDepth = 0

    /// Unit names as declared (no generated prefixes), for suggestions.
    var declaredUnits: [String] = []
    /// Choice knobs (defined earlier, or in the program): `fmt = parquet` names an option, which
    /// the interpreter resolves against the knob's options.
    public var choiceKnobs: Set<String> = []

    /// Sizes and dimensions of units, so a suggestion can say it is 8× away (optional).
    var registry: UnitRegistry?

    public init(globals: some Sequence<String>, builtins: some Sequence<String>, units: UnitNames, declaredUnits: [String] = [],
                registry: UnitRegistry? = nil) {
        self.registry = registry
        self.declaredUnits = declaredUnits
        self.globals = Set(globals)
        self.builtins = Set(builtins)
        self.units = units
    }

    /// Checks a program; top-level definitions anywhere in it are visible everywhere
    /// (functions may call ones defined further down).
    public mutating func check(_ program: [Stmt]) throws(NapkinError) {
        var known = globals.union(builtins)
        for s in program {
            switch s.kind {
            case .let(let n, _, _, _), .function(let n, _, _, _, _, _):
                known.insert(n)
                definedLater.insert(n)
            case .knob(let n, _, _, let r, _):
                known.insert(n)
                definedLater.insert(n)
                if case .range = r.kind {} else { choiceKnobs.insert(n) }
            default: break
            }
        }
        // Values are bound from their definition on, as the parser binds them: a let or knob
        // after its statement, a fn from its own body.
        values = globals
        for s in program {
            if case .function(let n, _, _, _, _, _) = s.kind { values.insert(n) }
            statement(s, known, [])
            switch s.kind {
            case .let(let n, _, _, _), .knob(let n, _, _, _, _): values.insert(n)
            default: break
            }
        }
        if let first = errors.first { throw first }
    }

    mutating func statement(_ s: Stmt, _ known: Set<String>, _ locals: [String]) {
        switch s.kind {
        case .expr(let e), .assert(let e), .digits(let e): expr(e, known, locals)
        case .let(_, _, let e, _): expr(e, known, locals)
        case .function(let name, _, let params, _, let body, _):
            var inner = locals + [name]
            functionDepth += 1
            defer { functionDepth -= 1 }
            for p in params {
                if let d = p.defaultValue { expr(d, known, inner) }
                inner.append(p.name)
            }
            expr(body, known, inner)
        case .knob(_, _, let v, let r, _):
            // A choice knob's value names one of its options, which need not be bound names.
            if case .range = r.kind { expr(v, known, locals) } else if case .name = v.kind {} else { expr(v, known, locals) }
            expr(r, known, locals)
        case .assign(let n, _, let e):
            if case .name = e.kind, choiceKnobs.contains(n) { break }
            expr(e, known, locals)
        case .unit(_, _, let v, _, _): if let v { expr(v, known, locals) }
        case .prefix(_, let entries): for (_, e) in entries { expr(e, known, locals) }
        case .dimension, .display: break
        }
    }

    /// Every name in a unit expression must be a unit. In a literal (`2 n`), a name bound in
    /// scope is a value, never a unit, even when a unit has that name (the binding wins); a
    /// conversion target (`-> h`) can only be a unit.
    mutating func unit(_ u: UnitExpr, literal: Bool = false, _ locals: [String] = [], amount: Double? = nil) {
        for f in u.factors {
            let isValue = locals.contains(f.name) || values.contains(f.name)
            if literal, isValue, units.contains(f.name) {
                errors.append(NapkinError(.name, "'\(f.name)' names a value here, not the unit \(f.name)", at: f.span,
                                          notes: ["a name bound by let, fn, a parameter, a sweep or a knob is never read as a unit; multiply by it: * \(f.name)",
                                                  "to mean the unit, give the value another name"]))
                continue
            }
            // In a function body, which runs after the whole program is defined, a unit that a
            // definition further down names as a value would change meaning: refused.
            if literal, functionDepth > 0, !isValue, definedLater.contains(f.name), units.contains(f.name) {
                errors.append(NapkinError(.name, "'\(f.name)' is defined further down as a value; here, before it, it is the unit \(f.name)", at: f.span,
                                          notes: ["define '\(f.name)' above this function, or give the value another name"]))
                continue
            }
            if units.contains(f.name) { continue }
            let lower = f.name.lowercased()
            errors.append(.unknownUnit(f.name, at: f.span, candidates: declaredUnits + units.names.filter { $0.lowercased() == lower },
                                       isValue: isValue, registry: registry, amount: u.factors.count == 1 ? amount : nil))
        }
    }

    mutating func expr(_ e: Expr, _ known: Set<String>, _ locals: [String]) {
        switch e.kind {
        case .number, .bool: break
        case .quantity(let x, let u): unit(u, literal: true, locals, amount: x)
        case .string(let parts):
            for p in parts { if case .expr(let x) = p { expr(x, known, locals) } }
        case .name(let n):
            if locals.contains(n) || known.contains(n) || units.contains(n) { return }
            let lower = n.lowercased()
            let candidates = Array(known) + locals + declaredUnits + units.names.filter { $0.lowercased() == lower }
            errors.append(NapkinError(.name, "unknown name '\(n)'", at: e.span, notes: didYouMean(n, among: candidates)))
        case .unary("-", let x):
            // -20 °C: the reading the hint shows is -20.
            if case .quantity(let v, let u) = x.kind { unit(u, literal: true, locals, amount: -v) } else { expr(x, known, locals) }
        case .unary(_, let x): expr(x, known, locals)
        case .binary(_, let a, let b, _): expr(a, known, locals); expr(b, known, locals)
        case .convert(let x, let u, _):
            expr(x, known, locals)
            unit(u)
        case .call(let f, let args):
            expr(f, known, locals)
            for a in args { expr(a.value, known, locals) }
        case .field(let x, _, _): expr(x, known, locals)
        case .index(let x, let i): expr(x, known, locals); expr(i, known, locals)
        case .list(let items): for x in items { expr(x, known, locals) }
        case .record(let entries):
            for entry in entries {
                switch entry {
                case .field(_, let v, _): expr(v, known, locals)
                case .spread(let v): expr(v, known, locals)
                }
            }
        case .range(let a, let b, let s):
            expr(a, known, locals); expr(b, known, locals)
            if let s { expr(s, known, locals) }
        case .conditional(let c, let a, let b):
            expr(c, known, locals); expr(a, known, locals); expr(b, known, locals)
        case .lambda(let params, let body):
            var inner = locals
            functionDepth += 1
            defer { functionDepth -= 1 }
            for p in params {
                if let d = p.defaultValue { expr(d, known, inner) }
                inner.append(p.name)
            }
            expr(body, known, inner)
        case .block(let stmts, let value):
            var inner = locals
            for s in stmts {
                if case .function(let n, _, _, _, _, _) = s.kind { inner.append(n) }
                statement(s, known, inner)
                if case .let(let n, _, _, _) = s.kind { inner.append(n) }
            }
            expr(value, known, inner)
        case .sweep(let knob, _, let range, let columns):
            expr(range, known, locals)
            for c in columns { expr(c.expr, known, locals + [knob]) }
        }
    }
}
