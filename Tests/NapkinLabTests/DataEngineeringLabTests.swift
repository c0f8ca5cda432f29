import Foundation
import TestSupport
import Testing

/// Lab 04 (Samples/04_data_engr.lab) through the real binary: the scripted run of every track,
/// and what `napkin check --all-tracks` proves about it (every goal needs at least two moves, the
/// 15-iteration rule at least three, no instrument reading above 100% MFU, every plot's operating
/// point agreeing with the verdict).
@Suite("Lab 04: data engineering")
struct DataEngineeringLabTests {
    static let lab = repoRoot.appendingPathComponent("Samples/04_data_engr.lab").path
    static let answers = repoRoot.appendingPathComponent("Samples/answers/04_data_engr.answers").path

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-lab04-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every "NUMBER%" printed after "MFU" in a transcript.
    static func mfuReadings(_ text: String) -> [Double] {
        let pattern = try! NSRegularExpression(pattern: "MFU ([0-9.eE+-]+)%")
        let ns = text as NSString
        return pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap {
            Double(ns.substring(with: $0.range(at: 1)))
        }
    }

    @Test("the scripted run of every track meets all its goals, with every MFU reading at most 100%", arguments: allTracks)
    func scriptedRun(_ track: String) throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("run.jsonl").path
        let run = try runProcess(exe, ["run", Self.lab, "--track", track, "--answers", Self.answers, "--ledger", ledger], cwd: dir, environment: ["LINES": "200"])
        #expect(run.code == 0, "\(run.err)")
        #expect(run.out.contains("Mission complete"), "\(run.out.suffix(600))")
        #expect(run.out.contains("3 of 3 goals met"), "\(track): \(run.out.suffix(1200))")
        #expect(!run.out.contains("Goal missed") && !run.out.contains("instrument "), "\(track)")
        let mfus = Self.mfuReadings(run.out)
        #expect(!mfus.isEmpty)
        #expect(mfus.allSatisfy { $0 >= 0 && $0 <= 100 }, "\(track): \(mfus)")
        #expect(try runProcess(exe, ["ledger", "verify", ledger], cwd: dir).code == 0)
        // The MFU plot's operating point reads the MFU its title (and the gauge beside it) reports.
        let pairs = Self.operatingPoints(run.out)
        #expect(!pairs.isEmpty, "\(track)")
        for (title, marker) in pairs {
            #expect(abs(title - marker) <= 0.01 * max(title, 1e-6) + 0.005, "\(track): title \(title)% vs marker \(marker)%")
        }
    }

    /// For each MFU-vs-ingestion plot: the MFU in its title and the value at its operating-point marker.
    static func operatingPoints(_ text: String) -> [(Double, Double)] {
        let title = try! NSRegularExpression(pattern: "operating point .* gives MFU ([0-9.eE+-]+)%")
        let marker = try! NSRegularExpression(pattern: "● at ingestion = [^:]*: ([0-9.eE+-]+)%")
        var out: [(Double, Double)] = []
        var pending: Double?
        for line in text.split(separator: "\n").map(String.init) {
            let ns = line as NSString
            if let m = title.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) {
                pending = Double(ns.substring(with: m.range(at: 1)))
            } else if let m = marker.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)), let t = pending,
                      let v = Double(ns.substring(with: m.range(at: 1))) {
                out.append((t, v))
                pending = nil
            }
        }
        return out
    }

    @Test("napkin check --all-tracks: every goal needs at least two moves and every reveal is computed")
    func checkAllTracks() throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runProcess(exe, ["check", Self.lab, "--all-tracks"], cwd: dir)
        #expect(r.code == 0, "\(r.err)\n\(r.out.suffix(800))")
        let pattern = try NSRegularExpression(pattern: "fewest moves ([0-9]+) of")
        let ns = r.out as NSString
        let moves = pattern.matches(in: r.out, range: NSRange(location: 0, length: ns.length)).compactMap { Int(ns.substring(with: $0.range(at: 1))) }
        #expect(moves.count == 3 * allTracks.count, "\(r.out)")
        #expect(moves.allSatisfy { $0 >= 2 }, "\(moves)")
        // The 5-move rule: Part 1's goal walks all five scale tiers (4 moves) and then finds the tie.
        let walk = try NSRegularExpression(pattern: "fewest moves ([0-9]+) of 10 tries \\(4 to visit every setting of tier\\)")
        let walks = walk.matches(in: r.out, range: NSRange(location: 0, length: ns.length)).compactMap { Int(ns.substring(with: $0.range(at: 1))) }
        #expect(walks.count == allTracks.count && walks.allSatisfy { $0 >= 5 }, "\(r.out)")
        // The 15-iteration rule needs at least three moves on every track: the two fixes the lock
        // weighs never reach the flow equilibrium alone (edge: the Orin's power mode, glasses: the
        // NPU's DVFS point, cloud: precision + batch + storage, hearable: depth + weights + mics).
        let flow = try NSRegularExpression(pattern: "The 15-iteration rule[^\n]*fewest moves ([0-9]+) of 15 tries")
        let flows = flow.matches(in: r.out, range: NSRange(location: 0, length: ns.length)).compactMap { Int(ns.substring(with: $0.range(at: 1))) }
        #expect(flows.count == allTracks.count && flows.allSatisfy { $0 >= 3 }, "\(flows)\n\(r.out)")
        // Part 2 speaks in option names, never in numeric codes.
        #expect(r.out.contains("fmt = yuv422, disk = nvme, power_mode = w50") && r.out.contains("fmt = text_only, fidelity = res_480p, power_mode = balanced"), "\(r.out)")
        for track in allTracks {
            #expect(r.out.contains("track \(track): 3 parts, 4 reveals valid, 3 goals reachable"), "\(track)")
        }
    }

    @Test("each track's crisis differs: its own bottleneck at the starting settings", arguments: zip(allTracks, ["storage", "logger", "radio", "microphones"]))
    func crisisPerTrack(_ track: String, _ bottleneck: String) throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runProcess(exe, ["run", Self.lab, "--track", track, "--answers", Self.answers, "--ledger", dir.appendingPathComponent("l.jsonl").path], cwd: dir)
        #expect(run.out.contains("\(bottleneck) sets the pace"), "\(track): \(run.out.suffix(1500))")
        // The gauge and the waterfall printed beside it name the same bottleneck.
        #expect(run.out.contains("(bottleneck: \(bottleneck))"), "\(track)")
    }

    @Test("at a terminal: the Edge Guardian meets the flow equilibrium in three moves (encoding, logger, power mode), the gauge and waterfall following each move")
    func terminalEdgeGuardian() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["HOME": dir.path, "NAPKIN_HISTORY": dir.appendingPathComponent("h").path, "LINES": "60", "COLUMNS": "100"]
        let p = try PTYProcess(arguments: ["run", Self.lab, "--track", "edge_guardian", "--ledger", dir.appendingPathComponent("l.jsonl").path], environment: env)
        defer { p.close() }
        #expect(p.expect("predict path>"), "\(p.tail)")
        p.send("ship\r")
        #expect(p.expect("predict hours>"), "\(p.tail)")
        p.send("1 week\r")
        #expect(p.expect("gravity>"), "\(p.tail)")
        p.send(":done\r")
        #expect(p.expect("reflect>"), "\(p.tail)")
        p.send("the truck\r")
        #expect(p.expect("predict fix>"), "\(p.tail)")
        p.send("encoding\r")
        #expect(p.expect("logger sets the pace"), "\(p.tail)")
        #expect(p.expect("feeding>"), "\(p.tail)")
        p.send("fmt = yuv\t\r")
        #expect(p.expect("try 1: fmt = yuv422"), "\(p.tail)")
        p.send("disk = nvme\r")
        #expect(p.expect("sensors sets the pace"), "\(p.tail)")
        #expect(p.expect("try 2: disk = nvme"), "\(p.tail)")
        // Every frame now arrives, but at MAXN the DNN needs only 59% of each frame period.
        p.send(":hint\r")
        #expect(p.expect("flow() = 0.5915"), "\(p.tail)")
        #expect(p.expect("→ try power_mode = w50"), "\(p.tail)")
        p.send("power_mode = w30\r")
        #expect(p.expect("compute sets the pace"), "\(p.tail)")
        p.send("power_mode = w50\r")
        #expect(p.expect("Goal met in 4 of 15 tries"), "\(p.tail)")
        p.send(":done\r")
        #expect(p.expect("you predicted encoding"), "\(p.tail)")
    }

    @Test("at a terminal: the Cloud Titan walks the scale tiers by name (completion, progress, :hint), stops, resumes with the walk rebuilt, and the ledger shows it")
    func terminalTierWalk() throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("l.jsonl").path
        let env = ["HOME": dir.path, "NAPKIN_HISTORY": dir.appendingPathComponent("h").path, "LINES": "60", "COLUMNS": "120"]
        do {
            let p = try PTYProcess(arguments: ["run", Self.lab, "--track", "cloud_titan", "--ledger", ledger], environment: env)
            defer { p.close() }
            #expect(p.expect("predict path>"), "\(p.tail)")
            p.send("split\r")
            #expect(p.expect("predict hours>"), "\(p.tail)")
            p.send("14 h\r")
            #expect(p.expect("gravity>"), "\(p.tail)")
            p.send("tier = one_p\t\r")
            #expect(p.expect("try 1: tier = one_pb"), "\(p.tail)")
            #expect(p.expect("tier: 2 of 5 settings seen"), "\(p.tail)")
            p.send("rate_k = 27.64 Gbit/s\r")
            #expect(p.expect("try 2"), "\(p.tail)")
            p.send(":hint\r")
            #expect(p.expect("→ try tier = one_tb: the condition holds at these settings"), "\(p.tail)")
            p.send("tier = one_tb\r")
            #expect(p.expect("tier: 3 of 5 settings seen"), "\(p.tail)")
            #expect(p.expect("gravity>"), "\(p.tail)")
            p.sendKey("\u{04}")
            #expect(p.expect("resume with --resume"), "\(p.tail)")
            _ = p.waitExit()
        }
        do {
            let p = try PTYProcess(arguments: ["run", Self.lab, "--resume", ledger], environment: env)
            defer { p.close() }
            #expect(p.expect("gravity>"), "\(p.tail)")
            p.send(":goals\r")
            #expect(p.expect("tier: 3 of 5 settings seen"), "\(p.tail)")
            p.send("tier = yours\r")
            #expect(p.expect("try 4"), "\(p.tail)")
            p.send("tier = ten_pb\r")
            #expect(p.expect("tier: 5 of 5 settings seen"), "\(p.tail)")
            p.send("tier = one_pb\r")
            #expect(p.expect("Goal met in 6 of 10 tries"), "\(p.tail)")
            p.send(":done\r")
            #expect(p.expect("reflect>"), "\(p.tail)")
            _ = p.endInput()
        }
        let show = try runProcess(exe, ["ledger", "show", ledger], cwd: dir)
        #expect(show.out.contains("Try 1: tier = one_pb") && show.out.contains("◎ ✓ tier: 5 of 5 settings seen"), "\(show.out)")
        #expect(show.out.contains("✓ Goal met at try 6"), "\(show.out)")
    }
}
