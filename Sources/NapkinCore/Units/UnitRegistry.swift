/// Everything the prelude declares about dimensions and units: base dimensions, named
/// derived dimensions, units with their prefixes, and the ladders used to display values.
public final class UnitRegistry: @unchecked Sendable {
    public struct UnitInfo: Sendable {
        public var name: String
        public var factor: Double
        public var dim: Dimension
        /// The declaration's text (for a generated prefixed unit, its unit's).
        var about: String?
        /// A generated prefixed unit's prefix and the unit it prefixes (kJ: k, J). Its text is
        /// made when asked for: every unit gets a score of prefixed names at start-up.
        var prefixed: (prefix: String, unit: String)?
        public var aliases: [String]

        public var doc: String? {
            guard let about, let prefixed else { return about }
            return "\(prefixed.prefix)-prefixed \(prefixed.unit): \(about)"
        }
    }

    public private(set) var baseNames: [String] = []
    public private(set) var baseUnitNames: [String] = []
    public private(set) var dimensionsByName: [String: Dimension] = [:]
    public private(set) var namesByDimension: [Dimension: String] = [:]
    public private(set) var units: [String: UnitInfo] = [:]
    public private(set) var unitOrder: [String] = []
    /// Names written in `unit` declarations (no generated prefixes): what did-you-mean offers.
    public private(set) var declaredUnitNames: [String] = []
    public private(set) var prefixFamilies: [String: [(String, Double)]] = [:]
    /// Units to display a dimension in, smallest first, in declaration order of dimensions.
    public private(set) var ladders: [Dimension: [DisplayUnit]] = [:]
    public private(set) var ladderOrder: [Dimension] = []
    private var displayCache: [String: DisplayUnit] = [:]

    public init() {}

    public func copy() -> UnitRegistry {
        let c = UnitRegistry()
        c.baseNames = baseNames; c.baseUnitNames = baseUnitNames
        c.dimensionsByName = dimensionsByName; c.namesByDimension = namesByDimension
        c.units = units; c.unitOrder = unitOrder; c.declaredUnitNames = declaredUnitNames; c.prefixFamilies = prefixFamilies
        c.ladders = ladders; c.ladderOrder = ladderOrder; c.displayCache = displayCache
        return c
    }

    // MARK: Declarations

    public func declareBaseDimension(_ name: String) -> String? {
        if dimensionsByName[name] != nil { return "dimension '\(name)' is already declared" }
        guard baseNames.count < Dimension.maxBase else { return "at most \(Dimension.maxBase) base dimensions" }
        let d = Dimension.base(baseNames.count)
        baseNames.append(name)
        baseUnitNames.append(name)
        dimensionsByName[name] = d
        namesByDimension[d] = name
        return nil
    }

    public func declareDerivedDimension(_ name: String, _ d: Dimension) -> String? {
        if dimensionsByName[name] != nil { return "dimension '\(name)' is already declared" }
        dimensionsByName[name] = d
        if namesByDimension[d] == nil { namesByDimension[d] = name }
        return nil
    }

    public func declareUnit(names: [String], factor: Double, dim: Dimension, prefixes: [String], doc: String?, isBase: Bool = false) {
        let primary = names[0]
        for n in names {
            units[n] = UnitInfo(name: n, factor: factor, dim: dim, about: doc, aliases: names.filter { $0 != n })
            unitOrder.append(n)
            declaredUnitNames.append(n)
        }
        // The base unit of a base dimension names it in messages: Power [kg·m²/s³].
        if isBase, let i = baseIndex(of: dim) { baseUnitNames[i] = primary }
        for family in prefixes {
            for (p, f) in prefixFamilies[family] ?? [] {
                let n = p + primary
                if units[n] != nil { continue }  // kg is declared before g's prefixes
                units[n] = UnitInfo(name: n, factor: factor * f, dim: dim, about: doc, prefixed: (p, primary), aliases: [])
                unitOrder.append(n)
            }
        }
    }

    public func declarePrefixFamily(_ name: String, _ entries: [(String, Double)]) {
        prefixFamilies[name] = entries
    }

    public func declareLadder(_ dim: Dimension, _ list: [DisplayUnit]) {
        if ladders[dim] == nil { ladderOrder.append(dim) }
        ladders[dim] = list.sorted { $0.factor < $1.factor }
    }

    func baseIndex(of d: Dimension) -> Int? {
        var found: Int?
        for i in 0..<16 {
            let e = d.exponents[i]
            if e == 0 { continue }
            if e != 1 || found != nil { return nil }
            found = i
        }
        return found
    }

    // MARK: Lookup

    /// Unit names worth suggesting for a misspelling: declared ones, and generated prefixed
    /// ones only when they differ from `name` by letter case alone (kwh → kWh).
    public func suggestableUnitNames(for name: String) -> [String] {
        let lower = name.lowercased()
        return declaredUnitNames + unitOrder.filter { $0.lowercased() == lower }
    }

    public func unit(_ name: String) -> UnitInfo? { units[name] }

    /// A display unit for a written unit expression, cached by its text.
    public func displayUnit(_ text: String, factor: Double, dim: Dimension, explicit: Bool = false) -> DisplayUnit {
        let key = explicit ? "->" + text : text
        if let d = displayCache[key], d.factor == factor, d.dim == dim { return d }
        let d = DisplayUnit(name: text, factor: factor, dim: dim, explicit: explicit)
        displayCache[key] = d
        return d
    }

    // MARK: Naming dimensions

    /// `Energy`, or a composition of base names (`Compute/Information`); empty when dimensionless.
    public func name(of d: Dimension) -> String {
        if d.isNone { return "" }
        if let n = namesByDimension[d] { return n }
        if let inverse = d.power(-1), let n = namesByDimension[inverse], let ladder = ladders[inverse],
           !ladder.contains(where: { $0.name.contains("/") }) { return "1/\(n)" }
        // A square or a cube of a named dimension: Time², Frequency².
        for p in [2, 3] {
            for ladder in ladderOrder where ladder.power(p) == d {
                if let n = namesByDimension[ladder] { return n + superscript(p) }
            }
        }
        // A named dimension per one base quantity (Energy/Token) reads better than base names.
        for ladder in ladderOrder {
            guard let n = namesByDimension[ladder], let rest = ladder.over(d) else { continue }
            // Dividing by a "per" dimension is multiplying: Time/Frequency reads as Time², and
            // Energy/Frequency as Energy·Time.
            if (0..<16).allSatisfy({ rest.exponents[$0] <= 0 }), let times = rest.power(-1) {
                if let i = baseIndex(of: times) {
                    // Two base dimensions read in base order (Mass·Length), as their units do.
                    if let j = baseIndex(of: ladder) { return i < j ? "\(baseNames[i])·\(n)" : "\(n)·\(baseNames[i])" }
                    return "\(n)·\(baseNames[i])"
                }
                if let t = namesByDimension[times], let tl = ladders[times], !tl.contains(where: { $0.name.contains("/") }) { return "\(n)·\(t)" }
                continue
            }
            if let i = baseIndex(of: rest) { return "\(n)/\(baseNames[i])" }
            // Inference/Energy and Energy/Area, but not Length/Area for 1/Length (a base the
            // numerator has must not end up inverted).
            let inverts = (0..<16).contains { ladder.exponents[$0] > 0 && d.exponents[$0] < 0 }
            // And never over a compound (Length/WaterIntensity): the display skips those too.
            if !inverts, let restLadder = ladders[rest], !restLadder.contains(where: { $0.name.contains("/") }),
               let r = namesByDimension[rest] { return "\(n)/\(r)" }
        }
        return compose(d) { baseNames[$0] }
    }

    /// Base units: `kg·m²/s³`.
    public func baseUnits(of d: Dimension) -> String {
        if d.isNone { return "1" }
        // Nothing above the line reads back as `s⁻¹·sample⁻¹` (a bare `1/s` would not).
        if (0..<baseNames.count).allSatisfy({ d.exponents[$0] <= 0 }) {
            return (0..<baseNames.count).filter { d.exponents[$0] < 0 }
                .map { baseUnitNames[$0] + superscript(Int(d.exponents[$0])) }.joined(separator: "·")
        }
        return compose(d) { baseUnitNames[$0] }
    }

    func compose(_ d: Dimension, _ label: (Int) -> String) -> String {
        var num: [String] = [], den: [String] = []
        for i in 0..<baseNames.count {
            let e = Int(d.exponents[i])
            if e > 0 { num.append(label(i) + superscript(e)) }
            if e < 0 { den.append(label(i) + superscript(-e)) }
        }
        let n = num.isEmpty ? "1" : num.joined(separator: "·")
        if den.isEmpty { return n }
        return n + "/" + den.joined(separator: "/")
    }

    func superscript(_ e: Int) -> String {
        if e == 1 { return "" }
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return String(String(e).map { $0 == "-" ? "⁻" : digits[Int(String($0))!] })
    }

    /// `Power [kg·m²/s³]`, for dimension mismatches.
    public func describe(_ d: Dimension) -> String {
        if d.isNone { return "a plain number" }
        let n = name(of: d)
        let b = baseUnits(of: d)
        return n == b ? "[\(b)]" : "\(n) [\(b)]"
    }
}
