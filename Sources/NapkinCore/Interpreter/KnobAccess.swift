/// Host access to knobs (the mission checker searches a workbench's knob ranges for a setting
/// that meets a goal): the same rule as `name = value` in napkin.
extension Interpreter {
    /// Moves knob `name` to `value` (same dimension, inside its range); keeps its display unit.
    public func setKnob(_ name: String, _ value: Quantity) throws(NapkinError) {
        guard let g = globals[name], g.kind == .knob, let info = g.knob else {
            throw NapkinError(.name, "no knob is called '\(name)'")
        }
        try moveKnob(name, g, info, value, at: nil)
    }
}

extension KnobInfo {
    /// The knob's range as written: `1...32`, with its step when it has one (`1...32 step 1`).
    public func rangeText(_ f: QuantityFormatter) -> String {
        "\(f.valueAndUnit(low))...\(f.valueAndUnit(high))" + (step.map { " step \(f.valueAndUnit($0))" } ?? "")
    }
}
