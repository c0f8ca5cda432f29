/// How values print: quantities with unit and dimension at the top level, compactly inside
/// lists, records and strings; tables as aligned columns with units in the headers.
extension Interpreter {
    /// A result as the REPL and scripts show it: `13.33 min [Time]`, `"text"` raw.
    public func describe(_ v: Value) throws(NapkinError) -> String {
        switch v {
        case .quantity(let q): return formatter.format(q)
        case .string(let s): return s
        case .table(let t): return renderTable(t)
        case .figure(let f):
            if let render = figureRenderer { return try render(f) }
            return try describeNested(v)
        case .record(let r):
            let oneLine = try describeInline(v)
            if oneLine.count <= 100 { return oneLine }
            var lines = ["{"]
            for (k, x) in zip(r.keys, r.values) { lines.append("  \(k): \(try describeNested(x)),") }
            lines.append("}")
            return lines.joined(separator: "\n")
        default: return try describeInline(v)
        }
    }

    /// A value inside a string interpolation: no dimension tag, strings raw.
    public func describeInline(_ v: Value) throws(NapkinError) -> String {
        if case .string(let s) = v { return s }
        return try describeNested(v)
    }

    /// A value inside a list or record: strings quoted.
    func describeNested(_ v: Value) throws(NapkinError) -> String {
        switch v {
        case .quantity(let q):
            try checkFinite(q.value, Span(0, 0, file: nil), "a value")
            return formatter.valueAndUnit(q)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .list(let items):
            var parts: [String] = []
            for (i, x) in items.enumerated() {
                if i == 50 && items.count > 60 { parts.append("… \(items.count - 60) more …"); continue }
                if i > 50 && i < items.count - 10 { continue }
                parts.append(try describeNested(x))
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .record(let r):
            if r.keys.isEmpty { return "{}" }
            var parts: [String] = []
            for (k, x) in zip(r.keys, r.values) { parts.append("\(k): \(try describeNested(x))") }
            return "{ " + parts.joined(separator: ", ") + " }"
        case .function(let f): return "fn " + f.signature
        case .table(let t): return "<table \(t.rows.count)×\(t.columns.count): \(t.columns.joined(separator: ", "))>"
        case .figure(let f): return "<figure \(f.kind)\(f.title.map { ": " + $0 } ?? "")>"
        case .nothing: return "nothing"
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
