import Foundation
import TestSupport
import NapkinCore
import NapkinLab
import NapkinLibrary
import Testing
import Synchronization

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func read(_ rel: String) throws -> String { try String(contentsOf: repoRoot.appendingPathComponent(rel), encoding: .utf8) }

func mission(_ source: String, name: String = "test.lab") throws -> Mission {
    let s = try Prelude.makeSession()
    return try MissionParser.parse(SourceFile(name: name, text: source), units: s.unitNames)
}

func check(_ m: Mission, tracks: [String]? = nil, answers: Answers? = nil) -> MissionChecker.Report {
    Session.onLargeStack {
        MissionChecker(mission: m, makeSession: { () throws(NapkinError) -> Session in try Prelude.makeSession() })
            .check(tracks: tracks, answers: answers)
    }
}

let seedLabs = ["15_sustainable_ai", "04_data_engr"]
let allTracks = ["cloud_titan", "edge_guardian", "mobile_nomad", "tiny_pioneer"]

@Suite("Lab missions")
struct NapkinLabTests {
    @Test("the seed labs pass napkin check for every track", arguments: seedLabs)
    func seedLabsCheck(_ lab: String) throws {
        let m = try mission(try read("Samples/\(lab).lab"), name: "Samples/\(lab).lab")
        #expect(m.tracks.map(\.id) == allTracks)
        #expect(m.parts.count == 3)
        let r = check(m)
        #expect(r.ok, "\(r.failures.joined(separator: "\n"))")
    }

    @Test("scripted runs of the seed labs for every track", arguments: seedLabs)
    func scriptedRuns(_ lab: String) throws {
        let m = try mission(try read("Samples/\(lab).lab"), name: "Samples/\(lab).lab")
        let answers = try Answers(text: try read("Samples/answers/\(lab).answers"))
        for track in allTracks {
            let (finished, summary, ledger, transcript): (Bool, RunSummary, Ledger, String) = try Session.onLargeStack {
                Result { () throws -> (Bool, RunSummary, Ledger, String) in
                    let io = ScriptedIO(answers: answers, track: track)
                    let ledger = Ledger()
                    let session = try Prelude.makeSession()
                    // One parse per interpreter: the interpreter caches lookups in the syntax tree.
                    let m = try MissionParser.parse(SourceFile(name: lab, text: try read("Samples/\(lab).lab")), units: session.unitNames)
                    let runner = try MissionRunner(mission: m, session: session, ledger: ledger, io: io, trackID: track)
                    let done = try runner.run()
                    return (done, runner.summary, ledger, io.transcript)
                }
            }.get()
            #expect(finished, "\(lab) \(track) did not finish:\n\(transcript.suffix(800))")
            #expect(summary.predictions.count == m.parts.flatMap(\.locks).count)
            #expect(summary.goals.count == m.parts.flatMap(\.goals).count)
            #expect(summary.goals.allSatisfy { $0.status == "met" && $0.tries <= $0.budget }, "\(lab) \(track): \(summary.goals)")
            #expect(ledger.entries.first?.type == "start" && ledger.entries.last?.type == "finish")
            #expect(ledger.entries.filter { $0.type == "answer" }.count == summary.predictions.count)
            // The reveals are computed per track: the ledger shows both sides.
            for e in ledger.entries where e.type == "reveal" { #expect(e["actual"] != nil && e["predicted"] != nil) }
        }
        let r = check(m, answers: answers)
        #expect(r.ok, "\(r.failures.joined(separator: "\n"))")
        #expect(r.lines.filter { $0.contains("scripted run") }.count == allTracks.count)
    }

    @Test("one loaded prelude shared by every track, or one per core with tracks checked at once, checks exactly as a fresh session per track")
    func sharedSessionMatchesFresh() throws {
        let lab = "04_data_engr"
        let m = try mission(try read("Samples/\(lab).lab"), name: "Samples/\(lab).lab")
        let answers = try Answers(text: try read("Samples/answers/\(lab).answers"))
        let sessions = Mutex(0)
        func checked(cores: Int) -> MissionChecker.Report {
            Session.onLargeStack {
                let c = MissionChecker(mission: m, makeSession: { () throws(NapkinError) -> Session in
                    sessions.withLock { $0 += 1 }
                    return try Prelude.makeSession()
                })
                c.cores = cores
                return c.check(tracks: nil, answers: answers)
            }
        }
        let shared = checked(cores: 1)
        #expect(sessions.withLock { $0 } == 1)
        // Four tracks on three cores: a session per core that took a track (a core that starts
        // late may find none left).
        sessions.withLock { $0 = 0 }
        let parallel = checked(cores: 3)
        #expect((1...3).contains(sessions.withLock { $0 }))
        // A checker per track makes a session of its own for the track and its scripted run.
        var lines: [String] = [], failures: [String] = []
        for track in allTracks {
            let r = check(m, tracks: [track], answers: answers)
            lines += r.lines
            failures += r.failures
        }
        #expect(shared.failures == failures)
        #expect(shared.lines == lines)
        #expect(parallel.failures == failures)
        #expect(parallel.lines == lines)
        #expect(shared.lines.contains { $0.contains("fewest moves") })
    }

    @Test("the demo labs pass napkin check")
    func demos() throws {
        let dir = repoRoot.appendingPathComponent("Samples/demos")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".lab") }
        #expect(!files.isEmpty)
        for f in files {
            let m = try mission(try read("Samples/demos/\(f)"), name: f)
            let r = check(m)
            #expect(r.ok, "\(f): \(r.failures.joined(separator: "\n"))")
        }
    }

    static let base = """
    mission "t" minutes 5
    track a "A" { let k0 = 1 }
    track b "B" { let k0 = 2 }
    part p "P" {
        lock q "?" choices {
            x: "X"
            y: "Y"
        }
        workbench {
            knob k = 1 in 1...10 "k"
            GOAL
        }
        REVEAL
    }
    """

    @Test("check rejects a goal that cannot be reached, naming part and line")
    func unreachableGoal() throws {
        let src = Self.base.replacingOccurrences(of: "GOAL", with: "goal \"k beyond reach\" within 3 tries: k * k0 > 25")
            .replacingOccurrences(of: "REVEAL", with: "reveal q = if k0 > 0 then \"x\" else \"y\"")
        let r = check(try mission(src))
        #expect(!r.ok)
        // Track a: k * 1 never exceeds 25 in 1...10; track b: k * 2 > 25 is impossible too (max 20).
        #expect(r.failures.contains { $0.contains("part \"P\" (line 4)") && $0.contains("goal \"k beyond reach\" (line 11) is unreachable within 3 tries") })
    }

    @Test("check rejects a goal already met at the start, and reports a witness for a reachable one")
    func goalAtStartAndWitness() throws {
        let met = Self.base.replacingOccurrences(of: "GOAL", with: "goal \"trivial\" within 3 tries: k >= 1")
            .replacingOccurrences(of: "REVEAL", with: "reveal q = if k0 > 0 then \"x\" else \"y\"")
        #expect(check(try mission(met)).failures.contains { $0.contains("already met at the starting settings") })
        let ok = Self.base.replacingOccurrences(of: "GOAL", with: "goal \"reach\" within 3 tries: k * k0 >= 10")
            .replacingOccurrences(of: "REVEAL", with: "reveal q = if k0 > 0 then \"x\" else \"y\"")
        let r = check(try mission(ok))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 1 of 3 tries, e.g. k = 10") })
        #expect(r.lines.contains { $0.contains("fewest moves 1 of 3 tries, e.g. k = 5") })
    }

    @Test("check rejects a reveal that is not one of its choices, and a literal reveal")
    func invalidReveal() throws {
        let bad = Self.base.replacingOccurrences(of: "GOAL", with: "")
            .replacingOccurrences(of: "REVEAL", with: "reveal q = if k0 > 1 then \"z\" else \"x\"")
        let r = check(try mission(bad))
        #expect(r.failures.contains { $0.contains("part \"P\" (line 4), track b") && $0.contains("reveal 'q' (line 13) gives z, which is not one of its choices (x, y)") })
        #expect(!r.failures.contains { $0.contains("track a") })
        let literal = Self.base.replacingOccurrences(of: "GOAL", with: "").replacingOccurrences(of: "REVEAL", with: "reveal q = \"x\"")
        #expect(check(try mission(literal)).failures.contains { $0.contains("reveal 'q' (line 13) is a literal") })
    }

    @Test("mission words stay ordinary names in napkin code")
    func contextualKeywords() throws {
        let src = """
        mission "names" minutes 1
        let lock = 3
        let goal = lock * 2
        part "p" {
            let reveal = goal + 1
            lock l "?" number in 1...100, within 10%
            reveal l = reveal * lock
        }
        """
        let m = try mission(src)
        #expect(m.parts[0].locks.count == 1)
        let r = check(m)
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("l = 21") })
    }

    @Test("a tampered ledger is detected by verify")
    func tamperedLedger() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("l.jsonl").path
        do {
            let l = try Ledger(path: path)
            l.append("start", ["mission": "m", "track": "a"])
            l.append("answer", ["id": "q", "value": "x"])
            l.append("reveal", ["id": "q", "predicted": "x", "actual": "y"])
            l.append("finish")
        }
        #expect(try Ledger.verify(path: path).ok)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        // Edited: the prediction changed after the reveal.
        let edited = lines.map { $0.replacingOccurrences(of: "\"value\":\"x\"", with: "\"value\":\"y\"") }.joined(separator: "\n")
        #expect(Ledger.verify(text: edited).problem?.contains("entry 2") == true)
        #expect(Ledger.verify(text: edited).problem?.contains("edited") == true)
        // Deleted.
        var deleted = lines
        deleted.remove(at: 1)
        #expect(Ledger.verify(text: deleted.joined(separator: "\n")).problem?.contains("entry 2") == true)
        // Reordered.
        lines.swapAt(1, 2)
        #expect(Ledger.verify(text: lines.joined(separator: "\n")).problem?.contains("entry 2") == true)
        // Reopening a tampered ledger refuses to continue it.
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: LedgerError.self) { _ = try Ledger(path: path) }
    }

    @Test("napkin ledger verify reports the first bad entry")
    func verifyCommand() throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("run.jsonl").path
        let answers = repoRoot.appendingPathComponent("Samples/answers/15_sustainable_ai.answers").path
        let lab = repoRoot.appendingPathComponent("Samples/15_sustainable_ai.lab").path
        let run = try runProcess(exe, ["run", lab, "--track", "edge_guardian", "--answers", answers, "--ledger", ledger], cwd: dir)
        #expect(run.code == 0, "\(run.err)")
        #expect(run.out.contains("Mission complete"))
        #expect(try runProcess(exe, ["ledger", "verify", ledger], cwd: dir).code == 0)
        let md = try runProcess(exe, ["ledger", "show", ledger, "--markdown"], cwd: dir)
        #expect(md.out.hasPrefix("# Sustainable AI"))
        #expect(md.out.contains("Reveal **tenx**"))
        var text = try String(contentsOfFile: ledger, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"value\":\"less\"", with: "\"value\":\"more\"")
        try text.write(toFile: ledger, atomically: true, encoding: .utf8)
        let v = try runProcess(exe, ["ledger", "verify", ledger], cwd: dir)
        #expect(v.code == 1)
        #expect(v.err.contains("entry 3") && v.err.contains("edited"))
    }

    @Test("a run killed mid-mission resumes with every answered lock kept and locked")
    func killAndResume() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("jevons.jsonl").path
        let lab = repoRoot.appendingPathComponent("Samples/demos/jevons.lab").path
        let home = ["HOME": dir.path, "NAPKIN_HISTORY": dir.appendingPathComponent("h").path]
        do {
            let p = try PTYProcess(arguments: ["run", lab, "--ledger", ledger], environment: home)
            #expect(p.expect("predict tenx>"), "\(p.tail)")
            p.send("falls\r")
            #expect(p.expect("locked: falls"), "\(p.tail)")
            #expect(p.expect("predict ratio>"), "\(p.tail)")
            kill(p.pid, SIGKILL)
            _ = p.waitExit(timeout: 5)
            p.close()
        }
        let before = try Ledger.verify(path: ledger)
        #expect(before.ok)
        #expect(before.entries.filter { $0.type == "answer" }.map { $0["value"] } == ["falls"])
        do {
            let p = try PTYProcess(arguments: ["run", lab, "--resume", ledger], environment: home)
            #expect(p.expect("Resuming"), "\(p.tail)")
            #expect(p.expect("locked: falls: It falls"), "\(p.tail)")
            #expect(p.expect("predict ratio>"), "\(p.tail)")
            p.send("2\r")
            #expect(p.expect("jevons>"), "\(p.tail)")
            p.send("efficiency = 10\r")
            #expect(p.expect("try 1"), "\(p.tail)")
            p.send(":done\r")
            #expect(p.expect("you predicted falls"), "\(p.tail)")
            #expect(p.expect("reflect>"), "\(p.tail)")
            p.send("demand caps\r")
            #expect(p.expect("Mission complete"), "\(p.tail)")
            #expect(p.waitExit() == 0)
        }
        let after = try Ledger.verify(path: ledger)
        #expect(after.ok, "\(after.problem ?? "")")
        #expect(after.entries.filter { $0.type == "answer" }.map { $0["value"] } == ["falls", "2"])
        #expect(after.entries.contains { $0.type == "resume" })
        #expect(after.entries.last?.type == "finish")
    }
}

func runProcess(_ exe: String, _ args: [String], cwd: URL, environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    p.currentDirectoryURL = cwd
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env.merge(environment) { _, new in new }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
