/// Host access to knobs (the mission checker searches a workbench's knob ranges for a setting
/// that meets a goal). Kept apart from Interpreter.swift; the range rule is the same as `k = v`.
extension Interpreter {
    /// Moves knob `name` to `value` (same dimension, inside its range); keeps its display unit.
    public func setKnob(_ name: String, _ value: Quantity) throws(NapkinError) {
        guard var g = globals[name], g.kind == .knob, let info = g.knob else {
            throw NapkinError(.name, "no knob is called '\(name)'")
        }
        guard value.dim == info.low.dim else {
            throw NapkinError(.dimension, "the knob '\(name)' has another dimension")
        }
        guard value.value >= info.low.value - 1e-12 * abs(info.low.value),
              value.value <= info.high.value + 1e-12 * abs(info.high.value) else {
            throw NapkinError(.runtime, "\(value.value) is outside the knob's range")
        }
        var v = value
        if v.unit == nil, case .quantity(let old) = g.value { v.unit = old.unit }
        g.value = .quantity(v)
        globals[name] = g
    }
}
