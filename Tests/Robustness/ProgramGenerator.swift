import Foundation
import TestSupport

/// Writes random napkin programs that are valid by Grammar/napkin.ebnf.
///
/// Each method is named after the production it expands and follows it alternative by
/// alternative (the rule is quoted above the method). The CONTEXT rules of the grammar are
/// honoured where they decide how a program parses: a comparison directly inside a sweep body is
/// parenthesised, '.5' numbers appear only after an operator, lambdas only start an expression,
/// newlines appear only where the grammar ignores them (after a binary operator) or separate
/// statements, and every name is defined before it is used (so the binder's name check accepts every
/// program too). A light type discipline keeps most programs runnable; a small share are
/// deliberately ill-typed, which must give a clean dimension or runtime error.
struct ProgramGenerator {
    /// SplitMix64 (TestSupport): the same on every platform, so a seed names a program.
    typealias RNG = SplitMix64

    /// The value kinds the generator keeps track of.
    enum Ty: Equatable {
        case num, qty(String), bool, str, list, rec, table
        case fn(Int)   // a function of n plain-number parameters returning a number
    }

    /// Units of the prelude, by dimension: the strict unit expressions a quantity literal may use.
    static let units: [String: [String]] = [
        "Length": ["m", "km", "mm", "ft", "mile"],
        "Time": ["s", "ms", "µs", "μs", "min", "h", "days", "year"],
        "Energy": ["J", "kWh", "MJ", "pJ", "W*h", "kW*h", "eV"],
        "Power": ["W", "kW", "MW", "J/s", "J per s"],
        "Information": ["B", "GB", "TB", "bit", "GiB", "KiB"],
        "DataRate": ["Gbit/s", "MB/s", "B per s", "bps"],
        "Area": ["m^2", "m²", "km^2"],
        "Frequency": ["Hz", "1/s"],
    ]
    static let dims = ["Length", "Time", "Energy", "Power", "Information", "DataRate", "Area", "Frequency"]

    var rng: RNG
    var out = ""
    var counter = 0
    /// Variables in scope, innermost scope last.
    var scopes: [[(name: String, ty: Ty)]] = [[]]
    /// Global functions: name, parameter names (the last ones have defaults), defaults count.
    var functions: [(name: String, params: [String], defaults: Int)] = []
    var knobs: [(name: String, low: Int, high: Int)] = []
    var userDimensions: [String] = []
    var prefixFamilies: [String] = ["si", "binary"]
    /// Units declared by the program, with their dimension (for quantity literals).
    var userUnits: [(name: String, dim: String)] = []
    var depth = 0
    /// Expressions nest at most this deep (the programs stay readable and quick to run).
    let maxDepth = 3
    /// Directly inside a sweep body (not nested in (), [] or {}): '>' would close it.
    var inSweepBody = false

    init(seed: UInt64) { rng = RNG(state: seed) }

    // MARK: - Output

    mutating func emit(_ s: String) {
        if let last = out.last, !last.isWhitespace, !s.isEmpty, needsSpace(after: last, before: s.first!) { out += " " }
        out += s
    }

    func needsSpace(after a: Character, before b: Character) -> Bool {
        // Tokens are space-separated except where a space would change nothing and none is
        // wanted ('f(x)', 'a.b', 'x[0]'); a space is always safe between napkin tokens.
        if "([.".contains(b) && (a.isLetter || a.isNumber || ")]}_'".contains(a)) { return false }
        if "²³¹".contains(b) { return false }
        if a == "(" || a == "[" { return false }
        if b == ")" || b == "]" || b == "," { return false }
        return true
    }

    /// A fresh name that is no keyword, unit or prefixed unit.
    mutating func fresh(_ stem: String) -> String {
        counter += 1
        return "\(stem)_\(counter)"
    }

    func lookup(_ ty: Ty) -> [String] {
        scopes.flatMap { $0 }.filter { $0.ty == ty }.map(\.name)
    }

    mutating func define(_ name: String, _ ty: Ty) { scopes[scopes.count - 1].append((name, ty)) }

    /// A binary operator, in one of its spellings, optionally followed by a newline (the
    /// grammar ignores NL right after a binary operator).
    mutating func binop(_ op: String) {
        let spellings: [String: [String]] = [
            "*": ["*", "*", "×", "·", "⋅"], "/": ["/", "/", "÷", "per"], "-": ["-", "-", "−"],
            "<=": ["<=", "≤"], ">=": [">=", "≥"], "!=": ["!=", "≠"],
        ]
        emit(rng.pick(spellings[op] ?? [op]))
        if rng.chance(0.05) { out += rng.chance(0.5) ? "\n" : "  # a comment after an operator\n" }
    }

    // MARK: - 1. Programs and statements

    /// program ::= separator* ( statement ( separator+ statement )* )? separator*
    mutating func program(statements n: Int) -> String {
        if rng.chance(0.05) { out += "\u{FEFF}" }
        if rng.chance(0.05) { out += "#!/usr/bin/env napkin\n" }
        if rng.chance(0.1) { separator() }
        for i in 0..<n {
            if i > 0 { separator() }
            statement()
        }
        if rng.chance(0.5) { separator() }
        return out
    }

    /// separator ::= NL | ';'   (plus the lexical extras: comments, CRLF, backslash-newline)
    mutating func separator() {
        switch rng.below(8) {
        case 0: out += "; "
        case 1: out += "\r\n"
        case 2: out += "   # comment ; not a separator\n"
        case 3: out += "\n\n\t\n"
        default: out += "\n"
        }
    }

    /// statement ::= let_stmt | fn_stmt | knob_stmt | assert_stmt | digits_stmt | dimension_stmt
    ///             | unit_stmt | prefix_stmt | display_stmt | assign_stmt | expression
    mutating func statement() {
        switch rng.below(20) {
        case 0, 1, 2: letStatement()
        case 3, 4: fnStatement()
        case 5: knobStatement()
        case 6: assertStatement()
        case 7: digitsStatement()
        case 8: dimensionStatement()
        case 9: unitStatement()
        case 10: prefixStatement()
        case 11: displayStatement()
        case 12: if knobs.isEmpty { knobStatement() } else { assignStatement() }
        case 13: instrumentStatement()
        default: expression(anyType())
        }
    }

    mutating func anyType() -> Ty {
        switch rng.below(10) {
        case 0, 1, 2: return .num
        case 3, 4: return .qty(rng.pick(Self.dims))
        case 5: return .bool
        case 6: return .str
        case 7: return .list
        case 8: return .rec
        default: return .table
        }
    }

    /// let_stmt ::= 'let' NAME '=' expression doc_string?
    mutating func letStatement() {
        if rng.chance(0.1) {
            // let f = (a, b) => …: a function value, called later like a fn.
            let name = fresh("g"), n = 1 + rng.below(2)
            emit("let"); emit(name); emit("=")
            lambda(n)
            functions.append((name, (0..<n).map { "x\($0)" }, 0))
            return
        }
        let ty = anyType()
        let name = fresh("v")
        emit("let"); emit(name); emit("=")
        if rng.chance(0.05) { out += "\n" }
        expression(ty)
        if rng.chance(0.2) { docString() }
        define(name, ty)
    }

    /// fn_stmt ::= 'fn' NAME '(' parameters? ')' '=' expression doc_string?
    mutating func fnStatement() {
        let name = fresh("f")
        let n = rng.below(3)
        let params = (0..<n).map { _ in fresh("p") }
        let defaults = n == 0 ? 0 : rng.below(n + 1)
        emit("fn"); emit(name); emit("(")
        scopes.append([])
        for (i, p) in params.enumerated() {
            if i > 0 { emit(",") }
            emit(p)
            if i >= n - defaults { emit("="); expression(.num) }
            define(p, .num)
        }
        if n > 0, rng.chance(0.2) { emit(",") }
        emit(")"); emit("=")
        if rng.chance(0.1), n >= 1 {
            // A bounded recursion: fn f(n) = if n <= 0 then 0 else f(n - 1) + 1
            emit("if"); emit(params[0]); emit("<="); emit("0"); emit("then"); emit("0"); emit("else")
            emit(name); emit("("); emit(params[0]); binop("-"); emit("1")
            for _ in 1..<n { emit(","); emit("1") }
            emit(")"); binop("+"); emit("1")
        } else {
            expression(.num)
        }
        scopes.removeLast()
        if rng.chance(0.2) { docString() }
        functions.append((name, params, defaults))
    }

    /// knob_stmt ::= 'knob' NAME '=' expression 'in' range_expr STRING?
    mutating func knobStatement() {
        let name = fresh("k")
        let low = rng.below(5), high = low + 1 + rng.below(10)
        emit("knob"); emit(name); emit("="); emit(String(low + rng.below(high - low + 1)))
        emit("in"); emit(String(low)); emit(rng.chance(0.8) ? "..." : "…"); emit(String(high))
        if rng.chance(0.7) { emit("\"a knob, η \(counter)\"") }
        knobs.append((name, low, high))
        define(name, .num)
    }

    /// assign_stmt ::= NAME '=' expression
    mutating func assignStatement() {
        let k = rng.pick(knobs)
        emit(k.name); emit("="); emit(String(k.low + rng.below(k.high - k.low + 1)))
    }

    /// assert_stmt ::= 'assert' expression
    mutating func assertStatement() {
        emit("assert")
        // Mostly true assertions, so the program goes on.
        if rng.chance(0.8) { emit("1"); emit("<"); emit("2"); binop("or"); expression(.bool) } else { expression(.bool) }
    }

    /// digits_stmt ::= 'digits' '='? expression
    mutating func digitsStatement() {
        emit("digits")
        if rng.chance(0.5) { emit("=") }
        emit(String(1 + rng.below(17)))
    }

    /// dimension_stmt ::= 'dimension' NAME ( '=' dimension_expr )?
    /// dimension_expr ::= ( '1' '/' )? dim_factor ( ( '*' | '/' ) dim_factor )*
    /// dim_factor     ::= NAME ( '^' integer_exponent | SUPERSCRIPT )?
    mutating func dimensionStatement() {
        counter += 1
        let name = "Dim\(counter)"
        emit("dimension"); emit(name)
        if rng.chance(0.5) {
            emit("=")
            if rng.chance(0.2) { emit("1"); emit("/") }
            for i in 0..<(1 + rng.below(3)) {
                if i > 0 { emit(rng.pick(["*", "/", "×", "÷"])) }
                emit(rng.pick(["Length", "Time", "Mass", "Energy", "Information"] + userDimensions))
                switch rng.below(4) {
                case 0: emit("^"); emit(rng.pick(["2", "-1", "3"]))
                case 1: out += rng.pick(["²", "³"])
                default: break
                }
            }
        }
        userDimensions.append(name)
    }

    /// unit_stmt ::= 'unit' unit_name ( ',' unit_name )* ( ':' NAME )? ( '=' expression )?
    ///               ( 'prefixes' NAME ( ',' NAME )* )? STRING?
    mutating func unitStatement() {
        counter += 1
        let name = "zu\(counter)", alias = "zualias\(counter)"
        emit("unit"); emit(name)
        let withAlias = rng.chance(0.3)
        if withAlias { emit(","); emit(alias) }
        let dim: String
        if !userDimensions.isEmpty, rng.chance(0.4) {
            dim = rng.pick(userDimensions)
            emit(":"); emit(dim)
        } else {
            dim = rng.pick(["Length", "Time", "Energy", "Power", "Information"])
            if rng.chance(0.3) { emit(":"); emit(dim) }
            emit("="); emit(String(1 + rng.below(100))); unitStrict(dim)
        }
        var prefixed: [String] = []
        if rng.chance(0.4) {
            let fams = Array(Set((0..<(1 + rng.below(2))).map { _ in rng.pick(prefixFamilies) })).sorted()
            emit("prefixes"); emit(fams.joined(separator: ", "))
            if fams.contains("si") { prefixed += ["k", "M", "m"].map { $0 + name } }
        }
        if rng.chance(0.3) { emit("\"a unit\"") }
        for u in [name] + (withAlias ? [alias] : []) + prefixed { userUnits.append((u, dim)) }
    }

    /// prefix_stmt ::= 'prefix' NAME '=' '{' ( prefix_entry ( ( ',' | NL ) prefix_entry )* ','? )? '}'
    /// prefix_entry ::= ( NAME | STRING ) ':' expression
    mutating func prefixStatement() {
        counter += 1
        let name = "fam\(counter)"
        emit("prefix"); emit(name); emit("="); emit("{")
        for i in 0..<(1 + rng.below(3)) {
            if i > 0 { if rng.chance(0.5) { emit(",") } else { out += "\n" } }
            let sym = "q\(counter)x\(i)"
            emit(rng.chance(0.5) ? sym : "\"\(sym)\""); emit(":"); emit(rng.pick(["10", "1e3", "2^10", "0.5"]))
        }
        if rng.chance(0.3) { emit(",") }
        emit("}")
        prefixFamilies.append(name)
    }

    /// display_stmt ::= 'display' NAME ':' unit_expr_loose ( ',' unit_expr_loose )*
    mutating func displayStatement() {
        let dim = rng.pick(["Length", "Time", "Energy", "Power", "Information"])
        let ladders = ["Length": ["mm", "m", "km"], "Time": ["ms", "s", "min", "h"], "Energy": ["J", "kJ", "kWh"],
                       "Power": ["mW", "W", "kW"], "Information": ["B", "kB", "GB"]]
        emit("display"); emit(dim); emit(":")
        emit(ladders[dim]!.joined(separator: ", "))
    }

    /// Instruments through command_call or call_suffix: plot s, bars r, gauge(v, lo, hi).
    mutating func instrumentStatement() {
        switch rng.below(4) {
        case 0:
            if let t = lookup(.table).randomElement(using: &rng) { emit("plot"); emit(t) } else { emit("plot"); sweep() }
        case 1:
            emit("plot"); emit("("); listLiteral(); emit(","); emit("title:"); stringLiteral(); emit(")")
        case 2:
            let d = rng.pick(Self.dims)
            emit("bars"); emit("{"); emit("a:"); quantity(d); emit(","); emit("b:"); quantity(d); emit("}")
        default:
            emit("gauge("); expression(.num); emit(","); emit("0"); emit(","); emit("100"); emit(")")
        }
    }

    /// doc_string ::= STRING  (no interpolation)
    mutating func docString() { emit("\"documented: \\\"quoted\\\", \\{braces\\} \\t tab\"") }

    // MARK: - 2. Expressions

    /// expression ::= lambda_expr ( ( '->' | 'to' ) unit_expr_loose )*
    /// `conversion: false` where the expression may be followed by more operators: the
    /// else-branch of a conditional extends as far as possible, so `if c then a else b -> 1`
    /// followed by `^ 2` would put '^' after the conversion's unit.
    mutating func expression(_ ty: Ty, conversion: Bool = true) {
        depth += 1
        defer { depth -= 1 }
        if case .fn(let n) = ty { lambda(n); return }
        orExpression(ty)
        guard conversion else { return }
        if case .qty(let d) = ty, rng.chance(0.2) {
            emit(rng.pick(["->", "→", "to"]))
            unitLoose(d)
        } else if ty == .num, rng.chance(0.05) {
            emit("->"); emit("1")
        } else if rng.chance(0.01) {
            // Ill-typed on purpose: converting to a unit of another dimension.
            emit("->"); emit(rng.pick(["m", "s", "kWh"]))
        }
    }

    /// lambda_expr ::= NAME '=>' expression | '(' parameters? ')' '=>' expression | or_expr
    mutating func lambda(_ n: Int, returning ty: Ty = .num) {
        let params = (0..<n).map { _ in fresh("x") }
        if n == 1, rng.chance(0.5) {
            emit(params[0])
        } else {
            emit("("); emit(params.joined(separator: ", ")); emit(")")
        }
        emit("=>")
        if rng.chance(0.1) { out += "\n" }
        scopes.append(params.map { ($0, Ty.num) })
        expression(ty)
        scopes.removeLast()
    }

    /// or_expr ::= and_expr ( 'or' and_expr )*    (and the levels below it, for booleans)
    mutating func orExpression(_ ty: Ty) {
        guard ty == .bool, depth < maxDepth else { return additiveOrRange(ty) }
        switch rng.below(6) {
        case 0:
            notExpression(); binop("or"); notExpression()
        case 1:
            notExpression(); binop("and"); notExpression()
        default:
            notExpression()
        }
    }

    /// not_expr ::= 'not' not_expr | comparison
    mutating func notExpression() {
        if rng.chance(0.15) { emit("not"); notExpression(); return }
        comparison()
    }

    /// comparison ::= range_expr ( comp_op range_expr )?
    mutating func comparison() {
        guard rng.chance(0.7), depth < maxDepth else { return postfix(.bool) }
        let wrap = inSweepBody
        if wrap { emit("(") }
        let saved = inSweepBody
        inSweepBody = false
        let ty: Ty = rng.chance(0.6) ? .num : (rng.chance(0.5) ? .qty(rng.pick(Self.dims)) : .str)
        additive(ty)
        binop(ty == .str ? rng.pick(["==", "!="]) : rng.pick(["==", "!=", "<", "<=", ">", ">="]))
        additive(ty)
        inSweepBody = saved
        if wrap { emit(")") }
    }

    /// range_expr ::= additive ( '...' additive ( 'step' additive )? )?
    mutating func additiveOrRange(_ ty: Ty) {
        if ty == .list, rng.chance(0.3) {
            let lo = rng.below(5)
            emit(String(lo)); emit(rng.pick(["...", "…"])); emit(String(lo + rng.below(8)))
            if rng.chance(0.3) { emit("step"); emit(rng.pick(["2", "0.5", "1"])) }
            return
        }
        additive(ty)
    }

    /// additive ::= multiplicative ( ( '+' | '-' ) multiplicative )*
    mutating func additive(_ ty: Ty) {
        multiplicative(ty)
        guard depth < maxDepth else { return }
        switch ty {
        case .num, .qty:
            for _ in 0..<rng.below(3) { binop(rng.pick(["+", "-"])); multiplicative(ty) }
        case .str:
            if rng.chance(0.3) { binop("+"); multiplicative(rng.chance(0.7) ? .str : .num) }
        case .list:
            if rng.chance(0.2) { binop("+"); multiplicative(.list) }
        default:
            break
        }
    }

    /// multiplicative ::= unary ( ( '*' | '/' | 'per' ) unary )*
    mutating func multiplicative(_ ty: Ty) {
        switch ty {
        case .num where depth < maxDepth && rng.chance(0.4):
            unary(.num); binop(rng.pick(["*", "/"])); unary(.num)
        case .qty(let d) where depth < maxDepth && rng.chance(0.3):
            // quantity * number, quantity / number: the dimension stays.
            unary(.qty(d)); binop(rng.pick(["*", "/"])); unary(.num)
        default:
            unary(ty)
        }
    }

    /// unary ::= ( '-' | '+' ) unary | power
    mutating func unary(_ ty: Ty) {
        switch ty {
        case .num, .qty:
            if rng.chance(0.1) { emit(rng.pick(["-", "+", "−"])); unary(ty); return }
        default: break
        }
        power(ty)
    }

    /// power ::= postfix ( '^' unary )?
    mutating func power(_ ty: Ty) {
        if ty == .num, depth < maxDepth, rng.chance(0.1) {
            postfix(.num); emit("^"); emit(rng.pick(["2", "-1", "0.5", "(1/2)", "-2", "3"]))
            return
        }
        postfix(ty)
    }

    /// postfix ::= primary ( call_suffix | field_suffix | index_suffix | SUPERSCRIPT )*
    mutating func postfix(_ ty: Ty) {
        // Suffixes that keep the type: x², rec.field, list[i], f(args).
        if ty == .num, rng.chance(0.1) {
            switch rng.below(4) {
            case 0:
                primary(.num); out += rng.pick(["²", "³", "¹"])
            case 1:
                emit("["); expression(.num); emit(","); expression(.num); emit("]"); emit("["); emit(rng.pick(["0", "1", "-1"])); emit("]")
            case 2:
                emit("{"); emit("a:"); expression(.num); emit(","); emit("b:"); expression(.str); emit("}"); emit("."); out += "a"
            default:
                if let f = functions.randomElement(using: &rng) { call(f) } else { primary(.num) }
            }
            return
        }
        primary(ty)
    }

    /// call_suffix ::= '(' arguments? ')'   arguments ::= argument ( ',' argument )* ','?
    /// argument ::= ( NAME ':' )? expression
    mutating func call(_ f: (name: String, params: [String], defaults: Int)) {
        emit(f.name); emit("(")
        let required = f.params.count - f.defaults
        let positional = required + rng.below(f.defaults + 1)
        var first = true
        for _ in 0..<positional { if !first { emit(",") }; first = false; nested { $0.expression(.num) } }
        // Some of the remaining defaulted parameters by name.
        for p in f.params[positional...] where rng.chance(0.5) {
            if !first { emit(",") }
            first = false
            emit(p + ":"); nested { $0.expression(.num) }
        }
        if !first, rng.chance(0.2) { emit(",") }
        emit(")")
    }

    /// Runs `body` outside any sweep body (inside (), [] or {}).
    mutating func nested(_ body: (inout ProgramGenerator) -> Void) {
        let saved = inSweepBody
        inSweepBody = false
        body(&self)
        inSweepBody = saved
    }

    /// primary ::= quantity | NUMBER | command_call | STRING | 'true' | 'false' | NAME
    ///           | conditional | sweep | '(' expression ')' | list | record | block
    mutating func primary(_ ty: Ty) {
        let deep = depth >= maxDepth
        if !deep {
            switch rng.below(12) {
            case 0:
                emit("("); nested { $0.expression(ty) }; emit(")"); return
            case 1:
                conditional(ty); return
            case 2:
                block(ty); return
            default: break
            }
        }
        let vars = lookup(ty)
        if !vars.isEmpty, rng.chance(0.3) { emit(rng.pick(vars)); return }
        switch ty {
        case .num:
            if !deep, rng.chance(0.15) {
                switch rng.below(6) {
                case 0: emit("len("); nested { $0.listLiteral() }; emit(")")
                case 1: emit("sum("); nested { $0.listLiteral() }; emit(")")
                case 2: emit("sqrt("); nested { $0.expression(.num) }; emit(")")
                case 3: emit("abs("); nested { $0.expression(.num) }; emit(")")
                case 4: emit("mod("); nested { $0.expression(.num) }; emit(","); emit(String(1 + rng.below(9))); emit(")")
                default:
                    if let t = lookup(.table).randomElement(using: &rng) { emit(rng.pick(["sum", "len", "mean", "argmin", "max"]) + "("); emit(t); emit(")") } else { number() }
                }
                return
            }
            number()
        case .qty(let d):
            quantity(d)
        case .bool:
            emit(rng.pick(["true", "false"]))
        case .str:
            stringLiteral()
        case .list:
            if !deep, rng.chance(0.2) {
                let isMap = rng.chance(0.5)
                emit(isMap ? "map(" : "filter("); nested { $0.listLiteral() }; emit(",")
                nested { $0.lambda(1, returning: isMap ? .num : .bool) }; emit(")")
            } else {
                listLiteral()
            }
        case .rec:
            record()
        case .table:
            sweep()
        case .fn(let n):
            lambda(n)
        }
    }

    /// NUMBER ::= digits ( '.' digits? )? exponent? | '.' digits exponent?
    mutating func number() {
        let afterOperator = out.last.map { "=(,[:+-*/^".contains($0) } ?? false
        switch rng.below(10) {
        case 0: emit("\(1 + rng.below(9))_\(rng.below(10))\(rng.below(10))\(rng.below(10))")
        case 1: emit("\(rng.below(100)).\(rng.below(100))")
        case 2: emit("\(1 + rng.below(9))e\(rng.pick(["", "+", "-"]))\(rng.below(20))")
        case 3: emit("\(1 + rng.below(9)).\(rng.below(10))E-\(rng.below(5))")
        case 4 where afterOperator: emit(".\(1 + rng.below(9))")
        case 5: emit("\(1 + rng.below(9)).")
        default: emit(String(rng.below(20)))
        }
    }

    /// quantity ::= NUMBER unit_expr_strict
    mutating func quantity(_ dim: String) {
        // A number followed by ', ' or ')' would not start a literal: always write the unit.
        emit(String(1 + rng.below(999)))
        unitStrict(dim)
    }

    /// unit_expr_strict ::= unit_factor ( ( '*' | '/' | 'per' ) unit_factor )*
    mutating func unitStrict(_ dim: String) {
        let own = userUnits.filter { $0.dim == dim }.map(\.name)
        let choices = (Self.units[dim] ?? ["m"]).filter { $0 != "1/s" } + own
        var u = rng.pick(choices)
        // A unit the program declared in an earlier statement, or a unit with a cancelling pair.
        if rng.chance(0.1) { u += rng.pick([" * s / s", " per m * m"]) }
        emit(u)
    }

    /// unit_expr_loose ::= ( '1' | unit_factor ) ( ( '*' | '/' | 'per' ) unit_factor )*
    mutating func unitLoose(_ dim: String) {
        emit(rng.pick(Self.units[dim] ?? ["m"]))
    }

    /// conditional ::= 'if' expression 'then' expression 'else' expression
    mutating func conditional(_ ty: Ty) {
        emit("if"); expression(.bool)
        if rng.chance(0.1) { out += "\n" }
        emit("then"); expression(ty)
        if rng.chance(0.1) { out += "\n" }
        emit("else"); expression(ty, conversion: false)
    }

    /// list ::= '[' ( expression ( ',' expression )* ','? )? ']'
    mutating func listLiteral() {
        emit("[")
        let n = rng.below(5)
        let itemTy: Ty = rng.chance(0.7) ? .num : .qty(rng.pick(Self.dims))
        nested { g in
            for i in 0..<n {
                if i > 0 { g.emit(",") }
                if g.rng.chance(0.05) { g.out += "\n" }
                g.expression(g.depth < g.maxDepth - 1 ? itemTy : .num)
            }
        }
        if n > 0, rng.chance(0.2) { emit(",") }
        emit("]")
    }

    /// record ::= '{' ( record_entry ( ( ',' | NL+ ) record_entry )* ','? )? '}'
    /// record_entry ::= '...' expression | ( NAME | STRING ) ':' expression
    mutating func record() {
        emit("{")
        let n = rng.below(4)
        nested { g in
            for i in 0..<n {
                if i > 0 { if g.rng.chance(0.7) { g.emit(",") } else { g.out += "\n" } }
                if i == 0, let r = g.lookup(.rec).randomElement(using: &g.rng), g.rng.chance(0.3) {
                    g.emit("..."); g.emit(r)
                    continue
                }
                g.emit(g.rng.chance(0.8) ? "field\(i):" : "\"field \(i)\":")
                g.expression(g.depth < g.maxDepth - 1 ? g.anyType() : .num)
            }
        }
        if n > 0, rng.chance(0.2) { emit(",") }
        emit("}")
    }

    /// block ::= '{' separator* block_stmt ( separator+ block_stmt )* separator* '}'
    /// block_stmt ::= let_stmt | fn_stmt | assert_stmt | expression
    mutating func block(_ ty: Ty) {
        emit("{")
        scopes.append([])
        let saved = inSweepBody
        inSweepBody = false
        let savedFunctions = functions
        for _ in 0..<rng.below(3) {
            switch rng.below(3) {
            case 0:
                let name = fresh("b")
                emit("let"); emit(name); emit("="); expression(.num)
                define(name, .num)
            case 1:
                fnStatement()
            default:
                assertStatement()
            }
            emit(rng.chance(0.5) ? ";" : "\n")
        }
        expression(ty)
        emit("}")
        functions = savedFunctions
        inSweepBody = saved
        scopes.removeLast()
    }

    /// sweep ::= 'sweep' NAME 'in'? range_expr '<' sweep_column ( ',' sweep_column )* ','? '>'
    /// sweep_column ::= ( NAME ':' )? expression
    mutating func sweep() {
        emit("sweep")
        let name: String
        if let k = knobs.randomElement(using: &rng), rng.chance(0.4) {
            name = k.name
        } else {
            name = fresh("x")
        }
        emit(name)
        if rng.chance(0.3) { emit("in") }
        let lo = rng.below(4)
        emit(String(lo)); emit("..."); emit(String(lo + 1 + rng.below(6)))
        if rng.chance(0.3) { emit("step"); emit(rng.pick(["0.5", "2", "1"])) }
        emit("<")
        scopes.append([(name, .num)])
        let saved = inSweepBody
        inSweepBody = true
        for i in 0..<(1 + rng.below(3)) {
            if i > 0 { emit(",") }
            if rng.chance(0.3) { emit("col\(i):") }
            expression(rng.chance(0.8) ? .num : .qty(rng.pick(Self.dims)))
        }
        inSweepBody = saved
        scopes.removeLast()
        emit(">")
    }

    /// STRING with escapes and interpolations (§4).
    mutating func stringLiteral() {
        var s = "\""
        for _ in 0..<rng.below(4) {
            switch rng.below(6) {
            case 0: s += "\\n"
            case 1: s += "\\{\\}\\\"\\\\"
            case 2 where depth < maxDepth:
                s += "{"
                // Interpolations are parsed as expressions of their own.
                var inner = ProgramGenerator(seed: rng.next())
                inner.scopes = scopes
                inner.functions = functions
                inner.userUnits = userUnits
                inner.depth = depth + 2
                inner.expression(inner.anyType() == .table ? .num : inner.anyType())
                counter += inner.counter
                s += inner.out.replacingOccurrences(of: "\r", with: " ")
                s += "}"
            case 3: s += "ηµ²"
            default: s += "text \(rng.below(100))"
            }
        }
        s += "\""
        emit(s)
    }
}

