import Foundation
import NapkinCore

/// Values as data for other tools: CSV, JSON or Markdown. Every value becomes a grid first
/// (a table as it is, a record as one row, a list of records as rows, a list or a single
/// value as one `value` column), with one unit per column in its header and every number
/// written in full: the shortest decimal that reads back as the same Double. A column that has
/// no one unit (mixed dimensions, text among numbers) or a cell that holds a list or a record
/// writes each cell with its own unit, in full: as napkin reads it (`0.3333333333333333 kWh`,
/// `[1.5 W, { a: 2 m }]`) in CSV and Markdown, as JSON values (`{"value": …, "unit": "kWh"}`,
/// arrays, objects) in JSON.
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
        let table = try grid(v, cancel)
        let columns = try table.columns.indices.map { c throws(NapkinError) in try column(table.names[c], table.columns[c], interpreter) }
        switch format {
        case .csv: return try csv(columns, rowCount: table.count, cancel)
        case .md: return try markdown(columns, rowCount: table.count, cancel)
        case .json: return try json(columns, rowCount: table.count, cancel)
        }
    }

    // MARK: The grid

    /// The value as a table (a table as it is, without copying its columns).
    static func grid(_ v: Value, _ cancel: CancelFlag) throws(NapkinError) -> Table {
        func rows(_ names: [String], _ rows: [[Value]]) -> Table {
            Table(names: names, columns: names.indices.map { c in .values(rows.map { $0[c] }) })
        }
        switch v {
        case .table(let t): return t
        case .record(let r): return rows(r.keys, [r.values])
        case .list(let items):
            let records = items.compactMap { if case .record(let r) = $0 { r } else { nil } }
            guard !items.isEmpty, records.count == items.count else { return Table(names: ["value"], columns: [.values(items)]) }
            var keys: [String] = [], seen = Set<String>()
            for (i, r) in records.enumerated() {
                for k in r.keys where !seen.contains(k) { keys.append(k); seen.insert(k) }
                try cancel.check(i)
            }
            return rows(keys, records.map { r in keys.map { r[$0] ?? .nothing } })
        case .figure: throw NapkinError(.runtime, "a figure is not data: :svg FILE (or --svg-dir) writes it as SVG")
        case .function: throw NapkinError(.runtime, "a function is not data: export its results, e.g. a sweep")
        case .nothing: throw NapkinError(.runtime, "there is no value to export")
        default: return rows(["value"], [[v]])
        }
    }

    /// `nested`: a cell with its own units, as napkin source (CSV, Markdown) and as JSON.
    enum Cell { case number(String), bool(Bool), text(String), empty, nested(text: String, json: String) }

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

    static func column(_ name: String, _ column: TableColumn, _ interp: Interpreter) throws(NapkinError) -> Column {
        // A column of quantities of one dimension shares one unit: the one the terminal table
        // shows (`Interpreter.columnUnit`), none for plain numbers so that they read back plain.
        let cancel = interp.cancel
        if let (dim, shown) = try interp.columnUnit(column, skippingNothing: true) {
            let registry = interp.units
            let unit = dim.isNone ? nil : shown
            let factor = unit?.factor ?? 1
            let unitName = dim.isNone ? "" : (unit?.name ?? registry.baseUnits(of: dim))
            func number(_ x: Double) throws(NapkinError) -> Cell {
                // Data never holds an infinity or a NaN either: a value that overflowed is an error.
                guard x.isFinite, (x / factor).isFinite else {
                    throw NapkinError(.runtime, "a value in column '\(Sanitized.line(name))' overflows to infinity")
                }
                return .number(fullPrecision(x, in: factor))
            }
            var cells: [Cell] = []
            cells.reserveCapacity(column.count)
            switch column {
            case .numbers(let xs, _, _):
                for (i, x) in xs.enumerated() {
                    try cancel.check(i)
                    cells.append(try number(x))
                }
            case .values(let values):
                for (i, v) in values.enumerated() {
                    try cancel.check(i)
                    guard case .quantity(let q) = v else { cells.append(.empty); continue }
                    cells.append(try number(q.value))
                }
            }
            return Column(name: name, unit: unitName, dimension: dim.isNone ? "" : registry.name(of: dim), cells: cells)
        }
        let values = column.values
        var cells: [Cell] = []
        for (i, v) in values.enumerated() {
            try cancel.check(i)
            switch v {
            case .nothing: cells.append(.empty)
            case .bool(let b): cells.append(.bool(b))
            case .string(let s): cells.append(.text(s))
            case .quantity(let q) where q.dim.isNone && q.unit == nil:
                cells.append(.number(try plain(q.value, name)))
            default: cells.append(.nested(text: try literal(v, interp, name), json: try jsonValue(v, interp, name)))
            }
        }
        return Column(name: name, unit: "", dimension: "", cells: cells)
    }

    // MARK: Cells with their own units

    static func plain(_ x: Double, _ column: String) throws(NapkinError) -> String {
        guard x.isFinite else { throw NapkinError(.runtime, "a value in column '\(Sanitized.line(column))' overflows to infinity") }
        return fullPrecision(x)
    }

    /// A quantity in full, in the unit the terminal shows it in: (number, unit), the unit empty
    /// for a plain number. Read back in that unit it is the same Double (see `fullPrecision`).
    static func numberAndUnit(_ q: Quantity, _ interp: Interpreter, _ column: String) throws(NapkinError) -> (String, String) {
        guard let u = interp.formatter.shownUnit(q) else {
            return (try plain(q.value, column), q.dim.isNone ? "" : interp.units.baseUnits(of: q.dim))
        }
        guard q.value.isFinite, (q.value / u.factor).isFinite else {
            throw NapkinError(.runtime, "a value in column '\(Sanitized.line(column))' overflows to infinity")
        }
        return (fullPrecision(q.value, in: u.factor), u.name == "1" ? "" : u.name)
    }

    /// A value as napkin source that reads back as the same value: quantities in full with
    /// their unit, strings quoted inside lists and records (a string cell stays its text).
    static func literal(_ v: Value, _ interp: Interpreter, _ column: String, top: Bool = true) throws(NapkinError) -> String {
        switch v {
        case .quantity(let q):
            let (n, u) = try numberAndUnit(q, interp, column)
            return u.isEmpty ? n : u == "%" ? n + "%" : n + " " + u
        case .string(let s):
            return top ? s : Interpreter.stringLiteral(s)
        case .bool(let b): return b ? "true" : "false"
        case .list(let items):
            var parts: [String] = []
            for (i, x) in items.enumerated() {
                parts.append(try literal(x, interp, column, top: false))
                try interp.cancel.check(i)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .record(let r):
            guard !r.keys.isEmpty else { return "{}" }
            var parts: [String] = []
            for (k, x) in zip(r.keys, r.values) { parts.append(Interpreter.recordKey(k) + ": " + (try literal(x, interp, column, top: false))) }
            return "{ " + parts.joined(separator: ", ") + " }"
        case .nothing: return top ? "" : "nothing"
        default: return try interp.describeInline(v)
        }
    }

    /// A value as JSON: a plain number as a number, a quantity as `{"value": …, "unit": …}`,
    /// lists as arrays, records as objects (fields in their order).
    static func jsonValue(_ v: Value, _ interp: Interpreter, _ column: String) throws(NapkinError) -> String {
        switch v {
        case .quantity(let q):
            let (n, u) = try numberAndUnit(q, interp, column)
            return u.isEmpty ? n : "{\"value\": \(n), \"unit\": \(jsonString(u))}"
        case .string(let s): return jsonString(s)
        case .bool(let b): return b ? "true" : "false"
        case .nothing: return "null"
        case .list(let items):
            var parts: [String] = []
            for (i, x) in items.enumerated() {
                parts.append(try jsonValue(x, interp, column))
                try interp.cancel.check(i)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .record(let r):
            var parts: [String] = []
            for (k, x) in zip(r.keys, r.values) { parts.append(jsonString(k) + ": " + (try jsonValue(x, interp, column))) }
            return "{" + parts.joined(separator: ", ") + "}"
        default: return jsonString(try interp.describeInline(v))
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || (0x7F...0x9F).contains(u.value):
                out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// `x` in a unit of `factor`, in full: the shortest decimal d with d × factor == x, so that
    /// napkin reading it back in that unit (as it reads `1.8 L/kWh`) gets exactly `x`. When the
    /// factor's rounding leaves no such d (50 TOPS / 3 in TOPS), the quotient's 17 significant
    /// digits: read back, it differs from `x` by an ulp or two.
    public static func fullPrecision(_ x: Double, in factor: Double) -> String {
        if factor == 1 || x == 0 { return fullPrecision(x) }
        let quotient = x / factor
        // What a person typed has at most 15 digits, and %.15g finds it in one step.
        if let typed = Double(NumberText.general(quotient, significant: 15)), typed * factor == x { return fullPrecision(typed) }
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
        case .number(let s), .text(let s), .nested(let s, _): return s
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
        let string = jsonString
        func value(_ c: Cell) -> String {
            switch c {
            case .number(let s): return s
            case .bool(let b): return b ? "true" : "false"
            case .text(let s): return string(s)
            case .nested(_, let json): return json
            case .empty: return "null"
            }
        }
        // A row's keys must differ: a reader keeps one of two equal keys, and a sweep whose
        // body is named like its variable (`sweep x 1...3 < x >`) has two columns named x. The
        // second is `x (2)`, in the header too.
        var used = Set<String>()
        let keys = columns.map { c -> String in
            var key = c.name, n = 1
            while used.contains(key) { n += 1; key = "\(c.name) (\(n))" }
            used.insert(key)
            return key
        }
        let header = zip(columns, keys).map { c, key in
            "    {\"name\": \(string(key)), \"unit\": \(string(c.unit)), \"dimension\": \(string(c.dimension))}"
        }
        let quotedKeys = keys.map(string)
        var rows: [String] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            rows.append("    {" + columns.indices.map { "\(quotedKeys[$0]): \(value(columns[$0].cells[r]))" }.joined(separator: ", ") + "}")
            try cancel.check(r)
        }
        return "{\n  \"columns\": [\n" + header.joined(separator: ",\n") + "\n  ],\n  \"rows\": [\n"
            + rows.joined(separator: ",\n") + (rows.isEmpty ? "" : "\n") + "  ]\n}"
    }
}
