/// A grid of terminal cells, each holding 2×4 braille dots (or one ASCII mark), with a colour
/// per cell. Coordinates are in dots, origin bottom-left.
struct BrailleCanvas {
    /// Dot positions far enough off any canvas to stay off it, near enough that no arithmetic
    /// on them overflows (a line is drawn at most 100,000 steps anyway).
    static let reach = -(1 << 20)...(1 << 20)

    let columns: Int
    let rows: Int
    let unicode: Bool
    private var bits: [UInt8]
    private var colors: [String?]

    init(columns: Int, rows: Int, unicode: Bool) {
        self.columns = max(1, columns)
        self.rows = max(1, rows)
        self.unicode = unicode
        bits = Array(repeating: 0, count: self.columns * self.rows)
        colors = Array(repeating: nil, count: self.columns * self.rows)
    }

    var dotWidth: Int { columns * 2 }
    var dotHeight: Int { rows * 4 }

    private static let dotBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    mutating func set(_ x: Int, _ y: Int, color: String?) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let cx = x / 2, cyFromTop = (dotHeight - 1 - y) / 4
        let dy = (dotHeight - 1 - y) % 4
        let i = cyFromTop * columns + cx
        bits[i] |= BrailleCanvas.dotBits[x % 2][dy]
        colors[i] = color
    }

    /// A straight line between two dot positions (Bresenham).
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, color: String?) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        var guardSteps = 0
        while guardSteps < 100_000 {
            guardSteps += 1
            set(x, y, color: color)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// The cells of one row (from the top) as text, coloured when a style asks for it.
    func row(_ r: Int, style: RenderStyle) -> String {
        var out = ""
        for c in 0..<columns {
            let b = bits[r * columns + c]
            let ch: String
            if b == 0 { ch = " " } else if unicode { ch = String(Character(Unicode.Scalar(0x2800 + UInt32(b))!)) } else { ch = b.nonzeroBitCount > 2 ? "#" : "*" }
            out += b == 0 ? ch : style.paint(ch, colors[r * columns + c])
        }
        return out
    }
}

/// A canvas coordinate or a count of cells from a Double: rounded as `rule` says, and within
/// `bounds` whatever the Double is. Figure data near the largest Double overflows sums and
/// spans to infinity or NaN, and `Int(_:)` of those traps: NaN goes to the lower bound,
/// infinities to the ends.
func cell(_ x: Double, _ bounds: ClosedRange<Int>, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int {
    guard !x.isNaN else { return bounds.lowerBound }
    let r = x.rounded(rule)
    if r <= Double(bounds.lowerBound) { return bounds.lowerBound }
    if r >= Double(bounds.upperBound) { return bounds.upperBound }
    return Int(r)
}
