import NapkinCore

/// One axis's label: what it measures, in which unit, of which dimension.
struct AxisLabel {
    var name: String
    var unit: String
    var dimension: String

    var text: String {
        var s = name
        if !unit.isEmpty { s += " [\(unit)]" }
        if !dimension.isEmpty && dimension != unit { s += " (\(dimension))" }
        return s
    }
}

/// A labelled value in display units, e.g. one bar.
struct Entry {
    var label: String
    var value: Double
    /// The value as a reader would write it (`27.78 Wh`), when the figure's shared unit would
    /// print it badly (`2.778e-5 MWh`): log-scale figures span decades no one unit reads well.
    var text: String? = nil
}

/// What each instrument draws. Values are already in their display unit.
enum FigureData {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    struct Plot {
        var title: String?
        var x: AxisLabel
        var y: AxisLabel
        var series: [Series]
        var logX = false
        var logY = false
        var targets: [Double] = []   // horizontal lines (y values)
        var marks: [Double] = []     // vertical lines (x values)
        var notes: [String] = []     // points left out, and why
        /// The operating point (`at:`): a cross-hair at `x` and a dot on each line there.
        var operating: OperatingPoint?
    }

    /// Where the knobs are now, on a plot: `x` is marked by a vertical cross-hair, each dot is
    /// a line's value there (or one free point), and `label` says it in words.
    struct OperatingPoint {
        var x: Double
        var dots: [(series: Int?, y: Double)]
        var label: String
    }

    struct Bars {
        var title: String?
        var unit: String
        var dimension: String
        var entries: [Entry]
        var total: Bool              // waterfall: cumulative, with a total row
    }

    struct Gauge {
        var title: String?
        var unit: String
        var value: Double
        var low: Double
        var high: Double
        var bands: [Entry]           // label, upper edge
    }

    struct Radar {
        var title: String?
        var unit: String
        var dimension: String
        var entries: [Entry]
        /// The log scale's decades, lowest (centre) to highest (rim), with each as readable text.
        var decades: [(exponent: Int, text: String)] = []
    }

    struct Seesaw {
        var title: String?
        var unit: String
        var left: [Entry]
        var right: [Entry]
        var leftName: String
        var rightName: String
    }

    case plot(Plot)
    case bars(Bars)
    case gauge(Gauge)
    case radar(Radar)
    case seesaw(Seesaw)

    var title: String? {
        switch self {
        case .plot(let p): return p.title
        case .bars(let b): return b.title
        case .gauge(let g): return g.title
        case .radar(let r): return r.title
        case .seesaw(let s): return s.title
        }
    }
}
