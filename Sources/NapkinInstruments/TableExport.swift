import Foundation
import NapkinCore

/// Tables as data for other tools: CSV, JSON or Markdown, one unit per column (in its header).
public enum TableExport {
    public enum Format: String, Sendable { case csv, json, md }

    public static func render(_ t: Table, format: Format, interpreter: Interpreter) throws(NapkinError) -> String {
        // One display unit per column, chosen from its largest value, as the terminal table does.
        var headers: [String] = [], units: [String] = [], cells: [[String]] = Array(repeating: [], count: t.rows.count)
        var numeric: [Bool] = []
        for c in 0..<t.columns.count {
            let col = t.column(c)
            let quantities = t.quantityColumn(c)
            let isNumeric = quantities != nil
            let unit = quantities.flatMap { interpreter.formatter.unit(forColumn: $0) }
            headers.append(t.columns[c])
            units.append(unit?.name ?? "")
            numeric.append(isNumeric)
            for (i, v) in col.enumerated() {
                if isNumeric, case .quantity(let q) = v {
                    cells[i].append(formatNumber(q.value / (unit?.factor ?? 1), digits: max(interpreter.digits, 6)))
                } else {
                    cells[i].append(try interpreter.describeInline(v))
                }
            }
        }
        func headerText(_ i: Int) -> String { units[i].isEmpty ? headers[i] : "\(headers[i]) [\(units[i])]" }
        switch format {
        case .csv:
            func field(_ s: String) -> String {
                s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            }
            var lines = [headers.indices.map { field(headerText($0)) }.joined(separator: ",")]
            for row in cells { lines.append(row.map(field).joined(separator: ",")) }
            return lines.joined(separator: "\n")
        case .md:
            var lines = ["| " + headers.indices.map { headerText($0).replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"]
            lines.append("|" + numeric.map { $0 ? " ---: |" : " --- |" }.joined())
            for row in cells { lines.append("| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |") }
            return lines.joined(separator: "\n")
        case .json:
            var rows: [[String: Any]] = []
            for row in cells {
                var obj: [String: Any] = [:]
                for (i, cell) in row.enumerated() { obj[headers[i]] = numeric[i] ? (Double(cell) ?? cell) as Any : cell }
                rows.append(obj)
            }
            let doc: [String: Any] = ["columns": headers.indices.map { ["name": headers[$0], "unit": units[$0]] }, "rows": rows]
            guard let data = try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted]),
                  let text = String(data: data, encoding: .utf8) else {
                throw NapkinError(.runtime, "this table cannot be written as JSON")
            }
            return text
        }
    }
}
