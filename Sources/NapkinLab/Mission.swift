import NapkinCore

/// A lab mission as written in a `.lab` mission script: tracks (personas) and parts, each part a
/// Predict → Explore → Reveal → Reflect sequence. Embedded napkin code is kept as core AST.
public struct Mission {
    public var title: String
    public var minutes: Int?
    public var file: SourceFile
    /// Top-level items in file order: shared napkin statements and the track blocks' positions.
    public var setup: [SetupItem] = []
    public var tracks: [Track] = []
    public var parts: [Part] = []
    /// The closing synthesis (context, messages, reflections) after the last part.
    public var synthesis: [PartItem] = []

    public func track(_ id: String) -> Track? { tracks.first { $0.id == id } }

    /// Every answerable item id (locks and reflections) in order.
    public var answerIDs: [String] {
        var ids: [String] = []
        for p in parts {
            for item in p.items {
                if case .lock(let l) = item { ids.append(l.id) }
                if case .reflect(let r) = item { ids.append(r.id) }
            }
        }
        for item in synthesis { if case .reflect(let r) = item { ids.append(r.id) } }
        return ids
    }
}

public enum SetupItem {
    case code(Stmt)
    /// Where the selected track's bindings run.
    case tracks
}

public struct Track {
    public var id: String
    public var persona: String
    public var bindings: [Stmt]
    public var line: Int
}

public struct Part {
    public var id: String
    public var title: String
    public var minutes: Int?
    public var items: [PartItem]
    public var line: Int

    public var locks: [Lock] { items.compactMap { if case .lock(let l) = $0 { return l } else { return nil } } }
    public var goals: [Goal] {
        var out: [Goal] = []
        for i in items {
            if case .goal(let g) = i { out.append(g) }
            if case .workbench(let w) = i { out += w.goals }
        }
        return out
    }
    public var workbench: Workbench? { items.lazy.compactMap { if case .workbench(let w) = $0 { return w } else { return nil } }.first }
    public var peeks: [String] { items.flatMap { if case .peek(let n, _) = $0 { return n } else { return [] } } }
}

public enum PartItem {
    case context(Expr)
    case message(from: Expr, text: Expr)
    case code(Stmt)
    case lock(Lock)
    case workbench(Workbench)
    case goal(Goal)
    case reveal(Reveal)
    case peek([String], line: Int)
    case reflect(Reflect)
}

public struct Lock {
    public enum Kind {
        case choices([(key: String, text: String)])
        /// An answer that napkin evaluates; `range` is LOW...HIGH, `tolerance` how close counts.
        case number(range: Expr, tolerance: Tolerance)
    }
    public var id: String
    public var prompt: Expr
    public var kind: Kind
    public var line: Int

    public var choiceKeys: [String] {
        if case .choices(let c) = kind { return c.map(\.key) }
        return []
    }
}

public enum Tolerance {
    /// Within a relative fraction (0.25 = 25%), or an absolute quantity, evaluated per track.
    case within(Expr)
    /// The same order of magnitude: within a factor of √10 either way.
    case magnitude
}

public struct Workbench {
    public var statements: [Stmt]
    /// Expression statements: instruments (or any value), redrawn after every knob move.
    public var instruments: [Instrument]
    public var goals: [Goal]
    public var line: Int
    public var knobNames: [String] {
        statements.compactMap { if case .knob(let n, _, _, _, _) = $0.kind { return n } else { return nil } }
    }
}

/// An instrument of a workbench. A live one must depend on a knob of its part (`napkin check`
/// moves each knob and compares); one marked `static` is reference material that never moves.
public struct Instrument {
    public var expr: Expr
    public var isStatic: Bool
    public var line: Int
}

/// A goal: met when every clause holds (and, with `visiting`, the path has visited every setting
/// of the named knobs). `once` goals count as met the first time they are
/// reached; the others are judged live (met, then lost when a move leaves them) and held at
/// `:done`. Each goal closes when its own try budget is used.
public struct Goal {
    public var id: String
    public var text: String
    public var tries: Int
    public var clauses: [GoalClause]
    public var line: Int
    /// `at least N moves`: `napkin check` fails the goal if fewer knob moves reach it.
    public var minimumMoves: Int?
    public var once: Bool
    /// `visiting tier`: the goal is met only once each named knob has taken every one of its
    /// settings in this workbench (a choice's options, or each whole number of a small range),
    /// the starting one included. A path goal: the seed's "analyse five scale tiers".
    public var visiting: [String] = []
    public var expressions: [Expr] { clauses.flatMap(\.expressions) }
}

/// One condition of a goal. Competing constraints are separate clauses (`… and delay <= 48 h`),
/// so the workbench can say which one holds and which does not.
public enum GoalClause {
    /// A true/false napkin expression.
    case condition(Expr)
    /// `VALUE within TOL of TARGET`: two-sided; TOL is relative (2%) or absolute (5 ms).
    case near(value: Expr, tolerance: Expr, target: Expr)

    public var expressions: [Expr] {
        switch self {
        case .condition(let e): return [e]
        case .near(let v, let t, let g): return [v, t, g]
        }
    }

    public var span: Span {
        switch self {
        case .condition(let e): return e.span
        case .near(let v, _, let g): return v.span.to(g.span)
        }
    }
}

public struct Reveal {
    public var lockID: String
    public var answer: Expr
    /// Per-choice explanations (key → text) and a general one shown for every answer.
    public var explanations: [(key: String?, text: Expr)]
    public var line: Int
}

public struct Reflect {
    public var id: String
    public var prompt: Expr
    public var choices: [(key: String, text: String)]?
    public var line: Int
}

extension Mission {
    /// Every statement and expression of the mission as one track meets them, in order and by
    /// part: first its shared code and the track's bindings, then for each part (and the
    /// synthesis) its texts, code, locks, workbenches, goals and reveals. What a part defines is
    /// forgotten when it ends, so each part is bound seeing the first and itself only
    /// (`Session.bind(parts:)`): `napkin check` checks them so, and a run binds them so.
    public func statementsByPart(_ track: Track?) -> [[Stmt]] {
        var shared: [Stmt] = []
        for item in setup {
            switch item {
            case .code(let s): shared.append(s)
            case .tracks: shared += track?.bindings ?? []
            }
        }
        var out = [shared]
        for p in parts + [Part(id: "synthesis", title: "synthesis", minutes: nil, items: synthesis, line: 0)] {
            var part: [Stmt] = []
            func e(_ x: Expr) { part.append(Stmt(.expr(x), x.span)) }
            for item in p.items {
                switch item {
                case .context(let x): e(x)
                case .message(let a, let b): e(a); e(b)
                case .code(let s): part.append(s)
                case .lock(let l):
                    e(l.prompt)
                    if case .number(let r, let t) = l.kind { e(r); if case .within(let x) = t { e(x) } }
                case .workbench(let w):
                    part += w.statements
                    w.instruments.forEach { e($0.expr) }
                    w.goals.forEach { $0.expressions.forEach(e) }
                case .goal(let g): g.expressions.forEach(e)
                case .reveal(let r): e(r.answer); r.explanations.forEach { e($0.text) }
                case .peek: break
                case .reflect(let r): e(r.prompt)
                }
            }
            out.append(part)
        }
        return out
    }
}
