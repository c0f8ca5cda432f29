import Foundation
import NapkinCore
import NapkinLab
import NapkinLibrary
import Testing

/// `goal … , visiting KNOB: …` — a goal that needs every setting of a knob on the student's path
/// (the seed's "analyse five scale tiers"): parsed and refused clearly, counted honestly by
/// `napkin check`, tracked by the workbench (progress, hints, the ledger) and rebuilt on resume.
@Suite("Goals that visit every setting of a knob")
struct VisitingGoalTests {
    static func tiers(goal: String) -> String {
        """
        mission "tiers" minutes 5
        part p "Walk the tiers" {
            lock q "Up or down?" choices {
                up: "Up"
                down: "Down"
            }
            workbench {
                knob tier = small in [small: 1 GB, medium: 1 TB, large: 1 PB] "dataset size"
                knob rate = 1 in 1...10 "link rate (GB/s)"
                knob level = 1 in 1...4 "a whole-number knob"
                knob width = 0.5 in 0.5...10 "a continuous knob"
                tier / (rate * 1 GB/s) + 0 s * level * width
                \(goal)
            }
            reveal q = if 2 > 1 then "up" else "down"
        }
        """
    }

    /// Stream the largest tier within 2 days: rate 6 or more, tier = large (not the start).
    static let walk = tiers(goal: "goal \"Walk every tier, then stream the largest in 2 days\" within 6 tries, at least 3 moves, visiting tier: tier >= 1 PB and tier / (rate * 1 GB/s) <= 2 days")

    @Test("check counts the walk: N-1 moves of the visited knob when the goal is met at a setting not yet seen, plus the other knobs")
    func fewestMovesCountVisits() throws {
        let r = check(try mission(Self.walk))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 3 of 6 tries (2 to visit every setting of tier), e.g. tier = large (last of its 3 settings), rate = ") }, "\(r.lines)")
        // `at least M moves` is judged on that figure.
        let four = check(try mission(Self.walk.replacingOccurrences(of: "at least 3 moves", with: "at least 4 moves")))
        #expect(four.failures.contains { $0.contains("is reachable in 3 moves (tier = large (last of its 3 settings), rate = ") && $0.contains("fewer than its declared 'at least 4 moves'") }, "\(four.failures)")
        // A budget smaller than the walk: unreachable, and why.
        let short = check(try mission(Self.walk.replacingOccurrences(of: "within 6 tries, at least 3 moves", with: "within 1 tries")))
        #expect(short.failures.contains { $0.contains("is unreachable within 1 tries: visiting every setting of tier takes 2 moves") }, "\(short.failures)")
    }

    @Test("check counts the way back: a goal met only at the starting setting takes N moves of the visited knob")
    func wayBack() throws {
        let src = Self.tiers(goal: "goal \"Walk every tier and end at the smallest on a fast link\" within 8 tries: tier <= 1 GB and rate >= 5, visiting tier")
        // The modifier goes before the colon; after it, `visiting` is napkin.
        #expect(throws: NapkinError.self) { try mission(src) }
        let ok = Self.tiers(goal: "goal \"Walk every tier and end at the smallest on a fast link\" within 8 tries, visiting tier: tier <= 1 GB and rate >= 5")
        let r = check(try mission(ok))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 4 of 8 tries (2 to visit every setting of tier), e.g. tier = small (last of its 3 settings)") }, "\(r.lines)")
    }

    @Test("a whole-number knob is visited at each whole number; a continuous knob is refused with the part and line")
    func wholeNumbersAndContinuous() throws {
        let whole = Self.tiers(goal: "goal \"Every level, ending at 2\" within 5 tries, visiting level: level == 2")
        let r = check(try mission(whole))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 3 of 5 tries (3 to visit every setting of level), e.g. level = 2 (last of its 4 settings)") }, "\(r.lines)")
        let continuous = Self.tiers(goal: "goal \"Every width\" within 5 tries, visiting width: width >= 9")
        let c = check(try mission(continuous))
        #expect(c.failures.contains { $0.contains("part \"Walk the tiers\" (line 2)") && $0.contains("(line 13): 'visiting width': knob 'width' is continuous (0.5...10)") }, "\(c.failures)")
        // The run refuses it too, before the workbench opens.
        #expect(throws: MissionError.self) { _ = try runMission(continuous, "q: up\n") }
    }

    @Test("visiting a name that is not a knob of the workbench is a parse error with a suggestion")
    func unknownKnob() throws {
        let src = Self.tiers(goal: "goal \"Walk\" within 5 tries, visiting tiers: tier >= 1 PB")
        do {
            _ = try mission(src)
            Issue.record("parsed")
        } catch let error as NapkinError {
            #expect(error.message.contains("'tiers' is not a knob of this part's workbench"), "\(error.message)")
            #expect(error.notes.contains("did you mean 'tier'?"), "\(error.notes)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("the workbench tracks the walk: progress after each new setting, the goal met only when every setting is seen, hints name what is missing, the ledger records it")
    func runTracksVisits() throws {
        let answers = "q: up\np> rate = 8\np> tier = large\np> :try\np> :hint\np> tier = medium\np> tier = large\np> :done\n"
        let (t, ledger, summary, finished) = try runMission(Self.walk, answers, width: 160)
        #expect(finished)
        #expect(t.contains("within 6 tries, visiting every setting of tier"), "\(t)")
        #expect(t.contains("◎ tier: 2 of 3 settings seen (small (1 GB), large (1 PB)), not yet: medium"), "\(t)")
        // The condition holds after two moves, but the walk is not done: not met, and :try says why.
        #expect(!t.contains("Goal met in 2"))
        #expect(t.contains("   ✗ tier: 2 of 3 settings seen"), "\(t)")
        #expect(t.contains("→ try tier = medium: the condition holds at these settings, but the goal needs every setting of tier; visit the 1 left, then come back here."), "\(t)")
        #expect(t.contains("✓ Goal met in 5 of 6 tries"), "\(t)")
        #expect(t.contains("✓ tier: 3 of 3 settings seen (small (1 GB), medium (1 TB), large (1 PB))"), "\(t)")
        #expect(summary.goals.map(\.status) == ["met"])
        let moves = ledger.entries.filter { $0.type == "move" }
        #expect(moves.compactMap { $0["visits"] } == ["tier: small (1 of 3)", "tier: small, large (2 of 3)", "tier: small, large, medium (3 of 3)", "tier: small, large, medium (3 of 3)"])
        #expect(ledger.entries.contains { $0.type == "hint" && $0["knob"] == "tier" })
        // Without the walk the goal is not met at :done, and the message says what is missing.
        let (t2, _, s2, _) = try runMission(Self.walk, "q: up\np> rate = 8\np> tier = large\np> :done\n", width: 160)
        #expect(s2.goals.map(\.status) == ["unmet"])
        #expect(t2.contains("◎ Goal not reached") && t2.contains("   ✗ tier: 2 of 3 settings seen"), "\(t2)")
    }

    @Test("--resume rebuilds the settings seen from the replayed moves")
    func resumeRebuildsVisits() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-visits-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try runMission(Self.walk, "q: up\np> tier = medium\np> rate = 8\n", ledger: try Ledger(path: path))
        // As if the run had been killed after those moves.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let keep = lines.prefix { !$0.contains("\"workbench_done\"") && !$0.contains("\"goal\"") }
        try (keep.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        Ledger.forgetWitness(ofLedgerStartingWith: try Ledger.verify(path: path).entries[0])
        let (t, _, summary, finished) = try runMission(Self.walk, "p> :goals\np> tier = large\np> :done\n", ledger: try Ledger(path: path), width: 160)
        #expect(finished)
        #expect(t.contains("✗ tier: 2 of 3 settings seen (small (1 GB), medium (1 TB)), not yet: large"), "\(t)")
        #expect(t.contains("✓ Goal met in 3 of 6 tries"), "\(t)")
        #expect(summary.goals.map(\.status) == ["met"])
    }
}
