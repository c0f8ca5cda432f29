import Foundation

/// Did-you-mean for a misspelt unit that never silently points 8× away: every suggestion
/// after the first says how it differs from the first in size or dimension
/// ("'Gbit' (gigabit) or 'GB' (gigabyte, 8× larger)").
extension UnitRegistry {
    static let prefixWords: [String: String] = [
        "Q": "quetta", "R": "ronna", "Y": "yotta", "Z": "zetta", "E": "exa", "P": "peta", "T": "tera", "G": "giga",
        "M": "mega", "k": "kilo", "c": "centi", "m": "milli", "µ": "micro", "μ": "micro", "u": "micro", "n": "nano",
        "p": "pico", "f": "femto", "a": "atto", "Ki": "kibi", "Mi": "mebi", "Gi": "gibi", "Ti": "tebi", "Pi": "pebi", "Ei": "exbi",
    ]

    /// Celsius and Fahrenheit written as units (`20 °C`, `1 degF`): they are offset scales,
    /// so napkin has them as conversion functions, never as units (2 × 10 °C is not 20 °C in
    /// kelvin). The note names the function, with the reading when the literal gives one.
    public static func temperatureNote(for name: String, amount: Double? = nil) -> String? {
        let key = name.lowercased().replacingOccurrences(of: "°", with: "").replacingOccurrences(of: "º", with: "")
            .replacingOccurrences(of: "degrees", with: "").replacingOccurrences(of: "degree", with: "").replacingOccurrences(of: "deg", with: "")
        let n = amount.map { formatNumber($0, digits: 10) } ?? "t"
        let scale: (fn: String, read: String, zero: Double, kelvin: (Double) -> Double, step: String)
        switch (key, name) {
        case ("c", _) where name != "C", ("celsius", _), ("centigrade", _), (_, "℃"):
            scale = ("celsius", "in_celsius", -273.15, { $0 + 273.15 }, "a difference of 1 °C is 1 K")
        case ("f", _) where name != "F", ("fahrenheit", _), (_, "℉"):
            scale = ("fahrenheit", "in_fahrenheit", -459.67, { ($0 - 32) * 5 / 9 + 273.15 }, "a difference of 1 °F is 1 degR (rankine)")
        case ("k", _) where name != "K", ("kelvin", _) where name != "kelvin":
            return "kelvin is an absolute unit, written without a degree: \(n) K"
        default: return nil
        }
        let symbol = scale.fn == "celsius" ? "°C" : "°F"
        var example = "\(scale.fn)(\(n))"
        if let amount {
            example += amount >= scale.zero ? " (= \(formatNumber(scale.kelvin(amount), digits: 6)) K)"
                : ", but \(n) \(symbol) is below absolute zero (\(formatNumber(scale.zero, digits: 6)) \(symbol))"
        } else {
            example += " for a reading of t \(symbol)"
        }
        return "temperatures in \(symbol) are conversion functions, never units (the scale is offset from zero): write \(example); \(scale.read)(T) reads a temperature back, and \(scale.step)"
    }

    /// The note for an unknown unit `name`, or none when nothing is close. The candidates are
    /// what the name reads as by convention (`Kb` is a kilobit: b is a bit; `GBps` is GB/s; a
    /// trailing s a plural) and the units it is a near-miss of (case, one letter); every one
    /// after the first says how it differs from the first ("8× larger", "a rate, per second"),
    /// so no suggestion silently points 8× away. An all-lowercase name (`gb`, `tb`) most often
    /// means bytes, so the close matches lead; otherwise the convention's reading does.
    public func unitSuggestionNotes(for name: String) -> [String] {
        if let t = UnitRegistry.temperatureNote(for: name) { return [t] }
        // A prefix typed in the wrong case (K for k, g for G): the stem with its first letter either way.
        func stems(_ stem: String) -> [String] {
            guard let f = stem.first else { return [stem] }
            return [stem, f.lowercased() + stem.dropFirst(), f.uppercased() + stem.dropFirst()]
        }
        var readings: [String] = []
        if name.hasSuffix("b"), name.count > 1 { readings += stems(String(name.dropLast())).map { $0 + "bit" } }
        if name.hasSuffix("ps"), name.count > 2 {
            let stem = String(name.dropLast(2))
            readings += stems(stem).map { $0 + "/s" }
            if stem.hasSuffix("b") { readings += stems(String(stem.dropLast())).map { $0 + "bit/s" } }
        }
        if name.hasSuffix("s"), name.count > 1 { readings += stems(String(name.dropLast())) }
        let close = suggestions(for: name, among: suggestableUnitNames(for: name))
        var candidates: [String] = []
        let ordered = name == name.lowercased() ? close + readings : readings + close
        for c in ordered where c != name && !candidates.contains(c) && resolve(c) != nil {
            // A far cousin of one already named (millibyte beside megabyte, picoflops beside
            // petaflops) is no near-miss: left out.
            let r = resolve(c)!
            let far = candidates.contains { k in
                guard let kr = resolve(k), kr.dim == r.dim else { return false }
                let ratio = r.factor / kr.factor
                return ratio > 1000 || ratio < 0.001
            }
            if !far { candidates.append(c) }
        }
        guard let first = candidates.first, let ref = resolve(first) else { return [] }
        // One candidate that is what the name reads as (kwh → kWh) needs no explanation.
        if candidates.count == 1, first.lowercased() == name.lowercased() { return ["did you mean '\(first)'?"] }
        let described = candidates.prefix(3).enumerated().map { i, c -> String in
            var parts: [String] = []
            if let long = longName(c) { parts.append(long) }
            if i > 0, let r = resolve(c) { parts.append(contentsOf: comparison(r, to: ref)) }
            return parts.isEmpty ? "'\(c)'" : "'\(c)' (\(parts.joined(separator: ", ")))"
        }
        return ["did you mean " + described.joined(separator: " or ") + "?"]
    }

    /// How `r` differs from `ref`: "8× larger", "a rate, per second", or its dimension.
    func comparison(_ r: (factor: Double, dim: Dimension), to ref: (factor: Double, dim: Dimension)) -> [String] {
        if r.dim == ref.dim {
            let ratio = r.factor / ref.factor
            if abs(ratio - 1) < 1e-12 { return ["the same"] }
            return ratio > 1 ? ["\(formatNumber(ratio, digits: 4))× larger"] : ["\(formatNumber(1 / ratio, digits: 4))× smaller"]
        }
        if let rate = ref.dim.over(dimensionsByName["Time"] ?? .none), rate == r.dim { return ["a rate, per second"] }
        let n = name(of: r.dim)
        return ["\(n.isEmpty ? "a plain number" : n), not \(name(of: ref.dim).isEmpty ? "a plain number" : name(of: ref.dim))"]
    }

    /// Factor and dimension of a simple unit expression (`GB`, `GB/s`), or nil.
    func resolve(_ text: String) -> (factor: Double, dim: Dimension)? {
        var factor = 1.0, dim = Dimension.none
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        for (i, p) in parts.enumerated() {
            guard let u = unit(String(p)) else { return nil }
            if i == 0 { factor *= u.factor; dim = u.dim } else {
                factor /= u.factor
                guard let d = dim.over(u.dim) else { return nil }
                dim = d
            }
        }
        return (factor, dim)
    }

    /// "gigabyte" for GB, "gigabit per second" for Gbit/s; nil when the unit is its own word.
    func longName(_ text: String) -> String? {
        let words = text.split(separator: "/").map { word(String($0)) }
        if words.contains(where: { $0 == nil }) { return nil }
        let joined = words.map { $0! }.joined(separator: " per ")
        return joined == text ? nil : joined
    }

    private func word(_ symbol: String) -> String? {
        // The longest lowercase name that is not a plural: s → second, FLOP → flop, B → byte;
        // a lowercase symbol with a plural is a word itself (bit, bits); nil for Wh and bps.
        func spelled(_ u: String) -> String? {
            guard let info = unit(u) else { return nil }
            let words = info.aliases.filter {
                $0.count >= u.count && $0.first?.isLowercase == true
                    && !($0.hasSuffix("s") && (info.aliases.contains(String($0.dropLast())) || String($0.dropLast()) == u))
            }
            if let w = words.max(by: { $0.count < $1.count }) { return w }
            return u == u.lowercased() && info.aliases.contains(u + "s") ? u : nil
        }
        if declaredUnitNames.contains(symbol) { return spelled(symbol) ?? symbol }
        // A prefixed unit: the longest prefix that leaves a declared unit.
        for (p, w) in UnitRegistry.prefixWords.sorted(by: { $0.key.count > $1.key.count }) where symbol.hasPrefix(p) {
            let rest = String(symbol.dropFirst(p.count))
            if declaredUnitNames.contains(rest) { return spelled(rest).map { w + $0 } }
        }
        return unit(symbol) == nil ? nil : symbol
    }
}
