import Foundation
import NapkinCore

/// An axis: its range in display units, linear or log, and "nice" tick positions.
struct Axis {
    var lo: Double
    var hi: Double
    var log: Bool
    var ticks: [Double]

    /// Round numbers (1, 2, 5 × 10^k) covering lo…hi; powers of ten on a log axis.
    init(lo rawLo: Double, hi rawHi: Double, log: Bool, count: Int = 5) {
        self.log = log
        var lo = rawLo, hi = rawHi
        if log {
            lo = Foundation.log10(max(lo, Double.leastNormalMagnitude))
            hi = Foundation.log10(max(hi, Double.leastNormalMagnitude))
            if hi - lo < 1e-9 { lo -= 0.5; hi += 0.5 }
            let first = floor(lo), last = ceil(hi)
            var t: [Double] = []
            let stride = max(1.0, ((last - first) / Double(count)).rounded(.up))
            var k = first
            while k <= last + 1e-9 { t.append(k); k += stride }
            self.lo = first
            self.hi = last
            self.ticks = t
            return
        }
        if hi - lo < 1e-12 * max(abs(lo), abs(hi), 1) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        // Halves keep a span near the largest Double finite (1e308 − (−1e308) is inf).
        let span = hi - lo
        let step = Axis.niceStep(span.isFinite ? span / Double(count) : (hi / 2 - lo / 2) / Double(count) * 2)
        var first = floor(lo / step) * step, last = ceil(hi / step) * step
        // Rounded out past the largest Double, the range ends at the data instead.
        if !first.isFinite { first = lo }
        if !last.isFinite { last = hi }
        var t: [Double] = []
        var k = 0
        while first + Double(k) * step <= last + step * 1e-9, k < 100 {
            t.append(first + Double(k) * step)
            k += 1
        }
        self.lo = first
        self.hi = last
        self.ticks = t
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let mag = pow(10, floor(Foundation.log10(raw)))
        let f = raw / mag
        let nice: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10
        return nice * mag
    }

    /// Position 0…1 of a value (in display units) along the axis; nil if it cannot be placed.
    func position(_ v: Double) -> Double? {
        var x = v
        if log {
            guard v > 0 else { return nil }
            x = Foundation.log10(v)
        }
        guard x.isFinite, hi > lo else { return nil }
        let f = fraction(x, lo, hi)
        return f.isFinite ? f : nil
    }

    /// A tick's label value (undoing the log).
    func value(ofTick t: Double) -> Double { log ? pow(10, t) : t }
}

/// Where `x` lies from `lo` (0) to `hi` (1): `(x - lo) / (hi - lo)`, by halves when that span
/// overflows (values near the largest Double), so that it stays a number.
func fraction(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
    let span = hi - lo
    return span.isFinite ? (x - lo) / span : (x / 2 - lo / 2) / (hi / 2 - lo / 2)
}

/// The value a `fraction` of the way from `lo` to `hi`, the inverse of `fraction`.
func interpolate(_ lo: Double, _ hi: Double, _ t: Double) -> Double {
    let span = hi - lo
    return span.isFinite ? lo + t * span : (lo / 2 + t * (hi / 2 - lo / 2)) * 2
}

/// A short label for a tick value.
func tickLabel(_ v: Double) -> String {
    if v == 0 { return "0" }
    // A log axis's decade past the largest Double (10^309).
    guard v.isFinite else { return v.isNaN ? "NaN" : v < 0 ? "-∞" : "∞" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 {
        let e = Int(floor(log10(a)))
        let m = v / pow(10, Double(e))
        let ms = abs(m - 1) < 1e-9 ? "" : (NumberText.trimmed(m, decimals: 2) + "×")
        return "\(ms)1e\(e)".replacingOccurrences(of: "×1e", with: "e")
    }
    return NumberText.trimmed(v, decimals: a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3)
}

