/// Choice knobs: `knob fmt = json in [csv, json, parquet, protobuf]` (each option stands for the
/// value bound to its name) or `knob hw = baseline in [baseline: h100, green: tpu_v5e]`. The knob's
/// value is the selected option's value; it moves by naming an option: `fmt = parquet`.
extension Interpreter {
    func isChoiceKnob(_ range: Expr) -> Bool {
        if case .record = range.kind { return true }
        return false
    }

    func defineChoiceKnob(_ name: String, _ nameSpan: Span, _ valueExpr: Expr, _ rangeExpr: Expr, _ doc: String?, _ span: Span) throws(NapkinError) {
        guard case .record(let entries) = rangeExpr.kind else { return }
        var options: [KnobOption] = []
        for entry in entries {
            guard case .field(let opt, let e, _) = entry else { continue }
            options.append(KnobOption(name: opt, value: try eval(e, nil)))
        }
        var info = KnobInfo(low: Quantity(0), high: Quantity(Double(options.count - 1)), doc: doc, options: options)
        info.selected = try optionIndex(optionName(valueExpr, name, info), name, info, at: valueExpr.span)
        if let old = globals[name], old.kind != .knob {
            throw NapkinError(.name, "'\(name)' is already defined and is not a knob", at: nameSpan)
        }
        setGlobal(name, Global(value: options[info.selected].value, kind: .knob, knob: info, definition: span, doc: doc))
    }

    /// The option a line names: `fmt = parquet` (or `fmt = "parquet"`).
    func optionName(_ e: Expr, _ knob: String, _ info: KnobInfo) throws(NapkinError) -> String {
        switch e.kind {
        case .name(let n): return n
        case .string(let parts) where parts.count == 1:
            if case .text(let t) = parts[0] { return t }
        default: break
        }
        throw NapkinError(.runtime, "'\(knob)' is a choice: set it to one of its options by name", at: e.span,
                          notes: ["\(knob) = \(info.options.map(\.name).joined(separator: " | "))"])
    }

    func optionIndex(_ option: String, _ knob: String, _ info: KnobInfo, at span: Span) throws(NapkinError) -> Int {
        if let i = info.options.firstIndex(where: { $0.name == option }) { return i }
        throw NapkinError(.runtime, "'\(option)' is not an option of knob '\(knob)'", at: span,
                          notes: ["\(knob) = \(info.options.map(\.name).joined(separator: " | "))"]
                            + didYouMean(option, among: info.options.map(\.name)))
    }

    /// Sets a choice knob to the named option.
    func selectOption(_ knob: String, _ info: KnobInfo, _ option: String, at span: Span?) throws(NapkinError) {
        let i = try optionIndex(option, knob, info, at: span ?? Span(0, 0, file: nil))
        globals[knob]?.knob?.selected = i
        globals[knob]?.value = info.options[i].value
    }

    /// Host access: sets choice knob `name` to option `option` (by name).
    public func setKnobOption(_ name: String, _ option: String) throws(NapkinError) {
        guard let g = globals[name], g.kind == .knob, let info = g.knob, info.isChoice else {
            throw NapkinError(.name, "no choice knob is called '\(name)'")
        }
        try selectOption(name, info, option, at: nil)
    }
}
