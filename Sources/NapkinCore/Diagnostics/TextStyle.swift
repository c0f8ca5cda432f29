/// ANSI colour for text at a terminal (results, listings, errors), or plain text when colour
/// is off. The REPL, the library catalog and the command line share it.
public struct TextStyle: Sendable {
    public let enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }

    public func wrap(_ s: String, _ code: String) -> String { enabled && !s.isEmpty ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    public func prompt(_ s: String) -> String { wrap(s, "1;36") }
    public func error(_ s: String) -> String { wrap(s, "1;31") }
    public func dim(_ s: String) -> String { wrap(s, "2") }
    public func bold(_ s: String) -> String { wrap(s, "1") }
    public func code(_ s: String) -> String { wrap(s, "36") }
    public func number(_ s: String) -> String { wrap(s, "1") }
    public func unit(_ s: String) -> String { wrap(s, "32") }
    public func dimension(_ s: String) -> String { wrap(s, "35") }

    /// A value as the session prints it; a quantity with its number bold, unit green and
    /// dimension magenta (`13.33 min [Time]`).
    public func value(_ v: Value, _ interp: Interpreter) throws(NapkinError) -> String {
        let text = try interp.describe(v)
        guard enabled, case .quantity(let q) = v else { return text }
        let f = interp.formatter
        guard text == f.format(q) else { return text }
        let (mantissa, unitName) = f.split(q)
        let dim = interp.units.name(of: q.dim)
        var s = number(mantissa)
        if unitName == "%" { s += unit("%") } else if !unitName.isEmpty { s += " " + unit(unitName) }
        if !dim.isEmpty { s += " " + dimension("[\(dim)]") }
        return s
    }
}
