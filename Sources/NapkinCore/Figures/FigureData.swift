import Foundation

/// One axis's label: what it measures, in which unit, of which dimension.
public struct AxisLabel: Equatable {
    public var name: String
    public var unit: String
    public var dimension: String

    public var text: String {
        var s = name
        if !unit.isEmpty { s += " [\(unit)]" }
        if !dimension.isEmpty && dimension != unit { s += " (\(dimension))" }
        return s
    }
}

/// A labelled value in display units, e.g. one bar.
public struct FigureEntry: Equatable {
    public var label: String
    public var value: Double
    /// The value as a reader would write it (`27.78 Wh`), when the figure's shared unit would
    /// print it badly (`2.778e-5 MWh`): log-scale figures span decades no one unit reads well.
    public var text: String? = nil

    public init(label: String, value: Double, text: String? = nil) {
        self.label = label
        self.value = value
        self.text = text
    }
}

/// What each instrument draws, as data: the core makes it (FigureBuilder), the instruments
/// draw it as text or SVG. Values are already in their display unit. Two equal figures draw
/// the same (`napkin check` compares data before it draws); numbers compare as Doubles.
public enum FigureData: Equatable {
    public struct Series: Equatable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public static func == (a: Series, b: Series) -> Bool {
            a.name == b.name && a.points.elementsEqual(b.points) { $0.x == $1.x && $0.y == $1.y }
        }
    }

    public struct Plot: Equatable {
        public var title: String?
        public var x: AxisLabel
        public var y: AxisLabel
        public var series: [Series]
        public var logX = false
        public var logY = false
        public var targets: [Double] = []   // horizontal lines (y values)
        public var marks: [Double] = []     // vertical lines (x values)
        public var notes: [String] = []     // points left out, and why
        /// The operating point (`at:`): a cross-hair at `x` and a dot on each line there.
        public var operating: OperatingPoint?
    }

    /// Where the knobs are now, on a plot: `x` is marked by a vertical cross-hair, each dot is
    /// a line's value there (or one free point), and `label` says it in words.
    public struct OperatingPoint: Equatable {
        public var x: Double
        public var dots: [(series: Int?, y: Double)]
        public var label: String

        public static func == (a: OperatingPoint, b: OperatingPoint) -> Bool {
            a.x == b.x && a.label == b.label && a.dots.elementsEqual(b.dots) { $0.series == $1.series && $0.y == $1.y }
        }
    }

    public struct Bars: Equatable {
        public var title: String?
        public var unit: String
        public var dimension: String
        public var entries: [FigureEntry]
        public var total: Bool              // waterfall: cumulative, with a total row
    }

    public struct Gauge: Equatable {
        public var title: String?
        public var unit: String
        public var value: Double
        public var low: Double
        public var high: Double
        public var bands: [FigureEntry]           // label, upper edge
    }

    public struct Radar: Equatable {
        public var title: String?
        public var unit: String
        public var dimension: String
        public var entries: [FigureEntry]
        /// The log scale's decades, lowest (centre) to highest (rim), with each as readable text.
        public var decades: [(exponent: Int, text: String)] = []

        public static func == (a: Radar, b: Radar) -> Bool {
            a.title == b.title && a.unit == b.unit && a.dimension == b.dimension && a.entries == b.entries
                && a.decades.elementsEqual(b.decades) { $0.exponent == $1.exponent && $0.text == $1.text }
        }
    }

    public struct Seesaw: Equatable {
        public var title: String?
        public var unit: String
        public var left: [FigureEntry]
        public var right: [FigureEntry]
        public var leftName: String
        public var rightName: String
    }

    case plot(Plot)
    case bars(Bars)
    case gauge(Gauge)
    case radar(Radar)
    case seesaw(Seesaw)

    public var title: String? {
        switch self {
        case .plot(let p): return p.title
        case .bars(let b): return b.title
        case .gauge(let g): return g.title
        case .radar(let r): return r.title
        case .seesaw(let s): return s.title
        }
    }
}
