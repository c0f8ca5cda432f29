/// A parsed program written as bytes and read back without lexing, parsing or name checking:
/// the prelude is parsed and checked once at build time (PreludeEmbedder) and every start-up
/// reads its syntax tree from the binary (parsing it was two thirds of start-up).
///
/// Every field of every node is written, so two programs with equal archives are equal trees
/// (the tests compare the embedded archive with a fresh parse of the prelude). Spans point into
/// the one file the program was parsed from; reading them back needs that file's text.
public enum SyntaxArchive {
    static let magic: [UInt8] = Array("NKSA1".utf8)

    /// The program's bytes. Fails if a span points into another file than `file`.
    public static func encode(_ program: [Stmt], file: SourceFile) throws(NapkinError) -> [UInt8] {
        var w = Writer(fileID: file.id)
        w.int(program.count)
        for s in program { w.stmt(s) }
        if let bad = w.foreignSpan {
            throw NapkinError(.parse, "cannot archive a syntax tree with a span in another file", at: bad)
        }
        var out = magic
        var head = Writer(fileID: file.id)
        head.int(w.table.count)
        for s in w.table {
            let u = Array(s.utf8)
            head.int(u.count)
            head.out += u
        }
        out += head.out
        out += w.out
        return out
    }

    /// The program read back, its spans in `file`. Unit and prefix declarations are registered in
    /// `units`, as the parser registers them, so code parsed after it reads the same literals.
    public static func decode(_ bytes: [UInt8], file: SourceFile, units: UnitNames) throws(NapkinError) -> [Stmt] {
        var r = Reader(bytes: bytes, file: file, units: units)
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { throw r.damaged() }
        r.pos = magic.count
        let n = try r.count()
        r.table.reserveCapacity(n)
        for _ in 0..<n {
            let len = try r.count()
            guard r.pos + len <= bytes.count else { throw r.damaged() }
            r.table.append(String(decoding: bytes[r.pos..<(r.pos + len)], as: UTF8.self))
            r.pos += len
        }
        let count = try r.count()
        var program: [Stmt] = []
        program.reserveCapacity(count)
        for _ in 0..<count { program.append(try r.stmt()) }
        guard r.pos == bytes.count else { throw r.damaged() }
        return program
    }
}

// MARK: - Writing

private struct Writer {
    let fileID: Int32
    var out: [UInt8] = []
    var table: [String] = []
    var index: [String: Int] = [:]
    var foreignSpan: Span?

    init(fileID: Int32) { self.fileID = fileID }

    mutating func uint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }
    /// Zigzag, so small negative numbers (powers) stay short.
    mutating func int(_ v: Int) { uint(UInt64(bitPattern: Int64((v << 1) ^ (v >> 63)))) }
    mutating func byte(_ b: UInt8) { out.append(b) }
    mutating func bool(_ b: Bool) { out.append(b ? 1 : 0) }
    mutating func double(_ d: Double) {
        var bits = d.bitPattern
        for _ in 0..<8 { out.append(UInt8(bits & 0xFF)); bits >>= 8 }
    }
    mutating func string(_ s: String) {
        if let i = index[s] { int(i); return }
        index[s] = table.count
        int(table.count)
        table.append(s)
    }
    mutating func optString(_ s: String?) {
        if let s { bool(true); string(s) } else { bool(false) }
    }
    mutating func span(_ s: Span) {
        if s.fileID != 0, s.fileID != fileID, foreignSpan == nil { foreignSpan = s }
        int(s.start * 2 + (s.fileID == 0 ? 0 : 1))
        int(s.end - s.start)
    }
    mutating func optSpan(_ s: Span?) {
        if let s { bool(true); span(s) } else { bool(false) }
    }
    mutating func factors(_ fs: [(name: String, power: Int, span: Span)]) {
        int(fs.count)
        for f in fs { string(f.name); int(f.power); span(f.span) }
    }
    mutating func unitExpr(_ u: UnitExpr) { factors(u.factors); span(u.span); string(u.text) }
    mutating func dimExpr(_ d: DimExpr) { factors(d.factors) }
    mutating func declared(_ d: DeclaredType?) {
        guard let d else { return bool(false) }
        bool(true)
        int(d.alternatives.count)
        for a in d.alternatives { dimExpr(a) }
        span(d.span)
        string(d.text)
    }
    mutating func params(_ ps: [Parameter]) {
        int(ps.count)
        for p in ps {
            string(p.name)
            optExpr(p.defaultValue)
            span(p.span)
            declared(p.declared)
        }
    }
    mutating func exprs(_ xs: [Expr]) { int(xs.count); for x in xs { expr(x) } }
    mutating func optExpr(_ x: Expr?) {
        if let x { bool(true); expr(x) } else { bool(false) }
    }

    mutating func expr(_ e: Expr) {
        switch e.kind {
        case .number(let v): byte(0); double(v)
        case .quantity(let v, let u): byte(1); double(v); unitExpr(u)
        case .string(let parts):
            byte(2); int(parts.count)
            for p in parts {
                switch p {
                case .text(let s): byte(0); string(s)
                case .expr(let x): byte(1); expr(x)
                }
            }
        case .bool(let b): byte(3); bool(b)
        case .name(let n): byte(4); string(n)
        case .unary(let op, let x): byte(5); string(op); expr(x)
        case .binary(let op, let a, let b, let opSpan): byte(6); string(op.rawValue); expr(a); expr(b); span(opSpan)
        case .convert(let x, let u, let opSpan): byte(7); expr(x); unitExpr(u); span(opSpan)
        case .call(let f, let args):
            byte(8); expr(f); int(args.count)
            for a in args { optString(a.label); expr(a.value); optSpan(a.labelSpan) }
        case .field(let x, let name, let nameSpan): byte(9); expr(x); string(name); span(nameSpan)
        case .index(let x, let i): byte(10); expr(x); expr(i)
        case .list(let xs): byte(11); exprs(xs)
        case .record(let entries):
            byte(12); int(entries.count)
            for en in entries {
                switch en {
                case .field(let name, let value, let s): byte(0); string(name); expr(value); span(s)
                case .spread(let x): byte(1); expr(x)
                }
            }
        case .range(let a, let b, let step): byte(13); expr(a); expr(b); optExpr(step)
        case .conditional(let c, let a, let b): byte(14); expr(c); expr(a); expr(b)
        case .lambda(let ps, let body): byte(15); params(ps); expr(body)
        case .block(let stmts, let x): byte(16); int(stmts.count); for s in stmts { stmt(s) }; expr(x)
        case .sweep(let knob, let knobSpan, let range, let columns):
            byte(17); string(knob); span(knobSpan); expr(range); int(columns.count)
            for c in columns { string(c.name); expr(c.expr) }
        }
        span(e.span)
    }

    mutating func stmt(_ s: Stmt) {
        switch s.kind {
        case .expr(let e): byte(0); expr(e)
        case .let(let name, let nameSpan, let value, let doc): byte(1); string(name); span(nameSpan); expr(value); optString(doc)
        case .function(let name, let nameSpan, let ps, let result, let body, let doc):
            byte(2); string(name); span(nameSpan); params(ps); declared(result); expr(body); optString(doc)
        case .knob(let name, let nameSpan, let value, let range, let doc):
            byte(3); string(name); span(nameSpan); expr(value); expr(range); optString(doc)
        case .assign(let name, let nameSpan, let value): byte(4); string(name); span(nameSpan); expr(value)
        case .assert(let e): byte(5); expr(e)
        case .dimension(let name, let def):
            byte(6); string(name)
            if let def { bool(true); dimExpr(def) } else { bool(false) }
        case .unit(let names, let dim, let value, let prefixes, let doc):
            byte(7); int(names.count); for n in names { string(n) }
            optString(dim); optExpr(value); int(prefixes.count); for p in prefixes { string(p) }; optString(doc)
        case .prefix(let name, let entries):
            byte(8); string(name); int(entries.count)
            for (sym, x) in entries { string(sym); expr(x) }
        case .display(let dim, let units): byte(9); string(dim); int(units.count); for u in units { unitExpr(u) }
        case .digits(let e): byte(10); expr(e)
        }
        span(s.span)
    }
}

// MARK: - Reading

private struct Reader {
    let bytes: [UInt8]
    let file: SourceFile
    let units: UnitNames
    var pos = 0
    var table: [String] = []

    init(bytes: [UInt8], file: SourceFile, units: UnitNames) {
        self.bytes = bytes
        self.file = file
        self.units = units
    }

    func damaged() -> NapkinError {
        NapkinError(.parse, "the archived syntax of \(file.name) is damaged (rebuild napkin)")
    }

    mutating func byte() throws(NapkinError) -> UInt8 {
        guard pos < bytes.count else { throw damaged() }
        defer { pos += 1 }
        return bytes[pos]
    }
    mutating func uint() throws(NapkinError) -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw damaged() }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    mutating func int() throws(NapkinError) -> Int {
        let u = try uint()
        return Int(Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))))
    }
    /// A count or an index: never negative, never more than the bytes left could hold.
    mutating func count() throws(NapkinError) -> Int {
        let n = try int()
        guard n >= 0, n <= bytes.count else { throw damaged() }
        return n
    }
    mutating func bool() throws(NapkinError) -> Bool { try byte() != 0 }
    mutating func double() throws(NapkinError) -> Double {
        guard pos + 8 <= bytes.count else { throw damaged() }
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(bytes[pos + k]) << (8 * UInt64(k)) }
        pos += 8
        return Double(bitPattern: bits)
    }
    mutating func string() throws(NapkinError) -> String {
        let i = try count()
        guard i < table.count else { throw damaged() }
        return table[i]
    }
    mutating func optString() throws(NapkinError) -> String? { try bool() ? try string() : nil }
    mutating func span() throws(NapkinError) -> Span {
        let a = try int(), len = try int()
        guard a >= 0, len >= 0 else { throw damaged() }
        return Span(a >> 1, (a >> 1) + len, file: a & 1 == 1 ? file : nil)
    }
    mutating func optSpan() throws(NapkinError) -> Span? { try bool() ? try span() : nil }
    mutating func factors() throws(NapkinError) -> [(name: String, power: Int, span: Span)] {
        let n = try count()
        var out: [(name: String, power: Int, span: Span)] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append((try string(), try int(), try span())) }
        return out
    }
    mutating func unitExpr() throws(NapkinError) -> UnitExpr {
        UnitExpr(factors: try factors(), span: try span(), text: try string())
    }
    mutating func declared() throws(NapkinError) -> DeclaredType? {
        guard try bool() else { return nil }
        let n = try count()
        var alts: [DimExpr] = []
        for _ in 0..<n { alts.append(DimExpr(factors: try factors())) }
        return DeclaredType(alternatives: alts, span: try span(), text: try string())
    }
    mutating func params() throws(NapkinError) -> [Parameter] {
        let n = try count()
        var out: [Parameter] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            out.append(Parameter(name: try string(), defaultValue: try optExpr(), span: try span(), declared: try declared()))
        }
        return out
    }
    mutating func exprs() throws(NapkinError) -> [Expr] {
        let n = try count()
        var out: [Expr] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try expr()) }
        return out
    }
    mutating func optExpr() throws(NapkinError) -> Expr? { try bool() ? try expr() : nil }

    mutating func expr() throws(NapkinError) -> Expr {
        let kind: ExprKind
        switch try byte() {
        case 0: kind = .number(try double())
        case 1: kind = .quantity(try double(), try unitExpr())
        case 2:
            let n = try count()
            var parts: [StringPart] = []
            for _ in 0..<n { parts.append(try byte() == 0 ? .text(try string()) : .expr(try expr())) }
            kind = .string(parts)
        case 3: kind = .bool(try bool())
        case 4: kind = .name(try string())
        case 5: kind = .unary(op: try string(), try expr())
        case 6:
            guard let op = BinaryOp(rawValue: try string()) else { throw damaged() }
            kind = .binary(op, try expr(), try expr(), opSpan: try span())
        case 7: kind = .convert(try expr(), try unitExpr(), opSpan: try span())
        case 8:
            let f = try expr()
            let n = try count()
            var args: [CallArgument] = []
            args.reserveCapacity(n)
            for _ in 0..<n { args.append(CallArgument(label: try optString(), value: try expr(), labelSpan: try optSpan())) }
            kind = .call(f, args)
        case 9: kind = .field(try expr(), try string(), nameSpan: try span())
        case 10: kind = .index(try expr(), try expr())
        case 11: kind = .list(try exprs())
        case 12:
            let n = try count()
            var entries: [RecordEntry] = []
            entries.reserveCapacity(n)
            for _ in 0..<n {
                entries.append(try byte() == 0 ? .field(name: try string(), value: try expr(), span: try span()) : .spread(try expr()))
            }
            kind = .record(entries)
        case 13: kind = .range(try expr(), try expr(), step: try optExpr())
        case 14: kind = .conditional(try expr(), try expr(), try expr())
        case 15: kind = .lambda(try params(), try expr())
        case 16:
            let n = try count()
            var stmts: [Stmt] = []
            for _ in 0..<n { stmts.append(try stmt()) }
            kind = .block(stmts, try expr())
        case 17:
            let knob = try string(), knobSpan = try span(), range = try expr()
            let n = try count()
            var columns: [SweepColumn] = []
            for _ in 0..<n { columns.append(SweepColumn(name: try string(), expr: try expr())) }
            kind = .sweep(knob: knob, knobSpan: knobSpan, range: range, columns: columns)
        default: throw damaged()
        }
        return Expr(kind, try span())
    }

    mutating func stmt() throws(NapkinError) -> Stmt {
        let kind: StmtKind
        switch try byte() {
        case 0: kind = .expr(try expr())
        case 1: kind = .let(name: try string(), nameSpan: try span(), value: try expr(), doc: try optString())
        case 2:
            kind = .function(name: try string(), nameSpan: try span(), params: try params(), result: try declared(),
                             body: try expr(), doc: try optString())
        case 3: kind = .knob(name: try string(), nameSpan: try span(), value: try expr(), range: try expr(), doc: try optString())
        case 4: kind = .assign(name: try string(), nameSpan: try span(), value: try expr())
        case 5: kind = .assert(try expr())
        case 6: kind = .dimension(name: try string(), definition: try bool() ? DimExpr(factors: try factors()) : nil)
        case 7:
            let n = try count()
            var names: [String] = []
            for _ in 0..<n { names.append(try string()) }
            let dim = try optString(), value = try optExpr()
            let m = try count()
            var prefixes: [String] = []
            for _ in 0..<m { prefixes.append(try string()) }
            kind = .unit(names: names, dimension: dim, value: value, prefixes: prefixes, doc: try optString())
            // As the parser does after reading a unit declaration.
            units.declareUnit(names, prefixes: prefixes)
        case 8:
            let name = try string()
            let n = try count()
            var entries: [(String, Expr)] = []
            for _ in 0..<n { entries.append((try string(), try expr())) }
            kind = .prefix(name: name, entries: entries)
            units.declareFamily(name, symbols: entries.map(\.0))
        case 9:
            let dim = try string()
            let n = try count()
            var list: [UnitExpr] = []
            for _ in 0..<n { list.append(try unitExpr()) }
            kind = .display(dimension: dim, units: list)
        case 10: kind = .digits(try expr())
        default: throw damaged()
        }
        return Stmt(kind, try span())
    }
}
