import Foundation
import NapkinCore

/// Values as data for other tools: CSV, JSON or Markdown. Every value becomes a grid first
/// (a table as it is, a record as one row, a list of records as rows, a list or a single
/// value as one `value` column), with one unit per column in its header and every number
/// written in full: the shortest decimal that reads back as the same Double.
public enum DataExport {
    public enum Format: String, CaseIterable, Sendable { case csv, json, md }

    /// The format a file name's extension asks for (`out.csv`), if any.
    public static func format(forPath path: String) -> Format? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "csv": return .csv
        case "json": return .json
        case "md", "markdown": return .md
        default: return nil
        }
    }

    /// Whether `v` is data (figures and functions are not; they are shown as usual).
    public static func isData(_ v: Value) -> Bool {
        switch v {
        case .figure, .function, .nothing: return false
        default: return true
        }
    }

    public static func render(_ v: Value, format: Format, interpreter: Interpreter) throws(NapkinError) -> String {
        // Millions of rows take seconds: every loop below checks for Ctrl-C and --timeout.
        let cancel = interpreter.cancel
        let (names, rows) = try grid(v, cancel)
        let columns = try names.indices.map { c throws(NapkinError) in try column(names[c], rows.map { $0[c] }, interpreter) }
        switch format {
        case .csv: return try csv(columns, rowCount: rows.count, cancel)
        case .md: return try markdown(columns, rowCount: rows.count, cancel)
        case .json: return try json(columns, rowCount: rows.count, cancel)
        }
    }

    // MARK: The grid

    static func grid(_ v: Value, _ cancel: CancelFlag) throws(NapkinError) -> ([String], [[Value]]) {
        switch v {
        case .table(let t): return (t.columns, t.rows)
        case .record(let r): return (r.keys, [r.values])
        case .list(let items):
            let records = items.compactMap { if case .record(let r) = $0 { r } else { nil } }
            guard !items.isEmpty, records.count == items.count else { return (["value"], items.map { [$0] }) }
            var keys: [String] = [], seen = Set<String>()
            for (i, r) in records.enumerated() {
                for k in r.keys where !seen.contains(k) { keys.append(k); seen.insert(k) }
                try cancel.check(i)
            }
            return (keys, records.map { r in keys.map { r[$0] ?? .nothing } })
        case .figure: throw NapkinError(.runtime, "a figure is not data: :svg FILE (or --svg-dir) writes it as SVG")
        case .function: throw NapkinError(.runtime, "a function is not data: export its results, e.g. a sweep")
        case .nothing: throw NapkinError(.runtime, "there is no value to export")
        default: return (["value"], [[v]])
        }
    }

    enum Cell { case number(String), bool(Bool), text(String), empty }

    struct Column {
        let name: String
        /// The unit every number of the column is written in; empty for plain numbers and text.
        let unit: String
        let dimension: String
        let cells: [Cell]
        var numeric: Bool {
            cells.contains { if case .number = $0 { true } else { false } }
                && cells.allSatisfy { if case .number = $0 { true } else if case .empty = $0 { true } else { false } }
        }
        var header: String { unit.isEmpty ? name : "\(name) [\(unit)]" }
    }

    static func column(_ name: String, _ values: [Value], _ interp: Interpreter) throws(NapkinError) -> Column {
        // A column of quantities of one dimension shares one unit (the one the terminal table shows).
        let cancel = interp.cancel
        let quantities = values.compactMap { if case .quantity(let q) = $0 { q } else { nil } }
        let present = values.filter { if case .nothing = $0 { false } else { true } }
        if !quantities.isEmpty, quantities.count == present.count, quantities.allSatisfy({ $0.dim == quantities[0].dim }) {
            let dim = quantities[0].dim
            let registry = interp.units
            let unit = dim.isNone ? nil : interp.formatter.unit(forColumn: quantities)
            let factor = unit?.factor ?? 1
            let unitName = dim.isNone ? (unit?.name ?? "") : (unit?.name ?? registry.baseUnits(of: dim))
            var cells: [Cell] = []
            cells.reserveCapacity(values.count)
            for (i, v) in values.enumerated() {
                try cancel.check(i)
                guard case .quantity(let q) = v else { cells.append(.empty); continue }
                // Data never holds an infinity or a NaN either: a value that overflowed is an error.
                guard q.value.isFinite, (q.value / factor).isFinite else {
                    throw NapkinError(.runtime, "a value in column '\(Sanitized.line(name))' overflows to infinity")
                }
                cells.append(.number(fullPrecision(q.value, in: factor)))
            }
            return Column(name: name, unit: unitName, dimension: dim.isNone ? "" : registry.name(of: dim), cells: cells)
        }
        var cells: [Cell] = []
        for (i, v) in values.enumerated() {
            try cancel.check(i)
            switch v {
            case .nothing: cells.append(.empty)
            case .bool(let b): cells.append(.bool(b))
            case .string(let s): cells.append(.text(s))
            default: cells.append(.text(try interp.describeInline(v)))
            }
        }
        return Column(name: name, unit: "", dimension: "", cells: cells)
    }

    /// `x` in a unit of `factor`, in full: the shortest decimal d with d × factor == x, so that
    /// napkin reading it back in that unit (as it reads `1.8 L/kWh`) gets exactly `x`. When the
    /// factor's rounding leaves no such d (50 TOPS / 3 in TOPS), the quotient's 17 significant
    /// digits: read back, it differs from `x` by an ulp or two.
    public static func fullPrecision(_ x: Double, in factor: Double) -> String {
        if factor == 1 || x == 0 { return fullPrecision(x) }
        let quotient = x / factor
        // What a person typed has at most 15 digits, and %.15g finds it in one step.
        if let typed = Double(String(format: "%.15g", quotient)), typed * factor == x { return fullPrecision(typed) }
        var up = quotient, down = quotient.nextDown
        for _ in 0..<2 {
            if up * factor == x { return fullPrecision(up) }
            if down * factor == x { return fullPrecision(down) }
            up = up.nextUp
            down = down.nextDown
        }
        return fullPrecision(quotient)
    }

    /// The shortest decimal that reads back as exactly `x` (Swift's round-trip description),
    /// without a trailing `.0` and never `-0`.
    public static func fullPrecision(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return x.description
    }

    // MARK: Formats

    static func text(_ cell: Cell) -> String {
        switch cell {
        case .number(let s), .text(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .empty: return ""
        }
    }

    /// CSV and Markdown land on a terminal by default: a script's text in them has its control
    /// characters made visible (JSON escapes them itself).
    static func csv(_ columns: [Column], rowCount: Int, _ cancel: CancelFlag) throws(NapkinError) -> String {
        func field(_ raw: String) -> String {
            let s = Sanitized.line(raw)
            return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = [columns.map { field($0.header) }.joined(separator: ",")]
        for r in 0..<rowCount {
            lines.append(columns.map { field(text($0.cells[r])) }.joined(separator: ","))
            try cancel.check(r)
        }
        return lines.joined(separator: "\n")
    }

    static func markdown(_ columns: [Column], rowCount: Int, _ cancel: CancelFlag) throws(NapkinError) -> String {
        func escape(_ s: String) -> String { Sanitized.line(s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")) }
        var lines = ["| " + columns.map { escape($0.header) }.joined(separator: " | ") + " |"]
        lines.append("|" + columns.map { $0.numeric ? " ---: |" : " --- |" }.joined())
        for r in 0..<rowCount {
            lines.append("| " + columns.map { escape(text($0.cells[r])) }.joined(separator: " | ") + " |")
            try cancel.check(r)
        }
        return lines.joined(separator: "\n")
    }

    /// JSON written by hand so that columns and fields keep their order.
    static func json(_ columns: [Column], rowCount: Int, _ cancel: CancelFlag) throws(NapkinError) -> String {
        func string(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where u.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
                default: out.unicodeScalars.append(u)
                }
            }
            return out + "\""
        }
        func value(_ c: Cell) -> String {
            switch c {
            case .number(let s): return s
            case .bool(let b): return b ? "true" : "false"
            case .text(let s): return string(s)
            case .empty: return "null"
            }
        }
        let header = columns.map { c in
            "    {\"name\": \(string(c.name)), \"unit\": \(string(c.unit)), \"dimension\": \(string(c.dimension))}"
        }
        var rows: [String] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            rows.append("    {" + columns.map { "\(string($0.name)): \(value($0.cells[r]))" }.joined(separator: ", ") + "}")
            try cancel.check(r)
        }
        return "{\n  \"columns\": [\n" + header.joined(separator: ",\n") + "\n  ],\n  \"rows\": [\n"
            + rows.joined(separator: ",\n") + (rows.isEmpty ? "" : "\n") + "  ]\n}"
    }
}
