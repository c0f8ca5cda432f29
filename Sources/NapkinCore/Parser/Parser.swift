import CVectorMath
import Foundation

/// Recursive-descent parser for napkin. Grammar/napkin.ebnf is the normative grammar;
/// keep the two in step (a test parses every .lab file in the repository).
public struct Parser {
    let file: SourceFile
    public let tokens: [Token]
    /// The index of the next token; hosts that parse their own layer (missions) move it.
    public var pos = 0
    let units: UnitNames
    /// Inside (), [] and sweep bodies newlines do not end anything.
    var newlineInsensitive = 0
    /// Inside a sweep body, a bare '>' closes the body instead of comparing.
    var sweepBodyDepth = 0
    /// Nesting guard so hostile input cannot overflow the stack.
    var depth = 0
    /// Names bound around the cursor (see `isUnit`): the session's globals and the program's
    /// definitions so far, then parameters, sweep variables and block lets, innermost last.
    public var bound: Set<String> = []
    var locals: [String] = []
    /// Inside a block, definitions are local (bound from the next statement on).
    var blockDepth = 0
    static let maxDepth = 200
    /// Names that read as a bound value where the unit of that name could have continued a
    /// literal (`let s = 3; 3 m/s` is 3 m divided by the value s): the host notes each one.
    public var boundOverUnit: [(name: String, span: Span)] = []

    public init(file: SourceFile, units: UnitNames, bound: Set<String> = []) throws(NapkinError) {
        self.file = file
        self.tokens = try Lexer.tokenize(file)
        self.units = units
        self.bound = bound
    }

    /// Parses a whole program (a file, or one REPL entry); `bound` names the values already
    /// defined (the session's globals).
    public static func parse(_ file: SourceFile, units: UnitNames, bound: Set<String> = []) throws(NapkinError) -> [Stmt] {
        var p = try Parser(file: file, units: units, bound: bound)
        return try p.program()
    }

    // MARK: - Scope: the binding wins

    /// True when `name` continues a quantity literal as a unit. A name bound in scope (a let,
    /// a parameter, a sweep variable, a knob, a global) is never a unit: `let tokens = 1e9 token;
    /// 0.3 J/token * tokens` multiplies by the value. And a name followed by `(` is a call.
    func isUnit(_ name: String, at k: Int) -> Bool {
        guard units.contains(name), !isBound(name) else { return false }
        if case .op("(") = peekToken(k + 1).kind { return false }
        return true
    }

    public func isBound(_ name: String) -> Bool { locals.contains(name) || bound.contains(name) }

    // MARK: - Token access

    public var current: Token {
        var i = pos
        if newlineInsensitive > 0 { while case .newline = tokens[i].kind { i += 1 } }
        return tokens[i]
    }

    public mutating func advance() -> Token {
        if newlineInsensitive > 0 { skipNewlines() }
        let t = tokens[pos]
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    public mutating func skipNewlines() {
        while case .newline = tokens[pos].kind { pos += 1 }
    }

    func peekToken(_ k: Int) -> Token {
        var i = pos, n = k
        while true {
            if newlineInsensitive > 0 { while case .newline = tokens[i].kind { i += 1 } }
            if n == 0 || i >= tokens.count - 1 { return tokens[min(i, tokens.count - 1)] }
            i += 1
            n -= 1
        }
    }

    func isOp(_ o: String) -> Bool {
        if case .op(let x) = current.kind { return x == o }
        return false
    }

    func isKeyword(_ k: Keyword) -> Bool {
        if case .keyword(let x) = current.kind { return x == k }
        return false
    }

    var atStatementEnd: Bool {
        switch tokens[pos].kind {
        case .newline, .eof: return true
        case .op(";"): return true
        case .op("}"): return true
        default: return false
        }
    }

    /// How a token is named in messages: `name 'x'`, `'+'`, `end of line`.
    public static func describe(_ t: Token) -> String {
        switch t.kind {
        case .number: return "number \(t.text)"
        case .identifier(let n): return "name '\(n)'"
        case .string: return "a string"
        case .keyword(let k): return "keyword '\(k.rawValue)'"
        case .op(let o): return "'\(o)'"
        case .superscript: return "'\(t.text)'"
        case .newline: return "end of line"
        case .eof: return "end of input"
        }
    }

    func error(_ message: String, at token: Token? = nil, notes: [String] = []) -> NapkinError {
        let t = token ?? current
        var notes = notes
        if sweepBodyDepth > 0, case .op(">") = t.kind {
            notes.append("inside a sweep's < … >, a bare '>' closes the body; put a comparison in parentheses: (x > 2)")
        }
        return NapkinError(.parse, message, at: t.span, notes: notes)
    }

    mutating func expectOp(_ o: String, _ context: String) throws(NapkinError) -> Token {
        guard isOp(o) else { throw error("expected '\(o)' \(context), found \(Parser.describe(current))") }
        return advance()
    }

    mutating func expectIdentifier(_ context: String) throws(NapkinError) -> (String, Span) {
        if case .identifier(let n) = current.kind {
            let t = advance()
            return (n, t.span)
        }
        if case .keyword(let k) = current.kind {
            throw error("'\(k.rawValue)' is a keyword and cannot be used as a name \(context)")
        }
        throw error("expected a name \(context), found \(Parser.describe(current))")
    }

    /// Operators in one left-to-right chain (`1 + 1 + …`, `a.b.c…`): a chain nests its tree as
    /// deeply as brackets do, so it has a limit too.
    static let maxChain = 10_000

    func checkChain(_ count: Int) throws(NapkinError) {
        if count > Parser.maxChain {
            throw error("expression too long: more than \(Parser.maxChain) operators in a row")
        }
    }

    mutating func enter() throws(NapkinError) {
        depth += 1
        if depth > Parser.maxDepth {
            throw error("expression nested too deeply (more than \(Parser.maxDepth) levels)")
        }
    }

    // MARK: - Statements

    mutating func program() throws(NapkinError) -> [Stmt] {
        var stmts: [Stmt] = []
        while true {
            while case .newline = tokens[pos].kind { pos += 1 }
            while isOp(";") { _ = advance(); skipNewlines() }
            if case .eof = current.kind { break }
            stmts.append(try statement())
            // A huge program must not take the last of the address space under `ulimit -v`.
            if stmts.count & 0x3FF == 0 {
                try MemoryBudget.checkAddressSpace(at: stmts[stmts.count - 1].span, growing: 2 * stmts.count * MemoryLayout<Stmt>.stride)
            }
            if case .eof = current.kind { break }
            guard atStatementEnd, !isOp("}") else {
                let hint = unitAfterExpressionHint()
                throw error("expected end of statement, found \(Parser.describe(current))",
                            notes: hint.isEmpty ? ["put one statement per line, or separate them with ';'"] : hint)
            }
            _ = advance()
        }
        return stmts
    }

    public mutating func statement() throws(NapkinError) -> Stmt {
        let start = current.span
        func finish(_ kind: StmtKind, _ p: Parser) -> Stmt {
            Stmt(kind, start.to(p.tokens[max(0, p.pos - 1)].span))
        }
        switch current.kind {
        case .keyword(.let):
            _ = advance()
            let (name, nameSpan) = try expectIdentifier("after 'let'")
            _ = try expectOp("=", "after 'let \(name)'")
            skipNewlines()
            let value = try expression()
            // Bound from here on (its own value does not see it: `let s = 1e-9 s` means the unit).
            if blockDepth == 0 { bound.insert(name) }
            return finish(.let(name: name, nameSpan: nameSpan, value: value, doc: try trailingDoc()), self)
        case .keyword(.fn):
            _ = advance()
            let (name, nameSpan) = try expectIdentifier("after 'fn'")
            let open = try expectOp("(", "after 'fn \(name)'")
            if blockDepth == 0 { bound.insert(name) } else { locals.append(name) }
            let outer = locals.count
            let params = try parameters(open: open)
            let result = try declaredResult()
            _ = try expectOp("=", "before the body of 'fn \(name)'")
            skipNewlines()
            let body = try expression()
            locals.removeLast(locals.count - outer)
            return finish(.function(name: name, nameSpan: nameSpan, params: params, result: result, body: body, doc: try trailingDoc()), self)
        case .keyword(.knob):
            _ = advance()
            let (name, nameSpan) = try expectIdentifier("after 'knob'")
            _ = try expectOp("=", "after 'knob \(name)'")
            let value = try expression()
            // Bound from here on, like a let (its value and range do not see it).
            defer { bound.insert(name) }
            guard isKeyword(.in) else {
                throw error("expected 'in LOW...HIGH' after the knob's value", notes: ["knob \(name) = 1 in 1...10 \"what it means\""])
            }
            _ = advance()
            if isOp("[") {
                let options = try knobOptions(name)
                var doc: String?
                if case .string(let d) = current.kind { _ = advance(); doc = d }
                return finish(.knob(name: name, nameSpan: nameSpan, value: value, range: options, doc: doc), self)
            }
            // LOW...HIGH, or LOW...HIGH step S for a knob that stops only on its settings.
            let range = try rangeExpression()
            // Anything else than LOW...HIGH names a record of options (a choice knob whose options
            // differ per track): checked when the knob is made.
            var doc: String?
            if case .string(let d) = current.kind { _ = advance(); doc = d }
            return finish(.knob(name: name, nameSpan: nameSpan, value: value, range: range, doc: doc), self)
        case .keyword(.assert):
            _ = advance()
            return finish(.assert(try expression()), self)
        case .keyword(.digits):
            _ = advance()
            if isOp("=") { _ = advance() }
            return finish(.digits(try expression()), self)
        case .keyword(.dimension):
            _ = advance()
            let (name, _) = try expectIdentifier("after 'dimension'")
            var def: DimExpr?
            if isOp("=") {
                _ = advance()
                def = try dimensionExpression()
            }
            return finish(.dimension(name: name, definition: def), self)
        case .keyword(.unit):
            return try unitDeclaration(start)
        case .keyword(.prefix):
            _ = advance()
            let (name, _) = try expectIdentifier("after 'prefix'")
            _ = try expectOp("=", "after 'prefix \(name)'")
            let open = try expectOp("{", "to start the prefix table")
            let entries = try recordEntries(open: open)
            var pairs: [(String, Expr)] = []
            for e in entries {
                guard case .field(let n, let v, _) = e else { throw error("a prefix table holds 'symbol: factor' entries only", at: open) }
                pairs.append((n, v))
            }
            units.declareFamily(name, symbols: pairs.map(\.0))
            return finish(.prefix(name: name, entries: pairs), self)
        case .keyword(.display):
            _ = advance()
            let (dim, _) = try expectIdentifier("after 'display'")
            _ = try expectOp(":", "after 'display \(dim)'")
            var list = [try unitExpression(strict: false)]
            while isOp(",") {
                _ = advance()
                list.append(try unitExpression(strict: false))
            }
            return finish(.display(dimension: dim, units: list), self)
        case .identifier(let name):
            if case .op("=") = peekToken(1).kind {
                let nameSpan = advance().span
                _ = advance()
                skipNewlines()
                let value = try expression()
                return finish(.assign(name: name, nameSpan: nameSpan, value: value), self)
            }
        default:
            break
        }
        let e = try expression()
        return Stmt(.expr(e), e.span)
    }

    /// `let x = 3 W "where the figure comes from"`: a string right after a definition documents it.
    mutating func trailingDoc() throws(NapkinError) -> String? {
        guard case .string(let body) = tokens[pos].kind else { return nil }
        let t = advance()
        return try literalText(body, t, "a doc string")
    }

    /// A string's text with its escapes read (`"a\"b"` is three characters), for a string that
    /// cannot interpolate (`what`: which, for the error).
    mutating func literalText(_ body: String, _ t: Token, _ what: String) throws(NapkinError) -> String {
        var text = ""
        for part in try stringParts(body, token: t) {
            guard case .text(let s) = part else { throw error("\(what) cannot interpolate", at: t) }
            text += s
        }
        return text
    }

    mutating func unitDeclaration(_ start: Span) throws(NapkinError) -> Stmt {
        _ = advance()
        var names: [String] = []
        repeat {
            if !names.isEmpty { _ = advance() }
            if isOp("%") { _ = advance(); names.append("%"); continue }
            let (n, _) = try expectIdentifier("in a unit declaration")
            names.append(n)
        } while isOp(",")
        var dim: String?
        var value: Expr?
        var prefixes: [String] = []
        var doc: String?
        if isOp(":") {
            _ = advance()
            dim = try expectIdentifier("naming the unit's dimension").0
        }
        if isOp("=") {
            _ = advance()
            value = try expression()
        }
        if isKeyword(.prefixes) {
            _ = advance()
            repeat {
                if !prefixes.isEmpty { _ = advance() }
                let tok = current
                let (f, _) = try expectIdentifier("after 'prefixes'")
                guard units.families[f] != nil else {
                    throw error("unknown prefix family '\(f)'", at: tok,
                                notes: ["declare it first: prefix \(f) = { k: 1e3, … }"])
                }
                prefixes.append(f)
            } while isOp(",")
        }
        if case .string(let d) = current.kind { _ = advance(); doc = d }
        if dim == nil && value == nil {
            throw error("a unit needs a dimension (unit s: Time) or a value (unit min = 60 s)")
        }
        units.declareUnit(names, prefixes: prefixes)
        return Stmt(.unit(names: names, dimension: dim, value: value, prefixes: prefixes, doc: doc),
                    start.to(tokens[max(0, pos - 1)].span))
    }

    mutating func dimensionExpression() throws(NapkinError) -> DimExpr {
        var factors: [(String, Int, Span)] = []
        var sign = 1
        // A lone `1` is the dimensionless (a plain number).
        if case .number(1) = current.kind, !(peekToken(1).kind == .op("/")) {
            _ = advance()
            return DimExpr(factors: [])
        }
        // `1 / Time`: a leading 1 stands for the dimensionless.
        if case .number(1) = current.kind, case .op("/") = peekToken(1).kind {
            _ = advance()
            _ = advance()
            sign = -1
        }
        while true {
            let (n, span) = try expectIdentifier("in a dimension expression")
            var power = 1
            if isOp("^") {
                _ = advance()
                power = try integerExponent()
            } else if case .superscript(let k) = current.kind {
                _ = advance()
                power = k
            }
            factors.append((n, sign * power, span))
            if isOp("*") { _ = advance(); sign = 1 } else if isOp("/") { _ = advance(); sign = -1 } else { break }
        }
        return DimExpr(factors: factors)
    }

    mutating func integerExponent() throws(NapkinError) -> Int {
        var negative = false
        if isOp("-") { _ = advance(); negative = true }
        guard case .number(let v) = current.kind, v == v.rounded(), abs(v) <= 64 else {
            throw error("expected a whole-number exponent, found \(Parser.describe(current))")
        }
        _ = advance()
        return negative ? -Int(v) : Int(v)
    }

    mutating func parameters(open: Token) throws(NapkinError) -> [Parameter] {
        newlineInsensitive += 1
        defer { newlineInsensitive -= 1 }
        var params: [Parameter] = []
        var seen = Set<String>()
        while !isOp(")") {
            let tok = current
            let (name, span) = try expectIdentifier("for a parameter")
            guard seen.insert(name).inserted else { throw error("parameter '\(name)' appears twice", at: tok) }
            var declared: DeclaredType?
            if isOp(":") {
                _ = advance()
                declared = try declaredType("for parameter '\(name)'")
            }
            var def: Expr?
            if isOp("=") {
                _ = advance()
                def = try expression()
            }
            // A default sees the parameters before it; the body sees them all.
            locals.append(name)
            params.append(Parameter(name: name, defaultValue: def, span: span, declared: declared))
            if isOp(",") { _ = advance() } else { break }
        }
        guard isOp(")") else {
            throw error("expected ')' to close the parameter list opened at \(loc(open)), found \(Parser.describe(current))")
        }
        _ = advance()
        return params
    }

    /// `-> Time` after a function's parameters: the dimension its result must have.
    mutating func declaredResult() throws(NapkinError) -> DeclaredType? {
        guard isOp("->") else { return nil }
        _ = advance()
        return try declaredType("for the result")
    }

    /// A declared dimension: a dimension expression (`DataRate`, `Energy / Time`), `Number`
    /// for a plain number, or a kind of value (`Record`, `List`, `Function`, `String`, `Bool`);
    /// alternatives are joined with `or` (`DataRate or Record`).
    mutating func declaredType(_ context: String) throws(NapkinError) -> DeclaredType {
        let start = current.span
        var alternatives: [DimExpr] = []
        repeat {
            if !alternatives.isEmpty { _ = advance() }
            switch current.kind {
            case .identifier, .number(1): alternatives.append(try dimensionExpression())
            default:
                throw error("expected a dimension \(context), found \(Parser.describe(current))",
                            notes: ["fn transfer_time(size: Information, rate: DataRate) -> Time = size / rate"])
            }
        } while isKeyword(.or)
        return finishDeclared(start, alternatives)
    }

    func finishDeclared(_ start: Span, _ alternatives: [DimExpr]) -> DeclaredType {
        let span = start.to(tokens[max(0, pos - 1)].span)
        return DeclaredType(alternatives: alternatives, span: span, text: span.text)
    }

    func loc(_ t: Token) -> String {
        let (l, c) = file.location(of: t.span.start)
        return "\(l):\(c)"
    }

    // MARK: - Expressions

    public mutating func expression() throws(NapkinError) -> Expr {
        try enter()
        defer { depth -= 1 }
        var e = try lambdaOrConditional()
        var chain = 0
        while isOp("->") || isKeyword(.to) {
            chain += 1
            try checkChain(chain)
            let opTok = advance()
            let target = try unitExpression(strict: false)
            e = Expr(.convert(e, target, opSpan: opTok.span), e.span.to(target.span))
        }
        return e
    }

    mutating func lambdaOrConditional() throws(NapkinError) -> Expr {
        // x => body
        if case .identifier(let n) = current.kind, case .op("=>") = peekToken(1).kind {
            let t = advance()
            _ = advance()
            skipNewlines()
            locals.append(n)
            let body = try expression()
            locals.removeLast()
            return Expr(.lambda([Parameter(name: n, defaultValue: nil, span: t.span)], body), t.span.to(body.span))
        }
        // (a, b) => body
        if isOp("("), lambdaAhead() {
            let open = advance()
            let outer = locals.count
            let params = try parameters(open: open)
            _ = try expectOp("=>", "after a lambda's parameters")
            skipNewlines()
            let body = try expression()
            locals.removeLast(locals.count - outer)
            return Expr(.lambda(params, body), open.span.to(body.span))
        }
        return try orExpression()
    }

    /// True when the '(' at the cursor closes with ')' followed by '=>'.
    func lambdaAhead() -> Bool {
        var i = pos, level = 0
        while i < tokens.count {
            if case .op(let o) = tokens[i].kind {
                if o == "(" || o == "[" || o == "{" { level += 1 }
                if o == ")" || o == "]" || o == "}" {
                    level -= 1
                    if level == 0 {
                        var j = i + 1
                        while case .newline = tokens[j].kind { j += 1 }
                        if case .op("=>") = tokens[j].kind { return true }
                        return false
                    }
                }
            }
            if case .eof = tokens[i].kind { return false }
            i += 1
        }
        return false
    }

    mutating func orExpression() throws(NapkinError) -> Expr {
        var e = try andExpression()
        var chain = 0
        while isKeyword(.or) {
            chain += 1
            try checkChain(chain)
            let t = advance()
            skipNewlines()
            let r = try andExpression()
            e = Expr(.binary(.or, e, r, opSpan: t.span), e.span.to(r.span))
        }
        return e
    }

    mutating func andExpression() throws(NapkinError) -> Expr {
        var e = try notExpression()
        var chain = 0
        while isKeyword(.and) {
            chain += 1
            try checkChain(chain)
            let t = advance()
            skipNewlines()
            let r = try notExpression()
            e = Expr(.binary(.and, e, r, opSpan: t.span), e.span.to(r.span))
        }
        return e
    }

    mutating func notExpression() throws(NapkinError) -> Expr {
        if isKeyword(.not) {
            let t = advance()
            try enter()
            defer { depth -= 1 }
            let e = try notExpression()
            return Expr(.unary(op: "not", e), t.span.to(e.span))
        }
        return try comparison()
    }

    static let comparisonOps: [String: BinaryOp] = ["==": .eq, "!=": .ne, "<": .lt, "<=": .le, ">": .gt, ">=": .ge]

    mutating func comparison() throws(NapkinError) -> Expr {
        let e = try rangeExpression()
        if case .op(let o) = current.kind, let op = Parser.comparisonOps[o] {
            if op == .gt && sweepBodyDepth > 0 { return e }
            let t = advance()
            skipNewlines()
            let r = try rangeExpression()
            if case .op(let o2) = current.kind, Parser.comparisonOps[o2] != nil, !(o2 == ">" && sweepBodyDepth > 0) {
                throw error("comparisons do not chain; write 'a < b and b < c'")
            }
            return Expr(.binary(op, e, r, opSpan: t.span), e.span.to(r.span))
        }
        return e
    }

    /// A choice knob's options, `[csv, json, parquet]` or `[baseline: h100, green: tpu_v5e]`: a
    /// bare name stands for the value bound to that name. Kept as a record expression (option →
    /// value) so the rest of the pipeline sees ordinary napkin.
    mutating func knobOptions(_ knob: String) throws(NapkinError) -> Expr {
        let open = advance()
        var entries: [RecordEntry] = []
        var names: Set<String> = []
        skipNewlines()
        while !isOp("]") {
            let (opt, span) = try expectIdentifier("as an option of knob '\(knob)'")
            guard names.insert(opt).inserted else { throw NapkinError(.parse, "option '\(opt)' appears twice", at: span) }
            if isOp(":") {
                _ = advance()
                skipNewlines()
                entries.append(.field(name: opt, value: try expression(), span: span))
            } else {
                entries.append(.field(name: opt, value: Expr(.name(opt), span), span: span))
            }
            skipNewlines()
            if isOp(",") { _ = advance(); skipNewlines(); continue }
            guard isOp("]") else {
                throw error("expected ',' or ']' in the options of knob '\(knob)', found \(Parser.describe(current))",
                            notes: ["knob fmt = json in [csv, json, parquet]   or   knob hw = baseline in [baseline: h100, green: tpu]"])
            }
        }
        let close = advance()
        guard entries.count >= 2 else {
            throw NapkinError(.parse, "a choice knob needs at least two options", at: open.span.to(close.span))
        }
        return Expr(.record(entries), open.span.to(close.span))
    }

    mutating func rangeExpression() throws(NapkinError) -> Expr {
        let lo = try additive()
        guard isOp("...") else { return lo }
        _ = advance()
        let hi = try additive()
        var step: Expr?
        if isKeyword(.step) {
            _ = advance()
            step = try additive()
        }
        return Expr(.range(lo, hi, step: step), lo.span.to((step ?? hi).span))
    }

    mutating func additive() throws(NapkinError) -> Expr {
        var e = try multiplicative()
        var chain = 0
        while true {
            guard case .op(let o) = current.kind, o == "+" || o == "-" else { break }
            chain += 1
            try checkChain(chain)
            let t = advance()
            skipNewlines()
            let r = try multiplicative()
            e = Expr(.binary(o == "+" ? .add : .sub, e, r, opSpan: t.span), e.span.to(r.span))
        }
        return e
    }

    mutating func multiplicative() throws(NapkinError) -> Expr {
        var e = try unary()
        var chain = 0
        while true {
            let op: BinaryOp
            if isOp("*") { op = .mul } else if isOp("/") || isKeyword(.per) { op = .div } else { break }
            chain += 1
            try checkChain(chain)
            let t = advance()
            skipNewlines()
            let r = try unary()
            e = Expr(.binary(op, e, r, opSpan: t.span), e.span.to(r.span))
        }
        return e
    }

    mutating func unary() throws(NapkinError) -> Expr {
        if isOp("-") || isOp("+") {
            let t = advance()
            try enter()
            defer { depth -= 1 }
            let e = try unary()
            if t.text == "+" { return e }
            return Expr(.unary(op: "-", e), t.span.to(e.span))
        }
        return try power()
    }

    mutating func power() throws(NapkinError) -> Expr {
        let base = try postfix()
        if isOp("^") {
            let t = advance()
            try enter()
            defer { depth -= 1 }
            let exp = try unary()  // right-associative; allows 2^-1
            // `(2^30)^2 B`: the unit was read into the exponent; say where it belongs.
            if case .quantity(let n, let u) = exp.kind, !exp.span.text.hasPrefix("(") {
                throw NapkinError(.parse, "an exponent must be a plain number: the unit \(u.text) was read into the exponent", at: exp.span,
                                  notes: ["a unit belongs to the whole power: write (…)^\(formatNumber(n, digits: 17)) * 1 \(u.text)"])
            }
            return Expr(.binary(.pow, base, exp, opSpan: t.span), base.span.to(exp.span))
        }
        return base
    }

    mutating func postfix() throws(NapkinError) -> Expr {
        var e = try primary()
        var chain = 0
        while true {
            chain += 1
            try checkChain(chain)
            if isOp("(") && !tokenBeforeIsNewline() {
                let open = advance()
                let args = try arguments(open: open)
                e = Expr(.call(e, args), e.span.to(tokens[pos - 1].span))
            } else if isOp(".") {
                _ = advance()
                let (name, span) = try expectIdentifier("after '.'")
                e = Expr(.field(e, name, nameSpan: span), e.span.to(span))
            } else if isOp("[") && !tokenBeforeIsNewline() {
                let open = advance()
                newlineInsensitive += 1
                let saved = sweepBodyDepth
                sweepBodyDepth = 0
                let index = try expression()
                sweepBodyDepth = saved
                newlineInsensitive -= 1
                guard isOp("]") else { throw error("expected ']' to close '[' at \(loc(open)), found \(Parser.describe(current))") }
                let close = advance()
                e = Expr(.index(e, index), e.span.to(close.span))
            } else if case .superscript(let k) = current.kind {
                let t = advance()
                e = Expr(.binary(.pow, e, Expr(.number(Double(k)), t.span), opSpan: t.span), e.span.to(t.span))
            } else {
                break
            }
        }
        return e
    }

    func tokenBeforeIsNewline() -> Bool {
        // `f\n(x)` in a newline-sensitive context is two statements, not a call.
        if newlineInsensitive > 0 { return false }
        if case .newline = tokens[pos].kind { return true }
        return false
    }

    mutating func arguments(open: Token) throws(NapkinError) -> [CallArgument] {
        newlineInsensitive += 1
        let saved = sweepBodyDepth
        sweepBodyDepth = 0
        defer { newlineInsensitive -= 1; sweepBodyDepth = saved }
        var args: [CallArgument] = []
        var sawNamed = false
        while !isOp(")") {
            if case .identifier(let n) = current.kind, case .op(":") = peekToken(1).kind {
                let t = advance()
                _ = advance()
                args.append(CallArgument(label: n, value: try expression(), labelSpan: t.span))
                sawNamed = true
            } else {
                if sawNamed { throw error("a positional argument cannot follow a named one") }
                args.append(CallArgument(label: nil, value: try expression(), labelSpan: nil))
            }
            if isOp(",") { _ = advance() } else { break }
        }
        guard isOp(")") else { throw error("expected ')' to close the call opened at \(loc(open)), found \(Parser.describe(current))") }
        _ = advance()
        return args
    }

    mutating func primary() throws(NapkinError) -> Expr {
        let t = current
        switch t.kind {
        case .number(let v):
            _ = advance()
            if let literal = try poweredLiteral(v, t) { return literal }
            if startsUnit() {
                let u = try unitExpression(strict: true)
                return Expr(.quantity(v, u), t.span.to(u.span))
            }
            // `1 kwh`: a name right after a number can only be meant as a unit; the checker
            // reports it as unknown with a did-you-mean.
            if case .identifier(let n) = tokens[pos].kind {
                if case .op("(") = peekToken(1).kind {
                    throw error("a number cannot be followed by a call", at: tokens[pos],
                                notes: ["'\(n)(…)' is a call (a name followed by '(' always is); to multiply, write \(t.text) * \(n)(…)"])
                }
                let u = try unitExpression(strict: false, single: true)
                return Expr(.quantity(v, u), t.span.to(u.span))
            }
            return Expr(.number(v), t.span)
        case .string(let body):
            _ = advance()
            return Expr(.string(try stringParts(body, token: t)), t.span)
        case .keyword(.true): _ = advance(); return Expr(.bool(true), t.span)
        case .keyword(.false): _ = advance(); return Expr(.bool(false), t.span)
        case .identifier(let n):
            _ = advance()
            // Instrument words take one argument without parentheses: `plot s`, `bars { a: 1 W }`.
            if Parser.commandWords.contains(n), startsCommandArgument() {
                let arg = try expression()
                return Expr(.call(Expr(.name(n), t.span), [CallArgument(label: nil, value: arg, labelSpan: nil)]), t.span.to(arg.span))
            }
            return Expr(.name(n), t.span)
        case .keyword(.if):
            return try conditional()
        case .keyword(.sweep):
            return try sweep()
        case .op("("):
            _ = advance()
            newlineInsensitive += 1
            let saved = sweepBodyDepth
            sweepBodyDepth = 0
            let e = try expression()
            sweepBodyDepth = saved
            newlineInsensitive -= 1
            guard isOp(")") else { throw error("expected ')' to close '(' at \(loc(t)), found \(Parser.describe(current))") }
            let close = advance()
            return Expr(e.kind, t.span.to(close.span))
        case .op("["):
            _ = advance()
            newlineInsensitive += 1
            let saved = sweepBodyDepth
            sweepBodyDepth = 0
            defer { newlineInsensitive -= 1; sweepBodyDepth = saved }
            var items: [Expr] = []
            while !isOp("]") {
                items.append(try expression())
                if isOp(",") { _ = advance() } else { break }
            }
            guard isOp("]") else { throw error("expected ']' to close the list opened at \(loc(t)), found \(Parser.describe(current))") }
            let close = advance()
            return Expr(.list(items), t.span.to(close.span))
        case .op("{"):
            return try braces()
        case .op("%"):
            throw error("'%' belongs right after a number, as in 30%")
        case .eof:
            throw error("expected an expression, found end of input")
        case .newline:
            throw error("expected an expression, found end of line", notes: ["a line that ends with an operator continues on the next line"])
        default:
            throw error("expected an expression, found \(Parser.describe(t))")
        }
    }

    static let commandWords: Set<String> = ["plot", "bars", "waterfall", "radar"]

    /// After a command word, on the same line: a name, a record or list, or a sweep.
    func startsCommandArgument() -> Bool {
        if case .newline = tokens[pos].kind { return false }
        switch current.kind {
        case .identifier, .keyword(.sweep), .op("{"), .op("["): return true
        default: return false
        }
    }

    /// `2^30 B`, `10^9 B`, `10¹² FLOP`: a number raised to a number, right before a unit, is
    /// the literal's number (the unit applies to the power, not to the exponent).
    /// Exponents chain to the right as everywhere (`2^30^2 B` is 2^900 bytes).
    mutating func poweredLiteral(_ v: Double, _ t: Token) throws(NapkinError) -> Expr? {
        var k = 0
        var exponents: [Double] = []
        // A handful of exponents at most (a longer chain is no literal): the look-ahead stays
        // short, so a chain of 10,000 powers parses in linear time.
        while exponents.count < 8 {
            if case .op("^") = peekToken(k).kind {
                var j = k + 1, sign = 1.0
                if case .op("-") = peekToken(j).kind { sign = -1; j += 1 }
                guard case .number(let e) = peekToken(j).kind else { break }
                exponents.append(sign * e)
                k = j + 1
            } else if case .superscript(let e) = peekToken(k).kind {
                exponents.append(Double(e))
                k += 1
            } else {
                break
            }
        }
        guard let last = exponents.last, case .identifier(let n) = peekToken(k).kind, isUnit(n, at: k) else { return nil }
        let exponent = exponents.dropLast().reversed().reduce(last) { e, base in napkin_pow(base, e) }
        let value = napkin_pow(v, exponent)
        guard exponent.isFinite, value.isFinite else {
            throw error("\(t.text)^\(exponents.map { formatNumber($0, digits: 17) }.joined(separator: "^")) is not a finite number", at: t)
        }
        for _ in 0..<k { _ = advance() }
        let u = try unitExpression(strict: true)
        return Expr(.quantity(value, u), t.span.to(u.span))
    }

    /// The note for `(1+2) J` or `a GB`: a unit name after something that is not a number.
    func unitAfterExpressionHint() -> [String] {
        guard case .identifier(let n) = current.kind, units.contains(n), pos > 0 else { return [] }
        switch tokens[pos - 1].kind {
        case .op(")"), .op("]"), .identifier:
            return ["a unit goes right after a number (3 \(n)); to give an expression a unit, multiply by it: (…) * 1 \(n)"]
        default:
            return []
        }
    }

    /// A quantity literal continues with a unit name (or %) right after the number.
    func startsUnit() -> Bool {
        if tokens[pos].kind == .newline { return false }
        switch current.kind {
        case .identifier(let n): return isUnit(n, at: 0)
        case .op("%"): return true
        default: return false
        }
    }

    /// `strict`: in a literal only known unit names continue the unit; after `->` any name is
    /// taken, so a misspelt unit gets a did-you-mean instead of a parse error.
    mutating func unitExpression(strict: Bool, single: Bool = false) throws(NapkinError) -> UnitExpr {
        var factors: [(String, Int, Span)] = []
        let startSpan = current.span
        var sign = 1
        var lastSpan = startSpan
        while true {
            let t = current
            var name: String
            if isOp("%") { name = "%"; _ = advance() }
            else if case .identifier(let n) = t.kind { name = n; _ = advance() }
            else if case .number(let v) = t.kind, v == 1, !strict, sign == 1 { name = "1"; _ = advance() }  // `-> 1/s`
            else { throw error("expected a unit, found \(Parser.describe(t))") }
            var power = 1
            lastSpan = t.span
            if isOp("^") {
                _ = advance()
                power = try integerExponent()
                lastSpan = tokens[pos - 1].span
            } else if case .superscript(let k) = current.kind {
                lastSpan = advance().span
                power = k
            }
            if name != "1" { factors.append((name, sign * power, t.span)) }
            if single { break }
            // Continue only with '*', '/', 'per' followed by a unit name.
            let next = peekToken(1)
            let nextIsUnit: Bool
            switch next.kind {
            case .identifier(let n):
                nextIsUnit = !strict || isUnit(n, at: 1)
                if strict, !nextIsUnit, units.contains(n), isBound(n), tokens[pos].kind != .newline,
                   isOp("*") || isOp("/") || isKeyword(.per), peekToken(2).kind != .op("(") {
                    boundOverUnit.append((n, next.span))
                }
            case .op("%"): nextIsUnit = true
            default: nextIsUnit = false
            }
            if tokens[pos].kind == .newline { break }
            if (isOp("*") || isOp("/") || isKeyword(.per)) && nextIsUnit {
                sign = isOp("*") ? 1 : -1
                _ = advance()
                continue
            }
            break
        }
        let span = startSpan.to(lastSpan)
        return UnitExpr(factors: factors, span: span, text: Parser.canonicalUnitText(factors))
    }

    /// One spelling per unit expression, so `kg*m^2`, `kg·m²` and `kg m^2` display alike: `kg·m²`.
    static func canonicalUnitText(_ factors: [(String, Int, Span)]) -> String {
        // Superscripts throughout, as the formatter prints them: m⁴ reads back as m⁴.
        let sup: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        func power(_ name: String, _ p: Int) -> String {
            p == 1 ? name : name + String(String(p).map { sup[Int(String($0))!] })
        }
        let num = factors.filter { $0.1 > 0 }.map { power($0.0, $0.1) }
        let den = factors.filter { $0.1 < 0 }.map { power($0.0, -$0.1) }
        if num.isEmpty {
            // `1/s` reads as s⁻¹; a bare `1` is no unit at all.
            return factors.filter { $0.1 < 0 }.map { f in f.0 + "⁻" + String(String(-f.1).map { sup[Int(String($0))!] }) }.joined(separator: "·")
        }
        let top = num.joined(separator: "·")
        return den.isEmpty ? top : top + "/" + den.joined(separator: "/")
    }

    mutating func conditional() throws(NapkinError) -> Expr {
        let t = advance()
        try enter()
        defer { depth -= 1 }
        let cond = try expression()
        skipNewlines()
        guard isKeyword(.then) else { throw error("expected 'then' after the condition of 'if'") }
        _ = advance()
        skipNewlines()
        let a = try expression()
        let save = pos
        skipNewlines()
        guard isKeyword(.else) else {
            pos = save
            throw error("expected 'else': an 'if' is an expression and needs both branches", at: current)
        }
        _ = advance()
        skipNewlines()
        let b = try expression()
        return Expr(.conditional(cond, a, b), t.span.to(b.span))
    }

    mutating func sweep() throws(NapkinError) -> Expr {
        let t = advance()
        let (knob, knobSpan) = try expectIdentifier("after 'sweep' (the knob to vary)")
        if isKeyword(.in) { _ = advance() }
        let range = try rangeExpression()
        guard isOp("<") else {
            throw error("expected '<' to open the sweep's body, found \(Parser.describe(current))",
                        notes: ["sweep \(knob) 1...10 < expression, another >"])
        }
        let open = advance()
        newlineInsensitive += 1
        sweepBodyDepth += 1
        locals.append(knob)
        defer { locals.removeLast() }
        var columns: [SweepColumn] = []
        while !isOp(">") {
            var name: String?
            if case .identifier(let n) = current.kind, case .op(":") = peekToken(1).kind {
                _ = advance(); _ = advance()
                name = n
            }
            let e = try expression()
            columns.append(SweepColumn(name: name ?? e.span.text, expr: e))
            if isOp(",") { _ = advance() } else { break }
        }
        sweepBodyDepth -= 1
        guard isOp(">") else {
            newlineInsensitive -= 1
            throw error("expected '>' to close the sweep body opened at \(loc(open)), found \(Parser.describe(current))")
        }
        newlineInsensitive -= 1
        let close = advance()
        guard !columns.isEmpty else { throw error("a sweep needs at least one expression between < and >", at: close) }
        return Expr(.sweep(knob: knob, knobSpan: knobSpan, range: range, columns: columns), t.span.to(close.span))
    }

    /// `{` starts a record (`{ a: 1 }`, `{}`, `{ ...base, b: 2 }`) or a block (`{ let x = 1; x + 1 }`).
    mutating func braces() throws(NapkinError) -> Expr {
        let open = advance()
        let save = pos
        skipNewlines()
        var isRecord = isOp("}") || isOp("...")
        if case .identifier = current.kind, case .op(":") = peekToken(1).kind { isRecord = true }
        if case .string = current.kind, case .op(":") = peekToken(1).kind { isRecord = true }
        pos = save
        if isRecord {
            let entries = try recordEntries(open: open)
            return Expr(.record(entries), open.span.to(tokens[pos - 1].span))
        }
        // A block: statements, the last one an expression that is the block's value.
        let savedInsensitive = newlineInsensitive, savedSweep = sweepBodyDepth, outer = locals.count
        newlineInsensitive = 0
        sweepBodyDepth = 0
        blockDepth += 1
        defer {
            newlineInsensitive = savedInsensitive; sweepBodyDepth = savedSweep
            blockDepth -= 1
            locals.removeLast(locals.count - outer)
        }
        var stmts: [Stmt] = []
        while true {
            skipNewlines()
            while isOp(";") { _ = advance(); skipNewlines() }
            if isOp("}") { break }
            if case .eof = current.kind { throw error("expected '}' to close the block opened at \(loc(open))") }
            let s = try statement()
            switch s.kind {
            case .expr, .let, .function, .assert: break
            default: throw NapkinError(.parse, "only let, fn, assert and expressions may appear inside a block", at: s.span)
            }
            // A block's let is bound from the next statement on (its own value cannot see it).
            if case .let(let n, _, _, _) = s.kind { locals.append(n) }
            stmts.append(s)
            guard atStatementEnd else { throw error("expected end of statement, found \(Parser.describe(current))", notes: unitAfterExpressionHint()) }
            if isOp("}") { break }
        }
        let close = advance()
        guard let last = stmts.last, case .expr(let value) = last.kind else {
            throw NapkinError(.parse, "a block must end with an expression, its value", at: close.span)
        }
        return Expr(.block(Array(stmts.dropLast()), value), open.span.to(close.span))
    }

    var isStringToken: Bool { if case .string = current.kind { return true } else { return false } }
    var isIdentifierToken: Bool { if case .identifier = current.kind { return true } else { return false } }

    mutating func recordEntries(open: Token) throws(NapkinError) -> [RecordEntry] {
        var entries: [RecordEntry] = []
        var seen = Set<String>()
        let savedSweep = sweepBodyDepth
        sweepBodyDepth = 0
        defer { sweepBodyDepth = savedSweep }
        while true {
            skipNewlines()
            if isOp("}") { break }
            if isOp("...") {
                _ = advance()
                entries.append(.spread(try expression()))
            } else if !entries.isEmpty, !isStringToken, !isIdentifierToken {
                // A new line that does not start a field: the record was never closed.
                throw error("expected ',' or '}' in the record opened at \(loc(open)), found \(Parser.describe(current))")
            } else {
                let t = current
                var name: String
                if case .string(let s) = t.kind { _ = advance(); name = try literalText(s, t, "a record field's name") } else { name = try expectIdentifier("for a record field").0 }
                guard seen.insert(name).inserted else { throw error("field '\(name)' appears twice in this record", at: t) }
                _ = try expectOp(":", "after the field name '\(name)'")
                skipNewlines()
                entries.append(.field(name: name, value: try expression(), span: t.span))
            }
            skipNewlines()
            if isOp(",") { _ = advance(); continue }
            if isOp("}") { break }
            if case .newline = tokens[max(0, pos - 1)].kind { continue }
            throw error("expected ',' or '}' in the record opened at \(loc(open)), found \(Parser.describe(current))")
        }
        _ = advance()
        return entries
    }

    /// Splits a string body into text and `{expr}` parts; `\{` is a literal brace.
    mutating func stringParts(_ body: String, token: Token) throws(NapkinError) -> [StringPart] {
        var parts: [StringPart] = []
        var bytes: [UInt8] = []
        var text: String {
            get { String(decoding: bytes, as: UTF8.self) }
            set { bytes = Array(newValue.utf8) }
        }
        let chars = Array(body.unicodeScalars)
        var i = 0
        // The body starts one scalar after the opening quote.
        let base = token.span.start + 1
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                switch chars[i + 1] {
                case "n": bytes.append(UInt8(ascii: "\n"))
                case "t": bytes.append(UInt8(ascii: "\t"))
                case "r": bytes.append(UInt8(ascii: "\r"))
                case "u":
                    // `\u{1B}`: a character by its code point, 1 to 6 hex digits (how napkin
                    // writes a control character, so that every string it prints reads back).
                    var j = i + 2, hex = ""
                    if j < chars.count, chars[j] == "{" {
                        j += 1
                        while j < chars.count, chars[j] != "}", hex.unicodeScalars.count <= 6 { hex.unicodeScalars.append(chars[j]); j += 1 }
                    }
                    guard j < chars.count, chars[j] == "}", (1...6).contains(hex.count), let v = UInt32(hex, radix: 16),
                          let u = Unicode.Scalar(v) else {
                        throw NapkinError(.parse, "'\\u' needs a code point in braces, e.g. \\u{1B}", at: Span(base + i, base + min(j + 1, chars.count), file: file),
                                          notes: ["1 to 6 hex digits naming a Unicode scalar (not a surrogate, at most 10FFFF)"])
                    }
                    Lexer.appendUTF8(u, to: &bytes)
                    i = j + 1
                    continue
                case "\"": bytes.append(UInt8(ascii: "\""))
                case "\\": bytes.append(UInt8(ascii: "\\"))
                case "{": bytes.append(UInt8(ascii: "{"))
                case "}": bytes.append(UInt8(ascii: "}"))
                default:
                    throw NapkinError(.parse, "unknown escape '\\\(Character(chars[i + 1]))' in string",
                                      at: Span(base + i, base + i + 2, file: file), notes: ["known escapes: \\n \\t \\r \\\" \\\\ \\{ \\} \\u{…}"])
                }
                i += 2
                continue
            }
            if c == "{" {
                var level = 1, j = i + 1
                while j < chars.count {
                    if chars[j] == "{" { level += 1 }
                    if chars[j] == "}" { level -= 1; if level == 0 { break } }
                    j += 1
                }
                guard j < chars.count else {
                    throw NapkinError(.parse, "unclosed '{' in string interpolation", at: Span(base + i, base + i + 1, file: file))
                }
                if !bytes.isEmpty { parts.append(.text(text)); bytes = [] }
                // Parse the interpolation against the original file so errors point into it.
                let inner = try Parser.parseEmbedded(file: file, range: (base + i + 1)..<(base + j), units: units, depth: depth + 1,
                                                     bound: bound.union(locals))
                parts.append(.expr(inner))
                i = j + 1
                continue
            }
            Lexer.appendUTF8(c, to: &bytes)
            i += 1
        }
        if !bytes.isEmpty || parts.isEmpty { parts.append(.text(text)) }
        return parts
    }

    /// Parses one expression from a slice of a file (string interpolations).
    static func parseEmbedded(file: SourceFile, range: Range<Int>, units: UnitNames, depth: Int, bound: Set<String>) throws(NapkinError) -> Expr {
        // Interpolations nest like brackets and share their limit.
        guard depth <= maxDepth else {
            throw NapkinError(.parse, "string interpolation nested too deeply (more than \(maxDepth) levels)",
                              at: Span(range.lowerBound - 1, range.lowerBound, file: file))
        }
        // Lex only the slice, with spans into the file.
        let toks = try Lexer.tokenize(file, range: range)
        var p = Parser(file: file, tokens: toks, units: units)
        p.bound = bound
        p.newlineInsensitive = 1
        p.depth = depth
        guard !(toks.first.map { if case .eof = $0.kind { return true } else { return false } } ?? true) else {
            throw NapkinError(.parse, "empty '{}' in string; write \\{ for a literal brace", at: Span(range.lowerBound - 1, range.upperBound + 1, file: file))
        }
        let e = try p.expression()
        guard case .eof = p.current.kind else {
            throw p.error("unexpected \(describe(p.current)) in string interpolation")
        }
        return e
    }

    /// A parser over tokens lexed elsewhere (a host language layered on napkin).
    public init(file: SourceFile, tokens: [Token], units: UnitNames, bound: Set<String> = []) {
        self.file = file
        self.tokens = tokens
        self.units = units
        self.bound = bound
    }
}
