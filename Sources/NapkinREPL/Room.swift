import Foundation
import NapkinCore
import NapkinInstruments
import NapkinServe

/// The room view in the session: present mode (full-screen figures, a big readout) and the
/// browser mirror (entries, figures and knobs on a local page; moves from the page come back
/// as typed lines, through the same rules and hooks).
extension REPL {
    /// A figure as a slide: the screen cleared and the figure filling it above the prompt.
    func presentFigure(_ f: Figure) -> String? {
        let style = Terminal.presentStyle(color: options.color, digits: session.interpreter.digits)
        guard let text = try? Instruments.renderText(f, style: style) else { return nil }
        return Terminal.clearScreen + text
    }

    func readout(for v: Value?) -> EntryView.Readout? {
        guard case .quantity(let q)? = v else { return nil }
        let interp = session.interpreter
        let (number, unit) = interp.formatter.split(q)
        return EntryView.Readout(number: number, unit: unit == "1" ? "" : unit, dimension: interp.units.name(of: q.dim))
    }

    /// After an entry ran: the big readout (present mode) and the mirror's copy; when it moved a
    /// knob, the last figure again with the knob's new value.
    func finishEntry(_ source: String) {
        let r = readout(for: entryValues.last)
        publishEntry(source, output: entryText, readout: r)
        let drewFigure = entryValues.contains { $0.isFigure }
        if drewFigure { figureSource = source }
        if presenting, let r {
            out += BigReadout.render(number: r.number, unit: r.unit, dimension: r.dimension, width: Terminal.size().columns,
                                     unicode: !Terminal.isDumb, color: options.color) + "\n"
        }
        if !drewFigure, !knobsBefore.isEmpty, knobValues() != knobsBefore { redrawFigure() }
    }

    /// Each knob's setting (a number, or a choice's option), to tell whether an entry moved one.
    func knobValues() -> [String: String] {
        var d: [String: String] = [:]
        for (n, g) in session.interpreter.globals where g.kind == .knob {
            if let option = g.knob?.selectedName { d[n] = option } else if case .quantity(let q) = g.value { d[n] = "\(q.value)" }
        }
        return d
    }

    /// Draws the last figure again (its entry run without changing the session or printing):
    /// a knob moved, typed or on the page, and the room sees what it does. A workbench redraws
    /// its own instruments instead.
    func redrawFigure() {
        guard let source = figureSource, afterEntry == nil else { return }
        let interp = session.interpreter
        let snapshot = interp.snapshot(), emit = interp.emit
        interp.emit = { _ in }
        defer {
            interp.restore(snapshot)
            interp.emit = emit
        }
        var figures: [Figure] = []
        do {
            let program = try session.parse(source, name: "<repl>")
            for stmt in program {
                if case .figure(let f)? = try interp.execute(stmt, in: program) { figures.append(f) }
            }
        } catch {
            return  // the figure no longer draws (a name it used is gone): leave it
        }
        for f in figures {
            if presenting, let slide = presentFigure(f) { out += slide + "\n" }
        }
        if let mirror, !figures.isEmpty {
            let svgs = figures.compactMap { try? Instruments.renderSVG($0, digits: interp.digits) }
            mirror.publish(EntryView(kind: .note, input: "↻ " + source, output: "", figures: svgs))
        }
    }

    func publishEntry(_ source: String, output: String, error: Bool = false, readout: EntryView.Readout? = nil) {
        defer { entryText = "" }
        guard let mirror else { return }
        var figures: [String] = []
        for v in entryValues {
            if case .figure(let f) = v, let svg = try? Instruments.renderSVG(f, digits: session.interpreter.digits) { figures.append(svg) }
        }
        mirror.publish(EntryView(kind: entryFromPage ? .move : .input, input: source, output: output, figures: figures, error: error, readout: readout))
        mirror.publish(knobs: knobViews())
    }

    /// The knobs as the page's controls (`mirrorKnobs`, else every knob).
    public func knobViews() -> [KnobView] { REPL.knobViews(session.interpreter, names: mirrorKnobs) }

    /// Knobs as the page's controls, in the unit each knob's range was written in.
    public static func knobViews(_ interp: Interpreter, names: [String]? = nil) -> [KnobView] {
        let names = names ?? interp.globalOrder.filter { interp.globals[$0]?.kind == .knob }
        return names.compactMap { n -> KnobView? in
            guard let g = interp.globals[n], let k = g.knob else { return nil }
            // A choice knob is a list of its options; a choice of two, a toggle (checked: the second).
            if k.isChoice {
                let chosen = k.selectedName ?? ""
                return KnobView(name: n, kind: k.isToggle ? .toggle : .choice, display: chosen,
                                choices: k.options.map(\.name), selected: chosen, doc: k.doc ?? g.doc)
            }
            guard case .quantity(let q) = g.value else { return nil }
            let f = interp.formatter
            let u = f.unit(forColumn: [k.low, k.high])
            let factor = u?.factor ?? 1
            var unit = u?.name ?? (q.dim.isNone ? "" : interp.units.baseUnits(of: q.dim))
            if unit == "1" { unit = "" }
            return KnobView(name: n, value: q.value / factor, low: k.low.value / factor, high: k.high.value / factor,
                            step: k.step.map { $0.value / factor }, unit: unit, display: f.valueAndUnit(q), doc: k.doc ?? g.doc)
        }
    }

    /// A number from the page as a person would type it: ten digits read well (0.3, not
    /// 0.30000000000000004). Where ten digits would leave the knob's range (its end at 2/3,
    /// typed 0.6666666667) or pass the largest Double (1.797693135e308), it is written in full.
    public static func typed(_ v: Double, within range: ClosedRange<Double>? = nil) -> String {
        let text = formatNumber(v, digits: 10)
        guard let back = Double(text), back.isFinite else { return formatNumber(v, digits: 17) }
        if let range, range.contains(v), !range.contains(back) { return formatNumber(v, digits: 17) }
        return text
    }

    /// The line a move from the page stands for, as a person would type it.
    func line(for move: KnobMove) -> String? {
        guard let view = knobViews().first(where: { $0.name == move.name }) else { return nil }
        switch move.setting {
        case .number(let v):
            let range = view.low <= view.high ? view.low...view.high : nil
            return "\(view.name) = \(REPL.typed(v, within: range))" + (view.unit.isEmpty ? "" : " " + view.unit)
        // The server only passes an option the knob has; options are names (`fmt = parquet`).
        case .choice(let c): return "\(view.name) = \(c)"
        }
    }

    /// Runs the moves the page asked for, each shown on the terminal as if typed, with its result.
    /// Returns false when there were none.
    @discardableResult
    func applyMirrorMoves() -> Bool {
        guard let mirror else { return false }
        let moves = mirror.takeMoves()
        guard !moves.isEmpty else { return false }
        for m in moves {
            guard let line = line(for: m) else { continue }
            flush()
            StandardStream.output(style.prompt(prompt) + line + style.dim("   ← moved on the page") + "\n")
            entryFromPage = true
            evaluate(line, final: true)
            entryFromPage = false
            flush()
            afterEntry?(line)
        }
        return true
    }

    /// Lets the line editor wake up for the page's moves while it waits for a key.
    func watchMirror() {
        guard let editor else { return }
        if let mirror {
            editor.watch(mirror.wakeFD) { [unowned self] in self.applyMirrorMoves() }
        } else {
            editor.watch(nil, handler: nil)
        }
    }

    /// Starts the mirror on `port` (0: any free port) and prints where it is.
    public func startMirror(host: String, port: UInt16) -> Bool {
        do {
            let m = try MirrorServer(host: host, port: port, title: mirrorTitle)
            mirror?.stop()
            mirror = m
            m.publish(knobs: knobViews())
            watchMirror()
            say("serving this session at " + style.bold(m.url))
            say(style.dim("  the token in that address lets a page move knobs; viewers without it: \(m.viewURL)"))
            if !m.loopbackOnly { say(style.dim("  listening on \(host): anyone who can reach this machine may view")) }
            flush()
            return true
        } catch {
            fail("\(error)")
            return false
        }
    }

    func serveCommand(_ arg: String) {
        switch arg {
        case "":
            if let mirror { say("serving at \(mirror.url)") } else { _ = startMirror(host: mirrorHost, port: REPL.defaultPort) }
        case "off", "stop":
            guard let m = mirror else { return say("not serving") }
            m.stop()
            mirror = nil
            watchMirror()
            say("stopped serving")
        default:
            guard let port = UInt16(arg) else { return fail("usage: :serve [PORT|off] (a port from 0 to 65535; 0 picks a free one)") }
            _ = startMirror(host: mirrorHost, port: port)
        }
    }

    func presentCommand(_ arg: String) {
        switch arg {
        case "": say("present mode is \(presenting ? "on" : "off") (:present on|off)")
        case "on":
            presenting = true
            let (c, r) = Terminal.size()
            say("present mode on: figures fill the terminal (\(c)×\(r)), results also show in big digits")
        case "off":
            presenting = false
            say("present mode off")
        default: fail("usage: :present on|off")
        }
    }

    /// The port `--serve` and `:serve` use when none is given.
    public static let defaultPort: UInt16 = 8765
}

extension Value {
    public var isFigure: Bool { if case .figure = self { return true } else { return false } }
}
