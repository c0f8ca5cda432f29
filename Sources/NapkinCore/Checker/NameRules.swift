/// What the binder checks while it binds a program (`Resolution.program`, `Resolution.parts`):
/// every name read is bound, a unit, a builtin or a global, and every unit written is a unit, so
/// a misspelt name in line 40 of a lab is reported (with a did-you-mean) before lines 1–39 have
/// printed anything.
struct NameRules {
    /// The session's units, and those the program declares as it goes (a copy once it declares
    /// one: a lab parsed in another session declares its units to this one only when it runs).
    private(set) var units: UnitNames
    private var ownsUnits = false
    var errors: [NapkinError] = []
    /// Names bound to values at the top so far (globals and the program's definitions): never units.
    var values: Set<String>
    /// Every top-level definition of the program, for a unit in a function body that a
    /// definition further down would shadow.
    var definedLater: Set<String> = []
    /// The program's top-level names, the session's globals and the builtins: names that
    /// read a value wherever they appear.
    var known: Set<String>
    /// Unit names as declared (no generated prefixes), for suggestions.
    let declaredUnits: [String]
    /// Choice knobs (defined earlier, or in the program): `fmt = parquet` names an option, which
    /// the interpreter resolves against the knob's options.
    var choiceKnobs: Set<String>
    /// Sizes and dimensions of units, so a suggestion can say it is 8× away (optional).
    let registry: UnitRegistry?

    init(globals: some Sequence<String>, builtins: some Sequence<String>, units: UnitNames, declaredUnits: [String],
         choiceKnobs: Set<String>, registry: UnitRegistry?) {
        values = Set(globals)
        known = values.union(builtins)
        self.units = units
        self.declaredUnits = declaredUnits
        self.choiceKnobs = choiceKnobs
        self.registry = registry
    }

    /// The names `program` defines are known (not misspelt), and its choice knobs are choices.
    mutating func know(_ program: [Stmt]) {
        for s in program {
            switch s.kind {
            case .let(let n, _, _, _), .function(let n, _, _, _, _, _):
                known.insert(n)
            case .knob(let n, _, _, let r, _):
                known.insert(n)
                if case .range = r.kind {} else { choiceKnobs.insert(n) }
            default: break
            }
        }
    }

    /// The names `program` defines will be values when its function bodies run.
    mutating func defineLater(_ program: [Stmt]) {
        for s in program {
            switch s.kind {
            case .let(let n, _, _, _), .function(let n, _, _, _, _, _), .knob(let n, _, _, _, _): definedLater.insert(n)
            default: break
            }
        }
    }

    /// A part of a lab begins: units it declares are its own (the table is copied again on its
    /// first declaration, not shared with the part before).
    mutating func beginPart() { ownsUnits = false }

    /// Values are bound from their definition on, as the parser binds them: a fn from its own
    /// body (before its statement is walked), a let or knob after its statement. Units and
    /// prefix families are declared from their statement on, as the parser declares them.
    mutating func bindBefore(_ s: Stmt) {
        switch s.kind {
        case .function(let n, _, _, _, _, _): values.insert(n)
        case .unit, .prefix:
            // The session's table is copied before the program's first declaration changes it.
            if !ownsUnits { units = units.copy() }
            ownsUnits = true
            units.declare(s)
        default: break
        }
    }

    mutating func bindAfter(_ s: Stmt) {
        switch s.kind {
        case .let(let n, _, _, _), .knob(let n, _, _, _, _): values.insert(n)
        default: break
        }
    }

    /// Every name in a unit expression must be a unit. In a literal (`2 n`), a name bound in
    /// scope is a value, never a unit, even when a unit has that name (the binding wins); a
    /// conversion target (`-> h`) can only be a unit.
    mutating func units(_ u: UnitExpr, literal: Bool, amount: Double?, bound locals: Bound, inFunction: Bool) {
        for f in u.factors {
            // A conversion target is only ever a unit: what is bound around it does not matter.
            let isValue = (literal && locals.contains(f.name)) || values.contains(f.name)
            if literal, isValue, units.contains(f.name) {
                errors.append(NapkinError(.name, "'\(f.name)' names a value here, not the unit \(f.name)", at: f.span,
                                          notes: ["a name bound by let, fn, a parameter, a sweep or a knob is never read as a unit; multiply by it: * \(f.name)",
                                                  "to mean the unit, give the value another name"]))
                continue
            }
            // In a function body, which runs after the whole program is defined, a unit that a
            // definition further down names as a value would change meaning: refused.
            if literal, inFunction, !isValue, definedLater.contains(f.name), units.contains(f.name) {
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

    /// A name read that the binder found no declaration for: a global, builtin or unit, or an error.
    mutating func free(_ n: String, at e: Expr, bound locals: Bound) {
        if known.contains(n) || units.contains(n) { return }
        let lower = n.lowercased()
        let candidates = Array(known) + locals.names + declaredUnits + units.names.filter { $0.lowercased() == lower }
        errors.append(NapkinError(.name, "unknown name \(quotedName(n))", at: e.span, notes: didYouMean(n, among: candidates)))
    }
}
