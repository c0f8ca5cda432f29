import NapkinCore

/// A one-line trend of a column, for sweeps shown in the REPL: `▁▂▄▅▇█`.
public enum Sparkline {
    /// At most `width` cells; longer series are averaged into that many buckets.
    public static func render(_ values: [Double], width: Int = 60, unicode: Bool = true) -> String? {
        let finite = values.filter(\.isFinite)
        guard finite.count >= 3, finite.count == values.count, let lo = finite.min(), let hi = finite.max() else { return nil }
        let n = min(width, values.count)
        var buckets: [Double] = []
        for b in 0..<n {
            let start = b * values.count / n, end = max(start + 1, (b + 1) * values.count / n)
            buckets.append(values[start..<end].reduce(0, +) / Double(end - start))
        }
        let ramp: [Character] = unicode ? ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : [".", ":", "-", "=", "+", "*", "#", "@"]
        return String(buckets.map { v in
            hi == lo ? ramp[ramp.count / 2] : ramp[min(ramp.count - 1, Int((v - lo) / (hi - lo) * Double(ramp.count)))]
        })
    }

    /// One line per numeric column of a sweep table (after the swept one): trend, name, range.
    public static func lines(for table: Table, interpreter: Interpreter, unicode: Bool) -> [String] {
        guard table.rows.count >= 3, table.columns.count >= 2 else { return [] }
        var out: [String] = []
        for c in 1..<table.columns.count {
            var qs: [Quantity] = []
            for v in table.column(c) { if case .quantity(let q) = v { qs.append(q) } }
            guard qs.count == table.rows.count, Set(qs.map(\.dim)).count == 1,
                  let spark = render(qs.map(\.value), unicode: unicode) else { continue }
            let f = interpreter.formatter
            let lo = qs.min { $0.value < $1.value }!, hi = qs.max { $0.value < $1.value }!
            out.append("  \(spark)  \(table.columns[c]): \(f.valueAndUnit(lo)) … \(f.valueAndUnit(hi))")
        }
        return out
    }
}
