import Foundation

/// Chooses a readable unit for a quantity and prints it with N significant digits:
/// `13.33 min [Time]`, `0.504 MWh [Energy]`, `295.2 FLOP/B [Compute/Information]`.
public struct QuantityFormatter {
    public let registry: UnitRegistry
    public var digits: Int

    public init(registry: UnitRegistry, digits: Int) {
        self.registry = registry
        self.digits = digits
    }

    /// Number and unit, without the dimension: `13.33 min`.
    public func valueAndUnit(_ q: Quantity) -> String {
        let (mantissa, unit) = split(q)
        if unit.isEmpty || unit == "1" { return mantissa }
        if unit == "%" { return mantissa + "%" }
        return mantissa + " " + unit
    }

    /// The full display: `13.33 min [Time]`.
    public func format(_ q: Quantity) -> String {
        let s = valueAndUnit(q)
        let dim = registry.name(of: q.dim)
        return dim.isEmpty ? s : "\(s) [\(dim)]"
    }

    /// The unit a quantity displays in (nil: a plain number, or base units): the unit it was
    /// written or converted in while that keeps the shown number from 1 to 1000 (`999.99 kW * 1`
    /// shows as 1 MW, since it rounds to 1000), else its dimension's display ladder.
    public func shownUnit(_ q: Quantity) -> DisplayUnit? {
        if let u = q.unit, u.dim == q.dim {
            let m = abs(q.value / u.factor)
            let shown = abs(Double(formatNumber(m, digits: digits)) ?? m)
            if u.explicit || m == 0 || (m >= 1 && shown < 1000) || registry.ladders[q.dim] == nil { return u }
        }
        return unit(for: q.dim, magnitude: q.value)
    }

    /// The mantissa and unit name a quantity displays with.
    public func split(_ q: Quantity) -> (String, String) {
        // A finite value that its unit cannot hold (1e308 gCO2e/kWh × 10 is 1e309 gCO2e/kWh)
        // shows in base units, where it is finite, never as ∞.
        guard let u = shownUnit(q), !q.value.isFinite || (q.value / u.factor).isFinite else {
            return (formatNumber(q.value, digits: digits), q.dim.isNone ? "" : registry.baseUnits(of: q.dim))
        }
        if u === q.unit { return (formatNumber(q.value / u.factor, digits: digits), u.name) }
        var name = u.name
        let mantissa = formatNumber(q.value / u.factor, digits: digits)
        if mantissa == "1" || mantissa == "-1", name.hasSuffix("s"), let single = registry.unit(String(name.dropLast())),
           single.factor == u.factor, single.dim == u.dim {
            name = single.name
        }
        return (mantissa, name)
    }

    /// A number that reads well beside its unit: zero, or within 0.001 ≤ |m| < 10⁶ (not
    /// 1.024e6 B or 9.85e-5 days). Anything not finite is left to say what it is.
    public static func readsWell(_ m: Double) -> Bool {
        let a = abs(m)
        return a == 0 || !a.isFinite || (a >= 1e-3 && a < 1e6)
    }

    /// The unit to show `magnitude` (in base units) of dimension `d` in, from the prelude's ladders.
    public func unit(for d: Dimension, magnitude: Double) -> DisplayUnit? {
        if d.isNone { return nil }
        if let ladder = registry.ladders[d] { return pick(ladder, magnitude) }
        // A reciprocal (per metre, per GB, per joule) reads as m⁻¹, GB⁻¹, J⁻¹: the ladder's
        // reference unit while the number stays readable, else the unit the inverse shows in.
        if let inverse = d.power(-1), let ladder = registry.ladders[inverse], !ladder.contains(where: { $0.name.contains("/") }) {
            var u = reference(ladder)
            let m = abs(magnitude) * u.factor
            if magnitude != 0, magnitude.isFinite, m < 1e-3 || m >= 1e6 { u = pick(ladder, 1 / abs(magnitude)) }
            return registry.displayUnit(QuantityFormatter.inverse(u.name), factor: 1 / u.factor, dim: d)
        }
        // A square or a cube of a laddered dimension (Time² from h × h): the ladder's unit squared.
        for p in [2, 3] {
            for a in registry.ladderOrder where a.power(p) == d {
                // Plain unit names only: mm² squared is no mm²².
                guard let top = registry.ladders[a], top.allSatisfy({ $0.name.allSatisfy { $0.isLetter } }) else { continue }
                let u = pick(top, pow(abs(magnitude), 1 / Double(p)))
                return registry.displayUnit(u.name + registry.superscript(p), factor: pow(u.factor, Double(p)), dim: d)
            }
        }
        // Energy per token, carbon per inference, …: a ladder over a reference unit, the first
        // ladder in the prelude's order that gives one. When that is a ladder times another
        // unit, a ladder over a reference that keeps the number from 1 to 1000 reads better:
        // tokens per second are `1 ktoken/s`, not `1 kHz·token` (a current's `1 MHz·A` stays
        // while the current's ladder, which ends at kA, would give `1000 kA/s`).
        var first: (unit: DisplayUnit, times: Bool)?
        for a in registry.ladderOrder {
            guard let c = ladderForm(a, d, magnitude) else { continue }
            first = c
            break
        }
        guard let first else { return nil }
        if first.times {
            for a in registry.ladderOrder {
                guard let c = ladderForm(a, d, magnitude), !c.times else { continue }
                // As printed: 999950 A/s would print as 1000 kA/s.
                let m = abs(magnitude) / c.unit.factor
                let shown = Double(formatNumber(m, digits: digits)) ?? m
                if shown >= 1, shown < 1000 { return c.unit }
            }
        }
        return first.unit
    }

    /// `d` shown as ladder `a` over a reference unit (`mJ/inference`), or, when `d` is `a` times
    /// a base (`a` over a "per" dimension, J/Hz), as `a` times that base (`J·s`; `times`).
    private func ladderForm(_ a: Dimension, _ d: Dimension, _ magnitude: Double) -> (unit: DisplayUnit, times: Bool)? {
        guard let b = a.over(d), let top = registry.ladders[a] else { return nil }
        // Over a "per" dimension (J/Hz) is times its inverse: J·s when that is a base unit.
        if (0..<16).allSatisfy({ b.exponents[$0] <= 0 }) {
            // Not when the ladder already holds that base above the line (L·m for m⁴).
            guard let times = b.power(-1), let i = registry.baseIndex(of: times), a.exponents[i] <= 0,
                  !top.contains(where: { $0.name.contains("/") }) else { return nil }
            let num = pick(top, magnitude / 1)
            // Two base units in base order (kg·m), as the dimension's name reads.
            if let j = registry.baseIndex(of: a), i < j {
                return (registry.displayUnit("\(registry.baseUnitNames[i])·\(num.name)", factor: num.factor, dim: d), true)
            }
            return (registry.displayUnit("\(num.name)·\(registry.baseUnitNames[i])", factor: num.factor, dim: d), true)
        }
        let ref: DisplayUnit
        if let bl = registry.ladders[b] { ref = reference(bl) }
        else if let i = registry.baseIndex(of: b) {
            ref = DisplayUnit(name: registry.baseUnitNames[i], factor: 1, dim: b)
        } else { return nil }
        // X/(FLOP/B) cannot be written as a unit (X/FLOP/B is another dimension).
        if ref.name.contains("/") { return nil }
        let num = pick(top, magnitude * ref.factor)
        return (registry.displayUnit("\(num.name)/\(ref.name)", factor: num.factor / ref.factor, dim: d), false)
    }

    /// `m` → `m⁻¹`, `mm²` → `mm⁻²` (not `mm²⁻¹`, which would read back as a power of the value).
    static func inverse(_ name: String) -> String {
        let digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
        let stem = name.prefix { !digits.contains($0) }
        let power = name.dropFirst(stem.count)
        return stem + "⁻" + (power.isEmpty ? "¹" : power)
    }

    /// One unit for a column of quantities of one dimension, so the numbers line up: the unit
    /// the first was written in, else the readable unit of the largest finite magnitude.
    public func unit(forColumn qs: [Quantity]) -> DisplayUnit? {
        guard let first = qs.first else { return nil }
        var biggest = 0.0
        for q in qs where q.value.isFinite { biggest = max(biggest, abs(q.value)) }
        return unit(forColumn: first.dim, remembered: first.unit, biggest: biggest)
    }

    /// A column's unit: the one its values remember while the column reads well in it; a
    /// column many decades away from it (1.024e6 B) takes its dimension's ladder (1.024 MB).
    public func unit(forColumn dim: Dimension, remembered: DisplayUnit?, biggest: Double) -> DisplayUnit? {
        if let u = remembered {
            // Only a dimension with a ladder of its own switches (2000 sample/s stays).
            if QuantityFormatter.readsWell(biggest / u.factor) || registry.ladders[dim] == nil { return u }
            return unit(for: dim, magnitude: biggest) ?? u
        }
        return unit(for: dim, magnitude: biggest)
    }

    func reference(_ ladder: [DisplayUnit]) -> DisplayUnit {
        ladder.min { abs(log10($0.factor)) < abs(log10($1.factor)) }!
    }

    func pick(_ ladder: [DisplayUnit], _ magnitude: Double) -> DisplayUnit {
        let m = abs(magnitude)
        if m == 0 || !m.isFinite { return reference(ladder) }
        let threshold = 1 - 0.5 * pow(10, Double(-digits))
        var best = ladder[0], index = 0
        for (i, u) in ladder.enumerated() where m / u.factor >= threshold { best = u; index = i }
        // As printed: at one digit 9.5e5 W is 0.94999… MW, which prints 0.9 MW; 950 kW it is.
        // Only if the smaller unit prints it below the larger one (999995 W at five digits is
        // 1000 kW there: 0.99999 MW stays).
        // Only a number below 1 can print below 1: most displays format nothing here.
        if index > 0, m / best.factor < 1, abs(Double(formatNumber(m / best.factor, digits: digits)) ?? 1) < 1,
           case let lower = ladder[index - 1], abs(Double(formatNumber(m / lower.factor, digits: digits)) ?? .infinity) < best.factor / lower.factor {
            best = lower
        }
        // Far below the ladder's smallest unit the number needs an exponent anyway, and one on
        // the coherent unit reads as physics writes it: kT ln 2 is 2.871e-21 J, not 2.871e-9
        // pJ, and a femtosecond 1e-15 s, not 1e-6 ns. As printed (9.9996e-4 pJ prints 0.001
        // pJ); only where the reference unit is the coherent one (not USD/h for a cost rate),
        // and never above the ladder (13.8e9 years stays in years).
        if best === ladder[0], m / best.factor < threshold, case let ref = reference(ladder), ref.factor == 1,
           abs(Double(formatNumber(m / best.factor, digits: digits)) ?? 0) < 1e-3 {
            return ref
        }
        return best
    }
}

/// N significant digits; fixed notation for everyday magnitudes, `1.235e9` outside them.
public func formatNumber(_ x: Double, digits: Int) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-∞" : "∞" }
    if x == 0 { return "0" }
    let digits = max(1, min(17, digits))
    let exponent = Int(floor(log10(abs(x))))
    if exponent >= -4 && exponent < max(digits, 6) {
        return NumberText.trimmed(x, decimals: max(0, digits - 1 - exponent))
    }
    let s = NumberText.scientific(x, decimals: digits - 1)
    guard let e = s.firstIndex(of: "e") else { return s }
    var mantissa = String(s[..<e])
    if mantissa.contains(".") {
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
    }
    let exp = Int(s[s.index(after: e)...]) ?? 0
    return "\(mantissa)e\(exp)"
}
