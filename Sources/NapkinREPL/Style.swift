import Foundation
import NapkinCore
import NapkinInstruments

/// ANSI colour for the REPL, or plain text when colour is off.
struct Style {
    let enabled: Bool
    /// Block characters for sparklines; plain ASCII on a dumb terminal.
    var unicode: Bool { ProcessInfo.processInfo.environment["TERM"] != "dumb" }

    func wrap(_ s: String, _ code: String) -> String { enabled && !s.isEmpty ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func prompt(_ s: String) -> String { wrap(s, "1;36") }
    func error(_ s: String) -> String { wrap(s, "1;31") }
    func dim(_ s: String) -> String { wrap(s, "2") }
    func bold(_ s: String) -> String { wrap(s, "1") }
    func code(_ s: String) -> String { wrap(s, "36") }
    func number(_ s: String) -> String { wrap(s, "1") }
    func unit(_ s: String) -> String { wrap(s, "32") }
    func dimension(_ s: String) -> String { wrap(s, "35") }

    /// A result: number bold, unit green, dimension magenta (`13.33 min [Time]`).
    func value(_ v: Value, _ interp: Interpreter) throws(NapkinError) -> String {
        let text = try interp.describe(v)
        if case .table(let t) = v {
            // A sweep shows its trend at a glance under the table.
            let sparks = Sparkline.lines(for: t, interpreter: interp, unicode: unicode)
            return sparks.isEmpty ? text : text + "\n" + sparks.map { self.dim($0) }.joined(separator: "\n")
        }
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
