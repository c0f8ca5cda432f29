import Foundation
import NapkinCore

/// Searches a workbench's knob settings for the fewest knob moves that meet a goal: every
/// setting of one knob first, then pairs of knobs, and so on, within an evaluation budget (a
/// `visiting` goal's walk through its knobs' settings is counted in the moves). When a
/// grid misses a narrow window (`within 2% of`), the closest setting of each size is refined along
/// its numeric knobs by a golden-section search on the goal's distance.
struct GoalSearch {
    let workbench: Workbench
    let interp: Interpreter
    let program: Program?
    let budget: Int

    struct Found {
        var moves: Int
        var witness: String
        /// The knobs moved and where to (the first is what a hint points at).
        var settings: [(knob: String, setting: Axis.Setting)] = []
        /// How many of the moves walk the visited knobs through their settings not seen yet.
        var visitMoves = 0
        /// How many settings the search read to find it.
        var readings = 0
    }

    typealias Axis = MissionChecker.KnobAxis

    /// Subsets of `n` indices of size `k`, in lexicographic order.
    static func subsets(_ n: Int, _ k: Int) -> [[Int]] {
        guard k > 0, k <= n else { return k == 0 ? [[]] : [] }
        var out: [[Int]] = []
        var c = Array(0..<k)
        while true {
            out.append(c)
            var i = k - 1
            while i >= 0, c[i] == n - k + i { i -= 1 }
            if i < 0 { return out }
            c[i] += 1
            for j in (i + 1)..<k { c[j] = c[j - 1] + 1 }
        }
    }

    /// The fewest knob moves from the current settings to one that meets the goal. A `visiting`
    /// goal also needs every setting of its visited knobs: the ones not seen yet (`visited`: those
    /// seen on the path so far; the current one when absent) cost a move each whichever comes last,
    /// and one more if the meeting setting is one already seen (the walk must come back to it).
    func fewestMoves(_ goal: Goal, visited: [String: [String]] = [:]) -> Found? {
        // Readings define nothing, and only knobs move: a call of a function of its arguments
        // alone is made once per set of arguments for the whole search.
        interp.withCallMemo { search(goal, visited: visited) }
    }

    private func search(_ goal: Goal, visited: [String: [String]]) -> Found? {
        let judge = GoalJudge(interp: interp, program: program, readings: false)
        let k = max(1, workbench.knobNames.count)
        let perKnob = max(3, min(64, Int(pow(Double(budget), 1 / Double(min(k, 3))))))
        let ax = MissionChecker.axes(workbench, interp, perKnob: perKnob)
        guard !ax.isEmpty else { return nil }
        // Per knob, the settings that cost no move of their own (`free`) and those that cost one.
        var visitMoves = 0
        var free: [[Axis.Setting]] = [], costly: [[Axis.Setting]] = []
        var visiting = Set<Int>()
        for (i, a) in ax.enumerated() {
            guard goal.visiting.contains(a.name) else {
                free.append([a.values[0]])
                costly.append(Array(a.values.dropFirst()))
                continue
            }
            visiting.insert(i)
            let seen = visited[a.name] ?? KnobVisits.current(a.name, interp).map { [$0] } ?? []
            let unseen = a.values.filter { KnobVisits.name(of: $0).map { !seen.contains($0) } ?? false }
            visitMoves += unseen.count
            if unseen.isEmpty {
                free.append([a.values[0]])
                costly.append(Array(a.values.dropFirst()))
            } else {
                free.append(unseen)
                costly.append(a.values.filter { s in !unseen.contains { KnobVisits.name(of: $0) == KnobVisits.name(of: s) } })
            }
        }
        guard visitMoves <= goal.tries else { return nil }
        let start = interp.snapshot()
        defer { interp.restore(start) }
        // Reading a goal evaluates expressions, which define nothing: between readings only the
        // knobs of `ax` move, so each reading puts back those it moved and does not set again
        // (restoring every global of the prelude per reading was a quarter of `napkin check`'s
        // time; putting back a knob the next reading sets anyway, a twelfth).
        var moved = Array(repeating: false, count: ax.count)
        // Where each moved knob stands (nil: at its start, or not known after a failed move).
        var at = [SettingKey?](repeating: nil, count: ax.count)
        func backToStart(except keep: [Int] = []) {
            for i in ax.indices where moved[i] && !keep.contains(i) {
                guard (try? ax[i].set(interp, ax[i].values[0])) != nil else {
                    interp.restore(start)
                    moved = Array(repeating: false, count: ax.count)
                    at = [SettingKey?](repeating: nil, count: ax.count)
                    return
                }
                moved[i] = false
                at[i] = nil
            }
        }
        // A reading depends only on the settings (napkin has no randomness), and the search meets
        // the same setting again (a subset's grid scanned on its share and then on the full
        // budget, a refinement's last point): each is read once. A scan wants only settings
        // closer than its best so far: a reading stops at the clause where its distance (a sum
        // over clauses, none negative) passes that, and is kept as a lower bound.
        enum Known { case exact(Double?), atLeast(Double) }
        var known: [[SettingKey]: Known] = [:]
        var readings = 0
        /// Distance of the goal at a setting (nil: the setting or the goal could not be
        /// evaluated); a number above `bound` may be only a lower bound of it.
        func distance(_ settings: [(Int, Axis.Setting)], above bound: Double = .infinity) -> Double? {
            let key = settings.map { SettingKey($0.0, $0.1) }
            switch known[key] {
            case .exact(let d)?: return d
            case .atLeast(let low)? where low > bound: return low
            default: break
            }
            let d = read(settings, above: bound)
            readings += 1
            known[key] = d.map { $0.exact ? .exact($0.distance) : .atLeast($0.distance) } ?? .exact(nil)
            return d?.distance
        }
        func read(_ settings: [(Int, Axis.Setting)], above bound: Double) -> (distance: Double, exact: Bool)? {
            backToStart(except: settings.map(\.0))
            for (i, s) in settings {
                let key = SettingKey(i, s)
                if moved[i], at[i] == key { continue }
                moved[i] = true
                at[i] = nil
                guard (try? ax[i].set(interp, s)) != nil else { return nil }
                at[i] = key
            }
            return try? judge.distance(goal, above: bound)
        }
        func found(_ settings: [(Int, Axis.Setting)], extra: Int) -> Found {
            let text = settings.map { (i, s) in
                ax[i].describe(s, interp) + (visiting.contains(i) ? " (last of its \(ax[i].values.count) settings)" : "")
            }
            return Found(moves: visitMoves + extra, witness: text.joined(separator: ", "), settings: settings.map { (ax[$0.0].name, $0.1) },
                         visitMoves: visitMoves, readings: readings)
        }
        // `extra`: moves beyond the visits: knobs moved off their start, visited knobs walked back.
        let first = visiting.isEmpty ? 1 : 0
        let last = min(ax.count, goal.tries - visitMoves)
        guard last >= first else { return nil }
        /// The closest setting of `subset` on a grid of at most `cap` points, or one that meets
        /// the goal.
        func scan(_ subset: [Int], cap: Int) -> Scan {
            // The knobs this setting touches: those moved at a cost, and every visited one.
            let touched = (0..<ax.count).filter { subset.contains($0) || visiting.contains($0) }
            var lists = touched.map { subset.contains($0) ? costly[$0] : free[$0] }
            if lists.reduce(1.0, { $0 * Double($1.count) }) > Double(cap) {
                let per = max(2, Int(pow(Double(cap), 1 / Double(lists.count))))
                lists = lists.map { GoalSearch.thinned($0, to: per) }
            }
            var best: (d: Double, settings: [(Int, Axis.Setting)])?
            var idx = Array(repeating: 0, count: touched.count)
            while true {
                let settings = touched.enumerated().map { (j, i) in (i, lists[j][idx[j]]) }
                if let d = distance(settings, above: best?.d ?? .infinity) {
                    if d == 0 { return .met(settings) }
                    if best == nil || d < best!.d { best = (d, settings) }
                }
                var j = touched.count - 1
                while j >= 0 {
                    idx[j] += 1
                    if idx[j] < lists[j].count { break }
                    idx[j] = 0
                    j -= 1
                }
                if j < 0 { break }
            }
            return best.map { .closest($0.d, $0.settings) } ?? .nothing
        }
        // How close each subset of knobs came (its closest setting), for ordering the next size.
        var closest: [[Int]: Double] = [:]
        for extra in first...last {
            var subsets = GoalSearch.subsets(ax.count, extra).filter { !$0.contains { costly[$0].isEmpty } }
            var bests: [(d: Double, subset: [Int], settings: [(Int, Axis.Setting)])] = []
            // First every subset of knobs on an even share of the budget, so the order the knobs
            // are declared in cannot hide a setting (a budget spent on the first subsets once made
            // a 3-move goal look like a 6-move one); then the closest few on a full budget each.
            let share = max(64, budget * max(1, extra) / max(1, subsets.count))
            // Every subset is scanned on the same grid unless one meets the goal, so the order
            // changes only which witness is found first, not how many moves: the subsets whose
            // smaller subsets all came closest (the least sum of their distances) go first, so a
            // setting that meets the goal is usually found early.
            if !closest.isEmpty {
                let promise = subsets.map { s in
                    s.indices.reduce(0.0) { sum, j in sum + (closest[s.enumerated().filter { $0.offset != j }.map(\.element)] ?? .infinity) }
                }
                subsets = subsets.indices.sorted { (promise[$0], $0) < (promise[$1], $1) }.map { subsets[$0] }
            }
            for subset in subsets {
                switch scan(subset, cap: share) {
                case .met(let settings): return found(settings, extra: extra)
                case .closest(let d, let settings): bests.append((d, subset, settings))
                case .nothing: break
                }
            }
            // The closest few below are picked in the subsets' own order when distances tie,
            // whatever order they ran in.
            bests.sort { $0.subset.lexicographicallyPrecedes($1.subset) }
            if share < budget {
                for b in bests.sorted(by: { $0.d < $1.d }).prefix(3) {
                    switch scan(b.subset, cap: budget) {
                    case .met(let settings): return found(settings, extra: extra)
                    case .closest(let d, let settings) where d < b.d: bests.append((d, b.subset, settings))
                    default: break
                    }
                }
            }
            for b in bests { closest[b.subset] = min(closest[b.subset] ?? .infinity, b.d) }
            // A narrow window (`within 2% of`) falls between grid points: refine the closest
            // setting of the few nearest subsets, not only the nearest one.
            for b in bests.sorted(by: { $0.d < $1.d }).prefix(4) {
                if let refined = refine(b.settings, skip: visiting, { distance($0) }) { return found(refined, extra: extra) }
            }
        }
        return nil
    }

    /// One knob's setting, as a key: which knob, and its number (exactly) or option.
    struct SettingKey: Hashable {
        var knob: Int
        var number: UInt64
        var option: String?
        init(_ knob: Int, _ s: Axis.Setting) {
            self.knob = knob
            switch s {
            case .number(let q): number = q.value.bitPattern; option = nil
            case .option(let o): number = 0; option = o
            }
        }
    }

    enum Scan {
        case met([(Int, Axis.Setting)])
        case closest(Double, [(Int, Axis.Setting)])
        case nothing
    }

    /// `count` settings spread evenly over `list`, its first and last kept.
    static func thinned(_ list: [Axis.Setting], to count: Int) -> [Axis.Setting] {
        guard list.count > count, count >= 2 else { return list }
        let picks = (0..<count).map { $0 * (list.count - 1) / (count - 1) }
        return picks.map { list[$0] }
    }

    /// Coordinate descent with golden-section steps along each numeric knob of the setting (not
    /// the visited ones in `skip`: their settings are whole numbers or options).
    func refine(_ settings: [(Int, Axis.Setting)], skip: Set<Int> = [], _ distance: ([(Int, Axis.Setting)]) -> Double?) -> [(Int, Axis.Setting)]? {
        let ax = MissionChecker.axes(workbench, interp, perKnob: 2)
        var current = settings
        for _ in 0..<3 {
            for (j, (i, s)) in current.enumerated() {
                guard case .number(let q) = s, ax[i].high > ax[i].low, !skip.contains(i) else { continue }
                // A stepped knob is tried only on its settings.
                let info = interp.globals[ax[i].name]?.knob
                func at(_ x: Double) -> Double {
                    var c = current
                    c[j] = (i, .number(Quantity(info?.snapped(x) ?? x, q.dim, unit: q.unit)))
                    return distance(c) ?? .infinity
                }
                var a = ax[i].low, b = ax[i].high
                let r = (sqrt(5) - 1) / 2
                var c = b - r * (b - a), d = a + r * (b - a)
                var fc = at(c), fd = at(d)
                // 48 steps narrow the range to 10⁻¹⁰ of itself: a window near the low end of a
                // knob spanning many decades (0.123 ± 0.5% on 0.01...1e6) is 10⁻⁹ of it.
                for _ in 0..<48 {
                    if fc == 0 { current[j] = (i, .number(Quantity(info?.snapped(c) ?? c, q.dim, unit: q.unit))); return current }
                    if fd == 0 { current[j] = (i, .number(Quantity(info?.snapped(d) ?? d, q.dim, unit: q.unit))); return current }
                    if fc < fd { b = d; d = c; fd = fc; c = b - r * (b - a); fc = at(c) }
                    else { a = c; c = d; fc = fd; d = a + r * (b - a); fd = at(d) }
                }
                let best = fc < fd ? c : d
                current[j] = (i, .number(Quantity(info?.snapped(best) ?? best, q.dim, unit: q.unit)))
            }
            if distance(current) == 0 { return current }
        }
        return nil
    }
}
