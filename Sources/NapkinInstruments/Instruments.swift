import Foundation
import NapkinCore

/// The instrument builtins (plot, bars, waterfall, gauge, radar, seesaw) and the renderer that
/// draws their figures. Hosts call `install` once per session.
public enum Instruments {
    /// Registers the instruments and a renderer for the session's figures.
    public static func install(into interpreter: Interpreter, style: RenderStyle) {
        for b in builtins { interpreter.register(b) }
        // Unowned, not weak: a weak reference would move the interpreter's reference count to a
        // side table and slow down every retain of it on the evaluation's hot path.
        interpreter.figureRenderer = { [unowned interpreter] (figure: Figure) throws(NapkinError) -> String in
            var s = style
            s.digits = interpreter.digits
            return try renderText(figure, style: s)
        }
    }

    public static func renderText(_ figure: Figure, style: RenderStyle) throws(NapkinError) -> String {
        guard let data = figure.payload as? FigureData else {
            throw NapkinError(.runtime, "this figure cannot be drawn as text")
        }
        return TextRenderer(style: style).render(data)
    }

    /// The figure as a standalone SVG document.
    public static func renderSVG(_ figure: Figure, digits: Int = 4) throws(NapkinError) -> String {
        guard let data = figure.payload as? FigureData else {
            throw NapkinError(.runtime, "this figure cannot be drawn as SVG")
        }
        var r = SVGRenderer()
        r.digits = digits
        return r.render(data, fallbackTitle: figure.kind)
    }

    static let builtins: [Builtin] = [
        Builtin(name: "plot", parameters: ["data", "title", "log_x", "log_y", "target", "mark", "at"], minArgs: 1, maxArgs: 7,
                doc: "line chart of a sweep table (or a list): columns against the first") { interp, args, site throws(NapkinError) in
            let plot = try FigureBuilder(interp, site).plot(args)
            return .figure(Figure(kind: "plot", title: plot.title, payload: FigureData.plot(plot)))
        },
        Builtin(name: "bars", parameters: ["data", "title"], minArgs: 1, maxArgs: 2,
                doc: "horizontal bars of a record's quantities (or a table's last column)") { interp, args, site throws(NapkinError) in
            let b = try FigureBuilder(interp, site).bars(args, total: false)
            return .figure(Figure(kind: "bars", title: b.title, payload: FigureData.bars(b)))
        },
        Builtin(name: "waterfall", parameters: ["data", "title"], minArgs: 1, maxArgs: 2,
                doc: "stacked contributions to a total, in order") { interp, args, site throws(NapkinError) in
            let b = try FigureBuilder(interp, site).bars(args, total: true)
            return .figure(Figure(kind: "waterfall", title: b.title, payload: FigureData.bars(b)))
        },
        Builtin(name: "gauge", parameters: ["value", "min", "max", "bands", "title"], minArgs: 3, maxArgs: 5,
                doc: "a dial: value between min and max; bands is a record of label: upper edge") { interp, args, site throws(NapkinError) in
            let g = try FigureBuilder(interp, site).gauge(args)
            return .figure(Figure(kind: "gauge", title: g.title, payload: FigureData.gauge(g)))
        },
        Builtin(name: "radar", parameters: ["data", "title"], minArgs: 1, maxArgs: 2,
                doc: "quantities of one dimension on log-scaled spokes") { interp, args, site throws(NapkinError) in
            let r = try FigureBuilder(interp, site).radar(args)
            return .figure(Figure(kind: "radar", title: r.title, payload: FigureData.radar(r)))
        },
        Builtin(name: "seesaw", parameters: ["left", "right", "title"], minArgs: 2, maxArgs: 3,
                doc: "which side of a trade-off weighs more (same dimension on both sides)") { interp, args, site throws(NapkinError) in
            let s = try FigureBuilder(interp, site).seesaw(args)
            return .figure(Figure(kind: "seesaw", title: s.title, payload: FigureData.seesaw(s)))
        },
    ]
}

/// Turns napkin values into figure data, with clear errors for what cannot be drawn.
struct FigureBuilder {
    let interp: Interpreter
    let site: CallSite
    init(_ interp: Interpreter, _ site: CallSite) {
        self.interp = interp
        self.site = site
    }

    func fail(_ message: String, arg: Int? = nil, _ phase: Phase = .runtime) -> NapkinError {
        NapkinError(phase, message, at: arg.map { site.arg($0) } ?? site.span)
    }

    func optional(_ args: [Value], _ i: Int) -> Value? {
        guard i < args.count else { return nil }
        if case .nothing = args[i] { return nil }
        return args[i]
    }

    func title(_ args: [Value], _ i: Int) throws(NapkinError) -> String? {
        guard let v = optional(args, i) else { return nil }
        guard case .string(let s) = v else { throw fail("title must be a string", arg: i) }
        return Sanitized.line(s)
    }

    /// Every name a figure shows comes from the script: made visible once, here, so the
    /// terminal and the SVG (valid XML) both get plain text.
    func label(_ s: String) -> String { Sanitized.line(s) }

    /// Most points a series keeps: more than any canvas has pixels across (see `binned`).
    static let maxPointsPerSeries = 4_000

    /// A series' points, read one index at a time (nil: the point is left out). A series with
    /// more points than pixels is binned as it is read, never gathered first: consecutive points
    /// fall in `maxPointsPerSeries / 2` bins, and each bin keeps its lowest and highest point (in
    /// their order), so the drawn line has the same envelope, spikes included. `kept` is how
    /// many points `point` places.
    static func binned(count: Int, kept: Int, cancel: CancelFlag,
                       _ point: (Int) -> (x: Double, y: Double)?) throws(NapkinError) -> [(x: Double, y: Double)] {
        var out: [(x: Double, y: Double)] = []
        guard kept > maxPointsPerSeries else {
            out.reserveCapacity(kept)
            for i in 0..<count {
                if let p = point(i) { out.append(p) }
            }
            return out
        }
        let bins = maxPointsPerSeries / 2
        out.reserveCapacity(2 * bins)
        // Bin b holds the kept points numbered kept·b/bins ..< kept·(b+1)/bins.
        var b = 0, end = kept / bins, k = 0
        var low: (x: Double, y: Double) = (0, 0), high = low, lowAt = -1, highAt = -1
        func flush() {
            guard lowAt >= 0 else { return }
            if lowAt == highAt { out.append(low) } else if lowAt < highAt { out.append(low); out.append(high) } else { out.append(high); out.append(low) }
            lowAt = -1
            highAt = -1
        }
        for i in 0..<count {
            if i & 0xFFFF == 0xFFFF, cancel.isSet { throw NapkinError(.cancelled, "cancelled") }
            guard let p = point(i) else { continue }
            while k >= end {
                flush()
                b += 1
                end = kept * (b + 1) / bins
            }
            if lowAt < 0 || p.y < low.y { low = p; lowAt = k }
            if highAt < 0 || p.y > high.y { high = p; highAt = k }
            k += 1
        }
        flush()
        return out
    }

    func flag(_ args: [Value], _ i: Int) throws(NapkinError) -> Bool {
        guard let v = optional(args, i) else { return false }
        guard case .bool(let b) = v else { throw fail("expected true or false", arg: i) }
        return b
    }

    /// Columns of quantities of one dimension, read in place, and the display unit chosen for
    /// the largest of them: each column's numbers (in the values' own units) and the unit's
    /// factor. One pass over the values (a plot may have millions), checking for cancellation.
    func axis(_ columns: [TableColumn], what: String, arg: Int) throws(NapkinError)
        -> (raw: [ContiguousArray<Double>], unit: String, factor: Double, dim: NapkinCore.Dimension) {
        guard let head = columns.first(where: { $0.count > 0 })?[0] else { return (columns.map { _ in [] }, "", 1, .none) }
        guard case .quantity(let first) = head else { throw fail("\(what) must be numbers or quantities, found a \(head.typeName)", arg: arg) }
        func mismatch(_ d: NapkinCore.Dimension) -> NapkinError {
            NapkinError(.dimension, "mismatched units in one chart: \(interp.units.describe(first.dim)) and \(interp.units.describe(d))",
                        at: site.arg(arg))
        }
        var biggest = 0.0
        var raw: [ContiguousArray<Double>] = []
        for column in columns {
            switch column {
            case .numbers(let xs, let dim, _):
                if !xs.isEmpty, dim != first.dim { throw mismatch(dim) }
                for (i, x) in xs.enumerated() {
                    if x.isFinite { biggest = max(biggest, abs(x)) }
                    if i & 0xFFFF == 0xFFFF, interp.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: site.span) }
                }
                raw.append(xs)
            case .values(let values):
                var xs = ContiguousArray<Double>()
                xs.reserveCapacity(values.count)
                for (i, v) in values.enumerated() {
                    guard case .quantity(let q) = v else { throw fail("\(what) must be numbers or quantities, found a \(v.typeName)", arg: arg) }
                    if first.dim != q.dim { throw mismatch(q.dim) }
                    xs.append(q.value)
                    if q.value.isFinite { biggest = max(biggest, abs(q.value)) }
                    if i & 0xFFFF == 0xFFFF, interp.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: site.span) }
                }
                raw.append(xs)
            }
        }
        // The unit the first was written in while it reads well, else the readable unit of the largest.
        let unit = interp.formatter.unit(forColumn: first.dim, remembered: first.unit, biggest: biggest)
        return (raw, unit?.name ?? (first.dim.isNone ? "" : interp.units.baseUnits(of: first.dim)), unit?.factor ?? 1, first.dim)
    }

    /// Quantities of one dimension, in the display unit chosen for the largest of them.
    func column(_ values: [Value], what: String, arg: Int) throws(NapkinError) -> (values: [Double], unit: String, factor: Double, dim: NapkinCore.Dimension) {
        let a = try axis([.values(values)], what: what, arg: arg)
        return (a.raw[0].map { a.factor == 1 ? $0 : $0 / a.factor }, a.unit, a.factor, a.dim)
    }

    func dimensionName(_ d: NapkinCore.Dimension) -> String { interp.units.name(of: d) }

    func plot(_ args: [Value]) throws(NapkinError) -> FigureData.Plot {
        // The columns are read where they are: a table of millions of rows is never copied.
        let xColumn: TableColumn, xName: String
        var ys: [(name: String, column: TableColumn)] = []
        switch args[0] {
        case .table(let t):
            guard t.count > 0 else { throw fail("nothing to plot: the table is empty", arg: 0) }
            guard t.columns.count >= 2 else { throw fail("a table to plot needs at least two columns", arg: 0) }
            xColumn = t.columns[0]
            xName = label(t.names[0])
            for c in 1..<t.columns.count { ys.append((label(t.names[c]), t.columns[c])) }
        case .list(let items):
            guard !items.isEmpty else { throw fail("nothing to plot: the list is empty", arg: 0) }
            xColumn = .numbers(ContiguousArray((0..<items.count).map(Double.init)), dim: .none, unitID: 0)
            xName = "index"
            ys = [("value", .values(items))]
        default:
            throw fail("plot needs a sweep table or a list, got a \(args[0].typeName)", arg: 0)
        }
        let x = try axis([xColumn], what: "the x values", arg: 0)
        let yAxis = try axis(ys.map(\.column), what: "the plotted values", arg: 0)
        let yUnit = yAxis.unit, yDim = yAxis.dim
        let logX = try flag(args, 2), logY = try flag(args, 3)
        var dropped = 0, nonPositive = 0, binned = 0
        var series: [FigureData.Series] = []
        let xs = x.raw[0], xFactor = x.factor, yFactor = yAxis.factor
        for (k, y) in ys.enumerated() {
            let yv = yAxis.raw[k]
            @inline(__always) func at(_ i: Int) -> (x: Double, y: Double) {
                (xFactor == 1 ? xs[i] : xs[i] / xFactor, yFactor == 1 ? yv[i] : yv[i] / yFactor)
            }
            // First pass: which points can be placed, and how many.
            var kept = 0
            for i in 0..<yv.count {
                let (px, py) = at(i)
                if !px.isFinite || !py.isFinite { dropped += 1 } else if (logX && px <= 0) || (logY && py <= 0) { nonPositive += 1 } else { kept += 1 }
                if i & 0xFFFF == 0xFFFF, interp.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: site.span) }
            }
            if kept > FigureBuilder.maxPointsPerSeries { binned += kept }
            let points = try FigureBuilder.binned(count: yv.count, kept: kept, cancel: interp.cancel) { i in
                let p = at(i)
                guard p.x.isFinite, p.y.isFinite, !(logX && p.x <= 0), !(logY && p.y <= 0) else { return nil }
                return p
            }
            series.append(FigureData.Series(name: y.name, points: points))
        }
        var p = FigureData.Plot(title: try title(args, 1),
                                x: AxisLabel(name: xName, unit: x.unit, dimension: dimensionName(x.dim)),
                                y: AxisLabel(name: ys.count == 1 ? ys[0].name : "value", unit: yUnit, dimension: dimensionName(yDim)),
                                series: series, logX: logX, logY: logY)
        if dropped > 0 { p.notes.append("\(dropped) point\(dropped == 1 ? "" : "s") not finite, left out") }
        if binned > 0 { p.notes.append("\(binned) points binned to the canvas (each bin's lowest and highest drawn)") }
        if nonPositive > 0 { p.notes.append("\(nonPositive) point\(nonPositive == 1 ? "" : "s") ≤ 0 left out of the log axis") }
        if series.allSatisfy({ $0.points.isEmpty }) { throw fail("nothing to plot: no point can be placed on these axes", arg: 0) }
        if let t = optional(args, 4) {
            let tq = try target(t, dim: yDim, arg: 4, what: "target")
            p.targets = tq.map { $0 / yFactor }
        }
        if let m = optional(args, 5) {
            let mq = try target(m, dim: x.dim, arg: 5, what: "mark")
            p.marks = mq.map { $0 / xFactor }
        }
        // `at: []` (the named instruments' default) marks nothing.
        if let a = optional(args, 6), !isEmptyList(a) {
            p.operating = try operatingPoint(a, p, x: (xFactor, x.dim, x.unit), y: (yFactor, yDim, yUnit))
        }
        return p
    }

    func isEmptyList(_ v: Value) -> Bool { if case .list(let xs) = v { return xs.isEmpty } else { return false } }

    /// `at: x` puts a dot on every line at x (interpolated); `at: [x, y]` one free point.
    func operatingPoint(_ v: Value, _ p: FigureData.Plot, x: (factor: Double, dim: NapkinCore.Dimension, unit: String),
                        y: (factor: Double, dim: NapkinCore.Dimension, unit: String)) throws(NapkinError) -> FigureData.OperatingPoint {
        func number(_ v: Value, _ d: NapkinCore.Dimension, _ factor: Double, _ axis: String) throws(NapkinError) -> Double {
            guard case .quantity(let q) = v else { throw fail("at: must be the x value (or [x, y]) of the operating point", arg: 6) }
            guard q.dim == d else {
                throw NapkinError(.dimension, "at: is \(interp.units.describe(q.dim)) but the \(axis) axis is \(interp.units.describe(d))", at: site.arg(6))
            }
            return q.value / factor
        }
        // In the axis's unit while that reads well; a value many decades away from it (a log
        // axis in days reaching 9.85e-5 days) in its own readable unit instead (8.51 s).
        func show(_ value: Double, _ unit: String, _ factor: Double, _ dim: NapkinCore.Dimension) -> String {
            if QuantityFormatter.readsWell(value) || dim.isNone {
                return formatNumber(value, digits: interp.digits) + (unit.isEmpty ? "" : unit == "%" ? "%" : " " + unit)
            }
            return interp.formatter.valueAndUnit(Quantity(value * factor, dim))
        }
        let xName = p.x.name
        if case .list(let xy) = v {
            guard xy.count == 2 else { throw fail("at: [x, y] marks one point: give two values", arg: 6) }
            let px = try number(xy[0], x.dim, x.factor, "x"), py = try number(xy[1], y.dim, y.factor, "y")
            return FigureData.OperatingPoint(x: px, dots: [(nil, py)], label: "● at \(xName) = \(show(px, x.unit, x.factor, x.dim)): \(show(py, y.unit, y.factor, y.dim))")
        }
        let px = try number(v, x.dim, x.factor, "x")
        var dots: [(series: Int?, y: Double)] = []
        var parts: [String] = []
        for (i, s) in p.series.enumerated() {
            guard let yv = FigureBuilder.interpolate(s.points, at: px, logX: p.logX, logY: p.logY) else { continue }
            dots.append((i, yv))
            parts.append((p.series.count > 1 ? s.name + " " : "") + show(yv, y.unit, y.factor, y.dim))
        }
        var label = "● at \(xName) = \(show(px, x.unit, x.factor, x.dim))"
        if !parts.isEmpty { label += ": " + parts.joined(separator: ", ") }
        return FigureData.OperatingPoint(x: px, dots: dots, label: label)
    }

    /// A line's value at x, interpolated between its neighbouring points (on the axes' scales).
    static func interpolate(_ pts: [(x: Double, y: Double)], at x: Double, logX: Bool, logY: Bool) -> Double? {
        let sorted = pts.sorted { $0.x < $1.x }
        guard let first = sorted.first, let last = sorted.last, x >= first.x, x <= last.x else { return nil }
        for i in 0..<sorted.count {
            let b = sorted[i]
            if b.x == x { return b.y }
            guard i > 0, b.x > x else { continue }
            let a = sorted[i - 1]
            let fx = logX && a.x > 0 && b.x > 0 ? log(x / a.x) / log(b.x / a.x) : (x - a.x) / (b.x - a.x)
            if logY, a.y > 0, b.y > 0 { return a.y * pow(b.y / a.y, fx) }
            return a.y + (b.y - a.y) * fx
        }
        return nil
    }

    func target(_ v: Value, dim: NapkinCore.Dimension, arg: Int, what: String) throws(NapkinError) -> [Double] {
        var values: [Value] = []
        if case .list(let items) = v { values = items } else { values = [v] }
        var out: [Double] = []
        for item in values {
            guard case .quantity(let q) = item else { throw fail("\(what) must be a quantity", arg: arg) }
            guard q.dim == dim else {
                throw NapkinError(.dimension, "\(what) is \(interp.units.describe(q.dim)) but the axis is \(interp.units.describe(dim))", at: site.arg(arg))
            }
            out.append(q.value)
        }
        return out
    }

    /// Labelled quantities from a record, or from a table (first column labels, last column values).
    func entries(_ v: Value, arg: Int) throws(NapkinError) -> (labels: [String], values: [Value]) {
        switch v {
        case .record(let r):
            guard !r.keys.isEmpty else { throw fail("nothing to draw: the record is empty", arg: arg) }
            return (r.keys.map(label), r.values)
        case .table(let t):
            guard t.count > 0 else { throw fail("nothing to draw: the table is empty", arg: arg) }
            var labels: [String] = []
            for r in 0..<t.count { labels.append(label(try interp.describeInline(t.cell(r, 0)))) }
            return (labels, t.column(t.columns.count - 1))
        default:
            throw fail("expected a record like { a: 1 W, b: 2 W } or a table, got a \(v.typeName)", arg: arg)
        }
    }

    func bars(_ args: [Value], total: Bool) throws(NapkinError) -> FigureData.Bars {
        let (labels, values) = try entries(args[0], arg: 0)
        let col = try column(values, what: "bar values", arg: 0)
        for v in col.values where !v.isFinite { throw fail("a bar's value is not finite", arg: 0) }
        return FigureData.Bars(title: try title(args, 1), unit: col.unit, dimension: dimensionName(col.dim),
                               entries: zip(labels, col.values).map { Entry(label: $0, value: $1) }, total: total)
    }

    func gauge(_ args: [Value]) throws(NapkinError) -> FigureData.Gauge {
        var values = [args[0], args[1], args[2]]
        var bandLabels: [String] = []
        if let b = optional(args, 3) {
            guard case .record(let r) = b else { throw fail("bands must be a record of label: upper edge", arg: 3) }
            bandLabels = r.keys.map(label)
            values += r.values
        }
        let col = try column(values, what: "the gauge's value, range and bands", arg: 0)
        let (v, lo, hi) = (col.values[0], col.values[1], col.values[2])
        guard lo < hi else { throw fail("the gauge's min must be below its max", arg: 1) }
        guard v.isFinite else { throw fail("the gauge's value is not finite", arg: 0) }
        var bands: [Entry] = []
        for (label, edge) in zip(bandLabels, col.values.dropFirst(3)) { bands.append(Entry(label: label, value: edge)) }
        for i in 1..<max(1, bands.count) where bands[i].value < bands[i - 1].value {
            throw fail("band edges must increase", arg: 3)
        }
        return FigureData.Gauge(title: try title(args, 4), unit: col.unit, value: v, low: lo, high: hi, bands: bands)
    }

    func radar(_ args: [Value]) throws(NapkinError) -> FigureData.Radar {
        let (labels, values) = try entries(args[0], arg: 0)
        let col = try column(values, what: "radar values", arg: 0)
        guard labels.count >= 3 else { throw fail("a radar needs at least three spokes", arg: 0) }
        guard col.values.contains(where: { $0 > 0 && $0.isFinite }) else { throw fail("a radar's log scale needs positive values", arg: 0) }
        // Each spoke and each decade of the log scale in its own readable unit: one shared unit
        // across six decades prints 2.778e-5 MWh where 27.78 Wh is meant.
        func readable(_ v: Double) -> String { interp.formatter.valueAndUnit(Quantity(v * col.factor, col.dim)) }
        let positive = col.values.filter { $0 > 0 && $0.isFinite }
        let lo = Int(floor(log10(positive.min() ?? 1))), hi = max(Int(ceil(log10(positive.max() ?? 10))), lo + 1)
        return FigureData.Radar(title: try title(args, 1), unit: col.unit, dimension: dimensionName(col.dim),
                                entries: zip(labels, col.values).map { Entry(label: $0, value: $1, text: readable($1)) },
                                decades: (lo...hi).map { ($0, readable(pow(10, Double($0)))) })
    }

    func seesaw(_ args: [Value]) throws(NapkinError) -> FigureData.Seesaw {
        func side(_ v: Value, _ i: Int, _ fallback: String) throws(NapkinError) -> (String, [String], [Value]) {
            switch v {
            case .quantity: return (fallback, [fallback], [v])
            case .record(let r):
                guard !r.keys.isEmpty else { throw fail("a seesaw side cannot be empty", arg: i) }
                return (r.keys.count == 1 ? label(r.keys[0]) : fallback, r.keys.map(label), r.values)
            default: throw fail("a seesaw side is a quantity or a record of quantities", arg: i)
            }
        }
        let (ln, ll, lv) = try side(args[0], 0, "left"), (rn, rl, rv) = try side(args[1], 1, "right")
        let col = try column(lv + rv, what: "seesaw weights", arg: 0)
        for v in col.values where !v.isFinite || v < 0 { throw fail("seesaw weights must be finite and not negative", arg: 0) }
        let left = zip(ll, col.values.prefix(lv.count)).map { Entry(label: $0, value: $1) }
        let right = zip(rl, col.values.suffix(rv.count)).map { Entry(label: $0, value: $1) }
        return FigureData.Seesaw(title: try title(args, 2), unit: col.unit, left: left, right: right, leftName: ln, rightName: rn)
    }
}
