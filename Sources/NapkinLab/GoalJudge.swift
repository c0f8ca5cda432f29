import Foundation
import NapkinCore

/// Reads a goal at the current knob settings, clause by clause: whether each clause holds, what
/// it measured, and how far it is from holding (a relative gap, 0 when it holds). The workbench
/// judges goals with it, `:hint` and `napkin check` search with its distance.
struct GoalJudge {
    let interp: Interpreter
    /// The bound mission its goals are part of (`MissionRunner.program`).
    let program: Program?
    /// False for a search, which reads only whether a goal holds and how far it is: the readings'
    /// text (formatted numbers, quoted source) would be built thousands of times and thrown away.
    var readings = true

    struct Clause {
        var holds: Bool
        /// 0 when the clause holds; otherwise the relative gap to close (1 for a false boolean).
        var distance: Double
        /// What the clause measured, e.g. `yearly_energy() = 2.4 GWh, needs ≤ 1.2 GWh`.
        var reading: String

        init(holds: Bool, distance: Double, reading: String) {
            self.holds = holds
            self.distance = distance
            // A reading quotes the author's text (descriptions, option names): made visible.
            self.reading = Sanitized.text(reading)
        }
    }

    struct Reading {
        var clauses: [Clause]
        var met: Bool { clauses.allSatisfy(\.holds) }
        var distance: Double { clauses.reduce(0) { $0 + $1.distance } }
        /// One line per clause, when the goal has more than one (competing constraints).
        var details: [String] { clauses.count < 2 ? [] : clauses.map { ($0.holds ? "✓ " : "✗ ") + $0.reading } }
    }

    func quantity(_ e: Expr) throws(NapkinError) -> Quantity? {
        if case .quantity(let q) = try interp.evaluateRepeatedly(e, in: program) { return q }
        return nil
    }

    func show(_ q: Quantity) -> String { interp.formatter.valueAndUnit(q) }

    /// How far a is from b, relative to their size (0…2). Against zero a relative gap is always
    /// 1, which would leave the search no direction (`crisis_gap() <= 0`): there it shrinks with
    /// the distance itself instead.
    static func gap(_ a: Double, _ b: Double) -> Double {
        if a == 0 || b == 0 { let d = abs(a - b); return d / (1 + d) }
        return abs(a - b) / max(abs(a), abs(b), 1e-300)
    }

    /// The goal's clauses at the current settings; with `visited` (each visited knob's settings
    /// seen on this path), also one clause per `visiting` knob. Without it, the expression alone
    /// (the search accounts for the visits in its move count).
    func read(_ goal: Goal, visited: [String: [String]]? = nil) throws(NapkinError) -> Reading {
        var out: [Clause] = []
        for c in goal.clauses { out.append(try read(c)) }
        if let visited {
            for k in goal.visiting { out.append(KnobVisits.clause(k, seen: visited[k] ?? [], interp)) }
        }
        return Reading(clauses: out)
    }

    /// How far the goal is from being met at the current settings (0: met; otherwise at least
    /// 1e-300), as a search reads it: the clauses' distances summed in order, stopping once the
    /// sum passes `bound` (then `exact` is false and the sum is a lower bound: no clause's
    /// distance is negative, and one that holds adds 0).
    func distance(_ goal: Goal, above bound: Double = .infinity) throws(NapkinError) -> (distance: Double, exact: Bool) {
        var sum = 0.0, met = true
        for c in goal.clauses {
            let clause = try read(c)
            met = met && clause.holds
            sum += clause.distance
            if sum > bound { return (sum, false) }
        }
        return (met ? 0 : max(sum, 1e-300), true)
    }

    func read(_ clause: GoalClause) throws(NapkinError) -> Clause {
        switch clause {
        case .near(let ve, let te, let ge):
            guard let v = try quantity(ve), let t = try quantity(te), let g = try quantity(ge) else {
                throw NapkinError(.runtime, "'within … of' compares numbers or quantities", at: clause.span)
            }
            guard v.dim == g.dim else {
                throw NapkinError(.dimension, "'within … of' compares \(interp.units.describe(v.dim)) with \(interp.units.describe(g.dim))", at: clause.span)
            }
            // A plain tolerance (2%, 0.05) is relative to the target; one with units is absolute.
            let relative = t.dim.isNone && !(g.dim.isNone && t.unit == nil && t.value >= 1)
            guard relative || t.dim == g.dim else {
                throw NapkinError(.dimension, "the tolerance must be a plain number (relative) or have the target's dimension", at: te.span)
            }
            let allowed = relative ? abs(t.value * g.value) : abs(t.value)
            let off = abs(v.value - g.value)
            let holds = off <= allowed * (1 + 1e-12)
            let scale = max(abs(g.value), 1e-300)
            let distance = holds ? 0 : (off - allowed) / scale
            guard readings else { return Clause(holds: holds, distance: distance, reading: "") }
            let tolText = relative ? formatNumber(t.value * 100, digits: 3) + "%" : show(t)
            var reading = "\(ve.span.text) = \(show(v)), target \(show(g)) ± \(tolText)"
            if !holds { reading += " (\(formatNumber(off / scale * 100, digits: 3))% off)" }
            return Clause(holds: holds, distance: distance, reading: reading)
        case .condition(let e):
            if case .binary(let op, let l, let r, _) = e.kind, op.isComparison,
               let a = try quantity(l), let b = try quantity(r), a.dim == b.dim {
                let holds: Bool, distance: Double
                switch op {
                case .lt: holds = a.value < b.value; distance = holds ? 0 : GoalJudge.gap(a.value, b.value) + 1e-9
                case .le: holds = a.value <= b.value; distance = holds ? 0 : GoalJudge.gap(a.value, b.value)
                case .gt: holds = a.value > b.value; distance = holds ? 0 : GoalJudge.gap(a.value, b.value) + 1e-9
                case .ge: holds = a.value >= b.value; distance = holds ? 0 : GoalJudge.gap(a.value, b.value)
                case .eq: holds = a.value == b.value; distance = GoalJudge.gap(a.value, b.value)
                default: holds = a.value != b.value; distance = holds ? 0 : 1
                }
                guard readings else { return Clause(holds: holds, distance: distance, reading: "") }
                let sign: String = ["<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"][op.rawValue] ?? op.rawValue
                let lt = l.span.text, rt = r.span.text
                var reading = "\(lt) = \(show(a)), needs \(sign) "
                reading += isConstant(r) ? show(b) : "\(rt) = \(show(b))"
                return Clause(holds: holds, distance: distance, reading: reading)
            }
            let v = try interp.evaluateRepeatedly(e, in: program)
            guard case .bool(let b) = v else {
                throw NapkinError(.runtime, "a goal's condition must be true or false, but \(e.span.text) gave a \(v.typeName)", at: e.span)
            }
            guard readings else { return Clause(holds: b, distance: b ? 0 : 1, reading: "") }
            // A true-or-false call says what it tests with its function's description
            // (`guard(): a 3-hour battery and at least 480p`), not just its name.
            var reading = e.span.text
            if case .call(let f, _) = e.kind, case .name(let n) = f.kind, let doc = interp.globals[n]?.doc, !doc.isEmpty {
                reading += " — " + doc
            }
            return Clause(holds: b, distance: b ? 0 : 1, reading: reading)
        }
    }

    func isConstant(_ e: Expr) -> Bool {
        switch e.kind {
        case .number, .quantity: return true
        case .unary(_, let x): return isConstant(x)
        default: return false
        }
    }
}
