import Foundation
import NapkinCore
import NapkinInstruments
import NapkinLab
import NapkinREPL
import NapkinServe

/// The interactive mission at a terminal (the command line's side of a mission; the lab engine
/// never touches the terminal): questions on a line-editing prompt (or plain lines when stdin is
/// not a terminal), and each part's workbench in the napkin REPL with the workbench's
/// commands (:done, :try, :goals, :hint, :peek, :show) added.
final class MissionTerminal: MissionIO {
    let options: REPL.Options
    var editor: LineEditor?
    /// The browser mirror (`--serve`): the mission's text, answers, workbench and goals.
    public var mirror: MirrorServer?

    public init(options: REPL.Options) {
        self.options = options
    }

    /// Asked afresh each time, so a resized terminal is used at once.
    var style: RenderStyle {
        var s = RenderStyle.fromEnvironment(isTerminal: isatty(STDOUT_FILENO) == 1, noColorFlag: !options.color)
        if isatty(STDOUT_FILENO) == 1 { s.width = max(30, Terminal.size().columns) }
        return s
    }

    var rows: Int {
        if isatty(STDOUT_FILENO) == 1 { return Terminal.size().rows }
        // LINES as given, within what a screen can be (a LINES of -2⁶³ overflowed the
        // workbench's arithmetic).
        let lines = Int(ProcessInfo.processInfo.environment["LINES"] ?? "") ?? 40
        return lines > 0 ? min(lines, Terminal.maxLines) : 40
    }

    public func say(_ text: String) {
        StandardStream.output(wrapLongLines(text, width: style.width) + "\n")
        mirror?.publish(EntryView(kind: .note, input: text, output: ""))
    }

    /// What the learner answered, for the mirror.
    func answered(_ line: String?) -> String? {
        if let line, !line.isEmpty { mirror?.publish(EntryView(kind: .input, input: line, output: "")) }
        return line
    }

    public func ask(_ prompt: String, id: String) -> String? {
        if options.lineEditing {
            if editor == nil { editor = LineEditor(program: "napkin") { _ in .none } }
            if let editor {
                while true {
                    switch editor.read(prompt: prompt) {
                    case .line(let l): return answered(l)
                    case .interrupted: continue
                    case .eof: return nil
                    }
                }
            }
        }
        if isatty(STDIN_FILENO) == 1 {
            StandardStream.output(prompt)
        }
        return answered(Swift.readLine(strippingNewline: true))
    }

    public func runWorkbench(_ bench: WorkbenchSession) {
        let session = bench.session
        let savedEmit = session.interpreter.emit, savedResult = session.onResult
        defer {
            session.interpreter.emit = savedEmit
            session.onResult = savedResult
        }
        do {
            var opts = options
            opts.historyPath = options.historyPath
            let repl = try REPL(options: opts) { () throws(NapkinError) -> Session in session }
            repl.prompt = bench.prompt
            repl.banner = "workbench: napkin as usual, plus the lab commands (:help lists them; :done moves on)"
            repl.hostCommand = { [unowned repl] name, arg in
                guard bench.command(name, arg) else { return false }
                self.publishGoals(bench)
                if bench.done { repl.stop() }
                return true
            }
            repl.afterEntry = { [unowned repl] line in
                bench.afterLine(line)
                if bench.done { repl.stop() }  // the ledger could not record the move
            }
            if let mirror {
                repl.mirror = mirror
                repl.mirrorKnobs = bench.workbench?.knobNames ?? []
                publish(bench, "⚙ Workbench: \(bench.part.title)")
            }
            _ = repl.run()
            mirror?.publish(knobs: [])
        } catch {
            say(error.render())
        }
    }
}

extension MissionTerminal {
    /// Present mode and the mirror for one workbench: instruments fill the screen and redraw in
    /// place after each move; the page gets the workbench's knobs, instruments and goals.
    public func prepareWorkbench(_ bench: WorkbenchSession) {
        let digits = { bench.session.interpreter.digits }
        if options.present {
            let color = options.color
            // The prompt, the try line and one line per goal stay below the instruments.
            bench.presentStyle = { Terminal.presentStyle(color: color, digits: digits(), reserve: 3 + bench.goalStates.count) }
        }
        guard mirror != nil else { return }
        // The page shows the instruments as SVG, not as terminal text.
        bench.sayInstruments = { StandardStream.output($0 + "\n") }
        bench.onUpdate = { [unowned self] headline in self.publish(bench, headline) }
    }

    func publish(_ bench: WorkbenchSession, _ headline: String) {
        guard let mirror else { return }
        let svgs = bench.shownFigures.compactMap { try? Instruments.renderSVG($0, digits: bench.session.interpreter.digits) }
        let readings = bench.shownReadings.joined(separator: "\n")
        if !headline.isEmpty || !svgs.isEmpty { mirror.publish(EntryView(kind: .note, input: headline, output: readings, figures: svgs)) }
        mirror.publish(knobs: knobViews(bench))
        publishGoals(bench)
    }

    func knobViews(_ bench: WorkbenchSession) -> [KnobView] {
        REPL.knobViews(bench.session.interpreter, names: bench.workbench?.knobNames ?? [])
    }

    func publishGoals(_ bench: WorkbenchSession) {
        mirror?.publish(goals: bench.goalStates.map { GoalView(text: $0.text, status: $0.status, tries: $0.tries, budget: $0.budget) })
    }
}
