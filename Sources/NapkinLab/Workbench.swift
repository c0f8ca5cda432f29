import Foundation
import NapkinCore
import NapkinInstruments

/// A part's open workbench. Each knob a line moves is one move and one try of every open goal;
/// goals are judged live after every try (met, lost) and each closes when its own budget is
/// used; instruments whose reading changed are redrawn after every move. The terminal drives it
/// through the REPL's hooks, a script through `input`.
public final class WorkbenchSession {
    /// A ledger's count above this is not one (see `replayPrior`): counting on from it could
    /// overflow. No run reaches it: a try is a line, and at a billion lines a second a part would
    /// take 146 years. (It was 1,000,000, which a scripted run could pass, leaving a ledger that
    /// `--resume` refused.)
    static let maxTries = Int.max / 2
    unowned let runner: MissionRunner
    public let part: Part
    public let workbench: Workbench?
    struct GoalState {
        var goal: Goal
        /// nil while open and never met; "met" or "lost" while open; the final status once closed.
        var status: String?
        var closed = false
        /// The try at which the goal was last met, or closed.
        var tries: Int?
    }
    var goals: [GoalState]
    public private(set) var tries = 0
    /// `:done` was given (or the workbench was finished in an earlier run).
    public private(set) var done = false
    /// The workbench was closed in an earlier run of a resumed ledger.
    public private(set) var finishedBefore = false
    /// Each knob's setting as shown (`efficiency = 3`, `fmt = parquet`), to see what a line moved.
    var knobValues: [String: String] = [:]
    /// The settings each knob of a `visiting` goal has taken in this workbench, in the order first
    /// seen (the starting one first); a resumed run rebuilds them from the replayed moves.
    var visits: [String: [String]] = [:]
    /// The text each instrument showed last, so a move redraws only what changed.
    var lastReadings: [Int: String] = [:]
    /// The figures the instruments drew last (for `:svg`), and how many were written per part.
    var lastFigures: [(name: String, figure: Figure)] = []
    var figuresWritten = 0

    // Hooks for a host that shows the workbench to a room (the command line's MissionTerminal: present mode, the mirror).
    /// Present mode: the style the instruments fill the screen with; after a move the screen is
    /// cleared and every instrument redrawn in place. nil: everyday size, scrolling.
    public var presentStyle: (() -> RenderStyle)?
    /// After a move has been drawn and judged: what happened (`try 3: eta = 4`).
    public var onUpdate: ((_ headline: String) -> Void)?
    /// Where the instruments' text goes when the host shows their figures some other way too.
    public var sayInstruments: ((String) -> Void)?
    /// The figures the instruments drew last, and the readings that are not figures.
    public var shownFigures: [Figure] { lastFigures.map(\.figure) }
    public private(set) var shownReadings: [String] = []
    /// The goals as they stand: text, status (nil while open and never met), tries, budget.
    public var goalStates: [(text: String, status: String?, tries: Int, budget: Int)] {
        goals.map { ($0.goal.text, $0.status, $0.tries ?? tries, $0.goal.tries) }
    }

    init(runner: MissionRunner, part: Part, workbench: Workbench?) {
        self.runner = runner
        self.part = part
        self.workbench = workbench
        self.goals = part.goals.map { GoalState(goal: $0) }
        self.knobValues = currentKnobs()
        for k in part.goals.flatMap(\.visiting) where visits[k] == nil { visits[k] = [] }
        _ = recordVisits()
    }

    /// Refuses a `visiting` goal whose knob has no finite list of settings (a continuous knob).
    func checkVisits() throws(MissionError) {
        for g in part.goals {
            for k in g.visiting {
                if case .failure(let e) = KnobVisits.settings(k, interp) {
                    throw MissionError("part '\(part.title)', goal \"\(g.text)\" (line \(g.line)): 'visiting \(k)': \(e.reason)")
                }
            }
        }
    }

    /// Notes the setting each visited knob is at now; returns the knobs that reached a setting
    /// not seen before.
    func recordVisits() -> [String] {
        var fresh: [String] = []
        for k in visits.keys.sorted() {
            guard let now = KnobVisits.current(k, interp), !(visits[k]?.contains(now) ?? false) else { continue }
            visits[k, default: []].append(now)
            fresh.append(k)
        }
        return fresh
    }

    /// The visits on one line, for the ledger: `tier: ten_gb, one_tb (2 of 5)`.
    func visitsLine() -> String {
        visits.keys.sorted().map { k in
            let total = (try? KnobVisits.settings(k, interp).get())?.count ?? 0
            return "\(k): \((visits[k] ?? []).joined(separator: ", ")) (\(visits[k]?.count ?? 0) of \(total))"
        }.joined(separator: "; ")
    }

    var io: MissionIO { runner.io }
    var interp: Interpreter { runner.session.interpreter }
    var ledger: Ledger { runner.ledger }
    public var session: Session { runner.session }
    public var prompt: String { "\(part.id)> " }
    var judge: GoalJudge { GoalJudge(interp: interp, program: runner.program) }
    var knobNames: [String] { workbench?.knobNames ?? [] }

    func currentKnobs() -> [String: String] {
        var d: [String: String] = [:]
        for n in knobNames { d[n] = setting(n) }
        return d
    }

    /// `fmt = parquet`, `efficiency = 3`.
    func setting(_ n: String) -> String {
        guard let g = interp.globals[n] else { return n }
        if let name = g.knob?.selectedName { return "\(n) = \(name)" }
        if case .quantity(let q) = g.value { return "\(n) = \(interp.formatter.valueAndUnit(q))" }
        return n
    }

    /// Re-applies the knob moves, hints and goal results an earlier run of this ledger recorded.
    func replayPrior() throws(MissionError) {
        /// A count of tries the ledger recorded: absent, or a whole number no run reaches past
        /// (a hand-made ledger with 2⁶³ − 1 made the next move's count overflow).
        func count(_ field: String, _ e: LedgerEntry) throws(MissionError) -> Int? {
            guard let text = e[field] else { return nil }
            guard let n = Int(text), (0...WorkbenchSession.maxTries).contains(n) else {
                throw MissionError("the ledger's \(e.type) entry in part '\(part.id)' has \(field) \(Sanitized.line(String(text.prefix(40)))), not a count from 0 to \(WorkbenchSession.maxTries)")
            }
            return n
        }
        for e in runner.prior where e["part"] == part.id {
            switch e.type {
            case "move":
                if let line = e["line"] { try? session.run(line, name: "<workbench>", transactional: true) }
                _ = recordVisits()
                tries = try count("try", e) ?? tries + 1
            case "attempt":
                tries = try count("try", e) ?? tries + 1
            case "goal_met", "goal_lost":
                if let i = goals.firstIndex(where: { $0.goal.id == e["id"] }) {
                    goals[i].status = e.type == "goal_met" ? "met" : "lost"
                    goals[i].tries = try count("tries", e)
                }
            case "goal":
                if let i = goals.firstIndex(where: { $0.goal.id == e["id"] }) {
                    goals[i].status = e["status"]
                    goals[i].tries = try count("tries", e)
                    goals[i].closed = true
                }
            case "workbench_done":
                finishedBefore = true
                done = true
            default: break
            }
        }
        knobValues = currentKnobs()
        if finishedBefore {
            for g in goals {
                runner.summary.goals.append(.init(part: part.id, text: g.goal.text, status: g.status ?? "unmet", tries: g.tries ?? tries, budget: g.goal.tries))
            }
        }
    }

    // MARK: Knobs

    /// A knob's line: its setting, its range or options, and its description with `{…}` filled in.
    func describeKnob(_ n: String) -> String {
        guard let g = interp.globals[n], let k = g.knob else { return n }
        let f = interp.formatter
        var s: String
        if k.isChoice {
            let options = k.options.indices.map { i in i == k.selected ? "[\(k.options[i].name)]" : k.options[i].name }
            let kind = k.options.count == 1 ? "fixed" : k.isToggle ? "toggle" : "choice"
            s = Sanitized.line("\(n) = \(k.selectedName ?? "")   \(kind): \(options.joined(separator: " | "))")
        } else if case .quantity(let q) = g.value {
            s = "\(n) = \(f.valueAndUnit(q))   in \(k.rangeText(f))"
        } else {
            s = n
        }
        if let doc = k.doc ?? g.doc { s += "   \"\(runner.interpolate(doc))\"" }
        return s
    }

    public func open() {
        var lines = ["\n⚙ Workbench" + (tries > 0 ? " (resumed after \(tries) tr\(tries == 1 ? "y" : "ies"))" : "")]
        if !knobNames.isEmpty {
            lines.append("Knobs:")
            for n in knobNames { lines.append("  " + describeKnob(n)) }
        }
        io.say(lines.joined(separator: "\n"))
        showInstruments(all: true)
        var tail: [String] = []
        for g in goals {
            let walk = g.goal.visiting.map { k in "visiting every setting of \(k)" }
            tail.append("◎ Goal: \(g.goal.text) — within \(g.goal.tries) tries" + walk.map { ", " + $0 }.joined()
                        + (g.goal.once ? "" : ", held until :done") + (g.status.map { " (\($0))" } ?? ""))
        }
        if !part.peeks.isEmpty { tail.append("Math Peek: " + part.peeks.map { ":peek \($0)" }.joined(separator: ", ")) }
        let example = knobNames.first.map { n -> String in
            if let k = interp.globals[n]?.knob, k.isChoice { return "\(n) = \(k.options[(k.selected + 1) % k.options.count].name)" }
            return "\(n) = …"
        } ?? "knob = …"
        tail.append("Move a knob (\(example)) and watch the instruments; :try tests the goals, :hint helps, :help lists the commands, :done reveals and moves on.")
        io.say(tail.joined(separator: "\n"))
    }

    // MARK: Instruments

    /// Each instrument's name for files and messages, made unique (`plot`, `plot-2`).
    lazy var instrumentNames: [String] = {
        var seen: [String: Int] = [:]
        return (workbench?.instruments ?? []).map { inst in
            let n = instrumentName(inst)
            seen[n, default: 0] += 1
            return seen[n]! == 1 ? n : "\(n)-\(seen[n]!)"
        }
    }()

    /// The instrument's name for figures and files: the function it calls, else its text with
    /// each run of other characters as one `_` (`1 m / 1 s` is `1_m_1_s`), at most 32 long.
    func instrumentName(_ inst: Instrument) -> String {
        var e = inst.expr
        if case .convert(let x, _, _) = e.kind { e = x }
        if case .call(let f, _) = e.kind, case .name(let n) = f.kind { return n }
        var slug = ""
        for c in inst.expr.span.text.lowercased() {
            if c.isLetter || c.isNumber { slug.append(c) } else if !slug.isEmpty, !slug.hasSuffix("_") { slug.append("_") }
        }
        let name = String(slug.prefix(32)).trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        return name.isEmpty ? "instrument" : name
    }

    /// Draws the instruments: all of them (opening, `:show`), or after a move only those whose
    /// reading changed. The seed's primary instruments come first (the author's order); with
    /// `fit`, what does not fit the terminal's height is named, for `:show`.
    public func showInstruments(all: Bool = false, fit: Bool = true) {
        // Present mode redraws every instrument on a cleared screen after a move.
        let present = presentStyle?()
        let redraw = present != nil && !all
        let all = all || present != nil
        let style = present ?? io.style
        var budget = present?.height ?? max(12, io.rows - 8)
        var shownAny = false
        var unchanged: [String] = [], leftOut: [String] = []
        lastFigures = []
        shownReadings = []
        var values: [Result<Value, NapkinError>] = []
        // Instruments read the same functions at the same settings (four of them may each
        // call `feed()`): a call of a function of its arguments alone is made once (CallMemo).
        interp.withCallMemo {
            for inst in workbench?.instruments ?? [] {
                do throws(NapkinError) { values.append(.success(try interp.evaluateRepeatedly(inst.expr, in: runner.program))) } catch {
                    values.append(.failure(NapkinError(error.phase, Sanitized.text("instrument \(inst.expr.span.text): \(error.message)"))))
                }
            }
        }
        let figureCount = values.filter { if case .success(.figure) = $0 { return true } else { return false } }.count
        func render(_ f: Figure, height: Int?) -> String? {
            var s = style
            s.digits = interp.digits
            s.height = height
            return try? Instruments.renderText(f, style: s)
        }
        // Each instrument at its everyday size (present mode: the figures share the screen the
        // readings leave); what changed since the last move is what a move shows.
        var texts: [String] = [], shown: [Bool] = []
        for (i, value) in values.enumerated() {
            let text: String
            switch value {
            case .success(.figure(let f)):
                let share = present?.height.map { max(6, ($0 - (values.count - figureCount)) / max(1, figureCount)) }
                text = render(f, height: share) ?? "instrument \(instrumentNames[i]): cannot be drawn"
                lastFigures.append((instrumentNames[i], f))
            case .success(let v):
                text = (try? interp.describe(v)) ?? "?"
                shownReadings.append(text)
            case .failure(let e):
                text = e.message
                shownReadings.append(text)
            }
            let changed = lastReadings[i] != text
            lastReadings[i] = text
            if !all && !changed { unchanged.append(instrumentNames[i]) }
            texts.append(text)
            shown.append(all || changed)
        }
        // When they do not all fit the terminal's height, the figures shown share the lines the
        // readings leave, each drawn shorter (down to 12 lines, a canvas still worth reading) rather than left out.
        if fit, present == nil {
            let needed = zip(texts, shown).filter(\.1).map { lineCount($0.0) }.reduce(0, +)
            let figures = values.indices.filter { i in
                guard shown[i], case .success(.figure) = values[i] else { return false }
                return true
            }
            if needed > budget, !figures.isEmpty {
                let readings = zip(texts, shown).enumerated().filter { $0.element.1 && !figures.contains($0.offset) }.map { lineCount($0.element.0) }.reduce(0, +)
                let share = max(12, (budget - readings) / figures.count)
                for i in figures {
                    guard case .success(.figure(let f)) = values[i], lineCount(texts[i]) > share, let shorter = render(f, height: share) else { continue }
                    // Without the blank rows centring adds: the share is a ceiling, not a size.
                    let lines = shorter.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    func blank(_ l: String) -> Bool { l.allSatisfy { $0 == " " } }
                    texts[i] = Array(lines.drop(while: blank).reversed().drop(while: blank).reversed()).joined(separator: "\n")
                }
            }
        }
        var output: [String] = []
        for (i, text) in texts.enumerated() where shown[i] {
            let height = lineCount(text)
            // The first instrument drawn always shows; the others when they fit (unless `:show`).
            if fit, shownAny, height > budget { leftOut.append(instrumentNames[i]); continue }
            shownAny = true
            budget -= height
            output.append(text)
        }
        if redraw { if output.isEmpty { output.append(Terminal.clearScreen) } else { output[0] = Terminal.clearScreen + output[0] } }
        for text in output { (sayInstruments ?? io.say)(text) }
        if !leftOut.isEmpty { io.say("(not shown, to fit the terminal: \(leftOut.joined(separator: ", ")); :show NAME draws one)") }
        if !unchanged.isEmpty, !all { io.say("(unchanged: \(unchanged.joined(separator: ", ")))") }
        writeFigures()
    }

    /// `:show NAME`: one instrument, however tall.
    func showInstrument(named name: String) {
        guard let i = instrumentNames.firstIndex(of: name), let inst = workbench?.instruments[i] else {
            return io.say("no instrument is called '\(name)' (instruments: \(instrumentNames.joined(separator: ", ")))")
        }
        do {
            let v = try interp.evaluateRepeatedly(inst.expr, in: runner.program)
            if case .figure(let f) = v {
                var s = io.style
                s.digits = interp.digits
                io.say(try Instruments.renderText(f, style: s))
            } else {
                io.say(try interp.describe(v))
            }
        } catch {
            io.say(Sanitized.text("instrument \(inst.expr.span.text): \(error.message)"))
        }
    }

    /// With `--svg-dir`: every figure of the run, named by part, instrument and try.
    func writeFigures() {
        guard let dir = runner.svgDirectory else { return }
        for (name, f) in lastFigures {
            figuresWritten += 1
            let file = String(format: "%@-%@-try%02d.svg", part.id, name, tries)
            if let problem = writeSVG(f, to: URL(fileURLWithPath: dir).appendingPathComponent(file).path) {
                io.say(problem)
                return
            }
        }
    }

    func writeSVG(_ f: Figure, to path: String) -> String? {
        let svg: String
        do { svg = try Instruments.renderSVG(f, digits: interp.digits) } catch { return "cannot draw the figure as SVG: \(error.message)" }
        do {
            try FileManager.default.createDirectory(atPath: OutputFile.folder(of: path), withIntermediateDirectories: true)
            try OutputFile.write(svg, toFile: path)
            return nil
        } catch let e as NapkinError {
            return e.message
        } catch {
            return "cannot write \(path): \(error.localizedDescription)"
        }
    }

    /// `:svg [FILE]`: the figures on the bench now, as SVG (FILE for the first, else one per
    /// instrument in the --svg-dir or the current folder).
    func svg(_ arg: String) {
        if lastFigures.isEmpty { showInstrumentsQuietly() }
        guard !lastFigures.isEmpty else { return io.say("this workbench has no figures") }
        var written: [String] = []
        if !arg.isEmpty {
            if let p = writeSVG(lastFigures[0].figure, to: arg) { return io.say(p) }
            written.append(arg)
        } else {
            let dir = runner.svgDirectory ?? "."
            for (name, f) in lastFigures {
                let path = (dir as NSString).appendingPathComponent(String(format: "%@-%@-try%02d.svg", part.id, name, tries))
                if let p = writeSVG(f, to: path) { return io.say(p) }
                written.append(path)
            }
        }
        io.say("wrote " + written.joined(separator: ", "))
    }

    func showInstrumentsQuietly() {
        for (i, inst) in (workbench?.instruments ?? []).enumerated() {
            if case .figure(let f)? = try? interp.evaluateRepeatedly(inst.expr, in: runner.program) { lastFigures.append((instrumentNames[i], f)) }
        }
    }

    /// The readings a move produced, for the ledger: every non-figure instrument and every
    /// open goal's clauses (marked ◎), on one line.
    func readouts() -> String {
        var out: [String] = []
        for inst in workbench?.instruments ?? [] {
            guard let v = try? interp.evaluateRepeatedly(inst.expr, in: runner.program) else { continue }
            if case .figure = v { continue }
            if case .nothing = v { continue }
            if let s = try? interp.describeInline(v) { out.append("\(inst.expr.span.text) = \(s)") }
        }
        for g in goals where !g.closed {
            if let r = try? judge.read(g.goal, visited: visits) { out += r.clauses.map { "◎ \($0.holds ? "✓" : "✗") \($0.reading)" } }
        }
        return out.joined(separator: "; ")
    }

    // MARK: Lines and commands

    /// One line typed in the workbench (the scripted path; the terminal uses the REPL).
    public func input(_ line: String) {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return }
        if t.hasPrefix(":") {
            let body = t.dropFirst()
            let name = String(body.prefix { !$0.isWhitespace })
            let arg = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            if !command(name, arg) { io.say("unknown workbench command ':\(name)' (:help lists them)") }
            return
        }
        let out = io
        let i = interp
        let saved = session.onResult
        session.onResult = { v in out.say((try? i.describe(v)) ?? "?") }
        defer { session.onResult = saved }
        do {
            try session.run(t, name: "<workbench>", transactional: true)
        } catch {
            io.say(error.render())
        }
        afterLine(t)
    }

    /// Called after each line has run: each knob the line moved is one move and one try.
    public func afterLine(_ source: String) {
        let now = currentKnobs()
        let changed = knobNames.filter { now[$0] != knobValues[$0] }
        guard !changed.isEmpty else { return }
        knobValues = now
        tries += changed.count
        let moved = changed.map { now[$0] ?? $0 }.joined(separator: ", ")
        let newlySeen = recordVisits()
        showInstruments()
        io.say("try \(tries): \(moved)" + (changed.count > 1 ? " (\(changed.count) moves)" : ""))
        // A new setting of a knob an open goal must walk: how far the walk has got.
        let walking = Set(goals.filter { !$0.closed }.flatMap(\.goal.visiting))
        for k in newlySeen where walking.contains(k) { io.say("◎ " + KnobVisits.clause(k, seen: visits[k] ?? [], interp).reading) }
        let readings = readouts()
        var entry = ["part": part.id, "line": source, "knobs": moved, "moves": "\(changed.count)", "try": "\(tries)", "readouts": readings]
        if !visits.isEmpty { entry["visits"] = visitsLine() }
        ledger.append("move", entry)
        // A move the ledger could not record ends the workbench; the runner reports the failure.
        if ledger.failure != nil { done = true; return }
        judgeGoals()
        onUpdate?("try \(tries): \(moved)")
    }

    static let commandHelp = """
    Workbench commands (this part's lab):
      knob = value        move a knob (a choice by name: fmt = parquet); each knob moved is one try
      :flip NAME          a toggle's other state
      :try                test the goals (counts as a try)
      :goals              each goal: met, lost or open, with what it measures and the tries left
      :hint               which knob helps most right now, and which way (written to the ledger)
      :peek NAME          Math Peek: the formula, then with today's numbers, then the result
      :show [NAME]        draw every instrument again (or the one called NAME)
      :svg [FILE]         the figures as SVG (for slides)
      :done               reveal the answers and go on to the reflection
    """

    /// A host command; true when it was one of the workbench's.
    public func command(_ name: String, _ arg: String) -> Bool {
        switch name {
        case "done", "d":
            done = true
        case "try":
            tries += 1
            ledger.append("attempt", ["part": part.id, "try": "\(tries)"])
            io.say("try \(tries): testing the goals")
            judgeGoals(verbose: true)
        case "goals":
            showGoals()
        case "hint":
            hint()
        case "peek":
            peek(arg)
        case "show", "instruments":
            if arg.isEmpty || arg == "all" { showInstruments(all: true, fit: false) } else { showInstrument(named: arg) }
        case "flip", "toggle":
            flip(arg)
        case "svg":
            svg(arg)
        case "help", "h", "?":
            io.say(WorkbenchSession.commandHelp)
            // Returning false lets the REPL print its own help after the lab's (when it is there).
            return arg.isEmpty && !(io is ScriptedIO) ? false : true
        case "reset":
            io.say(":reset is not available in a mission workbench (a part's knobs stay until :done)")
        default:
            return false
        }
        return true
    }

    func flip(_ arg: String) {
        let toggles = knobNames.filter { interp.globals[$0]?.knob?.isToggle == true }
        let n = arg.isEmpty && toggles.count == 1 ? toggles[0] : arg
        guard let k = interp.globals[n]?.knob, k.isToggle else {
            return io.say(toggles.isEmpty ? "this workbench has no toggle" : "usage: :flip NAME (toggles: \(toggles.joined(separator: ", ")))")
        }
        let other = k.options[1 - k.selected].name
        input("\(n) = \(other)")
    }

    func showGoals() {
        guard !goals.isEmpty else { return io.say("this workbench has no goals") }
        for g in goals {
            let state = g.closed ? "closed: \(g.status ?? "unmet")" : (g.status ?? "open")
            let left = max(0, g.goal.tries - tries)
            io.say("◎ \(g.goal.text): \(state)" + (g.closed ? "" : " — \(left) of \(g.goal.tries) tries left"))
            if !g.closed, let r = try? judge.read(g.goal, visited: visits) {
                for c in r.clauses { io.say("   \(c.holds ? "✓" : "✗") \(c.reading)") }
            }
        }
    }

    // MARK: Goals

    func judgeGoals(verbose: Bool = false) {
        let wasOpen = goals.contains { !$0.closed }
        defer {
            if wasOpen, goals.allSatisfy(\.closed) { io.say("Every goal of this workbench is closed: explore on, or :done to reveal.") }
        }
        for i in goals.indices where !goals[i].closed {
            let g = goals[i].goal
            let reading: GoalJudge.Reading
            do { reading = try judge.read(g, visited: visits) } catch {
                io.say("goal \"\(g.text)\": \(error.message)")
                continue
            }
            if reading.met {
                if goals[i].status != "met" {
                    goals[i].status = "met"
                    goals[i].tries = tries
                    ledger.append("goal_met", ["part": part.id, "id": g.id, "text": g.text, "tries": "\(tries)", "budget": "\(g.tries)", "readouts": reading.clauses.map(\.reading).joined(separator: "; ")])
                    io.say("✓ Goal met in \(tries) of \(g.tries) tries: \(g.text)" + (g.once ? "" : " — hold it until :done"))
                    for d in reading.details { io.say("   " + d) }
                }
                if g.once { close(i, "met") }
            } else {
                if goals[i].status == "met" {
                    goals[i].status = "lost"
                    goals[i].tries = tries
                    ledger.append("goal_lost", ["part": part.id, "id": g.id, "text": g.text, "tries": "\(tries)", "budget": "\(g.tries)", "readouts": reading.clauses.map(\.reading).joined(separator: "; ")])
                    io.say("✗ Goal lost at try \(tries): \(g.text)")
                    for c in reading.clauses where !c.holds { io.say("   ✗ " + c.reading) }
                } else if verbose {
                    io.say("◎ not yet: \(g.text) (\(max(0, g.tries - tries)) tries left)")
                    for c in reading.clauses { io.say("   \(c.holds ? "✓" : "✗") \(c.reading)") }
                }
            }
            if !goals[i].closed, tries >= g.tries {
                let status = reading.met ? "met" : goals[i].status == "lost" ? "lost" : "missed"
                close(i, status)
                io.say(status == "met"
                       ? "◎ Goal closed: all \(g.tries) tries used, and it holds — \(g.text)"
                       : "✗ Goal \(status): all \(g.tries) tries used without \(status == "lost" ? "holding" : "reaching") it — \(g.text)."
                         + (goals.contains { !$0.closed } ? " Its tries are over; the other goals stay open." : ""))
            }
        }
    }

    func close(_ i: Int, _ status: String) {
        let g = goals[i].goal
        goals[i].status = status
        goals[i].closed = true
        goals[i].tries = tries
        ledger.append("goal", ["part": part.id, "id": g.id, "text": g.text, "status": status, "tries": "\(tries)", "budget": "\(g.tries)"])
    }

    /// Closes the workbench: open goals are judged where the knobs are now (held goals count
    /// only if they hold at `:done`).
    func finish() {
        if finishedBefore { return }
        for i in goals.indices where !goals[i].closed {
            let g = goals[i].goal
            let reading = try? judge.read(g, visited: visits)
            let met = reading?.met ?? false
            let status = met ? "met" : goals[i].status == "met" || goals[i].status == "lost" ? "lost" : "unmet"
            close(i, status)
            switch status {
            case "met": io.say("✓ Goal held at :done (\(tries) of \(g.tries) tries used): \(g.text)")
            case "lost": io.say("✗ Goal lost: it was met, but does not hold at :done — \(g.text)")
            default: io.say("◎ Goal not reached (\(tries) of \(g.tries) tries used): \(g.text)")
            }
            // A path goal says what is missing: the walk, the condition, or both.
            if !met, !g.visiting.isEmpty { for c in reading?.clauses ?? [] where !c.holds { io.say("   ✗ " + c.reading) } }
        }
        for g in goals {
            runner.summary.goals.append(.init(part: part.id, text: g.goal.text, status: g.status ?? "unmet", tries: g.tries ?? tries, budget: g.goal.tries))
        }
        ledger.append("workbench_done", ["part": part.id, "tries": "\(tries)"])
        done = true
    }

    // MARK: Hints

    /// The knob whose move brings the first open goal closest, and which way: each numeric knob
    /// is tried a step either way (a tenth of its range), each choice at its other options. The
    /// value that meets the goal is not given.
    func hint() {
        guard let gi = goals.firstIndex(where: { !$0.closed && $0.status != "met" }) else {
            let text = goals.isEmpty ? "No goals here: explore, then :done reveals." : "Every goal is met or closed: hold your settings and :done."
            return io.say(text)
        }
        let g = goals[gi].goal
        guard let now = try? judge.read(g) else { return io.say("the goal cannot be evaluated here") }
        // A path goal: the settings of its visited knobs not seen yet.
        let unseen = g.visiting.map { k in (knob: k, settings: KnobVisits.missing(k, seen: visits[k] ?? [], interp)) }.filter { !$0.settings.isEmpty }
        if now.met, let first = unseen.first {
            // The condition holds here: what is missing is the walk, so the hint names the walk.
            let rest = unseen.reduce(0) { $0 + $1.settings.count }
            var lines = ["Hint for \"\(g.text)\":"]
            for u in unseen { lines.append("   ✗ " + KnobVisits.clause(u.knob, seen: visits[u.knob] ?? [], interp).reading) }
            let advice = "try \(first.knob) = \(first.settings[0]): the condition holds at these settings, but the goal needs every setting of "
                + unseen.map(\.knob).joined(separator: " and ") + "; visit the \(rest) left, then come back here."
            lines.append("→ " + advice)
            io.say(lines.joined(separator: "\n"))
            ledger.append("hint", ["part": part.id, "goal": g.id, "knob": first.knob, "hint": advice, "try": "\(tries)"])
            return
        }
        let start = interp.snapshot()
        defer { interp.restore(start) }
        var best: (knob: String, advice: String, distance: Double)?
        for n in knobNames {
            guard let global = interp.globals[n], let k = global.knob else { continue }
            var candidates: [(String, () throws(NapkinError) -> Void)] = []
            if k.isChoice {
                for (i, o) in k.options.enumerated() where i != k.selected {
                    let name = o.name
                    candidates.append(("try \(n) = \(name)", { () throws(NapkinError) in try self.interp.setKnobOption(n, name) }))
                }
            } else if case .quantity(let q) = global.value {
                let whole = k.low.value == k.low.value.rounded() && k.high.value == k.high.value.rounded() && k.high.value - k.low.value <= 48
                let step = whole ? 1 : (k.high.value - k.low.value) / 10
                for (dir, word) in [(1.0, "up"), (-1.0, "down")] {
                    let v = min(k.high.value, max(k.low.value, q.value + dir * step))
                    guard v != q.value else { continue }
                    candidates.append(("move \(n) \(word)", { () throws(NapkinError) in try self.interp.setKnob(n, Quantity(v, q.dim, unit: q.unit)) }))
                }
            }
            for (advice, apply) in candidates {
                interp.restore(start)
                guard (try? apply()) != nil, let r = try? judge.read(g) else { continue }
                let d = r.met ? 0 : r.distance
                if d < now.distance, best == nil || d < best!.distance { best = (n, advice, d) }
            }
        }
        interp.restore(start)
        let failing = now.clauses.filter { !$0.holds }.map(\.reading)
        var lines = ["Hint for \"\(g.text)\":"]
        for f in failing { lines.append("   ✗ " + f) }
        let advice: String
        if let best {
            let gain = now.distance > 0 ? (1 - best.distance / now.distance) * 100 : 0
            advice = "\(best.advice): of all single moves, it closes the most of the gap (\(formatNumber(gain, digits: 2))% of it)."
        } else if let found = GoalSearch(workbench: workbench ?? Workbench(statements: [], instruments: [], goals: [], line: 0), interp: interp, program: runner.program, budget: 600).fewestMoves(g, visited: visits),
                  let first = found.settings.first {
            // No single step helps (a threshold, a yes/no): the checker's search from here names
            // the first knob of the nearest setting that meets the goal, and which way, not where.
            advice = direction(first.knob, first.setting) + ": the nearest setting that meets the goal moves it"
                + (found.settings.count > 1 ? ", and \(found.settings.count - 1) other knob\(found.settings.count == 2 ? "" : "s")." : ".")
            best = (first.knob, advice, 0)
        } else {
            advice = "no setting within reach meets it from here: go back to where a clause held."
        }
        lines.append("→ " + advice)
        for u in unseen {
            lines.append("   The goal also needs every setting of \(u.knob); not seen yet: " + u.settings.map { "\(u.knob) = \($0)" }.joined(separator: ", ") + ".")
        }
        if !part.peeks.isEmpty { lines.append("The formulas: " + part.peeks.map { ":peek \($0)" }.joined(separator: ", ")) }
        io.say(lines.joined(separator: "\n"))
        ledger.append("hint", ["part": part.id, "goal": g.id, "knob": best?.knob ?? "", "hint": advice, "try": "\(tries)"])
    }

    /// "move tier up", "try another option of fmt" — the way to a setting, without its value.
    func direction(_ knob: String, _ s: MissionChecker.KnobAxis.Setting) -> String {
        switch s {
        case .option: return "try another option of \(knob)"
        case .number(let q):
            guard case .quantity(let now)? = interp.globals[knob]?.value else { return "move \(knob)" }
            return "move \(knob) \(q.value > now.value ? "up" : "down")"
        }
    }

    // MARK: Math Peek

    func peek(_ name: String) {
        let names = part.peeks
        guard !name.isEmpty else {
            io.say(names.isEmpty ? "usage: :peek NAME (any library function)" : "Math Peek: " + names.joined(separator: ", "))
            return
        }
        guard let g = interp.globals[name] else {
            io.say("nothing is called '\(name)'" + (names.isEmpty ? "" : " (this part peeks at: \(names.joined(separator: ", ")))"))
            return
        }
        var peek = MathPeek(interp: interp, session: session)
        let exprs = (workbench?.instruments.map(\.expr) ?? []) + goals.flatMap(\.goal.expressions)
        let functions = (workbench?.statements ?? []) + part.items.compactMap { if case .code(let s) = $0 { return s } else { return nil } }
        peek.calls = MathPeek.calls(of: name, in: functions, exprs)
        io.say(peek.render(name, g))
        ledger.append("peek", ["part": part.id, "name": name])
    }
}
