import Foundation
import NapkinCore
import NapkinInstruments

/// How a mission talks to the student: a terminal, or a script of answers.
public protocol MissionIO: AnyObject {
    /// Shows text.
    func say(_ text: String)
    /// How figures are drawn and how wide text may run (the terminal's width, now).
    var style: RenderStyle { get }
    /// The terminal's height in lines, to fit the instruments.
    var rows: Int { get }
    /// Asks for the answer to item `id` (a lock, a reflection, or "track"); nil when the input
    /// has ended (the run stops; `--resume` continues it).
    func ask(_ prompt: String, id: String) -> String?
    /// Runs the part's workbench until `bench.done` (`:done`) or the input ends.
    func runWorkbench(_ bench: WorkbenchSession)
    /// Sets up a workbench before it opens (the terminal's present mode and browser mirror).
    func prepareWorkbench(_ bench: WorkbenchSession)
}

extension MissionIO {
    public func prepareWorkbench(_ bench: WorkbenchSession) {}
}

/// A problem in a mission while it runs: the part and line, and the napkin error if any.
public struct MissionError: Error, CustomStringConvertible {
    public var message: String
    public var napkin: NapkinError?
    /// The process's exit code for this error, when it is not the napkin error's (74: the
    /// ledger could not be written).
    public var exitCode: Int32?
    public init(_ message: String, napkin: NapkinError? = nil, exitCode: Int32? = nil) {
        self.message = message
        self.napkin = napkin
        self.exitCode = exitCode
    }
    public var description: String {
        guard let napkin else { return message }
        return message + "\n" + napkin.render()
    }
}

/// What a run produced, for reports and tests.
public struct RunSummary {
    public struct Prediction {
        public var part: String, id: String, predicted: String, actual: String, correct: Bool
    }
    public struct GoalResult {
        public var part: String, text: String, status: String, tries: Int, budget: Int
    }
    public var predictions: [Prediction] = []
    public var goals: [GoalResult] = []
    public var reflections: [(id: String, answer: String)] = []
    public var finished = false
}

/// Walks a mission part by part for one track: context, locks, workbench, reveal, reflection;
/// writes every action to the ledger; on resume keeps what the ledger already holds.
public final class MissionRunner {
    public let mission: Mission
    public let session: Session
    public let ledger: Ledger
    public let io: MissionIO
    public private(set) var track: Track
    public internal(set) var summary = RunSummary()
    var interp: Interpreter { session.interpreter }
    /// The track's code and texts bound as one program, every name checked before anything runs
    /// (`Mission.statementsByPart`): statements, goals, instruments and texts compile from it.
    public let program: Program
    /// Entries from before this run (a resumed ledger).
    let prior: [LedgerEntry]
    struct Stop: Error {}

    /// Sets up the track's world (shared code and the track's bindings) in `session`.
    /// `program`: the track already bound by `Session.bind(parts: mission.statementsByPart(track))`
    /// (`napkin check` binds it to check it first); bound here when nil.
    public init(mission: Mission, session: Session, ledger: Ledger, io: MissionIO, trackID: String?,
                program: Program? = nil) throws(MissionError) {
        self.mission = mission
        self.session = session
        self.ledger = ledger
        self.io = io
        self.prior = ledger.entries
        var chosen = trackID
        if let start = prior.first(where: { $0.type == "start" }) {
            if let t = chosen, let was = start["track"], t != was {
                throw MissionError("the ledger was started on track '\(was)', not '\(t)'")
            }
            if let m = start["mission"], m != mission.title {
                throw MissionError("the ledger belongs to the mission \"\(m)\", not \"\(mission.title)\"")
            }
            chosen = start["track"]
        }
        if chosen == nil, mission.tracks.count == 1 { chosen = mission.tracks[0].id }
        if chosen == nil, !mission.tracks.isEmpty {
            var lines = ["Choose your track:"]
            for (i, t) in mission.tracks.enumerated() { lines.append("  \(i + 1). \(t.id) — \(t.persona)") }
            io.say(lines.joined(separator: "\n"))
            while chosen == nil {
                guard let a = io.ask("track> ", id: "track")?.trimmingCharacters(in: .whitespaces) else {
                    throw MissionError("no track chosen")
                }
                if let n = Int(a), (1...mission.tracks.count).contains(n) { chosen = mission.tracks[n - 1].id }
                else if mission.track(a) != nil { chosen = a }
                else { io.say("choose 1-\(mission.tracks.count) or a track name (\(mission.tracks.map(\.id).joined(separator: ", ")))") }
            }
        }
        if chosen == "default", mission.tracks.isEmpty { chosen = nil }
        if let id = chosen {
            guard let t = mission.track(id) else {
                throw MissionError("no track '\(id)' in this mission (tracks: \(mission.tracks.map(\.id).joined(separator: ", ")))")
            }
            track = t
        } else {
            track = Track(id: "default", persona: "", bindings: [], line: 0)
        }
        // A misspelt name anywhere in the track stops the run here, not in the middle of part 3.
        if let program {
            self.program = program
        } else {
            do throws(NapkinError) { self.program = try session.bind(parts: mission.statementsByPart(track)) } catch {
                let line = error.span.map { mission.file.location(of: $0.start).line } ?? 0
                let which = mission.tracks.isEmpty ? "" : "track '\(track.id)', "
                throw MissionError("\(which)line \(line): \(error.message)", napkin: error)
            }
        }
        let out = io
        interp.emit = { out.say($0) }
        session.onResult = { _ in }
        try setUp()
    }

    func setUp() throws(MissionError) {
        for item in mission.setup {
            switch item {
            case .code(let s): try exec(s, where: "the mission's shared code")
            case .tracks:
                for s in track.bindings { try exec(s, where: "track '\(track.id)'") }
            }
        }
    }

    // MARK: Evaluation helpers

    func location(_ span: Span) -> Int { mission.file.location(of: span.start).line }

    @discardableResult
    func exec(_ s: Stmt, where what: String) throws(MissionError) -> Value? {
        do { return try session.execute(s, in: program) } catch {
            throw MissionError("\(what), line \(location(s.span)): \(error.message)", napkin: error)
        }
    }

    func eval(_ e: Expr, where what: String) throws(MissionError) -> Value {
        do { return try interp.evaluateRepeatedly(e, in: program) } catch {
            throw MissionError("\(what), line \(location(e.span)): \(error.message)", napkin: error)
        }
    }

    /// A mission text, ready to show (control characters made visible): `{…}` interpolations show quantities in their readable display unit
    /// (5.523e8 kWh reads 552.3 GWh) unless the author converts (`{x -> kWh}`).
    func text(_ e: Expr, where what: String) throws(MissionError) -> String {
        guard case .string(let parts) = e.kind else {
            let v = try eval(e, where: what)
            do { return Sanitized.text(try interp.describeInline(v)) } catch { throw MissionError("\(what): \(error.message)", napkin: error) }
        }
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .expr(let x):
                var v = try eval(x, where: what)
                if case .quantity(var q) = v, !isConversion(x) {
                    q.unit = nil
                    v = .quantity(q)
                }
                do { out += try interp.describeInline(v) } catch { throw MissionError("\(what): \(error.message)", napkin: error) }
            }
        }
        return Sanitized.text(out)
    }

    func isConversion(_ e: Expr) -> Bool {
        if case .convert = e.kind { return true }
        return false
    }

    /// A knob's description with its `{…}` filled in (as mission texts are); as written if it
    /// does not evaluate. Either way ready to show (control characters made visible).
    func interpolate(_ doc: String) -> String {
        (try? filledIn(doc)) ?? Sanitized.text(doc)
    }

    /// A knob's description with its `{…}` filled in, or why it cannot be (`napkin check` says so).
    func filledIn(_ doc: String) throws(MissionError) -> String {
        guard doc.contains("{") else { return Sanitized.text(doc) }
        let stmts: Program
        do { stmts = try session.parse("\"" + doc + "\"", name: "<knob description>") } catch {
            throw MissionError(error.message, napkin: error)
        }
        guard stmts.count == 1, case .expr(let e) = stmts[0].kind else { throw MissionError("it is not one text") }
        return try text(e, where: "its {…}")
    }

    /// Where `--svg-dir` puts the figures of the run (nil: none are written).
    public var svgDirectory: String?

    func show(_ v: Value) -> String {
        Sanitized.text((try? interp.describeInline(v)) ?? "?")
    }

    // MARK: The ledger

    /// Writes an entry durably, or stops the run: nothing may be shown as recorded (a lock as
    /// locked) unless it is on disk.
    @discardableResult
    func record(_ type: String, _ fields: [String: String]) throws(MissionError) -> LedgerEntry {
        do { return try ledger.commit(type, fields) } catch { throw MissionError.ledger(error) }
    }

    /// Stops the run if an earlier write to the ledger failed (entries appended with
    /// `ledger.append`, which does not throw).
    func checkLedger() throws(MissionError) {
        if let failure = ledger.failure { throw MissionError.ledger(failure) }
    }

    // MARK: Running

    var answeredBefore: [String: LedgerEntry] {
        var d: [String: LedgerEntry] = [:]
        for e in prior where e.type == "answer" || e.type == "reflect" { if let id = e["id"] { d[id] = e } }
        return d
    }

    /// Runs the mission from where the ledger left off. Returns false when the input ended
    /// before the mission did (resume later).
    @discardableResult
    public func run() throws(MissionError) -> Bool {
        for r in ledger.repairs { io.say("ledger: " + r) }
        if prior.isEmpty {
            // `nonce` makes every ledger's first entry (and so its chain and its witness) unique,
            // even for two runs of one mission and track started in the same second.
            try record("start", ["mission": mission.title, "file": mission.file.name, "track": track.id, "persona": track.persona,
                                 "nonce": UUID().uuidString])
        } else {
            try record("resume", ["track": track.id])
            io.say("Resuming \"\(mission.title)\" on track \(track.id): \(answeredBefore.count) answer\(answeredBefore.count == 1 ? "" : "s") already locked.")
        }
        if prior.isEmpty {
            var head = "═══ \(mission.title)" + (mission.minutes.map { " (\($0) min)" } ?? "") + " ═══"
            if track.id != "default" { head += "\nTrack: \(track.id) — \(track.persona)" }
            io.say(head)
        }
        do {
            for (i, part) in mission.parts.enumerated() {
                try runPart(part, number: i + 1)
            }
            try synthesis()
        } catch is Stop {
            io.say("\nStopped. Everything answered so far is in the ledger" + (ledger.path.map { " (\($0))" } ?? "") + "; resume with --resume.")
            return false
        } catch let e as MissionError {
            throw e
        } catch {
            throw MissionError("\(error)")
        }
        try checkLedger()
        summary.finished = true
        return true
    }

    func partEnded(_ part: Part) -> Bool { prior.contains { $0.type == "part_end" && $0["part"] == part.id } }

    func runPart(_ part: Part, number: Int) throws {
        if partEnded(part) {
            io.say("\n── Part \(number): \(part.title) — done (in the ledger)")
            recordPriorResults(part)
            return
        }
        let started = prior.contains { $0.type == "part" && $0["part"] == part.id }
        if !started { try record("part", ["part": part.id, "title": part.title]) }
        io.say("\n── Part \(number): \(part.title)" + (part.minutes.map { " (\($0) min)" } ?? "") + " ──")
        let before = interp.snapshot()
        defer { interp.restore(before) }
        var start: Interpreter.Snapshot?
        var bench: WorkbenchSession?
        let whereP = "part '\(part.title)'"
        for item in part.items {
            switch item {
            case .context(let e):
                io.say(wrap(try text(e, where: whereP), width: io.style.width))
            case .message(let from, let msg):
                let who = try text(from, where: whereP), body = try text(msg, where: whereP)
                io.say(wrap("✉ \(who): \(body)", width: io.style.width, indent: ""))
            case .code(let s):
                if let v = try exec(s, where: whereP) { io.say(show(v)) }
            case .lock(let l):
                try askLock(l, part: part)
            case .workbench(let w):
                for s in w.statements { try exec(s, where: whereP + " workbench") }
                start = interp.snapshot()
                let b = WorkbenchSession(runner: self, part: part, workbench: w)
                // While the student works here, the model's definitions cannot be rewritten (the
                // REPL's `ans` and `_` follow each result, whenever they were first set).
                interp.fixedNames = Set(interp.globals.keys).subtracting(["ans", "_"])
                defer { interp.fixedNames = nil }
                try b.checkVisits()
                bench = b
                io.prepareWorkbench(b)
                try b.replayPrior()
                if !b.finishedBefore {
                    b.open()
                    io.runWorkbench(b)
                    try checkLedger()
                    if !b.done { throw Stop() }
                    b.finish()
                    try checkLedger()
                }
            case .goal:
                break
            case .reveal(let r):
                try reveal(r, part: part, start: start)
            case .peek:
                break
            case .reflect(let r):
                try askReflect(r, part: part)
            }
        }
        if bench == nil, !part.goals.isEmpty {
            // Goals in a part without a workbench are judged at the settings the part reached.
            let b = WorkbenchSession(runner: self, part: part, workbench: nil)
            try b.replayPrior()
            b.judgeGoals()
            b.finish()
        }
        try checkLedger()
        try record("part_end", ["part": part.id])
    }

    func recordPriorResults(_ part: Part) {
        for e in prior where e["part"] == part.id {
            if e.type == "reveal" {
                summary.predictions.append(.init(part: part.id, id: e["id"] ?? "", predicted: e["predicted"] ?? "", actual: e["actual"] ?? "", correct: e["correct"] == "true"))
            } else if e.type == "goal" {
                summary.goals.append(.init(part: part.id, text: e["text"] ?? "", status: e["status"] ?? "", tries: Int(e["tries"] ?? "") ?? 0, budget: Int(e["budget"] ?? "") ?? 0))
            } else if e.type == "reflect" {
                summary.reflections.append((e["id"] ?? "", e["answer"] ?? ""))
            }
        }
    }

    // MARK: Locks

    func askLock(_ l: Lock, part: Part) throws {
        let whereL = "lock '\(l.id)'"
        let prompt = try text(l.prompt, where: whereL)
        if let done = answeredBefore[l.id] {
            io.say("🔒 \(prompt)\n   locked: \(Sanitized.line(done["display"] ?? done["value"] ?? ""))\n   receipt \(Ledger.receipt(of: done))")
            return
        }
        var lines = ["🔒 Prediction lock — \(prompt)"]
        switch l.kind {
        case .choices(let cs):
            for (i, c) in cs.enumerated() { lines.append("   \(i + 1). \(c.key): \(c.text)") }
            lines.append("   (answer with a key or a number; once locked it cannot change)")
        case .number(let range, _):
            let (lo, hi) = try numberRange(range, where: whereL)
            lines.append("   (a napkin value between \(show(.quantity(lo))) and \(show(.quantity(hi))); once locked it cannot change)")
        }
        io.say(lines.joined(separator: "\n"))
        while true {
            guard let raw = io.ask("predict \(l.id)> ", id: l.id) else { throw Stop() }
            let a = raw.trimmingCharacters(in: .whitespaces)
            if a.isEmpty {
                if (io as? ScriptedIO)?.strict == true { throw MissionError("answers file: lock '\(l.id)' has an empty answer") }
                continue
            }
            switch l.kind {
            case .choices(let cs):
                var key: String?
                if let n = Int(a), (1...cs.count).contains(n) { key = cs[n - 1].key }
                else if let c = cs.first(where: { $0.key == a || $0.key.lowercased() == a.lowercased() }) { key = c.key }
                guard let key, let c = cs.first(where: { $0.key == key }) else {
                    io.say("   '\(Sanitized.line(a))' is not one of the choices: \(cs.map(\.key).joined(separator: ", "))")
                    if (io as? ScriptedIO)?.strict == true { throw MissionError("answers file: '\(a)' is not a choice of lock '\(l.id)' (\(cs.map(\.key).joined(separator: ", ")))") }
                    continue
                }
                let e = try record("answer", ["part": part.id, "id": l.id, "kind": "choice", "value": key, "display": "\(key): \(c.text)", "prompt": prompt])
                io.say("   locked: \(key) — \(c.text)\n   receipt \(Ledger.receipt(of: e))")
                return
            case .number(let range, _):
                let (lo, hi) = try numberRange(range, where: whereL)
                switch evaluateAnswer(a) {
                case .failure(let msg):
                    io.say("   " + Sanitized.text(msg))
                    if (io as? ScriptedIO)?.strict == true { throw MissionError("answers file, lock '\(l.id)': \(msg)") }
                case .success(let q):
                    if let problem = numberProblem(q, lo, hi) {
                        io.say("   " + problem)
                        if (io as? ScriptedIO)?.strict == true { throw MissionError("answers file, lock '\(l.id)': \(problem)") }
                        continue
                    }
                    // The lock keeps the value it shows, not the expression: an answer such as
                    // `1 mJ * efficiency^2` must not change when the knob moves before the reveal.
                    let shown = show(.quantity(q))
                    let e = try record("answer", ["part": part.id, "id": l.id, "kind": "number", "value": a, "display": shown,
                                                  "si": String(format: "%.17g", q.value), "prompt": prompt])
                    io.say("   locked: \(shown)\n   receipt \(Ledger.receipt(of: e))")
                    return
                }
            }
        }
    }

    func numberRange(_ range: Expr, where what: String) throws(MissionError) -> (Quantity, Quantity) {
        guard case .range(let loE, let hiE, _) = range.kind else { throw MissionError("\(what): the range is written LOW...HIGH") }
        guard case .quantity(let lo) = try eval(loE, where: what), case .quantity(let hi) = try eval(hiE, where: what) else {
            throw MissionError("\(what), line \(location(range.span)): the range's ends must be numbers or quantities")
        }
        guard lo.dim == hi.dim else { throw MissionError("\(what), line \(location(range.span)): the range mixes \(interp.units.describe(lo.dim)) and \(interp.units.describe(hi.dim))") }
        guard lo.value < hi.value else { throw MissionError("\(what), line \(location(range.span)): the range is empty") }
        return (lo, hi)
    }

    func numberProblem(_ q: Quantity, _ lo: Quantity, _ hi: Quantity) -> String? {
        if q.dim != lo.dim {
            if q.dim.isNone { return "give a unit: the answer is \(interp.units.describe(lo.dim)), e.g. \(show(.quantity(lo)))" }
            return "that is \(interp.units.describe(q.dim)); this lock wants \(lo.dim.isNone ? "a plain number" : interp.units.describe(lo.dim))"
        }
        if q.value < lo.value || q.value > hi.value {
            return "\(show(.quantity(q))) is outside the plausible range \(show(.quantity(lo)))...\(show(.quantity(hi)))"
        }
        return nil
    }

    enum AnswerResult { case success(Quantity), failure(String) }

    /// A numeric answer is napkin: `4`, `2.5 GWh`, `100 MW * 1 year`. Nothing is defined by it.
    func evaluateAnswer(_ source: String) -> AnswerResult {
        let snap = interp.snapshot()
        defer { interp.restore(snap) }
        do {
            let stmts = try session.parse(source, name: "<answer>")
            guard stmts.count == 1, case .expr = stmts[0].kind else { return .failure("answer with one napkin value, like 4 or 2.5 GWh") }
            guard case .quantity(let q) = try interp.execute(stmts[0], in: stmts) ?? .nothing else { return .failure("the answer must be a number or a quantity") }
            return .success(q)
        } catch {
            return .failure(error.message)
        }
    }

    // MARK: Reveal

    public struct Verdict {
        public var predicted: String, actual: String, correct: Bool, message: String
    }

    /// The physics' answer to a lock, at the part's starting settings.
    func revealValue(_ r: Reveal, start: Interpreter.Snapshot?) throws(MissionError) -> Value {
        let now = interp.snapshot()
        if let start { interp.restore(start) }
        defer { interp.restore(now) }
        return try eval(r.answer, where: "reveal '\(r.lockID)'")
    }

    func reveal(_ r: Reveal, part: Part, start: Interpreter.Snapshot?) throws {
        guard let lock = part.locks.first(where: { $0.id == r.lockID }) else { return }
        let actual = try revealValue(r, start: start)
        guard let answer = answeredBefore[r.lockID] ?? ledger.entries.last(where: { $0.type == "answer" && $0["id"] == r.lockID }) else { return }
        if let done = prior.last(where: { $0.type == "reveal" && $0["id"] == r.lockID }) {
            io.say("💡 \(Sanitized.text(done["verdict"] ?? ""))")
            summary.predictions.append(.init(part: part.id, id: r.lockID, predicted: done["predicted"] ?? "", actual: done["actual"] ?? "", correct: done["correct"] == "true"))
            return
        }
        let v = try verdict(lock, r, answer: answer, actual: actual)
        var explanation: [String] = []
        for (key, e) in r.explanations {
            if key == nil || key == v.actual || key == answer["value"] && !v.correct {
                let label = key.map { k in k == v.actual ? "" : "(\(k)) " } ?? ""
                explanation.append(label + (try text(e, where: "explain for '\(r.lockID)'")))
            }
        }
        var out = "💡 Reveal — \(Sanitized.text(v.message))"
        for x in explanation { out += "\n" + wrap(x, width: io.style.width, indent: "   ") }
        io.say(out)
        try record("reveal", ["part": part.id, "id": r.lockID, "prompt": answer["prompt"] ?? "", "predicted": v.predicted,
                                 "actual": v.actual, "correct": v.correct ? "true" : "false", "verdict": v.message,
                                 "explanation": explanation.joined(separator: " ")])
        summary.predictions.append(.init(part: part.id, id: r.lockID, predicted: v.predicted, actual: v.actual, correct: v.correct))
    }

    func verdict(_ lock: Lock, _ r: Reveal, answer: LedgerEntry, actual: Value) throws(MissionError) -> Verdict {
        switch lock.kind {
        case .choices(let cs):
            guard case .string(let key) = actual, let c = cs.first(where: { $0.key == key }) else {
                throw MissionError("reveal '\(r.lockID)', line \(r.line): the physics gave \(show(actual)), which is not one of the choices (\(cs.map(\.key).joined(separator: ", ")))")
            }
            let predicted = answer["value"] ?? ""
            let ok = predicted == key
            let ptext = cs.first { $0.key == predicted }?.text ?? predicted
            let msg = ok ? "you predicted \(predicted) (\(ptext)) — right: the physics agrees."
                         : "you predicted \(predicted) (\(ptext)); the physics says \(key) (\(c.text))."
            return Verdict(predicted: predicted, actual: key, correct: ok, message: msg)
        case .number(let range, let tol):
            guard case .quantity(let a) = actual else {
                throw MissionError("reveal '\(r.lockID)', line \(r.line): the physics gave a \(actual.typeName), not a number")
            }
            // The value recorded at the lock, never the expression evaluated again.
            guard let si = answer["si"].flatMap(Double.init), si.isFinite else {
                throw MissionError("lock '\(r.lockID)': the ledger's answer has no locked value (it was recorded by an older napkin, or edited)")
            }
            let (lo, _) = try numberRange(range, where: "lock '\(lock.id)'")
            let p = Quantity(si, lo.dim)
            let ok: Bool
            switch tol {
            case .magnitude:
                ok = p.value > 0 && a.value > 0 && abs(log10(p.value / a.value)) <= 0.5
            case .within(let e):
                guard case .quantity(let t) = try eval(e, where: "lock '\(lock.id)' tolerance") else {
                    throw MissionError("lock '\(lock.id)': the tolerance must be a number (relative) or a quantity (absolute)")
                }
                if t.dim.isNone && !(a.dim.isNone && t.unit == nil && t.value >= 1) {
                    ok = abs(p.value - a.value) <= t.value * abs(a.value)
                } else {
                    ok = abs(p.value - a.value) <= t.value
                }
            }
            let ps = answer["display"] ?? show(.quantity(p)), as_ = show(.quantity(a))
            var msg = "you predicted \(ps); the physics gives \(as_)"
            if p.value != 0, a.value != 0, (p.value > 0) == (a.value > 0) {
                let f = max(p.value / a.value, a.value / p.value)
                msg += f < 1.005 ? " — spot on." : ", off by \(formatNumber(f, digits: 2))×" + (ok ? " — close enough." : ".")
            } else {
                msg += ok ? " — close enough." : "."
            }
            return Verdict(predicted: ps, actual: as_, correct: ok, message: msg)
        }
    }

    // MARK: Reflection and synthesis

    func askReflect(_ r: Reflect, part: Part?) throws {
        let prompt = try text(r.prompt, where: "reflection '\(r.id)'")
        if let done = answeredBefore[r.id] {
            io.say("✎ \(prompt)\n   answered: \(Sanitized.text(done["answer"] ?? ""))")
            summary.reflections.append((r.id, done["answer"] ?? ""))
            return
        }
        var lines = ["✎ Reflect — \(prompt)"]
        if let cs = r.choices { for (i, c) in cs.enumerated() { lines.append("   \(i + 1). \(c.key): \(c.text)") } }
        io.say(lines.joined(separator: "\n"))
        while true {
            guard let raw = io.ask("reflect> ", id: r.id) else { throw Stop() }
            var a = raw.trimmingCharacters(in: .whitespaces)
            if a.isEmpty {
                if (io as? ScriptedIO)?.strict == true { throw MissionError("answers file: reflection '\(r.id)' has an empty answer") }
                continue
            }
            if let cs = r.choices {
                if let n = Int(a), (1...cs.count).contains(n) { a = cs[n - 1].key }
                guard let c = cs.first(where: { $0.key == a }) else {
                    io.say("   choose one of: \(cs.map(\.key).joined(separator: ", "))")
                    if (io as? ScriptedIO)?.strict == true { throw MissionError("answers file: '\(a)' is not a choice of reflection '\(r.id)'") }
                    continue
                }
                a = "\(c.key): \(c.text)"
            }
            try record("reflect", ["part": part?.id ?? "synthesis", "id": r.id, "prompt": prompt, "answer": a])
            summary.reflections.append((r.id, a))
            return
        }
    }

    func synthesis() throws {
        if prior.contains(where: { $0.type == "finish" }) { return }
        io.say("\n═══ Synthesis ═══")
        let all = prior + ledger.entries.filter { e in !prior.contains { $0.hash == e.hash } }
        io.say(Sanitized.text(LedgerReport(entries: all).predictionsAndGoals()))
        for item in mission.synthesis {
            switch item {
            case .context(let e): io.say(wrap(try text(e, where: "the synthesis"), width: io.style.width))
            case .message(let from, let msg): io.say("✉ " + (try text(from, where: "the synthesis")) + ": " + (try text(msg, where: "the synthesis")))
            case .reflect(let r): try askReflect(r, part: nil)
            case .code(let s): if let v = try exec(s, where: "the synthesis") { io.say(show(v)) }
            default: break
            }
        }
        let right = summary.predictions.filter(\.correct).count
        let met = summary.goals.filter { $0.status == "met" }.count
        let finish = try record("finish", ["predictions": "\(summary.predictions.count)", "correct": "\(right)", "goals": "\(summary.goals.count)", "met": "\(met)"])
        io.say("\nMission complete: \(right) of \(summary.predictions.count) predictions right, \(met) of \(summary.goals.count) goals met." +
               (ledger.path.map { "\nLedger: \($0) (napkin ledger show \($0))" } ?? "") +
               "\nFinal receipt: \(Ledger.receipt(of: finish))")
    }
}

extension MissionError {
    /// The ledger could not be written: the run stops (exit 74) and says what was not recorded.
    static func ledger(_ e: LedgerError) -> MissionError {
        if case .io = e { return MissionError("\(e)", exitCode: 74) }
        return MissionError("\(e)", exitCode: 70)
    }
}
