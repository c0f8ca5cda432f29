/// The syntax tree. Every node keeps its span so errors can point at the culprit. The tree is
/// immutable: what evaluation works out (slots, cells, call shapes) lives in compiled code
/// (`BodyCompiler`), never in the tree, so sessions and worker threads can share it.
public final class Expr: @unchecked Sendable {
    public let kind: ExprKind
    public let span: Span
    public init(_ kind: ExprKind, _ span: Span) {
        self.kind = kind
        self.span = span
    }
}

public struct CallArgument: Sendable {
    public var label: String?
    public var value: Expr
    public var labelSpan: Span?
}

public struct Parameter: Sendable {
    public var name: String
    public var defaultValue: Expr?
    public var span: Span
    /// `size: Information`: checked at every call.
    public var declared: DeclaredType? = nil
}

/// A declared dimension of a parameter or a result (`DataRate`, `Energy / Time`, `Number`,
/// `DataRate or Record`): one or more alternatives, each a dimension expression or a kind of
/// value (Number, Record, List, Function, String, Bool).
public struct DeclaredType: Sendable {
    public var alternatives: [DimExpr]
    public var span: Span
    public var text: String
}

public enum RecordEntry: Sendable {
    case field(name: String, value: Expr, span: Span)
    case spread(Expr)
}

public enum StringPart: Sendable {
    case text(String)
    case expr(Expr)
}

/// A unit expression as written (`Gbit/s`, `kg*m^2/s^2`): names with integer powers.
public struct UnitExpr: Sendable {
    public var factors: [(name: String, power: Int, span: Span)]
    public var span: Span
    public var text: String
}

public struct SweepColumn: Sendable {
    public var name: String
    public var expr: Expr
}

public enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", pow = "^"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case and, or

    /// `+ - * / ^`: on two quantities, a quantity.
    public var isArithmetic: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow: return true
        default: return false
        }
    }

    public var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge: return true
        default: return false
        }
    }
}

public indirect enum ExprKind: Sendable {
    case number(Double)
    case quantity(Double, UnitExpr)
    case string([StringPart])
    case bool(Bool)
    case name(String)
    case unary(op: String, Expr)                       // "-" or "not"
    case binary(BinaryOp, Expr, Expr, opSpan: Span)
    case convert(Expr, UnitExpr, opSpan: Span)
    case call(Expr, [CallArgument])
    case field(Expr, String, nameSpan: Span)
    case index(Expr, Expr)
    case list([Expr])
    case record([RecordEntry])
    case range(Expr, Expr, step: Expr?)
    case conditional(Expr, Expr, Expr)
    case lambda([Parameter], Expr)
    case block([Stmt], Expr)
    case sweep(knob: String, knobSpan: Span, range: Expr, columns: [SweepColumn])
}

public final class Stmt: @unchecked Sendable {
    public let kind: StmtKind
    public let span: Span
    public init(_ kind: StmtKind, _ span: Span) {
        self.kind = kind
        self.span = span
    }
}

public enum StmtKind: Sendable {
    case expr(Expr)
    case `let`(name: String, nameSpan: Span, value: Expr, doc: String?)
    case function(name: String, nameSpan: Span, params: [Parameter], result: DeclaredType?, body: Expr, doc: String?)
    case knob(name: String, nameSpan: Span, value: Expr, range: Expr, doc: String?)
    case assign(name: String, nameSpan: Span, value: Expr)
    case assert(Expr)
    case dimension(name: String, definition: DimExpr?)
    case unit(names: [String], dimension: String?, value: Expr?, prefixes: [String], doc: String?)
    case prefix(name: String, entries: [(String, Expr)])
    case display(dimension: String, units: [UnitExpr])
    case digits(Expr)
}

/// A dimension expression in a `dimension` declaration: `Mass * Length^2 / Time^2`.
public struct DimExpr: Sendable {
    public var factors: [(name: String, power: Int, span: Span)]
}

/// Names the parser must know to apply the quantity-literal rule (`10 Gbit/s` is one value):
/// units and prefix families, declared in napkin source and registered as they are parsed.
public final class UnitNames: @unchecked Sendable {
    public private(set) var names: Set<String> = ["%"]
    public private(set) var families: [String: [String]] = [:]
    public init() {}

    public func copy() -> UnitNames {
        let c = UnitNames()
        c.names = names
        c.families = families
        return c
    }

    public func contains(_ name: String) -> Bool { names.contains(name) }

    public func declareFamily(_ name: String, symbols: [String]) { families[name] = symbols }

    /// Declares what a `unit` or `prefix` statement declares (as the parser did when it read it),
    /// for a statement parsed against another table; any other statement declares nothing.
    public func declare(_ s: Stmt) {
        switch s.kind {
        case .unit(let names, _, _, let prefixes, _): declareUnit(names, prefixes: prefixes)
        case .prefix(let name, let entries): declareFamily(name, symbols: entries.map(\.0))
        default: break
        }
    }

    /// Adds `names`; the first name also gets every prefix of the listed families.
    public func declareUnit(_ unitNames: [String], prefixes: [String]) {
        for n in unitNames { names.insert(n) }
        guard let symbol = unitNames.first else { return }
        for family in prefixes {
            for p in families[family] ?? [] { names.insert(p + symbol) }
        }
    }
}
