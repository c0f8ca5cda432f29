import Foundation
import NapkinCore
@testable import NapkinInstruments
import NapkinLibrary
import Testing

/// Plots and exports read a table's columns in place; what they draw and write must be what
/// gathering every point (or every cell as a value) first would give.
@Suite("Instruments: tables read in place")
struct TableColumnsTests {
    func plotData(_ source: String) throws -> FigureData.Plot {
        guard case .plot(let p)? = try figure(source).payload as? FigureData else { throw NapkinError(.runtime, "not a plot") }
        return p
    }

    /// The reference: every point gathered, those that cannot be placed left out, then binned
    /// (each of maxPointsPerSeries / 2 runs of consecutive points keeps its lowest and highest).
    func naive(_ xs: [Double], _ ys: [Double], logY: Bool) -> [(x: Double, y: Double)] {
        let pts = zip(xs, ys).filter { $0.0.isFinite && $0.1.isFinite && !(logY && $0.1 <= 0) }.map { (x: $0.0, y: $0.1) }
        guard pts.count > FigureBuilder.maxPointsPerSeries else { return pts }
        let bins = FigureBuilder.maxPointsPerSeries / 2
        var out: [(x: Double, y: Double)] = []
        for b in 0..<bins {
            let lo = pts.count * b / bins, hi = pts.count * (b + 1) / bins
            guard lo < hi else { continue }
            var iMin = lo, iMax = lo
            for i in lo..<hi {
                if pts[i].y < pts[iMin].y { iMin = i }
                if pts[i].y > pts[iMax].y { iMax = i }
            }
            if iMin == iMax { out.append(pts[iMin]) } else { out.append(pts[min(iMin, iMax)]); out.append(pts[max(iMin, iMax)]) }
        }
        return out
    }

    func same(_ a: [(x: Double, y: Double)], _ b: [(x: Double, y: Double)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }

    @Test("a large table is binned as it is read, exactly as gathering every point first", arguments: [false, true])
    func binning(logY: Bool) throws {
        // Spikes, and on the log axis points ≤ 0 left out between kept ones (they move the bins).
        let n = 10_007
        let y = { (x: Double) -> Double in sin(x / 37) * x + (Int(x) % 997 == 0 ? 5e4 : 0) }
        let p = try plotData("plot(sweep x 1...\(n) < sin(x / 37) * x + (if (mod(x, 997) == 0) then 5e4 else 0), 2 * x >, log_y: \(logY))")
        let xs = (1...n).map(Double.init)
        #expect(p.series.count == 2)
        #expect(same(p.series[0].points, naive(xs, xs.map(y), logY: logY)))
        #expect(same(p.series[1].points, naive(xs, xs.map { 2 * $0 }, logY: logY)))
        #expect(p.series.allSatisfy { $0.points.count <= FigureBuilder.maxPointsPerSeries })
        #expect(p.notes.contains { $0.contains("points binned to the canvas") })
        // A small table keeps every point.
        let small = try plotData("plot(sweep x 1...50 < x * x >)")
        #expect(same(small.series[0].points, naive(Array(xs.prefix(50)), xs.prefix(50).map { $0 * $0 }, logY: false)))
    }

    @Test("a plot's axes take the columns' units, in place, and a list plots against its index")
    func axes() throws {
        let p = try plotData("plot(sweep x 1...3 < x * 2e6 B >)")
        #expect(p.y.unit == "MB" && same(p.series[0].points, [(1, 2), (2, 4), (3, 6)]))
        let l = try plotData("plot([3 W, 1 W, 2 W])")
        #expect(l.x.name == "index" && same(l.series[0].points, [(0, 3), (1, 1), (2, 2)]))
    }

    @Test("a table exports as the same rows of values would: numeric columns in full, mixed columns cell by cell", arguments: DataExport.Format.allCases)
    func exports(_ format: DataExport.Format) throws {
        let session = try Prelude.makeSession()
        var values: [Value] = []
        session.onResult = { values.append($0) }
        try session.run("""
        let t = sweep x 1...6 < x / 3 * 1 kWh, "n{x}", if (x > 3) then 1 m else 2 s, { a: x / 7 }, x * 123456789.123456789 >
        t
        map(t, r => r)
        """, name: "<test>")
        guard values.count == 2, case .table(let t) = values[0] else { Issue.record("no table"); return }
        #expect(t.columns.map { $0.numbers != nil } == [true, true, false, false, false, true])
        let fromColumns = try DataExport.render(values[0], format: format, interpreter: session.interpreter)
        let fromRows = try DataExport.render(values[1], format: format, interpreter: session.interpreter)
        #expect(fromColumns == fromRows)
        #expect(fromColumns.contains("0.3333333333333333"), "\(fromColumns)")
    }
}
