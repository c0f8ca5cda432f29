/// Declared dimensions (`fn transfer_time(size: Information, rate: DataRate or Record) -> Time`),
/// checked at every call however the call runs (a compiled body, an inlined call, a tape), and
/// the "called from" trace that an error collects on its way out of a function.

/// One declared dimension, resolved: the quantity dimensions and kinds of value it accepts.
/// (A class, so checking one on every call copies a reference, not its arrays.)
final class TypeCheck {
    let text: String
    let dimensions: [Dimension]
    /// Value.typeName of the kinds accepted besides quantities: record, list, function, …
    let kinds: Set<String>
    /// `Any`: deliberately open (a parameter that takes any value, said out loud).
    let any: Bool
    /// The kinds as bits of `kindBit`, so a check on every call hashes no strings.
    let kindBits: UInt16

    init(text: String, dimensions: [Dimension], kinds: Set<String>, any: Bool = false) {
        self.text = text
        self.dimensions = dimensions
        self.kinds = kinds
        self.any = any
        var bits: UInt16 = 0
        for k in kinds { bits |= TypeCheck.bit(named: k) }
        kindBits = bits
    }

    static func bit(named kind: String) -> UInt16 {
        switch kind {
        case "boolean": return 1 << 0
        case "string": return 1 << 1
        case "list": return 1 << 2
        case "record": return 1 << 3
        case "function": return 1 << 4
        case "table": return 1 << 5
        case "figure": return 1 << 6
        default: return 1 << 7
        }
    }

    @inline(__always)
    static func kindBit(_ v: Value) -> UInt16 {
        switch v {
        case .bool: return 1 << 0
        case .string: return 1 << 1
        case .list: return 1 << 2
        case .record: return 1 << 3
        case .function: return 1 << 4
        case .table: return 1 << 5
        case .figure: return 1 << 6
        case .quantity, .nothing, .box: return 1 << 7
        }
    }

    @inline(__always)
    func accepts(_ v: Value) -> Bool {
        if any { return true }
        if case .quantity(let q) = v {
            // A plain 0 fits any dimension (`x > 0`), so it fits a declared one too.
            for d in dimensions where d == q.dim { return true }
            return q.isPlainZero && !dimensions.isEmpty
        }
        return kindBits & TypeCheck.kindBit(v) != 0
    }
}

/// A user function's declared dimensions: per parameter (nil: not declared) and for the result.
final class Contract {
    let parameters: [TypeCheck?]
    let result: TypeCheck?
    init(parameters: [TypeCheck?], result: TypeCheck?) {
        self.parameters = parameters
        self.result = result
    }
}

extension Interpreter {
    static let kindWords: [String: String] = ["Record": "record", "List": "list", "Function": "function", "String": "string",
                                              "Bool": "boolean", "Table": "table", "Figure": "figure"]

    /// Resolves `Energy / Time`, `Number`, `DataRate or Record` against the declared dimensions.
    func resolve(_ t: DeclaredType) throws(NapkinError) -> TypeCheck {
        var dims: [Dimension] = [], kinds = Set<String>()
        for alt in t.alternatives {
            if alt.factors.count == 1, alt.factors[0].power == 1 {
                let n = alt.factors[0].name
                if let k = Interpreter.kindWords[n] { kinds.insert(k); continue }
                if n == "Number" { dims.append(.none); continue }
                if n == "Any" { return TypeCheck(text: t.text, dimensions: [], kinds: [], any: true) }
            }
            var d = Dimension.none
            for f in alt.factors {
                guard let fd = units.dimensionsByName[f.name] else {
                    throw NapkinError(.name, "unknown dimension '\(f.name)'", at: f.span,
                                      notes: didYouMean(f.name, among: Array(units.dimensionsByName.keys) + ["Number", "Any"] + Array(Interpreter.kindWords.keys)))
                }
                guard let p = fd.power(f.power), let nd = d.times(p) else {
                    throw NapkinError(.dimension, "dimension exponent out of range", at: f.span)
                }
                d = nd
            }
            dims.append(d)
        }
        return TypeCheck(text: t.text, dimensions: dims, kinds: kinds)
    }

    /// The function's contract, resolved once (a definition resolves it right away, so an
    /// unknown dimension is reported where it is written).
    func contract(of f: FunctionValue) throws(NapkinError) -> Contract? {
        if f.contractResolved { return f.contract }
        guard case .user(let params, _, _) = f.body else { f.contractResolved = true; return nil }
        if f.resultType == nil, !params.contains(where: { $0.declared != nil }) {
            f.contractResolved = true
            return nil
        }
        var checks: [TypeCheck?] = []
        for p in params { checks.append(try p.declared.map { (t: DeclaredType) throws(NapkinError) in try resolve(t) }) }
        let result = try f.resultType.map { (t: DeclaredType) throws(NapkinError) in try resolve(t) }
        if !isWorker {
            f.contract = Contract(parameters: checks, result: result)
            f.contractResolved = true
        }
        return Contract(parameters: checks, result: result)
    }

    /// What a check expects, in words: `DataRate [bit/s] or a record`.
    func expectation(_ c: TypeCheck) -> String {
        let dims = c.dimensions.map { $0.isNone ? "a plain number" : units.describe($0) }
        let kinds = c.kinds.sorted().map { "a \($0)" }
        return (dims + kinds).joined(separator: " or ")
    }

    func describeValue(_ v: Value) -> String {
        if case .quantity(let q) = v {
            let shown = formatter.valueAndUnit(q)
            return q.dim.isNone ? "the plain number \(shown)" : "\(shown), \(units.describe(q.dim))"
        }
        return "a \(v.typeName)"
    }

    /// Checks the arguments of a call against the declared dimensions; `value(i)` reads
    /// parameter i's value (after defaults).
    /// `argumentSpans[i]`, when known, is where parameter i's argument is written.
    @inline(__always)
    func checkArguments(_ f: FunctionValue, _ c: Contract, _ span: Span, argumentSpans: [Span?]? = nil,
                        value: (Int) -> Value) throws(NapkinError) {
        let checks = c.parameters
        for i in checks.indices {
            guard let check = checks[i] else { continue }
            let v = value(i)
            if check.accepts(v) { continue }
            throw argumentError(f, check, i, v, span, argumentSpans: argumentSpans)
        }
    }

    /// The error for an argument that does not fit its declared dimension (out of line: the
    /// check itself is inlined into every call).
    @inline(never)
    private func argumentError(_ f: FunctionValue, _ check: TypeCheck, _ i: Int, _ v: Value, _ span: Span,
                               argumentSpans: [Span?]?) -> NapkinError {
        let at = argumentSpans.flatMap { i < $0.count ? $0[i] : nil }
        var e = NapkinError(.dimension, "\(f.name): parameter '\(f.paramNames[i])' needs \(expectation(check)), got \(describeValue(v))",
                            at: at ?? span, label: "\(f.paramNames[i]): \(check.text)", notes: [f.signature])
        if at == nil { e.parameter = i }
        return e
    }

    /// Points a declared-dimension error raised for the call at `span` at the argument it is
    /// about (a default that does not fit stays at the call).
    func pointAtArgument(_ e: NapkinError, _ args: [CallArgument], _ shape: CallShape, _ span: Span) -> NapkinError {
        guard let i = e.parameter, e.span == span, let k = shape.slots.firstIndex(of: i), k < args.count else { return e }
        var e = e
        e.span = args[k].value.span
        e.parameter = nil
        return e
    }

    func checkResult(_ f: FunctionValue, _ c: Contract, _ v: Value, _ span: Span) throws(NapkinError) {
        guard let check = c.result, !check.accepts(v) else { return }
        throw NapkinError(.dimension, "\(f.name) must return \(expectation(check)), but returned \(describeValue(v))",
                          at: f.resultType?.span ?? span, notes: [f.signature])
    }

    /// An error leaving a call of `f` made at `span` records the call, so the report can show
    /// where the user's code called into the library (`NapkinError.trace`).
    func traced(_ e: NapkinError, _ f: FunctionValue, _ span: Span) -> NapkinError {
        traced(e, f.name, span)
    }

    func traced(_ e: NapkinError, _ name: String, _ span: Span) -> NapkinError {
        if e.carried != nil || e.phase == .cancelled { return e }
        var e = e
        if e.trace.count < NapkinError.maxTrace { e.trace.append(CallFrame(function: name, site: span)) }
        return e
    }
}
