import NapkinCore

/// A one-line trend of a column, for sweeps shown in the REPL: `▁▂▄▅▇█`.
public enum Sparkline {
    /// At most `width` cells; longer series are averaged into that many buckets.
    public static func render<C: RandomAccessCollection>(_ values: C, width: Int = 60, unicode: Bool = true) -> String?
        where C.Element == Double, C.Index == Int {
        guard values.count >= 3, var lo = values.first, var hi = values.first else { return nil }
        for v in values {
            guard v.isFinite else { return nil }
            lo = min(lo, v)
            hi = max(hi, v)
        }
        let n = min(width, values.count)
        let base = values.startIndex
        var buckets: [Double] = []
        for b in 0..<n {
            let start = b * values.count / n, end = max(start + 1, (b + 1) * values.count / n)
            // By parts when the sum of values near the largest Double overflows.
            let slice = values[(base + start)..<(base + end)], count = Double(end - start)
            let sum = slice.reduce(0, +)
            buckets.append(sum.isFinite ? sum / count : slice.reduce(0) { $0 + $1 / count })
        }
        let ramp: [Character] = unicode ? ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : [".", ":", "-", "=", "+", "*", "#", "@"]
        return String(buckets.map { v in
            hi == lo ? ramp[ramp.count / 2] : ramp[cell(fraction(v, lo, hi) * Double(ramp.count), 0...ramp.count - 1, .down)]
        })
    }

    /// One line per numeric column of a sweep table (after the swept one): trend, name, range.
    /// A numeric column is read in place; a column of values only when all are quantities of one dimension.
    public static func lines(for table: Table, interpreter: Interpreter, unicode: Bool) -> [String] {
        guard table.count >= 3, table.columns.count >= 2 else { return [] }
        var out: [String] = []
        let f = interpreter.formatter
        for c in 1..<table.columns.count {
            switch table.columns[c] {
            case .numbers(let xs, _, _):
                guard let spark = render(xs, unicode: unicode), case .quantity(var lo) = table.cell(0, c) else { continue }
                var hi = lo
                lo.value = xs.min()!
                hi.value = xs.max()!
                out.append("  \(spark)  \(table.names[c]): \(f.valueAndUnit(lo)) … \(f.valueAndUnit(hi))")
            case .values(let vs):
                var qs: [Quantity] = []
                for v in vs { if case .quantity(let q) = v { qs.append(q) } }
                guard qs.count == table.count, Set(qs.map(\.dim)).count == 1,
                      let spark = render(qs.map(\.value), unicode: unicode) else { continue }
                let lo = qs.min { $0.value < $1.value }!, hi = qs.max { $0.value < $1.value }!
                out.append("  \(spark)  \(table.names[c]): \(f.valueAndUnit(lo)) … \(f.valueAndUnit(hi))")
            }
        }
        return out
    }
}
