/// How values print: quantities with unit and dimension at the top level, compactly inside
/// lists, records and strings; tables as aligned columns with units in the headers.
extension Interpreter {
    /// A result as the REPL and scripts show it: `13.33 min [Time]`, `"text"` raw.
    /// Text a script wrote is shown with its control characters made visible (`Sanitized`).
    public func describe(_ v: Value) throws(NapkinError) -> String {
        switch v {
        case .quantity(let q):
            try checkFinite(q.value, Span(0, 0, file: nil), "a value")
            return formatter.format(q)
        case .string(let s): return Sanitized.text(s)
        case .table(let t):
            try checkFiniteCells(t)
            return Sanitized.text(try renderTable(t))
        case .figure(let f):
            if let render = figureRenderer { return try render(f) }
            return try describeNested(v)
        case .record(let r):
            let oneLine = try describeInline(v)
            if oneLine.count <= 100 { return Sanitized.text(oneLine) }
            var lines = ["{"]
            for (k, x) in zip(r.keys, r.values) { lines.append("  \(Interpreter.recordKey(k)): \(try describeNested(x)),") }
            lines.append("}")
            return Sanitized.text(lines.joined(separator: "\n"))
        default: return Sanitized.text(try describeInline(v))
        }
    }

    /// Tables never show an infinity or a NaN either (a value that overflowed is an error):
    /// the first one in row order is named.
    public func checkFiniteCells(_ t: Table) throws(NapkinError) {
        var firstBad = t.count
        for column in t.columns {
            switch column {
            case .numbers(let xs, _, _):
                for (i, x) in xs.enumerated() where i < firstBad {
                    if !x.isFinite { firstBad = i; break }
                    try cancel.check(i)
                }
            case .values(let vs):
                for (i, v) in vs.enumerated() where i < firstBad {
                    if case .quantity(let q) = v, !q.value.isFinite { firstBad = i; break }
                    try cancel.check(i)
                }
            }
        }
        guard firstBad < t.count else { return }
        for c in t.columns.indices {
            if case .quantity(let q) = t.cell(firstBad, c) { try checkFinite(q.value, Span(0, 0, file: nil), "a value in row \(firstBad + 1)") }
        }
    }

    /// A value inside a string interpolation: no dimension tag, strings raw.
    public func describeInline(_ v: Value) throws(NapkinError) -> String {
        if case .string(let s) = v { return s }
        return try describeNested(v)
    }

    /// A value inside a list or record: strings quoted.
    func describeNested(_ v: Value) throws(NapkinError) -> String {
        var out = ""
        var visited = 0
        try appendNested(v, to: &out, visited: &visited)
        return out
    }

    /// Appends instead of returning, so a deeply nested value prints in linear time; checks the
    /// native stack at every level and the cancel flag as it goes (Ctrl-C, --timeout).
    private func appendNested(_ v: Value, to out: inout String, visited: inout Int) throws(NapkinError) {
        visited &+= 1
        if visited & 0x3FF == 0 {
            if cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: Span(0, 0, file: nil)) }
            if out.utf8.count > limits.maxStringLength {
                throw NapkinError(.runtime, "printing this value takes more than \(limits.maxStringLength) bytes", at: Span(0, 0, file: nil),
                                  notes: ["raise the limit with --max-string"])
            }
        }
        switch v {
        case .quantity(let q):
            try checkFinite(q.value, Span(0, 0, file: nil), "a value")
            out += formatter.valueAndUnit(q)
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): out += Interpreter.stringLiteral(s)
        case .list(let items):
            if NativeStack.isLow() { throw NativeStack.error(Span(0, 0, file: nil)) }
            out += "["
            // A long list shows its first 50 and last 10 items: only those are visited.
            let shown = items.count > 60 ? Array(0...50) + Array((items.count - 10)..<items.count) : Array(items.indices)
            for i in shown {
                if i > 0 { out += ", " }
                if i == 50 && items.count > 60 { out += "… \(items.count - 60) more …"; continue }
                try appendNested(items[i], to: &out, visited: &visited)
            }
            out += "]"
        case .record(let r):
            if r.keys.isEmpty { out += "{}"; return }
            if NativeStack.isLow() { throw NativeStack.error(Span(0, 0, file: nil)) }
            out += "{ "
            for (i, (k, x)) in zip(r.keys, r.values).enumerated() {
                if i > 0 { out += ", " }
                out += Interpreter.recordKey(k) + ": "
                try appendNested(x, to: &out, visited: &visited)
            }
            out += " }"
        case .function(let f): out += "fn " + f.signature
        case .table(let t): out += "<table \(t.count)×\(t.columns.count): \(t.names.joined(separator: ", "))>"
        case .figure(let f): out += "<figure \(f.kind)\(f.title.map { ": " + $0 } ?? "")>"
        case .nothing, .box: out += "nothing"
        }
    }

    /// A table column's one unit, shared by everything that lays a table out (the terminal
    /// table, exports, a plot's axes): when every cell is a quantity of one dimension
    /// (`nothing` cells skipped when `skippingNothing`), that dimension and the unit its values
    /// remember while it reads well, else its dimension's readable unit for the largest value.
    public func columnUnit(_ column: TableColumn, skippingNothing: Bool = false) throws(NapkinError) -> (dim: Dimension, unit: DisplayUnit?)? {
        guard let s = try column.quantitySummary(skippingNothing: skippingNothing, cancel) else { return nil }
        return (s.dim, formatter.unit(forColumn: s.dim, remembered: s.remembered, biggest: s.biggest))
    }

    /// Aligned columns, units in the headers; long tables show their head and tail.
    /// Only the rows shown are formatted (a sweep may have millions); the column's unit still
    /// comes from all of them, in one pass that checks for Ctrl-C and --timeout.
    public func renderTable(_ t: Table, maxRows: Int = 20) throws(NapkinError) -> String {
        let shownRows: [Int?] = t.count > maxRows
            ? Array(0..<(maxRows / 2)) + [nil] + Array((t.count - (maxRows - maxRows / 2 - 1))..<t.count)
            : Array(0..<t.count)
        var headers: [String] = []
        var shown: [[String]?] = shownRows.map { $0 == nil ? nil : [] }
        var numeric: [Bool] = []
        for c in 0..<t.columns.count {
            // One unit per column, so values line up.
            let layout = try columnUnit(t.columns[c])
            let factor = layout?.unit?.factor ?? 1
            var header = t.names[c]
            if let u = layout?.unit { header += " [\(u.name)]" }
            headers.append(header)
            numeric.append(layout != nil)
            for (k, r) in shownRows.enumerated() {
                guard let r else { continue }
                let v = t.cell(r, c)
                if layout != nil, case .quantity(let q) = v {
                    shown[k]!.append(formatNumber(q.value / factor, digits: digits))
                } else {
                    shown[k]!.append((try? describeNested(v)) ?? "?")
                }
            }
        }
        var widths = headers.map(\.count)
        for row in shown.compactMap({ $0 }) {
            for (i, s) in row.enumerated() { widths[i] = max(widths[i], s.count) }
        }
        func pad(_ s: String, _ w: Int, right: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        let (bar, rule, cross, more) = asciiOnly ? ("|", "-", "-+-", ":") : ("│", "─", "─┼─", "⋮")
        var lines: [String] = []
        lines.append(headers.enumerated().map { pad($1, widths[$0], right: numeric[$0]) }.joined(separator: " \(bar) "))
        lines.append(widths.map { String(repeating: rule, count: $0) }.joined(separator: cross))
        for row in shown {
            if let row {
                lines.append(row.enumerated().map { pad($1, widths[$0], right: numeric[$0]) }.joined(separator: " \(bar) "))
            } else {
                lines.append(widths.map { pad(more, $0, right: true) }.joined(separator: " \(bar) "))
            }
        }
        if t.count > maxRows { lines.append("(\(t.count) rows)") }
        return lines.map { line in
            var l = line
            while l.hasSuffix(" ") { l.removeLast() }
            return l
        }.joined(separator: "\n")
    }
}

extension Interpreter {
    /// A record's key as it reads back: a name as itself, anything else (`"a b"`, `"2x"`, a
    /// keyword, a sweep column named by its expression, `"x * 2 W"`) quoted.
    public static func recordKey(_ k: String) -> String {
        guard let first = k.unicodeScalars.first, Lexer.isIdentStart(first), k.unicodeScalars.allSatisfy(Lexer.isIdentContinue),
              Keyword(rawValue: k) == nil else { return stringLiteral(k) }
        return k
    }

    /// A string as napkin source writes it, so that it reads back as itself: quoted, with `\`,
    /// `"`, `{`, `}`, newlines, tabs and returns escaped, and other control characters as
    /// `\u{1B}`.
    public static func stringLiteral(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "{": out += "\\{"
            case "}": out += "\\}"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            // Every other character the terminal sanitiser would show as a picture or a code
            // point (which would read back as another string): by code point.
            case _ where Sanitized.isControl(c):
                out += "\\u{" + String(c.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
