import NapkinCore
import Foundation

/// Draws figures as terminal text at the style's width: braille (or ASCII) plots, eighth-block
/// bars, gauges, radar and seesaw.
struct TextRenderer {
    let style: RenderStyle
    /// Rows a figure gains (or loses, when negative) over its everyday size, so that it fills
    /// `style.height`: plot, radar and seesaw canvases get taller, bars and gauges thicker.
    var grow = 0

    var box: (h: String, v: String, tl: String, tr: String, bl: String, br: String, tickL: String, tickB: String) {
        style.unicode ? ("─", "│", "┌", "┐", "└", "┘", "┤", "┬") : ("-", "|", "+", "+", "+", "+", "+", "+")
    }

    /// The figure at its everyday size, or filling `style.height` lines exactly (present mode):
    /// drawn once to measure, then again with the rows it has left over, centred vertically.
    func render(_ f: FigureData) -> String {
        guard let height = style.height else { return draw(f) }
        var r = self
        r.grow = height - lineCount(draw(f))
        var text = r.draw(f)
        // Wrapped legends can change the count: shrink until it fits (the minimum sizes stop it).
        for _ in 0..<4 where lineCount(text) > height && r.grow > -12 {
            r.grow -= lineCount(text) - height
            text = r.draw(f)
        }
        let gap = max(0, height - lineCount(text))
        return String(repeating: "\n", count: gap / 2) + text + String(repeating: "\n", count: gap - gap / 2)
    }

    func draw(_ f: FigureData) -> String {
        let text: String
        switch f {
        case .plot(let p): text = plot(p)
        case .bars(let b): text = bars(b)
        case .gauge(let g): text = gauge(g)
        case .radar(let r): text = radar(r)
        case .seesaw(let s): text = seesaw(s)
        }
        // Every line fits the terminal; a dumb terminal gets ASCII only, labels included.
        // Split on the newline byte: splitting a drawing by Characters finds the grapheme
        // boundaries of every braille cell, and was a third of drawing it.
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { bytes -> String in
            let line = String(decoding: bytes, as: UTF8.self)
            let l = style.unicode ? line : asciify(line)
            return terminalColumns(l) > style.width && !l.contains("\u{1B}") ? clip(l, style.width) : l
        }
        let fitted = lines.joined(separator: "\n")
        return style.unicode ? fitted : asciify(fitted)
    }

    static let asciiSpellings: [Unicode.Scalar: String] = [
        "×": "x", "·": "*", "÷": "/", "→": "->", "←": "<-", "↑": "^", "↓": "v", "↗": "/", "↘": "\\", "↙": "/", "↖": "\\",
        "≤": "<=", "≥": ">=", "≠": "!=", "…": "...", "−": "-", "µ": "u", "μ": "u", "η": "eta", "ε": "e", "°": "deg",
        "²": "^2", "³": "^3", "¹": "^1", "⁻": "^-", "€": "EUR", "£": "GBP", "–": "-", "—": "-", "’": "'", "“": "\"", "”": "\"",
    ]

    /// Plain ASCII for TERM=dumb: common symbols spelt out, anything else as '?'.
    func asciify(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u.isASCII { out.unicodeScalars.append(u) } else { out += TextRenderer.asciiSpellings[u] ?? "?" }
        }
        return out
    }

    func titleLine(_ t: String?, _ width: Int) -> [String] {
        guard let t, !t.isEmpty else { return [] }
        return [style.paint(center(clip(t, width), width).trimmingTrailing(), "1")]
    }

    // MARK: Line plot

    func plot(_ p: FigureData.Plot) -> String {
        let allX = p.series.flatMap { $0.points.map(\.x) }
        let allY = p.series.flatMap { $0.points.map(\.y) } + p.targets
        let xAxis = Axis(lo: allX.min() ?? 0, hi: (allX + p.marks).max() ?? 1, log: p.logX)
        let yAxis = Axis(lo: allY.min() ?? 0, hi: allY.max() ?? 1, log: p.logY)
        let yLabels = yAxis.ticks.map { tickLabel(yAxis.value(ofTick: $0)) }
        let labelWidth = max(yLabels.map(\.count).max() ?? 1, 1)
        let cols = max(10, style.width - labelWidth - 3)
        let rows = max(4, 12 + grow)
        var canvas = BrailleCanvas(columns: cols, rows: rows, unicode: style.unicode)
        func dot(_ x: Double, _ y: Double) -> (Int, Int)? {
            guard let px = xAxis.position(x), let py = yAxis.position(y) else { return nil }
            // Off the canvas stays off it (the canvas clips), however far.
            return (cell(px * Double(canvas.dotWidth - 1), BrailleCanvas.reach), cell(py * Double(canvas.dotHeight - 1), BrailleCanvas.reach))
        }
        for y in p.targets {
            guard let (_, py) = dot(xAxis.value(ofTick: xAxis.lo), y) else { continue }
            for x in stride(from: 0, to: canvas.dotWidth, by: 3) { canvas.set(x, py, color: "33") }
        }
        for x in p.marks {
            guard let (px, _) = dot(x, yAxis.value(ofTick: yAxis.lo)) else { continue }
            for y in stride(from: 0, to: canvas.dotHeight, by: 3) { canvas.set(px, y, color: "33") }
        }
        for (i, s) in p.series.enumerated() {
            let color = style.seriesColor(i)
            var previous: (Int, Int)?
            for pt in s.points {
                guard let d = dot(pt.x, pt.y) else { previous = nil; continue }
                if let prev = previous { canvas.line(prev.0, prev.1, d.0, d.1, color: color) } else { canvas.set(d.0, d.1, color: color) }
                previous = d
            }
        }
        // The operating point: a dotted cross-hair and a dot on each line.
        if let op = p.operating, let (px, _) = dot(op.x, yAxis.value(ofTick: yAxis.lo)) {
            for y in stride(from: 1, to: canvas.dotHeight, by: 2) { canvas.set(px, y, color: "1;31") }
            for d in op.dots {
                guard let (cx, cy) = dot(op.x, d.y) else { continue }
                // A whole cell (⣿) reads as a dot among the lines' thin strokes.
                let fromTop = canvas.dotHeight - 1 - cy
                let (x0, top0) = (cx - cx % 2, fromTop - fromTop % 4)
                for dx in 0..<2 { for dy in 0..<4 { canvas.set(x0 + dx, canvas.dotHeight - 1 - (top0 + dy), color: "1;31") } }
            }
        }
        // Which canvas row each y tick lands on.
        var tickRow: [Int: String] = [:]
        for (t, label) in zip(yAxis.ticks, yLabels) {
            guard let pos = yAxis.position(yAxis.value(ofTick: t)) else { continue }
            let r = rows - 1 - cell(pos * Double(rows - 1), 0...rows - 1)
            tickRow[r] = label
        }
        var lines = titleLine(p.title, style.width)
        lines.append(style.paint(clip(p.y.text, style.width), "2"))
        lines.append(String(repeating: " ", count: labelWidth + 1) + box.tl + String(repeating: box.h, count: cols) + box.tr)
        for r in 0..<rows {
            let label = tickRow[r].map { padLeft($0, labelWidth) } ?? String(repeating: " ", count: labelWidth)
            lines.append(label + " " + (tickRow[r] != nil ? box.tickL : box.v) + canvas.row(r, style: style) + box.v)
        }
        // Bottom frame with x ticks, then their labels without overlaps.
        var bottom = Array(repeating: box.h, count: cols)
        // Tick labels may overhang the frame's right corner by one cell, no more: the line fits.
        var labelLine = Array(repeating: Character(" "), count: cols + 1)
        var lastEnd = -2
        for t in xAxis.ticks {
            guard let pos = xAxis.position(xAxis.value(ofTick: t)) else { continue }
            let c = cell(pos * Double(cols - 1), 0...cols - 1)
            bottom[c] = box.tickB
            let label = tickLabel(xAxis.value(ofTick: t))
            var start = c - label.count / 2
            start = max(0, min(start, cols + 1 - label.count))
            if start > lastEnd + 1 {
                for (k, ch) in label.enumerated() where start + k < labelLine.count { labelLine[start + k] = ch }
                lastEnd = start + label.count - 1
            }
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + box.bl + bottom.joined() + box.br)
        lines.append(String(repeating: " ", count: labelWidth + 2) + String(labelLine).trimmingTrailing())
        lines.append(center(style.paint(clip(p.x.text, style.width), "2"), style.width).trimmingTrailing())
        if p.series.count > 1 || !p.targets.isEmpty || !p.marks.isEmpty {
            var legend: [String] = []
            let mark = style.unicode ? "⣿" : "*"
            let room = style.width - labelWidth - 4
            for (i, s) in p.series.enumerated() { legend.append(style.paint(mark, style.seriesColor(i)) + " " + clip(s.name, room)) }
            for t in p.targets { legend.append(style.paint(style.unicode ? "⠒" : "-", "33") + " target \(tickLabel(t)) \(p.y.unit)") }
            for m in p.marks { legend.append(style.paint(style.unicode ? "⡇" : "|", "33") + " at \(tickLabel(m)) \(p.x.unit)") }
            lines.append(contentsOf: wrapItems(legend, width: style.width, indent: labelWidth + 2))
        }
        if let op = p.operating {
            let parts = op.label.components(separatedBy: ", ").map { style.paint($0, "1;31") }
            lines.append(contentsOf: wrapItems(parts, width: style.width, indent: labelWidth + 2))
        }
        for n in p.notes { lines.append(String(repeating: " ", count: labelWidth + 2) + "(\(n))") }
        return lines.map { $0.trimmingTrailing() }.joined(separator: "\n")
    }

    func wrapItems(_ items: [String], width: Int, indent: Int) -> [String] {
        var lines: [String] = []
        var current = String(repeating: " ", count: indent)
        for item in items {
            if terminalColumns(current) + terminalColumns(item) + 3 > width, terminalColumns(current) > indent {
                lines.append(current)
                current = String(repeating: " ", count: indent)
            }
            current += (terminalColumns(current) > indent ? "   " : "") + item
        }
        if terminalColumns(current) > indent { lines.append(current) }
        return lines
    }

    // MARK: Bars and waterfall

    /// A bar of `length` cells (fractional) starting at `offset` cells, in eighth blocks.
    func bar(offset: Double, length: Double) -> String {
        let eighths = style.unicode ? ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"] : ["", "", "", "", "=", "=", "=", "="]
        let full = style.unicode ? "█" : "#"
        // A bar longer than any terminal is a drawing gone wrong: a few thousand cells at most.
        var s = String(repeating: " ", count: cell(offset, 0...4096, .down))
        let n = max(0, length)
        let whole = cell(n, 0...4096, .down)
        s += String(repeating: full, count: whole)
        let frac = cell((n - Double(whole)) * 8, 0...7, .down)
        s += eighths[max(0, min(7, frac))]
        if whole == 0 && frac == 0 && length > 0 { s += style.unicode ? "▏" : "|" }
        return s
    }

    func bars(_ b: FigureData.Bars) -> String {
        var entries = b.entries
        if b.total { entries.append(FigureEntry(label: "total", value: b.entries.reduce(0) { $0 + $1.value })) }
        let labelWidth = min(24, entries.map { terminalColumns($0.label) }.max() ?? 1)
        let values = entries.map { formatNumber($0.value) + (b.unit.isEmpty ? "" : " " + b.unit) }
        let valueWidth = values.map(\.count).max() ?? 1
        let area = max(10, style.width - labelWidth - valueWidth - 3)
        // Waterfall bars start where the previous ones ended; plain bars start at zero.
        var running = 0.0
        var spans: [(Double, Double)] = []
        for (i, e) in entries.enumerated() {
            if b.total && i < b.entries.count {
                let start = e.value >= 0 ? running : running + e.value
                spans.append((start, abs(e.value)))
                running += e.value
            } else {
                spans.append((min(0, e.value), abs(e.value)))
            }
        }
        let lo = min(0, spans.map(\.0).min() ?? 0)
        let hi = max(spans.map { $0.0 + $0.1 }.max() ?? 1, lo + 1e-300)
        let scale = Double(area) / (hi - lo)
        var lines = titleLine(b.title, style.width)
        // Present mode: each bar thicker, with a blank row between bars once there is room.
        let extra = max(0, grow) / max(1, entries.count)
        let gapRow = extra >= 2 ? 1 : 0
        let thickness = 1 + extra - gapRow
        for (i, e) in entries.enumerated() {
            let (start, len) = spans[i]
            let color = b.total && i == entries.count - 1 ? "1" : (e.value < 0 ? "31" : style.seriesColor(b.total ? i : 0))
            let barText = bar(offset: (start - lo) * scale, length: len * scale)
            let label = padRight(clip(e.label, labelWidth), labelWidth)
            let blank = String(repeating: " ", count: labelWidth), noValue = String(repeating: " ", count: valueWidth)
            for row in 0..<thickness {
                let middle = row == thickness / 2
                lines.append((middle ? label : blank) + " " + style.paint(padRight(barText, area), color) + " " + (middle ? padLeft(values[i], valueWidth) : noValue))
            }
            if gapRow > 0 && i < entries.count - 1 { lines.append("") }
        }
        if !b.dimension.isEmpty { lines.append(padLeft("[\(b.dimension)]", style.width)) }
        return lines.map { $0.trimmingTrailing() }.joined(separator: "\n")
    }

    // MARK: Gauge

    func gauge(_ g: FigureData.Gauge) -> String {
        let valueText = formatNumber(g.value) + (g.unit.isEmpty ? "" : " " + g.unit)
        let width = max(10, style.width - valueText.count - 4)
        func col(_ v: Double) -> Int { cell(fraction(min(max(v, g.low), g.high), g.low, g.high) * Double(width), 0...width) }
        let bandColors = ["32", "33", "31", "35"]
        var cells: [String] = []
        let fill = col(g.value)
        for c in 0..<width {
            let v = interpolate(g.low, g.high, (Double(c) + 0.5) / Double(width))
            let band = g.bands.firstIndex { v <= $0.value } ?? max(0, g.bands.count - 1)
            let ch = c < fill ? (style.unicode ? "█" : "#") : (style.unicode ? "░" : ".")
            cells.append(style.paint(ch, g.bands.isEmpty ? "34" : bandColors[min(band, bandColors.count - 1)]))
        }
        var lines = titleLine(g.title, style.width)
        // Present mode: a thicker dial (up to 9 rows), the value on its middle row.
        let thickness = max(1, min(9, 1 + grow))
        for row in 0..<thickness {
            let middle = row == thickness / 2
            lines.append("[" + cells.joined() + "]" + (middle ? " " + style.paint(valueText, "1") : ""))
        }
        // Band edges and names under the bar.
        var under = Array(repeating: Character(" "), count: width + 2)
        func put(_ s: String, at c: Int) {
            var start = max(0, min(c, under.count - s.count))
            while start > 0 && under[start - 1] != " " { start += 1 }
            guard start + s.count <= under.count else { return }
            if under[start..<(start + s.count)].contains(where: { $0 != " " }) { return }
            for (k, ch) in s.enumerated() { under[start + k] = ch }
        }
        put(tickLabel(g.low), at: 1)
        var previous = g.low
        for b in g.bands {
            let mid = (previous + min(b.value, g.high)) / 2
            put(b.label, at: col(mid) + 1 - b.label.count / 2)
            previous = min(b.value, g.high)
        }
        put(tickLabel(g.high), at: width + 1 - tickLabel(g.high).count)
        lines.append(String(under).trimmingTrailing())
        return lines.joined(separator: "\n")
    }

    // MARK: Radar

    func radar(_ r: FigureData.Radar) -> String {
        let positive = r.entries.map(\.value).filter { $0 > 0 }
        let lo = r.decades.first.map { Double($0.exponent) } ?? floor(log10(positive.min() ?? 1))
        let hi = r.decades.last.map { Double($0.exponent) } ?? max(ceil(log10(positive.max() ?? 10)), lo + 1)
        let rows = max(5, 13 + grow)
        let cols = min(style.width - 2, rows * 4)
        var canvas = BrailleCanvas(columns: cols, rows: rows, unicode: style.unicode)
        let cx = Double(canvas.dotWidth) / 2, cy = Double(canvas.dotHeight) / 2
        let radius = min(cx, cy) - 1
        let n = max(1, r.entries.count)
        func point(_ i: Int, _ frac: Double) -> (Int, Int) {
            let angle = Double.pi / 2 - 2 * Double.pi * Double(i) / Double(n)
            return (cell(cx + cos(angle) * radius * frac, BrailleCanvas.reach), cell(cy + sin(angle) * radius * frac, BrailleCanvas.reach))
        }
        for i in 0..<n {
            let end = point(i, 1)
            canvas.line(Int(cx), Int(cy), end.0, end.1, color: "2")
        }
        var poly: [(Int, Int)] = []
        for (i, e) in r.entries.enumerated() {
            let frac = e.value > 0 ? max(0.02, (log10(e.value) - lo) / (hi - lo)) : 0
            poly.append(point(i, frac))
        }
        for i in 0..<poly.count {
            let a = poly[i], b = poly[(i + 1) % poly.count]
            canvas.line(a.0, a.1, b.0, b.1, color: "34")
        }
        var lines = titleLine(r.title, style.width)
        for row in 0..<rows { lines.append(" " + canvas.row(row, style: style)) }
        let compass = ["↑", "↗", "→", "↘", "↓", "↙", "←", "↖"]
        for (i, e) in r.entries.enumerated() {
            let dir = style.unicode ? compass[(i * 8 / n) % 8] : "\(i + 1)."
            lines.append(" \(dir) \(e.label): \(e.text ?? "\(formatNumber(e.value)) \(r.unit)")")
        }
        if let centre = r.decades.first, let rim = r.decades.last {
            lines.append(" (log scale: centre \(centre.text), rim \(rim.text))")
        } else {
            lines.append(" (log scale: centre 1e\(Int(lo)), rim 1e\(Int(hi)) \(r.unit))")
        }
        return lines.map { $0.trimmingTrailing() }.joined(separator: "\n")
    }

    // MARK: Seesaw

    func seesaw(_ s: FigureData.Seesaw) -> String {
        let l = s.left.reduce(0) { $0 + $1.value }, r = s.right.reduce(0) { $0 + $1.value }
        let width = style.height == nil ? min(style.width, 72) : style.width
        let rows = max(4, 6 + grow)
        var canvas = BrailleCanvas(columns: width, rows: rows, unicode: style.unicode)
        let w = canvas.dotWidth, mid = canvas.dotHeight / 2
        // Tilt grows with the log of the ratio, capped so the beam stays on the canvas.
        let ratio = l > 0 && r > 0 ? log10(l / r) : (l > r ? 3 : (r > l ? -3 : 0))
        let tilt = cell(max(-1, min(1, ratio)) * Double(mid - 2), -(mid - 2)...(mid - 2))
        let yLeft = mid - tilt, yRight = mid + tilt
        canvas.line(2, yLeft, w - 3, yRight, color: "1")
        canvas.line(2, yLeft + 1, w - 3, yRight + 1, color: "1")
        // The pivot: a small triangle under the middle of the beam.
        let cx = w / 2, top = (yLeft + yRight) / 2 - 1
        // A taller canvas (present mode) keeps the pivot small and makes the weights bigger.
        let pivot = grow > 0 ? min(top, 8 + grow) : top, weight = 8 + 2 * max(0, grow)
        for k in 0..<max(1, pivot) { canvas.line(cx - k, top - k, cx + k, top - k, color: "2") }
        // Weights: blocks at each end, sized by the side's share.
        let heavier = max(l, r, 1e-300)
        for (x0, y0, v, color) in [(2, yLeft, l, "31"), (w - 3 - weight, yRight, r, "32")] {
            let h = cell(Double(weight) * (v / heavier).squareRoot(), 1...weight)
            for dy in 2..<(2 + h) { canvas.line(x0, y0 + dy, x0 + weight, y0 + dy, color: color) }
        }
        var lines = titleLine(s.title, width)
        let leftText = "\(s.leftName) \(formatNumber(l)) \(s.unit)", rightText = "\(s.rightName) \(formatNumber(r)) \(s.unit)"
        lines.append(padRight(clip(leftText, width / 2 - 1), width / 2) + padLeft(clip(rightText, width - width / 2 - 1), width - width / 2))
        for row in 0..<rows { lines.append(canvas.row(row, style: style)) }
        let verdict = l == r ? "balanced" : (l > r ? "\(s.leftName) outweighs \(s.rightName) by \(formatRatio(l / max(r, 1e-300)))" : "\(s.rightName) outweighs \(s.leftName) by \(formatRatio(r / max(l, 1e-300)))")
        lines.append(center(verdict, width))
        if s.left.count > 1 || s.right.count > 1 {
            for e in s.left { lines.append("  \(s.leftName): \(e.label) \(formatNumber(e.value)) \(s.unit)") }
            for e in s.right { lines.append("  \(s.rightName): \(e.label) \(formatNumber(e.value)) \(s.unit)") }
        }
        return lines.map { $0.trimmingTrailing() }.joined(separator: "\n")
    }

    func formatRatio(_ x: Double) -> String { x.isFinite ? formatNumber(x) + (style.unicode ? "×" : "x") : "inf" }

    func formatNumber(_ x: Double) -> String { NapkinCore.formatNumber(x, digits: style.digits) }
}

extension String {
    func trimmingTrailing() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
