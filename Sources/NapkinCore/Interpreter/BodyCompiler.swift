/// Function bodies turned into closures. A top-level function is compiled on its first call: its
/// parameters and the `let`s of its blocks live in slots instead of a named scope, and each node
/// is a closure instead of a `switch` over the tree. A body that uses a lambda, a local `fn`, a
/// sweep or a range stays with the tree walker, which means exactly the same thing: the closures
/// call the same helpers (`binary`, `convert`, `field`, `index`, `callValue`, `buildRecord`,
/// `buildString`, `checkAssertion`) for every rule.
typealias Compiled = (Interpreter, UnsafeMutablePointer<Value>) throws(NapkinError) -> Value

final class CompiledBody {
    let body: Compiled
    /// Default of each parameter (nil: the parameter has none).
    let defaults: [Compiled?]
    /// Slots a call needs: the parameters, then every block `let`.
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
        f.compileTried = true
        guard case .user(let params, let body, nil) = f.body else { return nil }
        let compiler = BodyCompiler(parameters: params.count)
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

    /// Binds the arguments (or defaults) into stack slots and runs the compiled body.
    func runCompiled(_ f: FunctionValue, _ c: CompiledBody, _ params: [Parameter], _ given: [Value?],
                     _ span: Span) throws(NapkinError) -> Value {
        let slots = UnsafeMutablePointer<Value>.allocate(capacity: max(1, c.frameSize))
        // Block slots start empty; parameters are bound in order below.
        (slots + params.count).initialize(repeating: .nothing, count: c.frameSize - params.count)
        var bound = 0
        defer {
            slots.deinitialize(count: bound)
            (slots + params.count).deinitialize(count: c.frameSize - params.count)
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

/// Compiles expressions against the names in scope, each in a slot of the call's frame.
final class BodyCompiler {
    /// Names in scope, innermost last, with their slots.
    var visible: [(String, Int)] = []
    /// Slots used so far: the parameters, then one per block `let`.
    private(set) var frameSize: Int

    init(parameters: Int) { frameSize = parameters }

    func slot(_ name: String) -> Int? { visible.last { $0.0 == name }?.1 }

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
            if let i = slot(n) { return { _, s in s[i] } }
            let span = e.span
            return { interp, _ throws(NapkinError) in try interp.lookup(n, nil, span, node: e) }
        case .unary(let op, let x):
            guard let cx = compile(x) else { return nil }
            let span = e.span
            return { interp, s throws(NapkinError) in try interp.unary(op, try cx(interp, s), span) }
        case .binary(let op, let l, let r, let opSpan):
            guard let cl = compile(l), let cr = compile(r) else { return nil }
            if op == .and || op == .or {
                return { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                    try interp.logic(op, l, r, left: { () throws(NapkinError) -> Value in try cl(interp, s) },
                                     right: { () throws(NapkinError) -> Value in try cr(interp, s) })
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
            if case .name(let n) = callee.kind { calleeIsLocal = slot(n) != nil }
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
            var compiled: [ObjectIdentifier: Compiled] = [:]
            for p in parts {
                guard case .expr(let x) = p else { continue }
                guard let c = compile(x) else { return nil }
                compiled[ObjectIdentifier(x)] = c
            }
            let span = e.span
            return { interp, s throws(NapkinError) in
                try interp.buildString(parts, span) { (x: Expr) throws(NapkinError) -> Value in try compiled[ObjectIdentifier(x)]!(interp, s) }
            }
        case .record(let entries):
            var compiled: [ObjectIdentifier: Compiled] = [:]
            for entry in entries {
                let x: Expr
                switch entry {
                case .field(_, let v, _): x = v
                case .spread(let v): x = v
                }
                guard let c = compile(x) else { return nil }
                compiled[ObjectIdentifier(x)] = c
            }
            return { interp, s throws(NapkinError) in
                try interp.buildRecord(entries) { (x: Expr) throws(NapkinError) -> Value in try compiled[ObjectIdentifier(x)]!(interp, s) }
            }
        case .block(let stmts, let value):
            let outer = visible.count
            defer { visible.removeSubrange(outer...) }
            var steps: [Compiled] = []
            for st in stmts {
                switch st.kind {
                case .let(let name, _, let v, _):
                    guard let c = compile(v) else { return nil }
                    let i = frameSize
                    frameSize += 1
                    visible.append((name, i))
                    let bind: Compiled = { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                        let v = try c(interp, s)
                        s[i] = v
                        return .nothing
                    }
                    steps.append(bind)
                case .assert(let x):
                    guard let c = compile(x) else { return nil }
                    let check: Compiled = { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                        let v = try c(interp, s)
                        try interp.checkAssertion(v, x)
                        return .nothing
                    }
                    steps.append(check)
                case .expr(let x):
                    guard let c = compile(x) else { return nil }
                    steps.append(c)
                default:
                    return nil  // a local fn closes over its block: the tree walker handles it
                }
            }
            guard let cv = compile(value) else { return nil }
            let all = steps
            return { (interp: Interpreter, s: UnsafeMutablePointer<Value>) throws(NapkinError) -> Value in
                for step in all { _ = try step(interp, s) }
                return try cv(interp, s)
            }
        case .range, .lambda, .sweep:
            return nil
        }
    }
}
