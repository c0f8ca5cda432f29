import Foundation
import NapkinCore
import NapkinInstruments
import Synchronization

/// `napkin check`: validates a mission for authors and CI. For every track: every lock's reveal
/// is computed (not a literal), evaluates, and is one of its choices (or a number in its range);
/// every goal is not met at the start, is reachable within its tries and not in fewer moves than
/// its declared minimum (GoalSearch finds the fewest moves and a witness); every instrument
/// renders (text and SVG) and, unless `static`, changes when some knob of its part moves.
public final class MissionChecker {
    public let mission: Mission
    let makeSession: () throws(NapkinError) -> Session
    /// Most goal evaluations the reachability search may spend per goal.
    public var searchBudget = 3000
    /// How many tracks are checked at once, each in a session of its own (1: one after another).
    /// `makeSession` must then be safe to call from several threads.
    public var cores = Interpreter.defaultCores
    /// Receives the notes the tracks' code gives (a bound name read over a unit), track by track
    /// in track order, after the tracks are checked.
    public var onNote: ((String) -> Void)?
    /// Where this checker's session sends its notes while a track is checked.
    private var noteSink: ((String) -> Void)?

    public struct Report {
        public var lines: [String] = []
        public var failures: [String] = []
        public var ok: Bool { failures.isEmpty }
    }

    public init(mission: Mission, makeSession: @escaping () throws(NapkinError) -> Session) {
        self.mission = mission
        self.makeSession = makeSession
    }

    /// One session with the prelude loaded serves every track and scripted run, each from the
    /// same checkpoint (loading the prelude again per track cost more than checking some tracks).
    private var shared: (session: Session, start: Session.Checkpoint)?

    /// The session as it was made, before anything of the mission ran.
    func session() throws(NapkinError) -> Session {
        if let shared {
            shared.session.rewind(to: shared.start)
            return shared.session
        }
        let s = try makeSession()
        s.onNote = { [unowned self] in self.noteSink?($0) }
        shared = (s, s.checkpoint())
        return s
    }

    /// A checker of the same mission with a session of its own, for checking tracks on another
    /// thread.
    func sibling() -> MissionChecker {
        let c = MissionChecker(mission: mission, makeSession: makeSession)
        c.searchBudget = searchBudget
        c.cores = 1
        return c
    }

    /// One track's report and notes, filled by whichever thread checks the track.
    final class TrackReport: @unchecked Sendable {
        var report = Report()
        var notes: [String] = []
    }

    func line(_ span: Span) -> Int { span.file?.location(of: span.start).line ?? 0 }

    /// The mission parsed with this checker's session's unit names, once: every track starts
    /// from the same checkpoint, so the parse would be the same each time (it was 2% of a check).
    private var parsed: Mission?
    func parsedMission(_ session: Session) -> Mission {
        if let parsed { return parsed }
        let m = (try? MissionParser.parse(SourceFile(name: mission.file.name, text: mission.file.text), units: session.unitNames)) ?? mission
        parsed = m
        return m
    }

    func partLabel(_ p: Part) -> String { "part \"\(p.title)\" (line \(p.line))" }

    public func check(tracks: [String]?, answers: Answers? = nil) -> Report {
        var report = Report()
        let trackIDs = tracks ?? (mission.tracks.isEmpty ? ["default"] : mission.tracks.map(\.id))
        staticChecks(&report)
        // Tracks are independent: each is checked in a session of its own, several at once on
        // several cores, and their reports joined in track order (the same report as one by one).
        var reports = trackIDs.map { _ in TrackReport() }
        func checkOne(_ i: Int, _ checker: MissionChecker) {
            let id = trackIDs[i]
            if id != "default", mission.track(id) == nil {
                reports[i].report.failures.append("no track '\(id)' in this mission (tracks: \(mission.tracks.map(\.id).joined(separator: ", ")))")
                return
            }
            let track = reports[i]
            checker.noteSink = { track.notes.append($0) }
            defer { checker.noteSink = nil }
            checker.checkTrack(id, &track.report)
            if let answers { checker.scriptedRun(id, answers, &track.report) }
        }
        let lanes = min(max(1, cores), trackIDs.count)
        if lanes <= 1 {
            for i in trackIDs.indices { checkOne(i, self) }
        } else {
            let checkers = [self] + (1..<lanes).map { _ in self.sibling() }
            let next = Atomic<Int>(0)
            Session.inParallel(lanes) { lane in
                while case let i = next.wrappingAdd(1, ordering: .relaxed).oldValue, i < trackIDs.count {
                    checkOne(i, checkers[lane])
                }
            }
            // A track that failed is checked again alone: the cores share the process's memory
            // budget and the clock, so a limit one track alone would not reach can be reached
            // with others running beside it.
            for i in trackIDs.indices where !reports[i].report.failures.isEmpty {
                reports[i] = TrackReport()
                checkOne(i, self)
            }
        }
        for r in reports {
            report.lines += r.report.lines
            report.failures += r.report.failures
            if let onNote { r.notes.forEach(onNote) }
        }
        if let answers {
            let known = Set(mission.answerIDs)
            for (id, n) in answers.ids where !known.contains(id) {
                report.failures.append("answers file, line \(n): the mission has no lock or reflection '\(id)'")
            }
            for p in answers.partNames where !mission.parts.contains(where: { $0.id == p }) {
                report.failures.append("answers file: the mission has no part '\(p)' (parts: \(mission.parts.map(\.id).joined(separator: ", ")))")
            }
        }
        return report
    }

    // MARK: Static

    func isLiteral(_ e: Expr) -> Bool {
        switch e.kind {
        case .number, .quantity, .bool: return true
        case .string(let parts): return parts.allSatisfy { if case .text = $0 { return true } else { return false } }
        case .unary(_, let x): return isLiteral(x)
        case .convert(let x, _, _): return isLiteral(x)
        case .list(let xs): return xs.allSatisfy(isLiteral)
        case .conditional(let c, let a, let b): return isLiteral(c) || (isLiteral(a) && isLiteral(b) && isLiteral(c))
        case .block(let stmts, let x): return stmts.isEmpty && isLiteral(x)
        default: return false
        }
    }

    func staticChecks(_ report: inout Report) {
        for p in mission.parts {
            let revealed = Set(p.items.compactMap { if case .reveal(let r) = $0 { return r.lockID } else { return nil } })
            for l in p.locks where !revealed.contains(l.id) {
                report.failures.append("\(partLabel(p)): lock '\(l.id)' (line \(l.line)) is never revealed: add 'reveal \(l.id) = EXPR'")
            }
            for item in p.items {
                guard case .reveal(let r) = item else { continue }
                if isLiteral(r.answer) {
                    report.failures.append("\(partLabel(p)): reveal '\(r.lockID)' (line \(r.line)) is a literal (\(r.answer.span.text)); the answer must be computed by napkin from the physics")
                }
            }
            if p.workbench == nil, !p.goals.isEmpty {
                report.failures.append("\(partLabel(p)): has goals but no workbench to reach them in")
            }
        }
    }


    // MARK: Per track

    final class SilentIO: MissionIO {
        var style = RenderStyle(width: 80)
        var rows = 40
        func say(_ text: String) {}
        func ask(_ prompt: String, id: String) -> String? { nil }
        func runWorkbench(_ bench: WorkbenchSession) {}
    }

    func checkTrack(_ id: String, _ report: inout Report) {
        let session: Session
        do { session = try self.session() } catch {
            report.failures.append("cannot start napkin: \(error.message)")
            return
        }
        // The mission as this session's units read it: what is checked is what runs. Names
        // first: a misspelt name anywhere is reported before anything runs.
        let mission = parsedMission(session)
        let program: Program
        do { program = try session.bind(parts: mission.statementsByPart(mission.track(id))) } catch {
            report.failures.append("track \(id), line \(error.span.map(line) ?? 0): \(error.message)\n" + error.render())
            return
        }
        // Dimensions next: a mismatch in any branch, taken or not with this track's settings.
        let dimensionErrors = DimensionChecker(interpreter: session.interpreter).check(program).map(\.presented)
        for error in dimensionErrors {
            report.failures.append("track \(id), line \(error.span.map(line) ?? 0): \(error.message)\n" + error.render())
        }
        if !dimensionErrors.isEmpty { return }
        let runner: MissionRunner
        do {
            runner = try MissionRunner(mission: mission, session: session, ledger: Ledger(), io: SilentIO(), trackID: id == "default" ? nil : id,
                                       program: program)
        } catch {
            report.failures.append("track \(id): \(error.description)")
            return
        }
        var counts = (locks: 0, goals: 0, instruments: 0)
        for p in mission.parts {
            checkPart(p, runner, id, &report, &counts)
        }
        report.lines.append("track \(id): \(mission.parts.count) parts, \(counts.locks) reveals valid, \(counts.goals) goals reachable, \(counts.instruments) instruments render")
    }

    func checkPart(_ p: Part, _ runner: MissionRunner, _ track: String, _ report: inout Report,
                   _ counts: inout (locks: Int, goals: Int, instruments: Int)) {
        let interp = runner.session.interpreter
        let before = interp.snapshot()
        defer { interp.restore(before) }
        var start: Interpreter.Snapshot?
        let label = "\(partLabel(p)), track \(track)"
        var failures: [String] = [], lines: [String] = []
        defer {
            report.failures += failures
            report.lines += lines
        }
        func fail(_ s: String) { failures.append("\(label): \(s)") }
        let whereP = "part '\(p.title)'"
        for item in p.items {
            do {
                switch item {
                case .context(let e): _ = try runner.text(e, where: whereP)
                case .message(let a, let b): _ = try runner.text(a, where: whereP); _ = try runner.text(b, where: whereP)
                case .code(let s): try runner.exec(s, where: whereP)
                case .lock(let l):
                    _ = try runner.text(l.prompt, where: "lock '\(l.id)'")
                    if case .number(let r, let tol) = l.kind {
                        let (lo, _) = try runner.numberRange(r, where: "lock '\(l.id)'")
                        if case .within(let t) = tol {
                            guard case .quantity(let q) = try runner.eval(t, where: "lock '\(l.id)'"),
                                  q.dim.isNone || q.dim == lo.dim else {
                                fail("lock '\(l.id)' (line \(l.line)): the tolerance must be a plain number (relative) or have the answer's dimension")
                                continue
                            }
                        }
                    }
                case .workbench(let w):
                    for s in w.statements { try runner.exec(s, where: whereP + " workbench") }
                    // A description's {…} that does not fill in would be shown raw to the student.
                    for s in w.statements {
                        guard case .knob(let name, _, _, _, let doc?) = s.kind else { continue }
                        do throws(MissionError) { _ = try runner.filledIn(doc) } catch {
                            fail("knob '\(name)' (line \(line(s.span))): its description does not fill in: \(error.message)")
                        }
                    }
                    start = interp.snapshot()
                    for inst in w.instruments {
                        let e = inst.expr
                        let v = try runner.eval(e, where: "instrument")
                        do {
                            // Everything prints; a figure that knobs move is drawn below, when
                            // its data first changes (the SVG drawing reads the same data).
                            let drawnBelow = !inst.isStatic && !w.knobNames.isEmpty
                            if case .figure = v, drawnBelow {} else { _ = try interp.describe(v) }
                            counts.instruments += 1
                        } catch {
                            fail("instrument \(e.span.text) (line \(inst.line)) does not render: \(error.message)")
                            continue
                        }
                        if !inst.isStatic, !w.knobNames.isEmpty, !respondsToKnobs(inst, w, interp, runner.program, base: v) {
                            fail("instrument \(e.span.text) (line \(inst.line)) depends on no knob of this part (\(w.knobNames.joined(separator: ", "))): it never changes while the student explores; pass it a knob, or mark it 'static' if it is reference material")
                        }
                        if let start { interp.restore(start) }
                    }
                    for g in p.goals {
                        if checkGoal(g, w, runner, fail, &lines) { counts.goals += 1 }
                        if let start { interp.restore(start) }
                    }
                case .goal: break
                case .reveal(let r):
                    guard let lock = p.locks.first(where: { $0.id == r.lockID }) else { continue }
                    let v = try runner.revealValue(r, start: start)
                    switch lock.kind {
                    case .choices(let cs):
                        guard case .string(let key) = v, cs.contains(where: { $0.key == key }) else {
                            fail("reveal '\(r.lockID)' (line \(r.line)) gives \(runner.show(v)), which is not one of its choices (\(cs.map(\.key).joined(separator: ", ")))")
                            continue
                        }
                        lines.append("  \(track) \(r.lockID) = \(key)")
                    case .number(let range, _):
                        let (lo, hi) = try runner.numberRange(range, where: "lock '\(lock.id)'")
                        guard case .quantity(let q) = v else {
                            fail("reveal '\(r.lockID)' (line \(r.line)) gives a \(v.typeName), not a number")
                            continue
                        }
                        if q.dim != lo.dim {
                            fail("reveal '\(r.lockID)' (line \(r.line)) gives \(runner.show(v)) [\(interp.units.describe(q.dim))] but the lock's range is \(lo.dim.isNone ? "a plain number" : interp.units.describe(lo.dim))")
                            continue
                        }
                        if q.value < lo.value || q.value > hi.value {
                            fail("reveal '\(r.lockID)' (line \(r.line)) gives \(runner.show(v)), outside the lock's range \(runner.show(.quantity(lo)))...\(runner.show(.quantity(hi)))")
                            continue
                        }
                        lines.append("  \(track) \(r.lockID) = \(runner.show(v))")
                    }
                    for (_, e) in r.explanations { _ = try runner.text(e, where: "explain '\(r.lockID)'") }
                    counts.locks += 1
                case .peek(let names, let ln):
                    for n in names {
                        guard case .function? = interp.globals[n]?.value else {
                            fail("peek \(n) (line \(ln)): no function is called '\(n)'")
                            continue
                        }
                    }
                case .reflect(let r): _ = try runner.text(r.prompt, where: "reflection '\(r.id)'")
                }
            } catch {
                fail(error.message)
            }
        }
    }

    /// A live instrument's text changes when some knob of its workbench moves (to either end of
    /// its range, or to another option). `base`: its value at the starting settings.
    func respondsToKnobs(_ inst: Instrument, _ w: Workbench, _ interp: Interpreter, _ program: Program?, base: Value) -> Bool {
        /// What the student sees: a figure as drawn (in a default style, not the session's way
        /// of printing), anything else as printed.
        func seen(_ v: Value?) -> String? {
            guard let v else { return nil }
            if case .figure(let f) = v { return try? Instruments.renderText(f, style: RenderStyle()) }
            return try? interp.describe(v)
        }
        var baseSeen: String??
        /// Whether the instrument now looks different. A figure with the same data draws the
        /// same, so figures are drawn only when their data changed (drawing them was most of
        /// this check's time); a change too small to draw does not count.
        func differs() -> Bool {
            let now = try? interp.evaluateRepeatedly(inst.expr, in: program)
            if case .figure(let a) = base, case .figure(let b)? = now, a.payload == b.payload { return false }
            if baseSeen == nil { baseSeen = .some(seen(base)) }
            return seen(now) != baseSeen!
        }
        let before = interp.snapshot()
        defer { interp.restore(before) }
        // Renders define nothing, and only knobs move: calls of functions of their arguments
        // alone are made once per set of arguments (see CallMemo).
        return interp.withCallMemo {
            let ax = MissionChecker.axes(w, interp, perKnob: 2)
            // Rendering evaluates expressions, which define nothing: between two renders only the
            // knobs moved need putting back (a snapshot of every global per render was a tenth of
            // `napkin check`).
            func changes(_ settings: [(MissionChecker.KnobAxis, KnobAxis.Setting)]) -> Bool {
                defer {
                    // values[0] is each knob's starting setting; should one not go back, restore all.
                    let back = settings.allSatisfy { (a, _) in (try? a.set(interp, a.values[0])) != nil }
                    if !back { interp.restore(before) }
                }
                for (a, v) in settings { guard (try? a.set(interp, v)) != nil else { return false } }
                return differs()
            }
            // Each knob to each end (or option) alone, then all knobs together (for products of knobs).
            for a in ax {
                for v in a.values.dropFirst() where changes([(a, v)]) { return true }
            }
            let moved = ax.filter { $0.values.count > 1 }
            return changes(moved.map { ($0, $0.values[1]) }) || changes(moved.map { ($0, $0.values[$0.values.count - 1]) })
        }
    }

    /// The settings the search tries for one knob: values[0] is the starting setting.
    struct KnobAxis {
        enum Setting { case number(Quantity), option(String) }
        var name: String
        var values: [Setting]
        var low = 0.0, high = 0.0
        var isChoice: Bool { if case .option? = values.first { return true } else { return false } }

        func set(_ interp: Interpreter, _ s: Setting) throws(NapkinError) {
            switch s {
            case .number(let q): try interp.setKnob(name, q)
            case .option(let o): try interp.setKnobOption(name, o)
            }
        }

        func describe(_ s: Setting, _ interp: Interpreter) -> String {
            switch s {
            case .number(let q): return "\(name) = \(interp.formatter.valueAndUnit(q))"
            case .option(let o): return "\(name) = \(o)"
            }
        }
    }

    static func axes(_ w: Workbench, _ interp: Interpreter, perKnob: Int) -> [KnobAxis] {
        var out: [KnobAxis] = []
        for n in w.knobNames {
            guard let g = interp.globals[n], let k = g.knob else { continue }
            if k.isChoice {
                let names = k.options.map(\.name)
                let start = names[k.selected]
                out.append(KnobAxis(name: n, values: [.option(start)] + names.filter { $0 != start }.map { .option($0) }))
                continue
            }
            guard case .quantity(let start) = g.value else { continue }
            let lo = k.low.value, hi = k.high.value
            var vals: [Double] = []
            if let count = k.stepCount {
                // A stepped knob is searched on its own settings only (every one when few).
                let n = max(2, perKnob)
                vals = k.stepSettings(atMost: perKnob == 2 ? 2 : count <= Double(max(48, n)) ? max(48, n) : n) ?? []
            } else if lo == lo.rounded(), hi == hi.rounded(), hi - lo <= 48 {
                vals = stride(from: lo, through: hi, by: 1).map { $0 }
            } else if lo > 0, hi / lo >= 100 {
                let n = max(2, perKnob)
                vals = (0..<n).map { lo * pow(hi / lo, Double($0) / Double(n - 1)) }
            } else {
                let n = max(2, perKnob)
                vals = (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
            }
            if perKnob == 2, k.step == nil { vals = [lo, hi] }
            vals.removeAll { abs($0 - start.value) <= 1e-12 * max(1, abs($0)) }
            out.append(KnobAxis(name: n, values: [.number(start)] + vals.map { .number(Quantity($0, start.dim, unit: start.unit)) },
                                low: lo, high: hi))
        }
        return out
    }

    /// Not met at the start, and reachable within its tries (and not in fewer moves than its
    /// declared minimum; a `visiting` goal's walk through every setting counts). Reports the
    /// fewest moves found and a witness setting.
    func checkGoal(_ g: Goal, _ w: Workbench, _ runner: MissionRunner, _ fail: (String) -> Void, _ lines: inout [String]) -> Bool {
        let interp = runner.session.interpreter
        let judge = GoalJudge(interp: interp, program: runner.program)
        let what = "goal \"\(g.text)\" (line \(g.line))"
        // A visited knob needs a finite list of settings; the walk starts at the starting one.
        var visited: [String: [String]] = [:]
        for k in g.visiting {
            if case .failure(let e) = KnobVisits.settings(k, interp) {
                fail("\(what): 'visiting \(k)': \(e.reason)")
                return false
            }
            visited[k] = KnobVisits.current(k, interp).map { [$0] } ?? []
        }
        do {
            if try judge.read(g, visited: visited).met {
                fail("\(what) is already met at the starting settings: nothing to explore")
                return false
            }
        } catch {
            fail("\(what): \(error.message)")
            return false
        }
        let walk = g.visiting.reduce(0) { n, k in n + KnobVisits.missing(k, seen: visited[k] ?? [], interp).count }
        if walk > g.tries {
            fail("\(what) is unreachable within \(g.tries) tries: visiting every setting of \(g.visiting.joined(separator: " and ")) takes \(walk) moves")
            return false
        }
        guard let found = GoalSearch(workbench: w, interp: interp, program: runner.program, budget: searchBudget).fewestMoves(g, visited: visited) else {
            let ranges = MissionChecker.axes(w, interp, perKnob: 2).map { a -> String in
                guard let info = interp.globals[a.name]?.knob else { return a.name }
                if info.isChoice { return "\(a.name) \(info.options.map(\.name).joined(separator: "|"))" }
                return "\(a.name) \(interp.formatter.valueAndUnit(info.low))...\(interp.formatter.valueAndUnit(info.high))"
            }
            if w.knobNames.isEmpty {
                fail("\(what) is unreachable: the workbench has no knobs to move")
            } else {
                fail("\(what) is unreachable within \(g.tries) tries: no setting of \(ranges.joined(separator: ", ")) meets it")
            }
            return false
        }
        if let m = g.minimumMoves, found.moves < m {
            fail("\(what) is reachable in \(found.moves) move\(found.moves == 1 ? "" : "s") (\(found.witness)), fewer than its declared 'at least \(m) moves'")
            return false
        }
        let walkText = g.visiting.isEmpty ? "" : " (\(found.visitMoves) to visit every setting of \(g.visiting.joined(separator: " and ")))"
        lines.append("  \(what): fewest moves \(found.moves) of \(g.tries) tries\(walkText), e.g. \(found.witness)")
        return true
    }

    // MARK: Scripted run

    func scriptedRun(_ id: String, _ answers: Answers, _ report: inout Report) {
        do {
            let session = try self.session()
            let mission = parsedMission(session)
            let io = ScriptedIO(answers: answers, track: id)
            let runner = try MissionRunner(mission: mission, session: session, ledger: Ledger(), io: io, trackID: id == "default" ? nil : id)
            let finished = try runner.run()
            if !finished {
                report.failures.append("track \(id): the answers file ends before the mission does (a lock or reflection has no answer)")
                return
            }
            let s = runner.summary
            report.lines.append("track \(id), scripted run: \(s.predictions.filter(\.correct).count) of \(s.predictions.count) predictions right, \(s.goals.filter { $0.status == "met" }.count) of \(s.goals.count) goals met")
        } catch let e as MissionError {
            report.failures.append("track \(id), scripted run: \(e.message)")
        } catch let e as NapkinError {
            report.failures.append("track \(id): \(e.message)")
        } catch {
            report.failures.append("track \(id): \(error)")
        }
    }
}
