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
            return Sanitized.text(renderTable(t))
        case .figure(let f):
            if let render = figureRenderer { return try render(f) }
            return try describeNested(v)
        case .record(let r):
            let oneLine = try describeInline(v)
            if oneLine.count <= 100 { return Sanitized.text(oneLine) }
            var lines = ["{"]
            for (k, x) in zip(r.keys, r.values) { lines.append("  \(k): \(try describeNested(x)),") }
            lines.append("}")
            return Sanitized.text(lines.joined(separator: "\n"))
        default: return Sanitized.text(try describeInline(v))
        }
    }

    /// Tables never show an infinity or a NaN either (a value that overflowed is an error).
    public func checkFiniteCells(_ t: Table) throws(NapkinError) {
        for (i, row) in t.rows.enumerated() {
            for cell in row {
                if case .quantity(let q) = cell { try checkFinite(q.value, Span(0, 0, file: nil), "a value in row \(i + 1)") }
            }
            if i & 0xFFF == 0xFFF, cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: Span(0, 0, file: nil)) }
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
        case .string(let s): out += "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .list(let items):
            if NativeStack.isLow() { throw NativeStack.error(Span(0, 0, file: nil)) }
            out += "["
            var first = true
            for (i, x) in items.enumerated() {
                if i > 50 && i < items.count - 10 && items.count > 60 { continue }
                if !first { out += ", " }
                first = false
                if i == 50 && items.count > 60 { out += "… \(items.count - 60) more …"; continue }
                try appendNested(x, to: &out, visited: &visited)
            }
            out += "]"
        case .record(let r):
            if r.keys.isEmpty { out += "{}"; return }
            if NativeStack.isLow() { throw NativeStack.error(Span(0, 0, file: nil)) }
            out += "{ "
            for (i, (k, x)) in zip(r.keys, r.values).enumerated() {
                if i > 0 { out += ", " }
                out += k + ": "
                try appendNested(x, to: &out, visited: &visited)
            }
            out += " }"
        case .function(let f): out += "fn " + f.signature
        case .table(let t): out += "<table \(t.rows.count)×\(t.columns.count): \(t.columns.joined(separator: ", "))>"
        case .figure(let f): out += "<figure \(f.kind)\(f.title.map { ": " + $0 } ?? "")>"
        case .nothing: out += "nothing"
        }
    }

    /// Aligned columns, units in the headers; long tables show their head and tail.
    public func renderTable(_ t: Table, maxRows: Int = 20) -> String {
        let f = formatter
        var headers: [String] = []
        var cells: [[String]] = Array(repeating: [], count: t.rows.count)
        var numeric: [Bool] = []
        for c in 0..<t.columns.count {
            let col = t.column(c)
            // One unit per column, so values line up.
            let quantities = t.quantityColumn(c)
            let allQuantities = quantities != nil
            let unit = quantities.flatMap { f.unit(forColumn: $0) }
            var header = t.columns[c]
            if allQuantities, let u = unit { header += " [\(u.name)]" }
            headers.append(header)
            numeric.append(allQuantities)
            for (i, v) in col.enumerated() {
                if allQuantities, case .quantity(let q) = v {
                    cells[i].append(formatNumber(q.value / (unit?.factor ?? 1), digits: digits))
                } else {
                    cells[i].append((try? describeNested(v)) ?? "?")
                }
            }
        }
        var shown: [[String]?] = []
        if t.rows.count > maxRows {
            let head = maxRows / 2, tail = maxRows - head - 1
            shown = cells.prefix(head).map { $0 } + [nil] + cells.suffix(tail).map { $0 }
        } else {
            shown = cells.map { $0 }
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
        if t.rows.count > maxRows { lines.append("(\(t.rows.count) rows)") }
        return lines.map { line in
            var l = line
            while l.hasSuffix(" ") { l.removeLast() }
            return l
        }.joined(separator: "\n")
    }
}
