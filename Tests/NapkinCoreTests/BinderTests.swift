import Testing
@testable import NapkinCore

extension Expr {
    /// Every name node anywhere inside, lambdas and local fns included.
    func forEachNameNode(_ visit: (Expr) -> Void) {
        if case .name = kind { visit(self) }
        for x in inside { x.forEachNameNode(visit) }
    }
}

/// The binder tells each name read which declaration it is bound to; the compiler gives each
/// declaration a slot and the dimension checker a shape, so neither decides scoping itself.
@Suite("Binder")
struct BinderTests {
    /// The program's one statement, and every name node in it by its text, in source order.
    func parse(_ text: String) throws -> (Stmt, [String: [Expr]]) {
        let program = try Parser.parse(SourceFile(name: "binder", text: text), units: UnitNames())
        let s = try #require(program.first)
        var names: [String: [Expr]] = [:]
        for x in s.inside { x.forEachNameNode { if case .name(let n) = $0.kind { names[n, default: []].append($0) } } }
        if case .function(_, _, let params, _, let body, _) = s.kind {
            names = [:]
            for x in params.compactMap(\.defaultValue) + [body] {
                x.forEachNameNode { if case .name(let n) = $0.kind { names[n, default: []].append($0) } }
            }
        }
        for k in names.keys { names[k]!.sort { $0.span.start < $1.span.start } }
        return (s, names)
    }

    /// The binder's answer for a program of one statement, its names checked (`d` is a global).
    func resolve(_ s: Stmt) throws -> Resolution {
        let rules = NameRules(globals: ["d"], builtins: [], units: UnitNames(), declaredUnits: [], choiceKnobs: [], registry: nil)
        return try #require(try Resolution.program([s], checking: rules))
    }

    /// The first read of `name`.
    func read(_ names: [String: [Expr]], _ name: String) throws -> Expr { try #require(names[name]?.first) }

    @Test("a later let is a new declaration: the closure reads the first, the block's value the second")
    func laterLet() throws {
        let (s, names) = try parse("let r = { let y = 1; let f = () => y; let y = 2; f() + y }")
        let r = try resolve(s)
        let ys = try #require(names["y"])
        #expect(ys.count == 2)
        let inClosure = try #require(r.declaration(of: ys[0])), inValue = try #require(r.declaration(of: ys[1]))
        #expect(inClosure != inValue)
        // The lambda captures the first y only.
        guard case .let(_, _, let block, _) = s.kind, case .block(let stmts, _) = block.kind,
              case .let(_, _, let lambda, _) = stmts[1].kind, case .lambda(_, let body) = lambda.kind else {
            Issue.record("unexpected tree")
            return
        }
        #expect(r.captures(ofBody: body) == [inClosure])
        // `f` is the block's let, not free.
        #expect(r.declaration(of: try read(names, "f")) != nil)
    }

    @Test("a function whose body is a sweep: its parameter and the sweep's variable are two declarations")
    func sweepBody() throws {
        let (s, names) = try parse("fn g(a) = sweep i 1...2 < a * 10 + i >")
        let r = try resolve(s)
        let a = try #require(r.declaration(of: try read(names, "a")))
        let i = try #require(r.declaration(of: try read(names, "i")))
        #expect(a != i)
        #expect(a.kind == .parameter && i.kind == .sweep)
    }

    @Test("a top-level fn's own name is the global; a local fn's is its statement, and it captures itself")
    func ownNames() throws {
        let (top, topNames) = try parse("fn f(n) = if n < 1 then 0 else f(n - 1)")
        #expect(try resolve(top).declaration(of: try read(topNames, "f")) == nil)
        let (s, names) = try parse("let v = { fn h(n) = if n < 1 then 0 else h(n - 1); h(3) }")
        let r = try resolve(s)
        let reads = try #require(names["h"])
        let inBody = try #require(r.declaration(of: reads[0])), inValue = try #require(r.declaration(of: reads[1]))
        #expect(inBody == inValue && inBody.kind == .statement)
        guard case .let(_, _, let block, _) = s.kind, case .block(let stmts, _) = block.kind,
              case .function(_, _, _, _, let body, _) = stmts[0].kind else {
            Issue.record("unexpected tree")
            return
        }
        #expect(r.captures(ofBody: body) == [inBody])
    }

    @Test("a default sees only the parameters before it; a name bound nowhere is free")
    func defaults() throws {
        let (s, names) = try parse("fn f(a, b = a * 2, c = d) = a + b + c")
        let r = try resolve(s)
        let reads = try #require(names["a"])
        let inDefault = try #require(r.declaration(of: reads[0]))
        #expect(inDefault.kind == .parameter && inDefault.index == 0)
        #expect(r.declaration(of: try read(names, "d")) == nil)
        #expect(r.declaration(of: try read(names, "c"))?.index == 2)
    }

    @Test("a lambda's parameter hides the let of its name; the name read outside it is the let")
    func shadowing() throws {
        let (s, names) = try parse("let r = { let x = 1; let f = x => x * 2; f(x) }")
        let r = try resolve(s)
        let xs = try #require(names["x"])
        #expect(xs.count == 2)
        #expect(r.declaration(of: xs[0])?.kind == .parameter)
        #expect(r.declaration(of: xs[1])?.kind == .statement)
    }

    @Test("binding a program checks it in the same walk: a name bound nowhere and known nowhere is an error")
    func checksWhileBinding() throws {
        let (s, _) = try parse("let r = { let x = 1; x + e }")
        let rules = NameRules(globals: ["d"], builtins: [], units: UnitNames(), declaredUnits: [], choiceKnobs: [], registry: nil)
        #expect(throws: NapkinError.self) { try Resolution.program([s], checking: rules) }
        let (t, _) = try parse("let r = { let x = 1; x + d }")
        #expect(try Resolution.program([t], checking: rules) != nil)
    }
}
