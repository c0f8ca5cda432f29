import Foundation
import NapkinCore

/// The settings a `visiting KNOB` goal asks the student to walk through: every option of a choice
/// knob, or every whole number of a small plain-number range (`knob tier = 1 in 1...5`). A
/// continuous knob has no such list, and a goal that visits one is refused. Settings are named as
/// the student types them (`one_pb`, `3`), so the workbench, the ledger, the checker and a resumed
/// run all speak of the same settings.
enum KnobVisits {
    /// Most settings a visited whole-number range may have: each is at least one move.
    static let maxSettings = 20

    /// The settings of knob `name` in the author's order, or why it has none to visit.
    struct NoSettings: Error { var reason: String }

    static func settings(_ name: String, _ interp: Interpreter) -> Result<[String], NoSettings> {
        guard let g = interp.globals[name], let k = g.knob else { return .failure(NoSettings(reason: "'\(name)' is not a knob")) }
        if k.isChoice { return .success(k.options.map(\.name)) }
        let f = interp.formatter
        let range = "\(f.valueAndUnit(k.low))...\(f.valueAndUnit(k.high))"
        guard k.low.dim.isNone, k.low.unit == nil, k.low.value == k.low.value.rounded(), k.high.value == k.high.value.rounded() else {
            return .failure(NoSettings(reason: "knob '\(name)' is continuous (\(range)): a goal can visit a choice knob's options or the whole numbers of a small plain-number range"))
        }
        guard let low = Int(whole: k.low.value), let count = Int(whole: k.high.value - k.low.value + 1), count <= maxSettings else {
            let count = formatNumber(k.high.value - k.low.value + 1, digits: 3)
            return .failure(NoSettings(reason: "knob '\(name)' has \(count) whole-number settings (\(range)); a goal can visit at most \(maxSettings)"))
        }
        return .success((0..<count).map { String(low + $0) })
    }

    /// The setting the knob is at now (nil between whole numbers, e.g. 2.5 on 1...5).
    static func current(_ name: String, _ interp: Interpreter) -> String? {
        guard let g = interp.globals[name], let k = g.knob else { return nil }
        if k.isChoice { return k.selectedName }
        guard case .quantity(let q) = g.value, let n = Int(whole: q.value) else { return nil }
        return String(n)
    }

    /// The name of a search setting (an option, or a whole number).
    static func name(of s: MissionChecker.KnobAxis.Setting) -> String? {
        switch s {
        case .option(let o): return o
        case .number(let q): return Int(whole: q.value).map { String($0) }
        }
    }

    /// A setting as shown in progress lines: an option whose value is a quantity shows it
    /// (`one_pb (1 PB)`), so the walk reads as the physics it covers.
    static func label(_ knob: String, _ setting: String, _ interp: Interpreter) -> String {
        guard let k = interp.globals[knob]?.knob, let o = k.options.first(where: { $0.name == setting }),
              case .quantity(let q) = o.value else { return setting }
        var shown = q
        shown.unit = nil
        return "\(setting) (\(interp.formatter.valueAndUnit(shown)))"
    }

    /// The goal clause a visit requirement adds: holds once every setting has been seen.
    static func clause(_ knob: String, seen: [String], _ interp: Interpreter) -> GoalJudge.Clause {
        let all = (try? settings(knob, interp).get()) ?? seen
        let have = all.filter { seen.contains($0) }
        let missing = all.filter { !seen.contains($0) }
        var reading = "\(knob): \(have.count) of \(all.count) settings seen"
        if !have.isEmpty { reading += " (" + have.map { label(knob, $0, interp) }.joined(separator: ", ") + ")" }
        if !missing.isEmpty { reading += ", not yet: " + missing.joined(separator: ", ") }
        return GoalJudge.Clause(holds: missing.isEmpty, distance: Double(missing.count) / Double(max(1, all.count)), reading: reading)
    }

    /// The settings of `knob` not seen yet, in the author's order.
    static func missing(_ knob: String, seen: [String], _ interp: Interpreter) -> [String] {
        ((try? settings(knob, interp).get()) ?? []).filter { !seen.contains($0) }
    }
}
