import Foundation
import TestSupport
import NapkinLab
import Testing

/// Lab 15 (Sustainable AI) through the real `napkin` binary: `napkin check --all-tracks` proves
/// every goal needs at least two moves, and a scripted run of each track from the answers file
/// finishes with every goal met, a verified ledger and reveals that differ where the physics of
/// the track differs.
@Suite("Lab 15: Sustainable AI through the binary")
struct SustainableAILabTests {
    static let lab = repoRoot.appendingPathComponent("Samples/15_sustainable_ai.lab").path
    static let answers = repoRoot.appendingPathComponent("Samples/answers/15_sustainable_ai.answers").path

    @Test("napkin check --all-tracks: valid, every goal needs at least 2 moves and twelve of sixteen at least 3, no static instrument")
    func checkAllTracks() throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let r = try runProcess(exe, ["check", Self.lab, "--all-tracks"], cwd: repoRoot)
        #expect(r.code == 0, "\(r.out)\n\(r.err)")
        let source = try String(contentsOfFile: Self.lab, encoding: .utf8)
        let moves = r.out.split(separator: "\n").compactMap { line -> Int? in
            guard let r = line.range(of: "fewest moves ") else { return nil }
            return Int(line[r.upperBound...].prefix { $0.isNumber })
        }
        // 4 goals in each of 4 tracks.
        #expect(moves.count == 16, "\(r.out)")
        #expect(moves.allSatisfy { $0 >= 2 }, "\(moves)")
        // Twelve of the sixteen need at least three: the energy roofline where memory traffic dominates
        // (Cloud Titan, Edge Guardian, Mobile Nomad: the toggle, η and reuse), every track's 10-iteration
        // rule (start hour, overhead, renewables), Cloud Titan's and Mobile Nomad's crises (three levers
        // each) and net zero for all but Edge Guardian, whose ε = 0.3 lets efficiency alone hold both
        // scopes. The compute-bound hearable's roofline and the two-lever dilemmas of the heat wave and
        // the hearable's cell need two, by their physics. The check fails if the count drops.
        #expect(moves.filter { $0 >= 3 }.count >= 12, "\(moves)\n\(r.out)")
        // The 10-iteration rule declares `at least 3 moves`, so check itself proves it on every track.
        #expect(source.contains("at least 3 moves"))
        // Every instrument moves with the knobs: the lab marks none static.
        #expect(!source.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("static ") })
    }

    @Test("a scripted run of each track through the binary meets every goal and writes a ledger that verifies",
          arguments: ["cloud_titan", "edge_guardian", "mobile_nomad", "tiny_pioneer"])
    func scriptedTrack(_ track: String) throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-lab15-\(track)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("run.jsonl").path
        let r = try runProcess(exe, ["run", Self.lab, "--track", track, "--answers", Self.answers, "--ledger", ledger], cwd: dir)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Mission complete"), "\(r.out.suffix(600))")
        let met = r.out.components(separatedBy: "✓ Goal met").count - 1
        #expect(met == 4, "\(track): \(met) goals met\n\(r.out.suffix(1500))")
        #expect(!r.out.contains("missed"), "\(track)")
        #expect(try runProcess(exe, ["ledger", "verify", ledger], cwd: dir).code == 0)
        let v = try Ledger.verify(path: ledger)
        #expect(v.ok)
        // Every lock answered and revealed, with both sides in the ledger.
        #expect(v.entries.filter { $0.type == "answer" }.count == 6)
        for e in v.entries where e.type == "reveal" { #expect(e["actual"] != nil && e["predicted"] != nil) }
    }

    @Test("the reveals are decided by each track's physics, not by the seed's expectation")
    func revealsDifferPerTrack() throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let r = try runProcess(exe, ["check", Self.lab, "--all-tracks"], cwd: repoRoot)
        func reveal(_ track: String, _ id: String) -> String? {
            r.out.split(separator: "\n").first { $0.hasPrefix("  \(track) \(id) = ") }.map { String($0.split(separator: "=").last!).trimmingCharacters(in: .whitespaces) }
        }
        // Jevons: LLM tokens backfire (ε = 1.4); vehicles, glasses and hearables only rebound.
        #expect(reveal("cloud_titan", "tenx") == "more")
        #expect(reveal("edge_guardian", "tenx") == "less")
        // The stakeholder's "embodied credits beat 5% efficiency" holds where embodied carbon
        // or backfire dominates, and fails for the vehicles' operational-heavy computers.
        #expect(reveal("cloud_titan", "lever") == "embodied")
        #expect(reveal("edge_guardian", "lever") == "efficiency")
        #expect(reveal("tiny_pioneer", "lever") == "embodied")
        // Coal at night never beats solar by day; Norway breaks every track's latency budget.
        for t in ["cloud_titan", "edge_guardian", "mobile_nomad", "tiny_pioneer"] {
            #expect(reveal(t, "dirty") == "solar_day")
            #expect(reveal(t, "norway") == "breaks")
        }
    }
}
