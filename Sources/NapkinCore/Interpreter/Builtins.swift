import Foundation

/// A function implemented in Swift. Everything that can be written in napkin lives in the prelude instead.
public struct Builtin: Sendable {
    public let name: String
    public let parameters: [String]
    public let minArgs: Int
    public let maxArgs: Int?
    public let doc: String
    let impl: @Sendable (Interpreter, [Value], CallSite) throws(NapkinError) -> Value

    /// A builtin for hosts and extension modules (instruments) to register.
    public init(name: String, parameters: [String], minArgs: Int, maxArgs: Int?, doc: String,
                impl: @escaping @Sendable (Interpreter, [Value], CallSite) throws(NapkinError) -> Value) {
        self.name = name
        self.parameters = parameters
        self.minArgs = minArgs
        self.maxArgs = maxArgs
        self.doc = doc
        self.impl = impl
    }
}

enum Builtins {
    static let all: [Builtin] = math + collections + output

    // MARK: Math on plain numbers and quantities

    static func unaryMath(_ name: String, _ doc: String, _ f: @escaping @Sendable (Double) -> Double) -> Builtin {
        Builtin(name: name, parameters: ["x"], minArgs: 1, maxArgs: 1, doc: doc) { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let q = try interp.quantity(args[0], site.arg(0), "\(name)'s argument")
            guard q.dim.isNone else {
                throw NapkinError(.dimension, "\(name) needs a plain number, got \(interp.units.describe(q.dim))", at: site.arg(0),
                                  notes: ["divide by a unit first, e.g. \(name)(x / 1 s)"])
            }
            let v = f(q.value)
            if v.isNaN { throw NapkinError(.runtime, "\(name)(\(formatNumber(q.value, digits: interp.digits))) is undefined", at: site.span) }
            try interp.checkFinite(v, site.span, "\(name)(…)")
            return .number(v)
        }
    }

    /// floor/ceil/round: of a plain number, or of a quantity to a multiple of a step (`round(x, 1 h)`).
    static func rounding(_ name: String, _ rule: FloatingPointRoundingRule) -> Builtin {
        Builtin(name: name, parameters: ["x", "step"], minArgs: 1, maxArgs: 2,
                doc: "\(name) a plain number, or a quantity to a multiple of step") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let q = try interp.quantity(args[0], site.arg(0), "\(name)'s argument")
            if args.count == 2, case .quantity(let s) = args[1] {
                try interp.sameDimension(q, s, site.arg(1), "\(name)'s value and step")
                guard s.value != 0 else { throw NapkinError(.runtime, "\(name)'s step cannot be zero", at: site.arg(1)) }
                return .quantity(Quantity((q.value / s.value).rounded(rule) * s.value, q.dim, unit: s.unit ?? q.unit))
            }
            guard q.dim.isNone else {
                // Round in the unit the value displays in, so round(2.7 h) is 3 h.
                let f = interp.formatter
                if let u = f.shownUnit(q) {
                    return .quantity(Quantity((q.value / u.factor).rounded(rule) * u.factor, q.dim, unit: u))
                }
                return .quantity(Quantity(q.value.rounded(rule), q.dim))
            }
            return .number(q.value.rounded(rule))
        }
    }

    static let math: [Builtin] = [
        Builtin(name: "sqrt", parameters: ["x"], minArgs: 1, maxArgs: 1, doc: "square root; halves the dimension's exponents") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let q = try interp.quantity(args[0], site.arg(0), "sqrt's argument")
            guard let d = q.dim.root(2) else {
                throw NapkinError(.dimension, "sqrt of \(interp.units.describe(q.dim)) would need a fractional exponent", at: site.arg(0))
            }
            guard q.value >= 0 else { throw NapkinError(.runtime, "sqrt of a negative value", at: site.arg(0)) }
            return .quantity(Quantity(q.value.squareRoot(), d))
        },
        unaryMath("exp", "e to the power x") { Foundation.exp($0) },
        unaryMath("ln", "natural logarithm") { $0 <= 0 ? .nan : Foundation.log($0) },
        unaryMath("log10", "base-10 logarithm") { $0 <= 0 ? .nan : Foundation.log10($0) },
        unaryMath("log2", "base-2 logarithm") { $0 <= 0 ? .nan : Foundation.log2($0) },
        // Trigonometry in radians, for great-circle distances (degrees × pi / 180).
        unaryMath("sin", "sine of x radians") { Foundation.sin($0) },
        unaryMath("cos", "cosine of x radians") { Foundation.cos($0) },
        unaryMath("asin", "arcsine in radians, for -1 <= x <= 1") { Swift.abs($0) > 1 ? .nan : Foundation.asin($0) },
        Builtin(name: "abs", parameters: ["x"], minArgs: 1, maxArgs: 1, doc: "absolute value, keeping the unit") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            var q = try interp.quantity(args[0], site.arg(0), "abs's argument")
            q.value = Swift.abs(q.value)
            return .quantity(q)
        },
        Builtin(name: "mod", parameters: ["x", "m"], minArgs: 2, maxArgs: 2, doc: "remainder of x / m, with the sign of m (mod(25 h, 24 h) is 1 h)") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let x = try interp.quantity(args[0], site.arg(0), "mod's value")
            let m = try interp.quantity(args[1], site.arg(1), "mod's modulus")
            try interp.sameDimension(x, m, site.span, "mod's arguments")
            guard m.value != 0 else { throw NapkinError(.runtime, "mod by zero", at: site.arg(1)) }
            let r = x.value - m.value * (x.value / m.value).rounded(.down)
            return .quantity(Quantity(r, x.dim, unit: x.unit))
        },
        rounding("floor", .down),
        rounding("ceil", .up),
        rounding("round", .toNearestOrAwayFromZero),
    ]

    // MARK: Lists, tables, functions

    /// A reduction of a list, a table's last column, or the arguments themselves. It runs on the
    /// same running state a streamed sweep uses (`SweepReduction`), so `sum(list)`,
    /// `sum(table)` and `sum(sweep …)` mean exactly the same, errors included: the rules live once.
    static func reduce(_ reducer: SweepReducer, _ interp: Interpreter, _ args: [Value], _ site: CallSite) throws(NapkinError) -> Value {
        var r = SweepReduction(reducer, site: site.span)
        let wantsX = reducer == .argmin || reducer == .argmax
        if args.count == 1, case .table(let t) = args[0] {
            let last = t.columns.count - 1
            if let (numbers, dim, unitID) = t.columns[last].numbers {
                // A numeric column is read in place, in blocks (Ctrl-C and --timeout between them).
                var numbers = numbers
                let block = 4096
                try numbers.withUnsafeMutableBufferPointer { (buf: inout UnsafeMutableBufferPointer<Double>) throws(NapkinError) in
                    var start = 0
                    while start < buf.count {
                        try interp.cancel.check(start)
                        let n = min(block, buf.count - start)
                        try r.addBlock(buf.baseAddress! + start, n, dim, unitID, x: { wantsX ? t.cell(start + $0, 0) : .nothing }, interp)
                        start += n
                    }
                }
            } else {
                for i in 0..<t.count {
                    try interp.cancel.check(i)
                    try r.add(wantsX ? t.cell(i, 0) : .nothing, t.cell(i, last), interp)
                }
            }
        } else {
            let items: [Value]
            if args.count == 1, case .list(let xs) = args[0] { items = xs } else { items = args }
            for (i, v) in items.enumerated() {
                try interp.cancel.check(i)
                try r.add(.nothing, v, interp)
            }
        }
        return try r.result(interp)
    }

    static func reduction(_ reducer: SweepReducer, doc: String) -> Builtin {
        Builtin(name: reducer.rawValue, parameters: ["values"], minArgs: 1, maxArgs: nil, doc: doc) { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            try reduce(reducer, interp, args, site)
        }
    }

    static func argExtreme(_ reducer: SweepReducer) -> Builtin {
        let name = reducer.rawValue
        return Builtin(name: name, parameters: ["table"], minArgs: 1, maxArgs: 1, doc: "the swept value where the table's last column is \(reducer == .argmin ? "smallest" : "largest")") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            guard case .table = args[0] else {
                throw NapkinError(.runtime, "\(name) needs a sweep table, got a \(args[0].typeName)", at: site.arg(0))
            }
            return try reduce(reducer, interp, args, site)
        }
    }

    static func function(_ v: Value, _ site: CallSite, _ i: Int, _ who: String) throws(NapkinError) -> FunctionValue {
        guard case .function(let f) = v else {
            throw NapkinError(.runtime, "\(who) needs a function as argument \(i + 1) (like x => x * 2), got a \(v.typeName)", at: site.arg(i))
        }
        return f
    }

    static func list(_ v: Value, _ site: CallSite, _ who: String) throws(NapkinError) -> [Value] {
        switch v {
        case .list(let items): return items
        case .table(let t): return (0..<t.count).map { .record(t.record($0)) }
        default: throw NapkinError(.runtime, "\(who) needs a list, got a \(v.typeName)", at: site.arg(0))
        }
    }

    /// `map`'s rule once its list is known, for the builtin and for a literal lambda that the
    /// compiler runs in place (`apply` calls the function on one item).
    static func map(_ items: [Value], _ site: CallSite, _ interp: Interpreter,
                    _ apply: (Value) throws(NapkinError) -> Value) throws(NapkinError) -> Value {
        try interp.reserve(items.count * MemoryLayout<Value>.stride, site.span)
        var out: [Value] = []
        out.reserveCapacity(items.count)
        for it in items { out.append(try apply(it)) }
        return .list(out)
    }

    /// `filter`'s rule once its list is known (see `map`).
    static func filter(_ items: [Value], _ site: CallSite, _ apply: (Value) throws(NapkinError) -> Value) throws(NapkinError) -> Value {
        var out: [Value] = []
        for it in items {
            let keep = try apply(it)
            guard case .bool(let k) = keep else {
                throw NapkinError(.runtime, "filter's function must return true or false, got a \(keep.typeName)", at: site.arg(1))
            }
            if k { out.append(it) }
        }
        return .list(out)
    }

    static let collections: [Builtin] = [
        Builtin(name: "len", parameters: ["x"], minArgs: 1, maxArgs: 1, doc: "number of items in a list, rows in a table, fields in a record, characters in a string") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            switch args[0] {
            case .list(let items): return .number(Double(items.count))
            case .table(let t): return .number(Double(t.count))
            case .record(let r): return .number(Double(r.keys.count))
            case .string(let s): return .number(Double(s.count))
            default: throw NapkinError(.runtime, "len needs a list, table, record or string, got a \(args[0].typeName)", at: site.arg(0))
            }
        },
        reduction(.sum, doc: "sum of a list, a table's last column, or the arguments"),
        reduction(.mean, doc: "arithmetic mean"),
        reduction(.min, doc: "min of a list, a table's last column, or the arguments"),
        reduction(.max, doc: "max of a list, a table's last column, or the arguments"),
        argExtreme(.argmin),
        argExtreme(.argmax),
        Builtin(name: "map", parameters: ["list", "f"], minArgs: 2, maxArgs: 2, doc: "apply f to every item") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let items = try list(args[0], site, "map")
            let f = try function(args[1], site, 1, "map")
            return try map(items, site, interp) { (x: Value) throws(NapkinError) -> Value in try interp.apply(f, x, site.span) }
        },
        Builtin(name: "filter", parameters: ["list", "keep"], minArgs: 2, maxArgs: 2, doc: "the items for which keep is true") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let items = try list(args[0], site, "filter")
            let f = try function(args[1], site, 1, "filter")
            return try filter(items, site) { (x: Value) throws(NapkinError) -> Value in try interp.apply(f, x, site.span) }
        },
        Builtin(name: "record", parameters: ["keys", "values"], minArgs: 2, maxArgs: 2, doc: "a record from a list of field names and a list of values") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let keys = try list(args[0], site, "record"), values = try list(args[1], CallSite(span: site.span, argSpans: [site.arg(1)]), "record")
            guard keys.count == values.count else {
                throw NapkinError(.runtime, "record needs as many values as keys (\(keys.count) keys, \(values.count) values)", at: site.span)
            }
            try interp.reserve(keys.count * (MemoryLayout<Value>.stride + 32), site.span)
            var names: [String] = []
            names.reserveCapacity(keys.count)
            // A few keys are checked for repeats one by one; many through a set.
            var seen: Set<String>? = keys.count > Record.fewKeys ? [] : nil
            for (i, k) in keys.enumerated() {
                guard case .string(let n) = k else { throw NapkinError(.runtime, "record's keys must be strings, found a \(k.typeName)", at: site.arg(0)) }
                let repeated = seen == nil ? names.contains(n) : !seen!.insert(n).inserted
                guard !repeated else { throw NapkinError(.runtime, "key '\(n)' appears twice", at: site.arg(0)) }
                names.append(n)
                if i & 0xFFF == 0xFFF, interp.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: site.span) }
            }
            return .record(Record(keys: names, values: values))
        },
        Builtin(name: "table", parameters: ["columns"], minArgs: 1, maxArgs: 1, doc: "a table from a record of equal-length lists; the first field is the x column") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            guard case .record(let r) = args[0], !r.keys.isEmpty else {
                throw NapkinError(.runtime, "table needs a record of lists, like { x: [1, 2], y: [3 W, 4 W] }", at: site.arg(0))
            }
            var columns: [TableColumn] = []
            for (k, v) in zip(r.keys, r.values) {
                guard case .list(let items) = v else { throw NapkinError(.runtime, "table column '\(k)' must be a list, got a \(v.typeName)", at: site.arg(0)) }
                if let first = columns.first, first.count != items.count {
                    throw NapkinError(.runtime, "table columns differ in length: '\(r.keys[0])' has \(first.count), '\(k)' has \(items.count)", at: site.arg(0))
                }
                if interp.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: site.span) }
                columns.append(TableColumn(items))
            }
            return .table(Table(names: r.keys, columns: columns))
        },
        Builtin(name: "type", parameters: ["value"], minArgs: 1, maxArgs: 1, doc: "the kind of a value: number, quantity, boolean, string, list, record, function, table, figure") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            .string(args[0].typeName)
        },
        Builtin(name: "fields", parameters: ["record"], minArgs: 1, maxArgs: 1, doc: "a record's field names") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            guard case .record(let r) = args[0] else { throw NapkinError(.runtime, "fields needs a record, got a \(args[0].typeName)", at: site.arg(0)) }
            return .list(r.keys.map { .string($0) })
        },
        Builtin(name: "column", parameters: ["table", "name"], minArgs: 2, maxArgs: 2, doc: "one column of a table as a list") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            guard case .table(let t) = args[0] else { throw NapkinError(.runtime, "column needs a table, got a \(args[0].typeName)", at: site.arg(0)) }
            switch args[1] {
            case .string(let n): return try interp.field(args[0], n, site.arg(1))
            case .quantity(let q) where q.dim.isNone && q.value == q.value.rounded():
                guard let i = Int(whole: q.value), i >= 0, i < t.columns.count else { throw NapkinError(.runtime, "column \(formatNumber(q.value, digits: 6)) does not exist; the table has \(t.columns.count)", at: site.arg(1)) }
                return try t.list(i, interp, site.arg(1))
            default: throw NapkinError(.runtime, "column is chosen by name or number", at: site.arg(1))
            }
        },
    ]

    // MARK: Output and checks

    static let output: [Builtin] = [
        Builtin(name: "print", parameters: ["value"], minArgs: 0, maxArgs: nil, doc: "print values (strings without quotes)") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            var parts: [String] = []
            for a in args { parts.append(try interp.describe(a)) }
            interp.emit(parts.joined(separator: " "))
            return .nothing
        },
        Builtin(name: "require", parameters: ["condition", "message"], minArgs: 2, maxArgs: 2,
                doc: "stop with message (a runtime error) unless condition holds: a function's precondition, said in words") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            guard case .bool(let ok) = args[0] else {
                throw NapkinError(.runtime, "require needs a true/false condition, got a \(args[0].typeName)", at: site.arg(0))
            }
            guard case .string(let message) = args[1] else {
                throw NapkinError(.runtime, "require needs a message string, got a \(args[1].typeName)", at: site.arg(1))
            }
            if !ok { throw NapkinError(.runtime, message, at: site.span) }
            return .nothing
        },
        Builtin(name: "assert_eq", parameters: ["actual", "expected", "tolerance"], minArgs: 2, maxArgs: 3,
                doc: "fail unless actual equals expected; tolerance: a plain number is relative, a quantity absolute") { (interp: Interpreter, args: [Value], site: CallSite) throws(NapkinError) -> Value in
            let f = interp.formatter
            guard case .quantity(let a) = args[0], case .quantity(let b) = args[1] else {
                if try interp.valuesEqual(args[0], args[1], site.span) { return .nothing }
                throw NapkinError(.assertion, "assert_eq failed: \(try interp.describeInline(args[0])) is not \(try interp.describeInline(args[1]))", at: site.span)
            }
            guard a.dim == b.dim else {
                throw NapkinError(.dimension, "assert_eq compares \(interp.dimName(a.dim)) with \(interp.dimName(b.dim))", at: site.span,
                                  label: "\(interp.units.describe(a.dim)) vs \(interp.units.describe(b.dim))")
            }
            var ok: Bool
            var within = ""
            if args.count == 3, case .quantity(let t) = args[2] {
                if t.dim.isNone {
                    ok = abs(a.value - b.value) <= t.value * max(abs(a.value), abs(b.value))
                    within = " (relative tolerance \(formatNumber(t.value, digits: interp.digits)))"
                } else {
                    guard t.dim == a.dim else {
                        throw NapkinError(.dimension, "assert_eq's tolerance is \(interp.dimName(t.dim)) but the values are \(interp.dimName(a.dim))", at: site.arg(2))
                    }
                    ok = abs(a.value - b.value) <= t.value
                    within = " (tolerance \(f.valueAndUnit(t)))"
                }
            } else if args.count == 3 {
                throw NapkinError(.runtime, "assert_eq's tolerance must be a number or quantity", at: site.arg(2))
            } else {
                // Without a tolerance, equal up to floating-point rounding of unit factors.
                ok = a.value == b.value || abs(a.value - b.value) <= 1e-9 * max(abs(a.value), abs(b.value))
            }
            if !ok {
                var fb = f
                fb.digits = max(f.digits, 10)
                throw NapkinError(.assertion, "assert_eq failed: \(fb.valueAndUnit(a)) is not \(fb.valueAndUnit(b))\(within)", at: site.span)
            }
            return .nothing
        },
    ]
}
