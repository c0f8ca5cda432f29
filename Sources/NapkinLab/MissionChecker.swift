import Foundation
import NapkinCore
import NapkinInstruments

/// `napkin check`: validates a mission for authors and CI. For every track: every lock's reveal
/// is computed (not a literal), evaluates, and is one of its choices (or a number in its range);
/// every goal is not met at the start and is reachable within its tries (a witness setting is
/// searched over the workbench's knob ranges); every instrument renders (text and SVG).
public final class MissionChecker {
    public let mission: Mission
    let makeSession: () throws(NapkinError) -> Session
    /// Most goal evaluations the reachability search may spend per goal.
    public var searchBudget = 3000

    public struct Report {
        public var lines: [String] = []
        public var failures: [String] = []
        public var ok: Bool { failures.isEmpty }
    }

    public init(mission: Mission, makeSession: @escaping () throws(NapkinError) -> Session) {
        self.mission = mission
        self.makeSession = makeSession
    }

    func line(_ span: Span) -> Int { span.file?.location(of: span.start).line ?? 0 }

    /// The mission parsed afresh for one session: a syntax tree is evaluated by one interpreter
    /// only (the interpreter caches lookups in the tree's nodes).
    func fresh(_ session: Session) -> Mission {
        (try? MissionParser.parse(SourceFile(name: mission.file.name, text: mission.file.text), units: session.unitNames)) ?? mission
    }

    func partLabel(_ p: Part) -> String { "part \"\(p.title)\" (line \(p.line))" }

    public func check(tracks: [String]?, answers: Answers? = nil) -> Report {
        var report = Report()
        let trackIDs = tracks ?? (mission.tracks.isEmpty ? ["default"] : mission.tracks.map(\.id))
        staticChecks(&report)
        for id in trackIDs {
            if id != "default", mission.track(id) == nil {
                report.failures.append("no track '\(id)' in this mission (tracks: \(mission.tracks.map(\.id).joined(separator: ", ")))")
                continue
            }
            checkTrack(id, &report)
            if let answers { scriptedRun(id, answers, &report) }
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

    func allStatements(_ track: Track?) -> [Stmt] {
        var out: [Stmt] = []
        func e(_ x: Expr) { out.append(Stmt(.expr(x), x.span)) }
        for item in mission.setup {
            switch item {
            case .code(let s): out.append(s)
            case .tracks: out += track?.bindings ?? []
            }
        }
        for p in mission.parts + [Part(id: "synthesis", title: "synthesis", minutes: nil, items: mission.synthesis, line: 0)] {
            for item in p.items {
                switch item {
                case .context(let x): e(x)
                case .message(let a, let b): e(a); e(b)
                case .code(let s): out.append(s)
                case .lock(let l):
                    e(l.prompt)
                    if case .number(let r, let t) = l.kind { e(r); if case .within(let x) = t { e(x) } }
                case .workbench(let w):
                    out += w.statements
                    w.instruments.forEach(e)
                    w.goals.forEach { e($0.condition) }
                case .goal(let g): e(g.condition)
                case .reveal(let r): e(r.answer); r.explanations.forEach { e($0.text) }
                case .peek: break
                case .reflect(let r): e(r.prompt)
                }
            }
        }
        return out
    }

    // MARK: Per track

    final class SilentIO: MissionIO {
        func say(_ text: String) {}
        func ask(_ prompt: String, id: String) -> String? { nil }
        func runWorkbench(_ bench: WorkbenchSession) {}
    }

    func checkTrack(_ id: String, _ report: inout Report) {
        let session: Session
        do { session = try makeSession() } catch {
            report.failures.append("cannot start napkin: \(error.message)")
            return
        }
        // Names first: a misspelt name anywhere is reported before anything runs.
        var names = NameChecker(globals: session.interpreter.globals.keys, builtins: session.interpreter.builtinNames,
                                units: session.unitNames, declaredUnits: session.interpreter.units.declaredUnitNames)
        do { try names.check(allStatements(mission.track(id))) } catch {
            report.failures.append("track \(id), line \(error.span.map(line) ?? 0): \(error.message)\n" + error.render())
            return
        }
        let mission = fresh(session)
        let runner: MissionRunner
        do {
            runner = try MissionRunner(mission: mission, session: session, ledger: Ledger(), io: SilentIO(), trackID: id == "default" ? nil : id)
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
                    start = interp.snapshot()
                    for e in w.instruments {
                        let v = try runner.eval(e, where: "instrument")
                        do {
                            _ = try interp.describe(v)
                            if case .figure(let f) = v { _ = try Instruments.renderSVG(f) }
                            counts.instruments += 1
                        } catch {
                            fail("instrument \(e.span.text) (line \(line(e.span))) does not render: \(error.message)")
                        }
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
            } catch let e as MissionError {
                fail(e.message)
            } catch {
                fail("\(error)")
            }
        }
    }

    struct KnobAxis {
        var name: String
        var values: [Quantity]  // values[0] is the starting value
    }

    func axes(_ w: Workbench, _ interp: Interpreter, perKnob: Int) -> [KnobAxis] {
        var out: [KnobAxis] = []
        for n in w.knobNames {
            guard let g = interp.globals[n], let k = g.knob, case .quantity(let start) = g.value else { continue }
            let lo = k.low.value, hi = k.high.value
            var vals: [Double] = []
            if lo == lo.rounded(), hi == hi.rounded(), hi - lo <= 48 {
                vals = stride(from: lo, through: hi, by: 1).map { $0 }
            } else if lo > 0, hi / lo >= 100 {
                let n = max(2, perKnob)
                vals = (0..<n).map { lo * pow(hi / lo, Double($0) / Double(n - 1)) }
            } else {
                let n = max(2, perKnob)
                vals = (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
            }
            vals.removeAll { abs($0 - start.value) <= 1e-12 * max(1, abs($0)) }
            out.append(KnobAxis(name: n, values: [start] + vals.map { Quantity($0, start.dim, unit: start.unit) }))
        }
        return out
    }

    /// Not met at the start, and some setting within the try budget meets it. Reports a witness.
    func checkGoal(_ g: Goal, _ w: Workbench, _ runner: MissionRunner, _ fail: (String) -> Void, _ lines: inout [String]) -> Bool {
        let interp = runner.session.interpreter
        func holds() -> Bool? {
            guard let v = try? interp.execute(Stmt(.expr(g.condition), g.condition.span)), case .bool(let b) = v else { return nil }
            return b
        }
        switch holds() {
        case nil:
            do { _ = try runner.eval(g.condition, where: "goal") } catch { fail("goal \"\(g.text)\" (line \(g.line)): \(error.message)"); return false }
            fail("goal \"\(g.text)\" (line \(g.line)): its condition must be true or false")
            return false
        case true?:
            fail("goal \"\(g.text)\" (line \(g.line)) is already met at the starting settings: nothing to explore")
            return false
        default: break
        }
        let k = max(1, w.knobNames.count)
        let perKnob = max(3, Int(pow(Double(searchBudget), 1 / Double(k))))
        var ax = axes(w, interp, perKnob: perKnob)
        guard !ax.isEmpty else {
            fail("goal \"\(g.text)\" (line \(g.line)) is unreachable: the workbench has no knobs to move")
            return false
        }
        // Thin axes until the grid fits the budget.
        func size() -> Int { ax.reduce(1) { $0 * $1.values.count } }
        while size() > searchBudget, let i = ax.indices.max(by: { ax[$0].values.count < ax[$1].values.count }), ax[i].values.count > 3 {
            let v = ax[i].values
            ax[i].values = [v[0]] + stride(from: 1, to: v.count, by: 2).map { v[$0] }
        }
        // Every combination, fewest knobs moved first.
        var combos: [[Int]] = [[]]
        for a in ax { combos = combos.flatMap { c in a.values.indices.map { c + [$0] } } }
        combos.sort { $0.filter { $0 != 0 }.count < $1.filter { $0 != 0 }.count }
        var searched = 0
        for c in combos {
            let moves = c.filter { $0 != 0 }.count
            if moves == 0 { continue }
            if moves > g.tries { break }
            searched += 1
            var okSet = true
            for (i, a) in ax.enumerated() {
                do { try interp.setKnob(a.name, a.values[c[i]]) } catch { okSet = false }
            }
            if okSet, holds() == true {
                let f = interp.formatter
                let witness = ax.indices.filter { c[$0] != 0 }.map { "\(ax[$0].name) = \(f.valueAndUnit(ax[$0].values[c[$0]]))" }
                lines.append("  goal \"\(g.text)\" (line \(g.line)): reachable in \(moves) of \(g.tries) tries, e.g. \(witness.joined(separator: ", "))")
                return true
            }
        }
        let ranges = ax.map { a -> String in
            guard let info = interp.globals[a.name]?.knob else { return a.name }
            return "\(a.name) \(interp.formatter.valueAndUnit(info.low))...\(interp.formatter.valueAndUnit(info.high))"
        }
        fail("goal \"\(g.text)\" (line \(g.line)) is unreachable within \(g.tries) tries: no setting of \(ranges.joined(separator: ", ")) meets it (\(searched) settings searched)")
        return false
    }

    // MARK: Scripted run

    func scriptedRun(_ id: String, _ answers: Answers, _ report: inout Report) {
        do {
            let session = try makeSession()
            let mission = fresh(session)
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
