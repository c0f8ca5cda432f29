import Foundation
import NapkinCore

/// The same figures as SVG for slides: large type, a <title>, axis labels with units.
struct SVGRenderer {
    let width = 960.0
    let height = 540.0
    var digits = 4
    let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf"]

    func render(_ f: FigureData, fallbackTitle: String) -> String {
        var body = ""
        let title = f.title ?? fallbackTitle
        switch f {
        case .plot(let p): body = plot(p)
        case .bars(let b): body = bars(b)
        case .gauge(let g): body = gauge(g)
        case .radar(let r): body = radar(r)
        case .seesaw(let s): body = seesaw(s)
        }
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="18">
        <title>\(esc(title))</title>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(width / 2))" y="34" text-anchor="middle" font-size="24" font-weight="bold">\(esc(title))</text>
        \(body)</svg>

        """
    }

    /// Text as XML character data: markup escaped, and nothing XML 1.0 forbids (control
    /// characters are made visible, noncharacters dropped), so every SVG parses.
    func esc(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in Sanitized.line(s).unicodeScalars {
            switch u {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "\u{FFFE}", "\u{FFFF}": continue
            default: out.append(u)
            }
        }
        return String(out)
    }

    func n(_ x: Double) -> String { NumberText.trimmed(x, decimals: 1) }
    func num(_ x: Double) -> String { formatNumber(x, digits: digits) }

    func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "middle", size: Int = 18, extra: String = "") -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\"\(extra)>\(esc(s))</text>\n"
    }

    // MARK: Plot

    func plot(_ p: FigureData.Plot) -> String {
        let allX = p.series.flatMap { $0.points.map(\.x) }
        let allY = p.series.flatMap { $0.points.map(\.y) } + p.targets
        let xAxis = Axis(lo: allX.min() ?? 0, hi: (allX + p.marks).max() ?? 1, log: p.logX)
        let yAxis = Axis(lo: allY.min() ?? 0, hi: allY.max() ?? 1, log: p.logY)
        let left = 110.0, right = width - 40, top = 60.0, bottom = height - 110
        func px(_ x: Double) -> Double? { xAxis.position(x).map { left + $0 * (right - left) } }
        func py(_ y: Double) -> Double? { yAxis.position(y).map { bottom - $0 * (bottom - top) } }
        var s = "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        for t in xAxis.ticks {
            guard let x = px(xAxis.value(ofTick: t)) else { continue }
            s += "<line x1=\"\(n(x))\" y1=\"\(n(bottom))\" x2=\"\(n(x))\" y2=\"\(n(bottom + 6))\" stroke=\"#333\"/>\n"
            s += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(bottom))\" stroke=\"#ddd\"/>\n"
            s += text(x, bottom + 26, tickLabel(xAxis.value(ofTick: t)))
        }
        for t in yAxis.ticks {
            guard let y = py(yAxis.value(ofTick: t)) else { continue }
            s += "<line x1=\"\(n(left - 6))\" y1=\"\(n(y))\" x2=\"\(n(left))\" y2=\"\(n(y))\" stroke=\"#333\"/>\n"
            s += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(right))\" y2=\"\(n(y))\" stroke=\"#ddd\"/>\n"
            s += text(left - 10, y + 6, tickLabel(yAxis.value(ofTick: t)), anchor: "end")
        }
        s += text((left + right) / 2, bottom + 56, p.x.text, size: 20)
        s += text(24, (top + bottom) / 2, p.y.text, size: 20, extra: " transform=\"rotate(-90 24 \(n((top + bottom) / 2)))\"")
        for y in p.targets {
            guard let yy = py(y) else { continue }
            s += "<line x1=\"\(n(left))\" y1=\"\(n(yy))\" x2=\"\(n(right))\" y2=\"\(n(yy))\" stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"8 6\"/>\n"
            s += text(right - 6, yy - 8, "target \(tickLabel(y)) \(p.y.unit)", anchor: "end", extra: " fill=\"#ff7f0e\"")
        }
        for x in p.marks {
            guard let xx = px(x) else { continue }
            s += "<line x1=\"\(n(xx))\" y1=\"\(n(top))\" x2=\"\(n(xx))\" y2=\"\(n(bottom))\" stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"8 6\"/>\n"
            s += text(xx + 6, top + 22, "\(tickLabel(x)) \(p.x.unit)", anchor: "start", extra: " fill=\"#ff7f0e\"")
        }
        for (i, series) in p.series.enumerated() {
            var runs: [[String]] = [[]]
            for pt in series.points {
                if let x = px(pt.x), let y = py(pt.y) { runs[runs.count - 1].append("\(n(x)),\(n(y))") } else { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    let c = run[0].split(separator: ",")
                    s += "<circle cx=\"\(c[0])\" cy=\"\(c[1])\" r=\"5\" fill=\"\(colors[i % colors.count])\"/>\n"
                } else {
                    s += "<polyline fill=\"none\" stroke=\"\(colors[i % colors.count])\" stroke-width=\"3\" points=\"\(run.joined(separator: " "))\"/>\n"
                }
            }
            if p.series.count > 1 {
                let ly = top + 24 + Double(i) * 24
                s += "<rect x=\"\(n(left + 14))\" y=\"\(n(ly - 12))\" width=\"18\" height=\"6\" fill=\"\(colors[i % colors.count])\"/>\n"
                s += text(left + 40, ly - 4, series.name, anchor: "start")
            }
        }
        if let op = p.operating, let xx = px(op.x) {
            s += "<g class=\"operating-point\">\n"
            s += "<line x1=\"\(n(xx))\" y1=\"\(n(top))\" x2=\"\(n(xx))\" y2=\"\(n(bottom))\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"3 4\"/>\n"
            for d in op.dots {
                guard let yy = py(d.y) else { continue }
                s += "<line x1=\"\(n(left))\" y1=\"\(n(yy))\" x2=\"\(n(right))\" y2=\"\(n(yy))\" stroke=\"#d62728\" stroke-width=\"1\" stroke-dasharray=\"3 4\"/>\n"
                s += "<circle cx=\"\(n(xx))\" cy=\"\(n(yy))\" r=\"7\" fill=\"#d62728\" stroke=\"#fff\" stroke-width=\"2\"/>\n"
            }
            let toLeft = xx > (left + right) / 2
            s += text(toLeft ? xx - 10 : xx + 10, bottom - 12, op.label, anchor: toLeft ? "end" : "start", size: 16, extra: " fill=\"#d62728\"")
            s += "</g>\n"
        }
        return s
    }

    // MARK: Bars and waterfall

    func bars(_ b: FigureData.Bars) -> String {
        var entries = b.entries
        if b.total { entries.append(FigureEntry(label: "total", value: b.entries.reduce(0) { $0 + $1.value })) }
        let left = 220.0, right = width - 200, top = 70.0
        let rowH = min(48.0, (height - top - 40) / Double(max(1, entries.count)))
        var running = 0.0
        var spans: [(Double, Double)] = []
        for (i, e) in entries.enumerated() {
            if b.total && i < b.entries.count {
                spans.append((e.value >= 0 ? running : running + e.value, abs(e.value)))
                running += e.value
            } else {
                spans.append((min(0, e.value), abs(e.value)))
            }
        }
        let lo = min(0, spans.map(\.0).min() ?? 0)
        let hi = max(spans.map { $0.0 + $0.1 }.max() ?? 1, lo + 1e-300)
        let scale = (right - left) / (hi - lo)
        var s = ""
        for (i, e) in entries.enumerated() {
            let y = top + Double(i) * rowH
            let color = b.total && i == entries.count - 1 ? "#333" : colors[(b.total ? i : 0) % colors.count]
            s += text(left - 12, y + rowH * 0.62, e.label, anchor: "end")
            s += "<rect x=\"\(n(left + (spans[i].0 - lo) * scale))\" y=\"\(n(y + rowH * 0.15))\" width=\"\(n(max(1, spans[i].1 * scale)))\" height=\"\(n(rowH * 0.7))\" fill=\"\(color)\"/>\n"
            s += text(right + 12, y + rowH * 0.62, "\(num(e.value)) \(b.unit)", anchor: "start")
        }
        if !b.dimension.isEmpty { s += text(width - 20, height - 16, "[\(b.dimension)]", anchor: "end", size: 16) }
        return s
    }

    // MARK: Gauge

    func gauge(_ g: FigureData.Gauge) -> String {
        let left = 80.0, right = width - 80, y = 220.0, h = 60.0
        func x(_ v: Double) -> Double { left + fraction(min(max(v, g.low), g.high), g.low, g.high) * (right - left) }
        let bandColors = ["#2ca02c", "#ffbf00", "#d62728", "#9467bd"]
        var s = ""
        var previous = g.low
        for (i, b) in g.bands.enumerated() {
            let x0 = x(previous), x1 = x(b.value)
            s += "<rect x=\"\(n(x0))\" y=\"\(n(y))\" width=\"\(n(max(0, x1 - x0)))\" height=\"\(n(h))\" fill=\"\(bandColors[min(i, bandColors.count - 1)])\" opacity=\"0.55\"/>\n"
            s += text((x0 + x1) / 2, y + h + 30, b.label)
            previous = b.value
        }
        if g.bands.isEmpty { s += "<rect x=\"\(n(left))\" y=\"\(n(y))\" width=\"\(n(right - left))\" height=\"\(n(h))\" fill=\"#ccc\"/>\n" }
        s += "<rect x=\"\(n(left))\" y=\"\(n(y))\" width=\"\(n(right - left))\" height=\"\(n(h))\" fill=\"none\" stroke=\"#333\"/>\n"
        let vx = x(g.value)
        s += "<polygon points=\"\(n(vx - 12)),\(n(y - 24)) \(n(vx + 12)),\(n(y - 24)) \(n(vx)),\(n(y - 2))\" fill=\"#111\"/>\n"
        s += "<line x1=\"\(n(vx))\" y1=\"\(n(y))\" x2=\"\(n(vx))\" y2=\"\(n(y + h))\" stroke=\"#111\" stroke-width=\"4\"/>\n"
        s += text(vx, y - 34, "\(num(g.value)) \(g.unit)", size: 26, extra: " font-weight=\"bold\"")
        s += text(left, y + h + 60, "\(tickLabel(g.low)) \(g.unit)", anchor: "start")
        s += text(right, y + h + 60, "\(tickLabel(g.high)) \(g.unit)", anchor: "end")
        return s
    }

    // MARK: Radar

    func radar(_ r: FigureData.Radar) -> String {
        let positive = r.entries.map(\.value).filter { $0 > 0 }
        let lo = r.decades.first.map { Double($0.exponent) } ?? floor(log10(positive.min() ?? 1))
        let hi = r.decades.last.map { Double($0.exponent) } ?? max(ceil(log10(positive.max() ?? 10)), lo + 1)
        let decadeText = Dictionary(r.decades.map { ($0.exponent, $0.text) }, uniquingKeysWith: { a, _ in a })
        let cx = width / 2, cy = height / 2 + 20, radius = 190.0
        let count = max(1, r.entries.count)
        func point(_ i: Int, _ frac: Double) -> (Double, Double) {
            let a = -Double.pi / 2 + 2 * Double.pi * Double(i) / Double(count)
            return (cx + cos(a) * radius * frac, cy + sin(a) * radius * frac)
        }
        var s = ""
        var decade = lo
        while decade <= hi {
            let frac = (decade - lo) / (hi - lo)
            s += "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(radius * frac))\" fill=\"none\" stroke=\"#ddd\"/>\n"
            s += text(cx + 4, cy - radius * frac - 4, decadeText[Int(decade)] ?? "1e\(Int(decade))", anchor: "start", size: 14, extra: " fill=\"#888\"")
            decade += 1
        }
        var pts: [String] = []
        for (i, e) in r.entries.enumerated() {
            let end = point(i, 1)
            s += "<line x1=\"\(n(cx))\" y1=\"\(n(cy))\" x2=\"\(n(end.0))\" y2=\"\(n(end.1))\" stroke=\"#999\"/>\n"
            let frac = e.value > 0 ? max(0.02, (log10(e.value) - lo) / (hi - lo)) : 0
            let p = point(i, frac)
            pts.append("\(n(p.0)),\(n(p.1))")
            let label = point(i, 1.18)
            s += text(label.0, label.1 + 6, "\(e.label): \(e.text ?? "\(num(e.value)) \(r.unit)")")
        }
        s += "<polygon points=\"\(pts.joined(separator: " "))\" fill=\"#1f77b4\" fill-opacity=\"0.25\" stroke=\"#1f77b4\" stroke-width=\"3\"/>\n"
        s += text(width - 20, height - 16, "log scale\(r.decades.isEmpty ? ", \(r.unit)" : "")\(r.dimension.isEmpty ? "" : " [\(r.dimension)]")", anchor: "end", size: 16)
        return s
    }

    // MARK: Seesaw

    func seesaw(_ s: FigureData.Seesaw) -> String {
        let l = s.left.reduce(0) { $0 + $1.value }, r = s.right.reduce(0) { $0 + $1.value }
        let ratio = l > 0 && r > 0 ? log10(l / r) : (l > r ? 3 : (r > l ? -3 : 0))
        let angle = max(-1, min(1, ratio)) * 14  // degrees; left side down when heavier
        let cx = width / 2, cy = 300.0
        var out = "<polygon points=\"\(n(cx - 40)),\(n(cy + 90)) \(n(cx + 40)),\(n(cy + 90)) \(n(cx)),\(n(cy + 6))\" fill=\"#777\"/>\n"
        out += "<g transform=\"rotate(\(n(-angle)) \(n(cx)) \(n(cy)))\">\n"
        out += "<rect x=\"\(n(cx - 360))\" y=\"\(n(cy - 6))\" width=\"720\" height=\"12\" fill=\"#333\"/>\n"
        let heavier = max(l, r, 1e-300)
        for (x0, v, color) in [(cx - 340, l, "#d62728"), (cx + 240, r, "#2ca02c")] {
            let h = max(8, 110 * (v / heavier).squareRoot())
            out += "<rect x=\"\(n(x0))\" y=\"\(n(cy - 6 - h))\" width=\"100\" height=\"\(n(h))\" fill=\"\(color)\"/>\n"
        }
        out += "</g>\n"
        out += text(cx - 290, 110, "\(s.leftName): \(num(l)) \(s.unit)", size: 22)
        out += text(cx + 290, 110, "\(s.rightName): \(num(r)) \(s.unit)", size: 22)
        let verdict = l == r ? "balanced" : (l > r ? "\(s.leftName) outweighs \(s.rightName) by \(num(l / max(r, 1e-300)))×" : "\(s.rightName) outweighs \(s.leftName) by \(num(r / max(l, 1e-300)))×")
        out += text(cx, height - 40, verdict, size: 22)
        return out
    }
}
