import Foundation
import NapkinCore

/// Searches a workbench's knob settings for the fewest knob moves that meet a goal: every
/// setting of one knob first, then pairs of knobs, and so on, within an evaluation budget. When a
/// grid misses a narrow window (`within 2% of`), the closest setting of each size is refined along
/// its numeric knobs by a golden-section search on the goal's distance.
struct GoalSearch {
    let workbench: Workbench
    let interp: Interpreter
    let budget: Int

    struct Found {
        var moves: Int
        var witness: String
        /// The knobs moved and where to (the first is what a hint points at).
        var settings: [(knob: String, setting: Axis.Setting)] = []
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

    func fewestMoves(_ goal: Goal) -> Found? {
        let judge = GoalJudge(interp: interp)
        let k = max(1, workbench.knobNames.count)
        let perKnob = max(3, min(64, Int(pow(Double(budget), 1 / Double(min(k, 3))))))
        let ax = MissionChecker.axes(workbench, interp, perKnob: perKnob)
        guard !ax.isEmpty else { return nil }
        let start = interp.snapshot()
        defer { interp.restore(start) }
        var spent = 0
        /// Distance of the goal at a setting (nil: the setting or the goal could not be evaluated).
        func distance(_ settings: [(Int, Axis.Setting)]) -> Double? {
            interp.restore(start)
            spent += 1
            for (i, s) in settings { guard (try? ax[i].set(interp, s)) != nil else { return nil } }
            return (try? judge.read(goal)).map { $0.met ? 0 : max($0.distance, 1e-300) }
        }
        func witness(_ settings: [(Int, Axis.Setting)]) -> String {
            settings.map { ax[$0.0].describe($0.1, interp) }.joined(separator: ", ")
        }
        for m in 1...min(ax.count, goal.tries) {
            var best: (d: Double, settings: [(Int, Axis.Setting)])?
            for subset in GoalSearch.subsets(ax.count, m) {
                // Every combination of non-starting values of the knobs in `subset`.
                var idx = Array(repeating: 1, count: m)
                if subset.contains(where: { ax[$0].values.count < 2 }) { continue }
                while true {
                    let settings = subset.enumerated().map { (j, i) in (i, ax[i].values[idx[j]]) }
                    if let d = distance(settings) {
                        if d == 0 { return Found(moves: m, witness: witness(settings), settings: settings.map { (ax[$0.0].name, $0.1) }) }
                        if best == nil || d < best!.d { best = (d, settings) }
                    }
                    if spent > budget * m { break }
                    var j = m - 1
                    while j >= 0 {
                        idx[j] += 1
                        if idx[j] < ax[subset[j]].values.count { break }
                        idx[j] = 1
                        j -= 1
                    }
                    if j < 0 { break }
                }
            }
            if let b = best, let refined = refine(b.settings, distance) {
                return Found(moves: m, witness: witness(refined), settings: refined.map { (ax[$0.0].name, $0.1) })
            }
        }
        return nil
    }

    /// Coordinate descent with golden-section steps along each numeric knob of the setting.
    func refine(_ settings: [(Int, Axis.Setting)], _ distance: ([(Int, Axis.Setting)]) -> Double?) -> [(Int, Axis.Setting)]? {
        let ax = MissionChecker.axes(workbench, interp, perKnob: 2)
        var current = settings
        for _ in 0..<3 {
            for (j, (i, s)) in current.enumerated() {
                guard case .number(let q) = s, ax[i].high > ax[i].low else { continue }
                func at(_ x: Double) -> Double {
                    var c = current
                    c[j] = (i, .number(Quantity(x, q.dim, unit: q.unit)))
                    return distance(c) ?? .infinity
                }
                var a = ax[i].low, b = ax[i].high
                let r = (sqrt(5) - 1) / 2
                var c = b - r * (b - a), d = a + r * (b - a)
                var fc = at(c), fd = at(d)
                for _ in 0..<48 {
                    if fc == 0 { current[j] = (i, .number(Quantity(c, q.dim, unit: q.unit))); return current }
                    if fd == 0 { current[j] = (i, .number(Quantity(d, q.dim, unit: q.unit))); return current }
                    if fc < fd { b = d; d = c; fd = fc; c = b - r * (b - a); fc = at(c) }
                    else { a = c; c = d; fc = fd; d = a + r * (b - a); fd = at(d) }
                }
                current[j] = (i, .number(Quantity(fc < fd ? c : d, q.dim, unit: q.unit)))
            }
            if distance(current) == 0 { return current }
        }
        return nil
    }
}
