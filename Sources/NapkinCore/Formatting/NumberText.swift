import CNumberFormat

/// A Double as printf writes it: fixed (`%.3f`), scientific (`%.3e`) or general (`%.15g`), with a
/// '.' whatever the host's locale. What every printed number and drawn tick goes through;
/// Foundation's `String(format:)` gives the same text six times slower.
public enum NumberText {
    /// `decimals` digits after the point.
    public static func fixed(_ x: Double, decimals: Int) -> String { format(x, decimals, "f") }

    /// One digit, the point, `decimals` digits, then `e±NN`.
    public static func scientific(_ x: Double, decimals: Int) -> String { format(x, decimals, "e") }

    /// `significant` digits, fixed or scientific as printf's `%g` picks.
    public static func general(_ x: Double, significant: Int) -> String { format(x, significant, "g") }

    /// Fixed, without trailing zeros or a bare point; `-0` reads `0`.
    public static func trimmed(_ x: Double, decimals: Int) -> String {
        var s = fixed(x, decimals: decimals)
        if s.utf8.contains(UInt8(ascii: ".")) {
            while s.utf8.last == UInt8(ascii: "0") { s.removeLast() }
            if s.utf8.last == UInt8(ascii: ".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    private static func format(_ x: Double, _ precision: Int, _ conversion: Unicode.Scalar) -> String {
        // 340 digits after the point is more than any Double has (the smallest is about 5e-324).
        let p = Int32(max(0, min(precision, 340)))
        let c = CChar(truncatingIfNeeded: conversion.value)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf in
            let n = Int(napkin_format_double(buf.baseAddress!, buf.count, x, p, c))
            if n < buf.count {
                return String(decoding: UnsafeRawBufferPointer(start: buf.baseAddress!, count: max(0, n)), as: UTF8.self)
            }
            // A long fixed form (1e300 with its 301 digits): again, with room for all of it.
            var long = [CChar](repeating: 0, count: n + 1)
            let m = long.withUnsafeMutableBufferPointer { napkin_format_double($0.baseAddress!, $0.count, x, p, c) }
            return String(decoding: long.prefix(Int(m)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
