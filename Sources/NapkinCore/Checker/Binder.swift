import Synchronization

/// One place a name is bound: a parameter of a function or lambda, a block's `let` or local
/// `fn`, a sweep's variable. Two bindings of the same name are two declarations, so whatever
/// reads the binder's answer (the compiler, giving each declaration a slot) cannot mistake one
/// for the other.
struct Declaration: Hashable, @unchecked Sendable {
    let name: String
    /// What binds it.
    enum Kind: UInt8 {
        case parameter, statement, sweep
        /// A top-level `fn` read in its own body: the name is the global's, looked up when read
        /// (a REPL line may redefine it), not a local binding.
        case global
        /// A name given from outside a walk (`Bound(names:site:)`).
        case given
    }
    let kind: Kind
    /// The node that binds it: the body of the function or lambda whose parameter it is, the
    /// block statement (`let`, `fn`), or the sweep (a sweep can be a function's body: the kind
    /// tells its variable from the function's first parameter).
    let site: ObjectIdentifier
    /// Which parameter (or given name); 0 for the others.
    let index: Int

    /// Parameter `index` of the function or lambda whose body is `body`.
    static func parameter(_ name: String, _ index: Int, of body: Expr) -> Declaration {
        Declaration(name: name, kind: .parameter, site: ObjectIdentifier(body), index: index)
    }
    /// What a statement binds: a block's `let` or `fn`; a top-level `fn`'s own name (global).
    static func statement(_ name: String, _ s: Stmt, global: Bool = false) -> Declaration {
        Declaration(name: name, kind: global ? .global : .statement, site: ObjectIdentifier(s), index: 0)
    }
    /// The parameters of the function or lambda whose body is `body`, in order.
    static func parameters(_ params: [Parameter], of body: Expr) -> [Declaration] {
        params.enumerated().map { .parameter($1.name, $0, of: body) }
    }
    /// A sweep's variable.
    static func sweep(_ name: String, _ e: Expr) -> Declaration {
        Declaration(name: name, kind: .sweep, site: ObjectIdentifier(e), index: 0)
    }

    // The kind, site and index tell declarations apart; the name only says what they bind.
    static func == (a: Declaration, b: Declaration) -> Bool { a.site == b.site && a.index == b.index && a.kind == b.kind }
    func hash(into h: inout Hasher) {
        h.combine(site)
        h.combine(index)
        h.combine(kind)
    }
}

/// The names bound where a name is read, innermost last.
struct Bound {
    var declarations: [Declaration] = []

    /// Names given from outside (a walk that starts inside a function knows its parameters by
    /// name only): declarations of their own, sited at `site`.
    init(names: [String], site: AnyObject) {
        declarations = names.enumerated().map { Declaration(name: $1, kind: .given, site: ObjectIdentifier(site), index: $0) }
    }
    init() {}

    /// The innermost declaration of `name`, if it is bound here.
    func declaration(of name: String) -> Declaration? { declarations.last { $0.name == name } }
    func contains(_ name: String) -> Bool { declaration(of: name) != nil }
    var names: [String] { declarations.map(\.name) }

    mutating func append(_ d: Declaration) { declarations.append(d) }
    func adding(_ d: Declaration) -> Bound {
        var b = self
        b.append(d)
        return b
    }
}

/// The binder's answer for a piece of code: which declaration each name read in it is bound to.
/// A name it does not list is free (a global, a builtin or a unit, looked up in the session when
/// compiled, since a REPL line may define it later). Worked out once, by the scoping rule
/// (`Scopes.walk`), and never changed; it holds the code it describes, so the nodes' identities
/// stay theirs for as long as it is kept.
final class Resolution: @unchecked Sendable {
    private let root: Any
    private let reads: [ObjectIdentifier: Declaration]
    /// The names read that are free (globals, builtins, units): with `reads`, every name it saw.
    private let free: Set<ObjectIdentifier>
    /// Per lambda and local fn (by its body): the declarations it reads from around it, which a
    /// closure made from it captures, in the order first read.
    private let captures: [ObjectIdentifier: [Declaration]]

    private init(root: Any, _ binder: Binder) {
        self.root = root
        reads = binder.reads
        free = binder.free
        captures = binder.captures
    }

    /// Whether every name read in `e` was seen by this walk: `e` is part of the code it bound,
    /// and its answer may be used for `e` (an expression parsed since, say from a knob's
    /// description, is not, and is bound by itself).
    func covers(_ e: Expr) -> Bool {
        !e.anyNodeAnywhere {
            guard case .name = $0.kind else { return false }
            let id = ObjectIdentifier($0)
            return reads[id] == nil && !free.contains(id)
        }
    }

    /// The declaration a name read by `e` (a `.name` node) is bound to; nil when it is free.
    func declaration(of e: Expr) -> Declaration? { reads[ObjectIdentifier(e)] }

    /// What a lambda or local fn whose body is `body` reads from the scope it is made in.
    func captures(ofBody body: Expr) -> [Declaration] { captures[ObjectIdentifier(body)] ?? [] }

    /// A function's body and its parameters' defaults (a default sees the parameters before it).
    static func function(_ params: [Parameter], _ body: Expr) -> Resolution {
        var binder = Binder()
        let inner = Scopes.parameters(params, of: body, Bound(), &binder)
        Scopes.walk(body, inner, inFunction: true, &binder)
        return Resolution(root: body, binder)
    }

    /// A whole program, its names checked by `rules` as they are bound (one walk does both): the
    /// session's `parse` and `run`, `napkin check` of a lab's track. Top-level definitions anywhere
    /// in it are visible everywhere (functions may call ones defined further down). Nil when
    /// nothing in it binds a name.
    static func program(_ program: [Stmt], checking rules: NameRules) throws(NapkinError) -> Resolution? {
        try parts([program], checking: rules)
    }

    /// A program in parts, as a lab mission runs. Every name defined anywhere is known
    /// everywhere (a shared function's default may name a knob that a part's workbench defines,
    /// and it is called there). But values and units are bound part by part: the first part
    /// (shared code and a track's bindings) for all, each other part for itself, since what a
    /// part defines is forgotten when it ends (a part's `let h` makes neither the next part's
    /// `24 h` nor a unit in its functions a value).
    static func parts(_ parts: [[Stmt]], checking rules: NameRules) throws(NapkinError) -> Resolution? {
        var binder = Binder()
        var everywhere = rules
        for part in parts { everywhere.know(part) }
        var shared: NameRules?
        for (i, part) in parts.enumerated() {
            var r = shared ?? everywhere
            r.beginPart()
            r.defineLater(part)
            binder.rules = r
            for s in part {
                binder.rules!.bindBefore(s)
                Scopes.walk(s, Bound(), inFunction: false, &binder)
                binder.rules!.bindAfter(s)
            }
            if let first = binder.rules!.errors.first { throw first }
            if i == 0 { shared = binder.rules }
        }
        return binder.reads.isEmpty && binder.captures.isEmpty ? nil : Resolution(root: parts, binder)
    }

    /// An expression outside any function (a top-level statement's value, a goal); nil when it
    /// binds nothing (most lines of the prelude), so every name in it is free. Start-up makes no
    /// resolution at all: the first one instantiates its dictionaries' type metadata (0.4 M
    /// instructions, 3% of `napkin -e`).
    static func expression(_ e: Expr) -> Resolution? {
        if !e.bindsNames { return nil }
        var binder = Binder()
        Scopes.walk(e, Bound(), inFunction: false, &binder)
        return Resolution(root: e, binder)
    }
}

extension Expr {
    /// Whether `test` holds for this node or any inside it, lambdas, blocks and sweeps included.
    func anyNodeAnywhere(_ test: (Expr) -> Bool) -> Bool {
        test(self) || inside.contains { $0.anyNodeAnywhere(test) }
    }

    /// Whether anything inside binds a name (a lambda, a block, a sweep); if not, every name in
    /// it is free.
    var bindsNames: Bool {
        anyNode {
            switch $0.kind {
            case .lambda, .block, .sweep: return true
            default: return false
            }
        }
    }
}

/// Records, for each name read, the declaration it is bound to (`Resolution`); when binding a
/// program, also checks that every free name and every unit means something (`NameRules`).
struct Binder: ScopeVisitor {
    var reads: [ObjectIdentifier: Declaration] = [:]
    var free: Set<ObjectIdentifier> = []
    var captures: [ObjectIdentifier: [Declaration]] = [:]
    /// The lambdas and local fns being walked, outermost first: each body, and how many
    /// declarations were bound where it is written.
    var closures: [(body: ObjectIdentifier, outside: Int)] = []
    /// What a program's names are checked against; nil for code checked before (the prelude,
    /// checked when napkin is built) or by the program it came with.
    var rules: NameRules?

    mutating func read(_ name: String, at e: Expr, bound: Bound, inFunction: Bool) {
        guard let i = bound.declarations.lastIndex(where: { $0.name == name }) else {
            free.insert(ObjectIdentifier(e))
            rules?.free(name, at: e, bound: bound)
            return
        }
        let d = bound.declarations[i]
        guard d.kind != .global else {
            free.insert(ObjectIdentifier(e))
            return
        }
        reads[ObjectIdentifier(e)] = d
        // Every closure around the read and inside the declaration captures it.
        for c in closures where i < c.outside && !(captures[c.body]?.contains(d) ?? false) { captures[c.body, default: []].append(d) }
    }

    mutating func enterClosure(body: Expr, outside bound: Bound) {
        closures.append((ObjectIdentifier(body), bound.declarations.count))
    }
    mutating func leaveClosure() { closures.removeLast() }

    mutating func units(_ u: UnitExpr, literal: Bool, amount: Double?, bound: Bound, inFunction: Bool) {
        rules?.units(u, literal: literal, amount: amount, bound: bound, inFunction: inFunction)
    }
    func isChoiceKnob(_ name: String) -> Bool { rules?.choiceKnobs.contains(name) ?? false }
}

/// A program as the binder leaves it: its statements, their names checked, and which declaration
/// each name read in them is bound to. The interpreter compiles its statements, and the functions
/// they define, from that one answer (`Interpreter.execute(_:in:)`).
public struct Program: RandomAccessCollection {
    public let statements: [Stmt]
    let resolution: Resolution?

    init(_ statements: [Stmt], _ resolution: Resolution?) {
        self.statements = statements
        self.resolution = resolution
    }

    public var startIndex: Int { statements.startIndex }
    public var endIndex: Int { statements.endIndex }
    public subscript(i: Int) -> Stmt { statements[i] }
}

/// An object published once to every thread (a function's resolution, its compiled body): an
/// atomic word holding a retained reference, 0 until published. Not Synchronization's
/// `AtomicLazyReference`: generic across modules, it is not specialised where it is read, and
/// every read looked up the reference type's metadata (5% of a record-heavy function's calls).
struct PublishedOnce<T: AnyObject>: ~Copyable {
    private let bits: Atomic<UInt>
    init(_ initial: T? = nil) {
        bits = Atomic(initial.map { UInt(bitPattern: Unmanaged.passRetained($0).toOpaque()) } ?? 0)
    }
    var value: T? {
        let b = bits.load(ordering: .acquiring)
        guard b != 0 else { return nil }
        return Unmanaged<T>.fromOpaque(UnsafeRawPointer(bitPattern: b)!).takeUnretainedValue()
    }
    /// Publishes `new` unless another thread got there first; returns the one published.
    func publish(_ new: T) -> T {
        let retained = Unmanaged.passRetained(new)
        let (stored, original) = bits.compareExchange(expected: 0, desired: UInt(bitPattern: retained.toOpaque()),
                                                      ordering: .acquiringAndReleasing)
        if stored { return new }
        retained.release()
        return Unmanaged<T>.fromOpaque(UnsafeRawPointer(bitPattern: original)!).takeUnretainedValue()
    }
    deinit {
        let b = bits.load(ordering: .acquiring)
        if b != 0 { Unmanaged<T>.fromOpaque(UnsafeRawPointer(bitPattern: b)!).release() }
    }
}
