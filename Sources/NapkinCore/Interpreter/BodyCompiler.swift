/// Function bodies turned into closures. A top-level function whose body and defaults use only
/// numbers, names, operators, conversions, calls, fields, indexing, `if` and lists is compiled on
/// its first call: its parameters live in stack slots instead of a named scope, and each node is a
/// closure instead of a `switch` over the tree. Everything else (blocks, lambdas, sweeps, strings,
/// records, ranges) stays with the tree walker, which means exactly the same thing; the closures
/// call the same helpers (`binary`, `convert`, `field`, `index`, `callValue`) for every rule.
typealias Compiled = (Interpreter, UnsafeMutablePointer<Value>) throws(NapkinError) -> Value

final class CompiledBody {
    let body: Compiled
    /// Default of each parameter (nil: the parameter has none).
    let defaults: [Compiled?]
    init(body: @escaping Compiled, defaults: [Compiled?]) {
        self.body = body
        self.defaults = defaults
    }
}

extension Interpreter {
    func compiledBody(of f: FunctionValue) -> CompiledBody? {
        if f.compileTried { return f.compiled }
        f.compileTried = true
        guard case .user(let params, let body, nil) = f.body else { return nil }
        var defaults: [Compiled?] = []
        for (i, p) in params.enumerated() {
            guard let d = p.defaultValue else { defaults.append(nil); continue }
            // A default sees only the parameters before it.
            guard let c = BodyCompiler(slots: params[..<i].map(\.name)).compile(d) else { return nil }
            defaults.append(c)
        }
        guard let b = BodyCompiler(slots: params.map(\.name)).compile(body) else { return nil }
        f.compiled = CompiledBody(body: b, defaults: defaults)
        return f.compiled
    }

    /// Binds the arguments (or defaults) into stack slots and runs the compiled body.
    func runCompiled(_ f: FunctionValue, _ c: CompiledBody, _ params: [Parameter], _ given: [Value?],
                     _ span: Span) throws(NapkinError) -> Value {
        let slots = UnsafeMutablePointer<Value>.allocate(capacity: max(1, params.count))
        var bound = 0
        defer {
            slots.deinitialize(count: bound)
            slots.deallocate()
        }
        for i in 0..<params.count {
            let v: Value
            if let g = given[i] {
                v = g
            } else {
                guard let d = c.defaults[i] else {
                    throw NapkinError(.runtime, "missing argument '\(params[i].name)' in call to \(f.name)", at: span, notes: [f.signature])
                }
                // Defaults are evaluated at call time, so they can read knobs and globals.
                v = try d(self, slots)
            }
            (slots + i).initialize(to: v)
            bound += 1
        }
        return try c.body(self, slots)
    }
}

/// Compiles one expression against a fixed list of slot names (the parameters in scope).
struct BodyCompiler {
    let slots: [String]

    func compile(_ e: Expr) -> Compiled? {
        switch e.kind {
        case .number(let v):
            let value = Value.number(v)
            return { _, _ in value }
        case .quantity:
            // The literal's value is cached in its node after the first evaluation.
            return { interp, _ throws(NapkinError) in try interp.eval(e, nil) }
        case .bool(let b):
            let value = Value.bool(b)
            return { _, _ in value }
        case .name(let n):
            if let i = slots.lastIndex(of: n) { return { _, s in s[i] } }
            let span = e.span
            return { interp, _ throws(NapkinError) in try interp.lookup(n, nil, span, node: e) }
        case .unary(let op, let x):
            guard let cx = compile(x) else { return nil }
            let span = e.span
            if op == "not" {
                return { interp, s throws(NapkinError) in
                    let v = try cx(interp, s)
                    guard case .bool(let b) = v else { throw NapkinError(.runtime, "'not' needs true/false, got a \(v.typeName)", at: span) }
                    return .bool(!b)
                }
            }
            return { interp, s throws(NapkinError) in
                let v = try cx(interp, s)
                guard case .quantity(var q) = v else { throw NapkinError(.runtime, "cannot negate a \(v.typeName)", at: span) }
                q.value = -q.value
                return .quantity(q)
            }
        case .binary(let op, let l, let r, let opSpan):
            guard let cl = compile(l), let cr = compile(r) else { return nil }
            if op == .and || op == .or {
                return { interp, s throws(NapkinError) in
                    let lv = try cl(interp, s)
                    guard case .bool(let lb) = lv else { throw NapkinError(.runtime, "'\(op.rawValue)' needs true/false on its left, got a \(lv.typeName)", at: l.span) }
                    if op == .and && !lb { return .bool(false) }
                    if op == .or && lb { return .bool(true) }
                    let rv = try cr(interp, s)
                    guard case .bool(let rb) = rv else { throw NapkinError(.runtime, "'\(op.rawValue)' needs true/false on its right, got a \(rv.typeName)", at: r.span) }
                    return .bool(rb)
                }
            }
            return { interp, s throws(NapkinError) in
                try interp.binary(op, try cl(interp, s), try cr(interp, s), opSpan: opSpan, lhs: l, rhs: r)
            }
        case .convert(let x, let u, let opSpan):
            guard let cx = compile(x) else { return nil }
            return { interp, s throws(NapkinError) in try interp.convert(try cx(interp, s), u, opSpan: opSpan, valueSpan: x.span) }
        case .call(let callee, let args):
            // Streamed reductions of a sweep (and sweeps themselves) stay with the tree walker.
            guard let cc = compile(callee) else { return nil }
            var compiledArgs: [Compiled] = []
            for a in args {
                guard let ca = compile(a.value) else { return nil }
                compiledArgs.append(ca)
            }
            let span = e.span
            var calleeIsLocal = false
            if case .name(let n) = callee.kind { calleeIsLocal = slots.contains(n) }
            return { interp, s throws(NapkinError) in
                let f = try cc(interp, s)
                return try interp.callValue(f, callee, args, span, node: e, calleeIsLocal: calleeIsLocal) { (i: Int) throws(NapkinError) -> Value in
                    try compiledArgs[i](interp, s)
                }
            }
        case .field(let x, let name, let nameSpan):
            guard let cx = compile(x) else { return nil }
            return { interp, s throws(NapkinError) in try interp.field(try cx(interp, s), name, nameSpan) }
        case .index(let x, let i):
            guard let cx = compile(x), let ci = compile(i) else { return nil }
            return { interp, s throws(NapkinError) in try interp.index(try cx(interp, s), try ci(interp, s), i.span) }
        case .conditional(let c, let a, let b):
            guard let cc = compile(c), let ca = compile(a), let cb = compile(b) else { return nil }
            return { interp, s throws(NapkinError) in
                let cv = try cc(interp, s)
                guard case .bool(let cb2) = cv else { throw NapkinError(.runtime, "'if' needs a true/false condition, got a \(cv.typeName)", at: c.span) }
                return try cb2 ? ca(interp, s) : cb(interp, s)
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
        case .string, .record, .range, .lambda, .block, .sweep:
            return nil
        }
    }
}
