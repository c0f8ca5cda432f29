/// A dimension as integer exponents of up to 16 base dimensions declared in the prelude
/// (Length, Mass, Time, Information, Compute, Carbon, …). A SIMD vector: no allocation,
/// multiplication is one vector add.
public struct Dimension: Hashable, Sendable {
    public var exponents: SIMD16<Int8>
    public static let maxBase = 16
    public static let none = Dimension(exponents: .zero)

    public init(exponents: SIMD16<Int8>) { self.exponents = exponents }

    public static func base(_ index: Int) -> Dimension {
        var e = SIMD16<Int8>.zero
        e[index] = 1
        return Dimension(exponents: e)
    }

    public var isNone: Bool { exponents == .zero }

    /// nil when an exponent would leave −100…100 (nobody means m^200).
    public func times(_ o: Dimension) -> Dimension? {
        let r = exponents &+ o.exponents
        return Dimension.inRange(r) && Dimension.inRange(exponents) ? Dimension(exponents: r) : nil
    }

    public func over(_ o: Dimension) -> Dimension? {
        let r = exponents &- o.exponents
        return Dimension.inRange(r) ? Dimension(exponents: r) : nil
    }

    public func power(_ n: Int) -> Dimension? {
        var r = SIMD16<Int8>.zero
        for i in 0..<16 {
            let v = Int(exponents[i]) * n
            guard abs(v) <= 100 else { return nil }
            r[i] = Int8(v)
        }
        return Dimension(exponents: r)
    }

    /// The n-th root, or nil when an exponent is not divisible by n (sqrt(m) has no meaning here).
    public func root(_ n: Int) -> Dimension? {
        var r = SIMD16<Int8>.zero
        for i in 0..<16 {
            let v = Int(exponents[i])
            guard v % n == 0 else { return nil }
            r[i] = Int8(v / n)
        }
        return Dimension(exponents: r)
    }

    static func inRange(_ v: SIMD16<Int8>) -> Bool {
        for i in 0..<16 where abs(Int(v[i])) > 100 { return false }
        return true
    }
}

/// A number in base units with its dimension. `unit` remembers how it was written or
/// converted (`5 GWh`, `x -> h`) so it displays that way; arithmetic drops it.
public struct Quantity: Sendable {
    public var value: Double
    public var dim: Dimension
    public var unit: DisplayUnit?

    public init(_ value: Double, _ dim: Dimension = .none, unit: DisplayUnit? = nil) {
        self.value = value
        self.dim = dim
        self.unit = unit
    }
}

/// A unit to show a value in: a name as written and its factor to base units.
/// `explicit` units come from `->` and are always honoured; units remembered from a literal
/// (`3600 s`) are used only while they keep the number readable (1 to 1000).
public final class DisplayUnit: @unchecked Sendable {
    public let name: String
    public let factor: Double
    public let dim: Dimension
    public let explicit: Bool
    public init(name: String, factor: Double, dim: Dimension, explicit: Bool = false) {
        self.name = name
        self.factor = factor
        self.dim = dim
        self.explicit = explicit
    }
}
