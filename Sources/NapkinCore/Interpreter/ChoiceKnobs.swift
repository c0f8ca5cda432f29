/// Choice knobs: `knob fmt = json in [csv, json, parquet, protobuf]` (each option stands for the
/// value bound to its name), `knob hw = baseline in [baseline: h100, green: tpu_v5e]`, or
/// `knob fmt = json in formats` where `formats` is a record of option: value (so each track can
/// offer its own). The knob's value is the selected option's value; it moves by naming an
/// option: `fmt = parquet` (or a string holding the name).
extension Interpreter {
    func isChoiceKnob(_ range: Expr) -> Bool {
        if case .range = range.kind { return false }
        return true
    }

    /// `[a, b]` / `[a: x, b: y]` written in the knob line (not a record evaluated per track).
    func isLiteralOptions(_ range: Expr) -> Bool {
        if case .record = range.kind { return true }
        return false
    }

    func defineChoiceKnob(_ name: String, _ nameSpan: Span, _ valueExpr: Expr, _ rangeExpr: Expr, _ doc: String?, _ span: Span, in program: Program?) throws(NapkinError) {
        var options: [KnobOption] = []
        if case .record(let entries) = rangeExpr.kind {
            for entry in entries {
                guard case .field(let opt, let e, _) = entry else { continue }
                options.append(KnobOption(name: opt, value: try evaluate(e, in: program)))
            }
        } else {
            guard case .record(let r) = try evaluate(rangeExpr, in: program) else {
                throw NapkinError(.runtime, "a knob takes a range LOW...HIGH, or options: [a, b] or a record of option: value", at: rangeExpr.span,
                                  notes: ["knob \(name) = 1 in 1...10 \"what it means\"", "knob \(name) = json in [csv, json, parquet] \"what it means\""])
            }
            options = zip(r.keys, r.values).map { KnobOption(name: $0, value: $1) }
            // A record of one option is a fixed setting: the track that binds it has no choice
            // there (a lab whose knobs keep their names on every track, lab 04's `disk`).
            guard !options.isEmpty else {
                throw NapkinError(.runtime, "a choice knob's record needs at least one option", at: rangeExpr.span)
            }
        }
        guard options.count >= 2 || !isLiteralOptions(rangeExpr) else {
            throw NapkinError(.runtime, "a choice knob needs at least two options", at: rangeExpr.span)
        }
        var info = KnobInfo(low: Quantity(0), high: Quantity(Double(options.count - 1)), doc: doc, options: options)
        info.selected = try optionIndex(optionName(valueExpr, name, info), name, info, at: valueExpr.span)
        if let old = globals[name], old.kind != .knob {
            throw NapkinError(.name, "'\(name)' is already defined and is not a knob", at: nameSpan)
        }
        setGlobal(name, Global(value: options[info.selected].value, kind: .knob, knob: info, definition: span, doc: doc))
    }

    /// The option a line names: `fmt = parquet`, or an expression giving its name as a string
    /// (`fmt = "parquet"`, `fmt = t.start_format`).
    func optionName(_ e: Expr, _ knob: String, _ info: KnobInfo) throws(NapkinError) -> String {
        if case .name(let n) = e.kind, info.options.contains(where: { $0.name == n }) || globals[n] == nil { return n }
        if case .string(let s) = try evaluate(e) { return s }
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
