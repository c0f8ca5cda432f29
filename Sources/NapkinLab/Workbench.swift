import Foundation
import NapkinCore

/// A part's open workbench: knob moves and goal attempts count as tries; goals are judged
/// after every try; instruments redraw after every move. The terminal drives it through the
/// REPL's hooks, a script through `input`.
public final class WorkbenchSession {
    unowned let runner: MissionRunner
    public let part: Part
    public let workbench: Workbench?
    struct GoalState {
        var goal: Goal
        var status: String?
        var tries: Int?
    }
    var goals: [GoalState]
    public private(set) var tries = 0
    /// `:done` was given (or the workbench was finished in an earlier run).
    public private(set) var done = false
    /// The workbench was closed in an earlier run of a resumed ledger.
    public private(set) var finishedBefore = false
    var knobValues: [String: Double] = [:]

    init(runner: MissionRunner, part: Part, workbench: Workbench?) {
        self.runner = runner
        self.part = part
        self.workbench = workbench
        self.goals = part.goals.map { GoalState(goal: $0) }
        self.knobValues = currentKnobs()
    }

    var io: MissionIO { runner.io }
    var interp: Interpreter { runner.session.interpreter }
    var ledger: Ledger { runner.ledger }
    public var session: Session { runner.session }
    public var prompt: String { "\(part.id)> " }

    func currentKnobs() -> [String: Double] {
        var d: [String: Double] = [:]
        for (n, g) in interp.globals where g.kind == .knob {
            if case .quantity(let q) = g.value { d[n] = q.value }
        }
        return d
    }

    /// Re-applies the knob moves and goal results an earlier run of this ledger recorded.
    func replayPrior() throws(MissionError) {
        for e in runner.prior where e["part"] == part.id {
            switch e.type {
            case "move":
                if let line = e["line"] { try? session.run(line, name: "<workbench>", transactional: true) }
                tries = Int(e["try"] ?? "") ?? tries + 1
            case "attempt":
                tries = Int(e["try"] ?? "") ?? tries + 1
            case "goal":
                if let i = goals.firstIndex(where: { $0.goal.id == e["id"] }) {
                    goals[i].status = e["status"]
                    goals[i].tries = Int(e["tries"] ?? "")
                    if finishedBefore || e["status"] == "met" || e["status"] == "missed" {}
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

    func describeKnob(_ n: String) -> String {
        guard let g = interp.globals[n], let k = g.knob, case .quantity(let q) = g.value else { return n }
        let f = interp.formatter
        return "\(n) = \(f.valueAndUnit(q))   in \(f.valueAndUnit(k.low))...\(f.valueAndUnit(k.high))" + ((k.doc ?? g.doc).map { "   \"\($0)\"" } ?? "")
    }

    public func open() {
        var lines = ["\n⚙ Workbench" + (tries > 0 ? " (resumed after \(tries) tr\(tries == 1 ? "y" : "ies"))" : "")]
        let knobs = workbench?.knobNames ?? []
        if !knobs.isEmpty {
            lines.append("Knobs:")
            for n in knobs { lines.append("  " + describeKnob(n)) }
        }
        io.say(lines.joined(separator: "\n"))
        showInstruments()
        var tail: [String] = []
        for g in goals {
            tail.append("◎ Goal: \(g.goal.text) — within \(g.goal.tries) tries" + (g.status.map { " (\($0))" } ?? ""))
        }
        if !part.peeks.isEmpty { tail.append("Math Peek: " + part.peeks.map { ":peek \($0)" }.joined(separator: ", ")) }
        tail.append("Move a knob (\(knobs.first.map { "\($0) = …" } ?? "knob = …")) and watch the instruments; :try tests the goals, :hint helps, :done reveals and moves on.")
        io.say(tail.joined(separator: "\n"))
    }

    public func showInstruments() {
        for inst in workbench?.instruments ?? [] {
            let e = inst.expr
            do {
                let v = try interp.execute(Stmt(.expr(e), e.span)) ?? .nothing
                io.say(try interp.describe(v))
            } catch {
                io.say("instrument \(e.span.text): \(error.message)")
            }
        }
    }

    /// One line typed in the workbench (the scripted path; the terminal uses the REPL).
    public func input(_ line: String) {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return }
        if t.hasPrefix(":") {
            let body = t.dropFirst()
            let name = String(body.prefix { !$0.isWhitespace })
            let arg = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            if !command(name, arg) { io.say("unknown workbench command ':\(name)' (:done, :try, :goals, :hint, :peek NAME, :show)") }
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

    /// Called after each line has run: a line that moved a knob is a try.
    public func afterLine(_ source: String) {
        let now = currentKnobs()
        let changed = now.keys.filter { now[$0] != knobValues[$0] }.sorted()
        guard !changed.isEmpty else { return }
        knobValues = now
        tries += 1
        let f = interp.formatter
        let moved = changed.map { n -> String in
            if case .quantity(let q)? = interp.globals[n]?.value { return "\(n) = \(f.valueAndUnit(q))" }
            return n
        }.joined(separator: ", ")
        ledger.append("move", ["part": part.id, "line": source, "knobs": moved, "try": "\(tries)"])
        showInstruments()
        io.say("try \(tries): \(moved)")
        judgeGoals()
    }

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
            for g in goals { io.say("◎ \(g.goal.text): \(g.status ?? "open") — \(tries) of \(g.goal.tries) tries used") }
        case "hint":
            var lines: [String] = []
            for n in workbench?.knobNames ?? [] { lines.append("  " + describeKnob(n)) }
            for g in goals where g.status == nil { lines.append("◎ \(g.goal.text) — \(max(0, g.goal.tries - tries)) tries left") }
            if !part.peeks.isEmpty { lines.append("The formulas: " + part.peeks.map { ":peek \($0)" }.joined(separator: ", ")) }
            io.say(lines.isEmpty ? "Nothing to move here: :done reveals." : lines.joined(separator: "\n"))
        case "peek":
            peek(arg)
        case "show", "instruments":
            showInstruments()
        case "reset":
            io.say(":reset is not available in a mission workbench (a part's knobs stay until :done)")
        default:
            return false
        }
        return true
    }

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
        var lines = ["Math Peek — \(name)"]
        if let def = g.definition?.text, !def.isEmpty { lines.append("  " + def.replacingOccurrences(of: "\n", with: "\n  ")) }
        if let doc = g.doc, !(g.definition?.text.contains(doc) ?? false) { lines.append("  " + doc) }
        io.say(lines.joined(separator: "\n"))
        ledger.append("peek", ["part": part.id, "name": name])
    }

    func judgeGoals(verbose: Bool = false) {
        for i in goals.indices where goals[i].status == nil {
            let g = goals[i].goal
            let ok: Bool
            do {
                ok = try GoalJudge(interp: interp).read(g).met
            } catch {
                io.say("goal \"\(g.text)\": \(error.message)")
                continue
            }
            if ok {
                goals[i].status = "met"
                goals[i].tries = tries
                ledger.append("goal", ["part": part.id, "id": g.id, "text": g.text, "status": "met", "tries": "\(tries)", "budget": "\(g.tries)"])
                io.say("✓ Goal met in \(tries) of \(g.tries) tries: \(g.text)")
            } else if tries >= g.tries {
                goals[i].status = "missed"
                goals[i].tries = tries
                ledger.append("goal", ["part": part.id, "id": g.id, "text": g.text, "status": "missed", "tries": "\(tries)", "budget": "\(g.tries)"])
                io.say("✗ Goal missed: \(g.tries) tries used without reaching it — \(g.text)")
            } else if verbose {
                io.say("◎ not yet: \(g.text) (\(g.tries - tries) tries left)")
            }
        }
    }

    /// Closes the workbench: goals not reached are recorded as such.
    func finish() {
        if finishedBefore { return }
        for g in goals where g.status == nil {
            ledger.append("goal", ["part": part.id, "id": g.goal.id, "text": g.goal.text, "status": "unmet", "tries": "\(tries)", "budget": "\(g.goal.tries)"])
            io.say("◎ Goal not reached (\(tries) of \(g.goal.tries) tries used): \(g.goal.text)")
        }
        for g in goals {
            runner.summary.goals.append(.init(part: part.id, text: g.goal.text, status: g.status ?? "unmet", tries: g.tries ?? tries, budget: g.goal.tries))
        }
        ledger.append("workbench_done", ["part": part.id, "tries": "\(tries)"])
        done = true
    }
}
