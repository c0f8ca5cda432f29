import Foundation
import NapkinCore
import NapkinInstruments

typealias Style = TextStyle

extension TextStyle {
    /// Block characters for sparklines; plain ASCII on a dumb terminal.
    var unicode: Bool { !Terminal.isDumb }

    /// A result as the REPL shows it: a sweep's table with its trend at a glance underneath.
    func shown(_ v: Value, _ interp: Interpreter) throws(NapkinError) -> String {
        let text = try value(v, interp)
        guard case .table(let t) = v else { return text }
        let sparks = Sparkline.lines(for: t, interpreter: interp, unicode: unicode)
        return sparks.isEmpty ? text : text + "\n" + sparks.map { self.dim($0) }.joined(separator: "\n")
    }
}
