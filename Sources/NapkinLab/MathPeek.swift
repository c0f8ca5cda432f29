import Foundation
import NapkinCore

/// Math Peek: a library function as mathematics (`fleet_energy = fleet · growth · P · t · η^(ε − 1)`),
/// then the same with the current numbers substituted, then the result. The numbers come from the
/// arguments the part's instruments and goals pass to the function (else its defaults, which
/// read the knobs), so the peek shows the student's own operating point.
struct MathPeek {
    let interp: Interpreter
    let session: Session
    /// Calls of the function in the part (instruments, goals, the part's own functions), whose
    /// arguments it shows; a call inside a function comes with that function's parameters and
    /// their defaults, which its arguments may name.
    var calls: [(args: [CallArgument], context: [(String, String)])] = []

    static let greek: [String: String] = [
        "efficiency": "η", "eta": "η", "jevons": "ε", "eps": "ε", "epsilon": "ε", "alpha": "α", "beta": "β",
        "gamma": "γ", "delta": "δ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "theta": "θ",
    ]

    func render(_ name: String, _ g: Global) -> String {
        var lines = ["Math Peek — \(name)"]
        guard case .function(let f) = g.value, case .user(let params, let body, _) = f.body else {
            if case .quantity(let q) = g.value { lines.append("  \(name) = \(interp.formatter.valueAndUnit(q))") }
            if let doc = g.doc { lines.append("  (\(doc))") }
            return lines.joined(separator: "\n")
        }
        // Each parameter's source: the argument a call in this part passes, else its default.
        var bound: [(String, String)] = calls.first?.context ?? []
        var unbound: [String] = []
        let args = calls.first?.args ?? []
        for (i, p) in params.enumerated() {
            let a = args.first { $0.label == p.name } ?? (i < args.count && args[i].label == nil ? args[i] : nil)
            if let a { bound.append((p.name, a.value.span.text)) }
            else if let d = p.defaultValue { bound.append((p.name, d.span.text)) }
            else { unbound.append(p.name) }
        }
        var lets: [(String, Expr)] = []
        var result = body
        if case .block(let stmts, let e) = body.kind {
            for s in stmts { if case .let(let n, _, let v, _) = s.kind { lets.append((n, v)) } }
            result = e
        }
        let head = "  \(name) = "
        let pad = String(repeating: " ", count: head.count - 2) + "= "
        for (n, v) in lets { lines.append("  \(n) = \(math(v, numbers: nil))") }
        lines.append(head + math(result, numbers: nil))
        if unbound.isEmpty {
            let scope = bound + lets.map { ($0.0, $0.1.span.text) }
            lines.append(pad + math(result, numbers: scope))
            if let v = evaluate(result.span.text, scope) { lines.append(pad + v) }
        } else {
            lines.append("  (no numbers: this part does not call \(name), and \(unbound.joined(separator: ", ")) \(unbound.count == 1 ? "has" : "have") no default)")
        }
        let symbols = params.compactMap { p in MathPeek.greek[p.name].map { "\($0) = \(p.name)" } }
        if !symbols.isEmpty { lines.append("  where " + symbols.joined(separator: ", ")) }
        if let doc = g.doc { lines.append("  (\(doc))") }
        return lines.joined(separator: "\n")
    }

    /// Evaluates `source` with the parameters bound (as a block of lets), shown inline.
    func evaluate(_ source: String, _ scope: [(String, String)]) -> String? {
        let text = "{\n" + scope.map { "let \($0.0) = \($0.1)" }.joined(separator: "\n") + "\n" + source + "\n}"
        let snap = interp.snapshot()
        defer { interp.restore(snap) }
        guard let stmts = try? session.parse(text, name: "<peek>"), stmts.count == 1, case .expr(let e) = stmts[0].kind,
              let v = try? interp.execute(Stmt(.expr(e), e.span), in: stmts) else { return nil }
        if case .quantity(var q) = v { q.unit = nil; return interp.formatter.valueAndUnit(q) }
        if case .record(let r) = v, let i = r.keys.firstIndex(of: "name"), case .string(let s) = r.values[i] { return s }
        return try? interp.describeInline(v)
    }

    /// The argument lists of every call of `name` inside `e`.
    static func calls(of name: String, in statements: [Stmt], _ exprs: [Expr]) -> [(args: [CallArgument], context: [(String, String)])] {
        var out: [(args: [CallArgument], context: [(String, String)])] = []
        for e in exprs { out += calls(of: name, in: e).map { ($0, []) } }
        for s in statements {
            guard case .function(_, _, let params, _, let body, _) = s.kind else { continue }
            let context = params.compactMap { p in p.defaultValue.map { (p.name, $0.span.text) } }
            out += calls(of: name, in: body).map { ($0, context) }
        }
        return out
    }

    static func calls(of name: String, in e: Expr) -> [[CallArgument]] {
        var out: [[CallArgument]] = []
        func walk(_ e: Expr) {
            switch e.kind {
            case .call(let f, let args):
                if case .name(let n) = f.kind, n == name { out.append(args) }
                walk(f); args.forEach { walk($0.value) }
            case .binary(_, let l, let r, _): walk(l); walk(r)
            case .unary(_, let x), .convert(let x, _, _), .field(let x, _, _): walk(x)
            case .index(let a, let b): walk(a); walk(b)
            case .list(let xs): xs.forEach(walk)
            case .conditional(let c, let a, let b): walk(c); walk(a); walk(b)
            case .block(let stmts, let x):
                for st in stmts { if case .let(_, _, let v, _) = st.kind { walk(v) } }
                walk(x)
            case .string(let parts): for p in parts { if case .expr(let x) = p { walk(x) } }
            default: break
            }
        }
        walk(e)
        return out
    }

    static func precedence(_ e: Expr) -> Int {
        switch e.kind {
        case .binary(let op, _, _, _):
            switch op {
            case .or: return 1
            case .and: return 2
            case .eq, .ne, .lt, .le, .gt, .ge: return 3
            case .add, .sub: return 4
            case .mul, .div: return 5
            case .pow: return 7
            }
        case .unary: return 6
        case .conditional: return 0
        case .convert: return 0
        default: return 9
        }
    }

    /// The expression as Unicode mathematics; with `numbers`, every name, field and call is
    /// replaced by its current value.
    func math(_ e: Expr, numbers: [(String, String)]?) -> String {
        func wrap(_ x: Expr, _ min: Int) -> String {
            let s = math(x, numbers: numbers)
            return MathPeek.precedence(x) < min ? "(\(s))" : s
        }
        func value(_ x: Expr) -> String? {
            guard let numbers else { return nil }
            return evaluate(x.span.text, numbers)
        }
        switch e.kind {
        case .number, .quantity:
            return e.span.text
        case .name(let n):
            return value(e) ?? MathPeek.greek[n] ?? n
        case .field(let base, let f, _):
            return value(e) ?? "\(math(base, numbers: nil)).\(f)"
        case .call(let callee, let args):
            let fname = callee.span.text
            // A builtin (min, max, sqrt, …) keeps its shape with numbers inside; a call of a
            // napkin function shows its value.
            let isBuiltin = interp.builtinNames.contains(fname) && interp.globals[fname] == nil
            if !isBuiltin, let v = value(e) { return v }
            let inner = args.map { math($0.value, numbers: numbers) }.joined(separator: ", ")
            switch fname {
            case "sqrt": return "√(\(inner))"
            case "abs": return "|\(inner)|"
            default: return "\(fname)(\(inner))"
            }
        case .unary(let op, let x):
            return (op == "-" ? "−" : "¬") + wrap(x, 6)
        case .binary(let op, let l, let r, _):
            let p = MathPeek.precedence(e)
            switch op {
            case .pow:
                let base = wrap(l, 8)
                if numbers == nil, case .number(let k) = r.kind, let sup = ["2": "²", "3": "³"][formatNumber(k, digits: 3)] { return base + sup }
                let ex = math(r, numbers: numbers)
                return base + "^" + (MathPeek.precedence(r) >= 9 ? ex : "(\(ex))")
            case .mul: return wrap(l, p) + " · " + wrap(r, p + 1)
            case .div: return wrap(l, p) + " / " + wrap(r, p + 1)
            case .add: return wrap(l, p) + " + " + wrap(r, p + 1)
            case .sub: return wrap(l, p) + " − " + wrap(r, p + 1)
            case .le: return wrap(l, p + 1) + " ≤ " + wrap(r, p + 1)
            case .ge: return wrap(l, p + 1) + " ≥ " + wrap(r, p + 1)
            case .ne: return wrap(l, p + 1) + " ≠ " + wrap(r, p + 1)
            case .and: return wrap(l, p) + " ∧ " + wrap(r, p)
            case .or: return wrap(l, p) + " ∨ " + wrap(r, p)
            default: return wrap(l, p + 1) + " \(op.rawValue) " + wrap(r, p + 1)
            }
        case .conditional(let c, let a, let b):
            return "\(math(a, numbers: numbers)) if \(math(c, numbers: numbers)), else \(math(b, numbers: numbers))"
        case .convert(let x, _, _):
            return math(x, numbers: numbers)
        default:
            return value(e) ?? e.span.text
        }
    }
}
