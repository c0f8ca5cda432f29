import Foundation

/// A dimension as integer exponents of up to 16 base dimensions declared in the prelude
/// (Length, Mass, Time, Information, Compute, Carbon, …), packed one signed byte per base
/// dimension into two words: comparing is two integer compares, multiplying a few word-wide
/// byte additions (SWAR), and nothing allocates.
public struct Dimension: Hashable, Sendable {
    var low: UInt64
    var high: UInt64
    public static let maxBase = 16
    public static let none = Dimension(low: 0, high: 0)

    init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    public init(exponents: SIMD16<Int8>) {
        let words = unsafeBitCast(exponents, to: (UInt64, UInt64).self)
        self.init(low: words.0, high: words.1)
    }

    /// The exponents as a vector, for code that reads them one by one.
    public var exponents: SIMD16<Int8> { unsafeBitCast((low, high), to: SIMD16<Int8>.self) }

    public static func base(_ index: Int) -> Dimension {
        var e = SIMD16<Int8>.zero
        e[index] = 1
        return Dimension(exponents: e)
    }

    @inline(__always)
    public var isNone: Bool { low | high == 0 }

    // Byte-wise add and subtract within a word, without carries between bytes.
    private static let h: UInt64 = 0x8080_8080_8080_8080
    @inline(__always) static func add(_ a: UInt64, _ b: UInt64) -> UInt64 { ((a & ~h) &+ (b & ~h)) ^ ((a ^ b) & h) }
    @inline(__always) static func sub(_ a: UInt64, _ b: UInt64) -> UInt64 { ((a | h) &- (b & ~h)) ^ ((a ^ ~b) & h) }

    /// Every byte of `w` is within −60…60. Exponents stay that small (nobody means m^61), so
    /// adding two never wraps a byte.
    @inline(__always) static func inRange(_ w: UInt64) -> Bool {
        let biased = add(w, 0x3C3C_3C3C_3C3C_3C3C)  // −60…60 → 0…120
        return ((((biased & ~h) &+ 0x0707_0707_0707_0707) | biased) & h) == 0
    }

    /// nil when an exponent would leave −60…60.
    @inline(__always)
    public func times(_ o: Dimension) -> Dimension? {
        let l = Dimension.add(low, o.low), hi = Dimension.add(high, o.high)
        return Dimension.inRange(l) && Dimension.inRange(hi) ? Dimension(low: l, high: hi) : nil
    }

    @inline(__always)
    public func over(_ o: Dimension) -> Dimension? {
        let l = Dimension.sub(low, o.low), hi = Dimension.sub(high, o.high)
        return Dimension.inRange(l) && Dimension.inRange(hi) ? Dimension(low: l, high: hi) : nil
    }

    public func power(_ n: Int) -> Dimension? {
        let e = exponents
        var r = SIMD16<Int8>.zero
        for i in 0..<16 {
            let v = Int(e[i]) * n
            guard abs(v) <= 60 else { return nil }
            r[i] = Int8(v)
        }
        return Dimension(exponents: r)
    }

    /// The dimension of a quantity of this one raised to `p`, as napkin reads `x^p` (the
    /// interpreter and the dimension checker both): a whole power up to 100 either way, or the
    /// n-th root when p is 1/n; nil when there is none (m^0.3, or an exponent past ±60).
    public func raised(to p: Double) -> Dimension? {
        if let n = Int(whole: p), abs(n) <= 100 { return power(n) }
        if p > 0, let n = Int(whole: 1 / p) { return root(n) }
        return nil
    }

    /// The n-th root, or nil when an exponent is not divisible by n (sqrt(m) has no meaning here).
    public func root(_ n: Int) -> Dimension? {
        let e = exponents
        var r = SIMD16<Int8>.zero
        for i in 0..<16 {
            let v = Int(e[i])
            guard v % n == 0 else { return nil }
            r[i] = Int8(v / n)
        }
        return Dimension(exponents: r)
    }
}

/// A number in base units with its dimension. `unit` remembers how it was written or
/// converted (`5 GWh`, `x -> h`) so it displays that way; arithmetic drops it. The unit is kept
/// as a small id, so copying a quantity never touches a reference count.
public struct Quantity: Sendable {
    public var value: Double
    public var dim: Dimension
    public var unitID: UInt32

    public init(_ value: Double, _ dim: Dimension = .none, unit: DisplayUnit? = nil) {
        self.value = value
        self.dim = dim
        self.unitID = unit?.id ?? 0
    }

    @inline(__always)
    init(_ value: Double, _ dim: Dimension, unitID: UInt32) {
        self.value = value
        self.dim = dim
        self.unitID = unitID
    }

    public var unit: DisplayUnit? {
        get { unitID == 0 ? nil : DisplayUnit.table.unit(unitID) }
        set { unitID = newValue?.id ?? 0 }
    }

    /// A plain number as written: no dimension and no unit (a 0 like this fits any dimension).
    @inline(__always)
    var isPlain: Bool { dim.isNone && unitID == 0 }

    /// A plain 0: it takes the dimension of whatever it meets (`x > 0`, `max(0, x)`).
    @inline(__always)
    var isPlainZero: Bool { value == 0 && isPlain }
}

/// A unit to show a value in: a name as written and its factor to base units.
/// `explicit` units come from `->` and are always honoured; units remembered from a literal
/// (`3600 s`) are used only while they keep the number readable (1 to 1000).
public final class DisplayUnit: @unchecked Sendable {
    public let name: String
    public let factor: Double
    public let dim: Dimension
    public let explicit: Bool
    /// Interned: one id per distinct unit, process-wide (quantities store the id).
    public private(set) var id: UInt32 = 0

    public init(name: String, factor: Double, dim: Dimension, explicit: Bool = false) {
        self.name = name
        self.factor = factor
        self.dim = dim
        self.explicit = explicit
        self.id = DisplayUnit.table.intern(self)
    }

    static let table = DisplayUnitTable()
}

/// Every display unit made in this process, by id. Written rarely (a new unit spelling),
/// read when formatting; a lock keeps concurrent sessions (tests) safe.
final class DisplayUnitTable: @unchecked Sendable {
    private let lock = NSLock()
    private var units: [DisplayUnit?] = [nil]
    private var ids: [Key: UInt32] = [:]

    private struct Key: Hashable {
        let name: String
        let factor: Double
        let explicit: Bool
        let dim: Dimension
    }

    func intern(_ u: DisplayUnit) -> UInt32 {
        let key = Key(name: u.name, factor: u.factor, explicit: u.explicit, dim: u.dim)
        lock.lock(); defer { lock.unlock() }
        if let id = ids[key] { return id }
        units.append(u)
        let id = UInt32(units.count - 1)
        ids[key] = id
        return id
    }

    func unit(_ id: UInt32) -> DisplayUnit? {
        lock.lock(); defer { lock.unlock() }
        return Int(id) < units.count ? units[Int(id)] : nil
    }
}
