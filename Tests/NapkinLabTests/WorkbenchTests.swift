import Foundation
import NapkinCore
@testable import NapkinLab
import NapkinLibrary
import NapkinREPL
import NapkinInstruments
import TestSupport
import Testing

/// Golden files of workbench transcripts. Regenerate after an intended change with
///     NAPKIN_UPDATE_GOLDEN=1 swift test --filter WorkbenchTests
/// and read the diff before committing it.
enum LabGolden {
    static let files = GoldenFiles(folder: repoRoot.appendingPathComponent("Tests/NapkinLabTests/Golden"), filter: "WorkbenchTests")
    static var folder: URL { files.folder }
    static var updating: Bool { GoldenFiles.updating }

    static func check(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if let problem = try files.mismatch(name, actual) { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
    }
}

/// Runs a mission from answers text; returns the transcript, the ledger and the runner.
func runMission(_ source: String, _ answers: String, track: String = "default", ledger: Ledger = Ledger(),
                svgDir: String? = nil, width: Int = 80, rows: Int = 40) throws -> (transcript: String, ledger: Ledger, summary: RunSummary, finished: Bool) {
    try Session.onLargeStack {
        Result { () throws -> (String, Ledger, RunSummary, Bool) in
            let session = try Prelude.makeSession()
            let m = try MissionParser.parse(SourceFile(name: "test.lab", text: source), units: session.unitNames)
            let io = ScriptedIO(answers: try Answers(text: answers), track: track)
            io.style = RenderStyle(width: width)
            io.rows = rows
            let runner = try MissionRunner(mission: m, session: session, ledger: ledger, io: io, trackID: nil)
            runner.svgDirectory = svgDir
            let done = try runner.run()
            return (io.transcript, ledger, runner.summary, done)
        }
    }.get()
}

@Suite("Workbench")
struct WorkbenchTests {
    @Test("check rejects each bad fixture, naming the part and the line",
          arguments: [("dead_instrument", "instrument gauge(5 W, 0 W, 10 W) (line 10) depends on no knob of this part"),
                      ("met_at_start", "goal \"Stay above 4\" (line 10) is already met at the starting settings"),
                      ("too_few_moves", "goal \"Reach 12\" (line 12) is reachable in 1 move (a = 10), fewer than its declared 'at least 3 moves'")])
    func fixturesRejected(_ fixture: String, _ message: String) throws {
        let r = check(try mission(try read("Tests/NapkinLabTests/Fixtures/\(fixture).lab")))
        #expect(!r.ok)
        #expect(r.failures.contains { $0.contains("part \"") && $0.contains("(line 2)") && $0.contains(message) }, "\(r.failures)")
    }

    /// `within 2000000 tries` said "expected a whole number" (found in review).
    @Test("a goal's tries above the limit say so")
    func triesAboveTheLimit() throws {
        let src = try read("Tests/NapkinLabTests/Fixtures/too_few_moves.lab")
        let bad = src.replacingOccurrences(of: "within 10 tries", with: "within 2000000 tries")
        #expect(bad != src)
        do {
            _ = try mission(bad)
            Issue.record("2000000 tries were taken")
        } catch {
            #expect("\(error)".contains("expected a whole number below 1000000"), "\(error)")
        }
    }

    /// An answer the run does not take (empty, or not a choice) was handed out again and again:
    /// `napkin check --answers` hung, and `run --answers` printed the prompt forever.
    @Test("an empty or wrong answer in an answers file is an error, never a question asked forever")
    func answersFileAnswerNotTaken() throws {
        let source = """
        mission "One lock" minutes 5
        part p "Part" {
            lock q "Pick one" choices {
                x: "X"
                y: "Y"
            }
            reveal q = "x"
            reflect why "Why?"
        }
        """
        for (answers, message) in [("q: \nwhy: w", "lock 'q' has an empty answer"), ("q: x\nwhy: ", "reflection 'why' has an empty answer"),
                                   ("q: z\nwhy: w", "'z' is not a choice of lock 'q'")] {
            #expect(throws: MissionError.self, "\(answers)") { try runMission(source, answers) }
            do { _ = try runMission(source, answers) } catch { #expect("\(error)".contains(message), "\(error)") }
        }
        // With a fallback (the terminal), the file's answer is given once, then the fallback is asked.
        let fallback = ScriptedIO(answers: try Answers(text: "q: y\nwhy: w"), track: "default")
        let io = ScriptedIO(answers: try Answers(text: "q: \nwhy: w"), track: "default", fallback: fallback)
        #expect(io.ask("predict q> ", id: "q") == "")
        #expect(io.ask("predict q> ", id: "q") == "y")
        // Once not taken, the file's answer is not given again: only the fallback answers from
        // then on (here another file, whose one answer was just given).
        #expect(io.ask("predict q> ", id: "q") == nil)
        #expect(io.ask("predict q> ", id: "q") == nil)
    }

    @Test("static instruments pass; check reports the fewest moves of a goal that needs several")
    func staticAndFewestMoves() throws {
        let src = try read("Tests/NapkinLabTests/Fixtures/too_few_moves.lab")
            .replacingOccurrences(of: ">= 12", with: ">= 27")
        let r = check(try mission(src))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 3 of 10 tries") }, "\(r.lines)")
        let dead = try read("Tests/NapkinLabTests/Fixtures/dead_instrument.lab")
            .replacingOccurrences(of: "        gauge(", with: "        static gauge(")
        #expect(check(try mission(dead)).ok)
    }

    /// `napkin check` compares a figure's data before it draws it: a change the drawing cannot
    /// show still leaves the instrument dead, and a figure that moves only with a later knob
    /// (its data the same for every setting of the first) is live.
    @Test("an instrument counts as moving when its drawing changes, not its data", arguments: [
        ("gauge(5 W + k * 1e-12 W, 0 W, 10 W)", false),
        ("gauge(5 W + k * 1e-12 W + j * 1 W, 0 W, 10 W)", true),
        ("plot(table({ x: [1, 2, 3], y: [1, 2, j] }))", true),
        ("plot(table({ x: [1, 2, 3], y: [1, 2, 3 + k * 1e-13] }))", false),
        ("plot(table({ x: [1, 2, 3], y: [1, 2, 3] }), at: 1 + j / 2)", true),
        ("plot(table({ x: [1, 2, 3], y: [1, 2, 3] }), at: 2 + k * 1e-13)", false),
        ("radar({ a: 1 W, b: 2 W, c: j * 1 W })", true),
        ("radar({ a: 1 W, b: 2 W, c: 3 W + k * 1e-14 W })", false),
        ("5 W + k * 1e-12 W", false),
        ("5 W + k * 1 W", true),
    ])
    func drawnChangeCounts(_ instrument: String, _ live: Bool) throws {
        let src = try read("Tests/NapkinLabTests/Fixtures/dead_instrument.lab")
            .replacingOccurrences(of: "        gauge(5 W, 0 W, 10 W)", with: "        knob j = 1 in 1...3 \"a later knob\"\n        \(instrument)")
        let r = check(try mission(src))
        #expect(r.failures.contains { $0.contains("depends on no knob") } == !live, "\(r.failures)")
    }

    /// Numbers too big for an Int where a lab wants a whole number once trapped `napkin check`
    /// (found by a crash hunt): a choice key, a visited knob's range, a stepped knob's grid.
    @Test("huge whole numbers in a lab are errors or searched sparsely, never traps")
    func hugeWholeNumbers() throws {
        let lab = { (knob: String, goal: String) in """
        mission "x" minutes 5
        part p "t" minutes 5 {
            workbench {
                \(knob)
                k * 2
                goal "g" within 5 tries\(goal): k > 5
            }
        }
        """ }
        let visiting = check(try mission(lab("knob k = 0 in -1e300...1e300 \"k\"", ", visiting k")))
        #expect(visiting.failures.contains { $0.contains("has 2e300 whole-number settings") }, "\(visiting.failures)")
        let stepped = check(try mission(lab("knob k = 0 in 0...1e12 step 1 \"k\"", "")))
        #expect(stepped.ok, "\(stepped.failures)")
        #expect(stepped.lines.contains { $0.contains("fewest moves 1 of 5 tries") }, "\(stepped.lines)")
        let key = """
        mission "x" minutes 5
        part p "t" minutes 5 {
            lock a "q?" choices {
                1e300: "big"
                two: "small"
            }
        }
        """
        #expect(throws: NapkinError.self) { try mission(key) }
    }

    static let equilibrium = """
    mission "equilibrium" minutes 5
    part p "Match supply and demand" {
        lock q "Up or down?" choices {
            up: "Up"
            down: "Down"
        }
        workbench {
            knob workers = 1 in 1...32 "decode workers"
            knob efficiency = 3 in 1...10 "efficiency"
            fn supply(w = workers) = w * 100 sample/s
            plot(sweep efficiency 1...10 < 100 MWh * efficiency ^ 0.4 >, title: "Fleet energy", at: efficiency)
            supply()
            goal "Supply within 5% of 1000 sample/s" within 6 tries: supply() within 5% of 1000 sample/s
        }
        reveal q = if 2 > 1 then "up" else "down"
    }
    """

    @Test("a plot's operating point moves with the knob (golden files, text and SVG)")
    func markerMoves() throws {
        let answers = "q: up\np> efficiency = 7\np> :done\n"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-marker-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (transcript, _, _, finished) = try runMission(Self.equilibrium, answers, svgDir: dir)
        try LabGolden.check("marker-efficiency-3.svg", try String(contentsOfFile: dir + "/p-plot-try00.svg", encoding: .utf8))
        try LabGolden.check("marker-efficiency-7.svg", try String(contentsOfFile: dir + "/p-plot-try01.svg", encoding: .utf8))
        #expect(finished)
        // The figure at the start (efficiency = 3) and after the move (efficiency = 7).
        let figures = transcript.components(separatedBy: "Fleet energy").dropFirst().map { "Fleet energy" + $0.components(separatedBy: "\n100 sample/s")[0].components(separatedBy: "\n(unchanged")[0] }
        #expect(figures.count == 2)
        #expect(figures.first?.contains("● at efficiency = 3") == true)
        #expect(figures.last?.contains("● at efficiency = 7") == true)
        try LabGolden.check("marker-efficiency-3.txt", figures.first ?? "")
        try LabGolden.check("marker-efficiency-7.txt", figures.last ?? "")
        // Only what changed is redrawn: the supply reading did not move.
        #expect(transcript.contains("(unchanged: supply)"))
    }

    @Test("plain-expression instruments get readable names: one _ per run of other characters; :show finds them")
    func readableInstrumentNames() throws {
        let src = """
        mission "names" minutes 5
        part p "Names" {
            lock q "Up or down?" choices {
                up: "Up"
                down: "Down"
            }
            workbench {
                knob n = 1 in 1...10 "parameters, in billions"
                knob k = 1 in 1...10 "a knob the readings do not use"
                1 m / 1 s
                6 FLOP * n * 1e9 / 1e12
                2 * k
                goal "Reach 4" within 5 tries: 2 * k >= 4
            }
            reveal q = "up"
        }
        """
        let answers = "q: up\np> k = 3\np> :show 1_m_1_s\np> :show 6_flop_n_1e9_1e12\np> :done\n"
        let (transcript, _, _, finished) = try runMission(src, answers)
        #expect(finished)
        #expect(transcript.contains("(unchanged: 1_m_1_s, 6_flop_n_1e9_1e12)"), "\(transcript)")
        #expect(!transcript.contains("__"), "\(transcript)")
        #expect(!transcript.contains("no instrument is called"), ":show finds each by its name: \(transcript)")
        #expect(transcript.contains("0.006 FLOP [Compute]"), "\(transcript)")
    }

    @Test("a held goal met and then lost is reported as lost, in the run and the ledger")
    func metThenLost() throws {
        let answers = "q: up\np> workers = 10\np> workers = 20\np> :done\n"
        let (transcript, ledger, summary, _) = try runMission(Self.equilibrium, answers)
        #expect(transcript.contains("✓ Goal met in 1 of 6 tries"))
        #expect(transcript.contains("✗ Goal lost at try 2"))
        #expect(transcript.contains("supply() = 2000 sample/s, target 1000 sample/s ± 5%"))
        #expect(summary.goals.map(\.status) == ["lost"])
        #expect(ledger.entries.map(\.type).contains("goal_met") && ledger.entries.map(\.type).contains("goal_lost"))
        let report = LedgerReport(entries: ledger.entries).text()
        #expect(report.contains("✓ Goal met at try 1") && report.contains("✗ Goal lost at try 2"), "\(report)")
        #expect(report.contains("Try 2: workers = 20"))
        #expect(report.contains("supply() = 2000 sample/s"))
        #expect(LedgerReport(entries: ledger.entries).markdown().contains("- Try 1: `workers = 10`"))
    }

    @Test("a goal's tries stop at its budget with a clear message; hints name a knob and a direction")
    func budgetAndHint() throws {
        let answers = "q: up\np> :hint\np> workers = 2\np> workers = 3\np> workers = 4\np> efficiency = 4\np> efficiency = 5\np> efficiency = 6\np> :done\n"
        let (transcript, ledger, summary, _) = try runMission(Self.equilibrium, answers)
        #expect(transcript.contains("→ move workers up"), "\(transcript)")
        #expect(ledger.entries.contains { $0.type == "hint" && $0["knob"] == "workers" })
        #expect(transcript.contains("✗ Goal missed: all 6 tries used without reaching it"))
        #expect(summary.goals.map(\.status) == ["missed"])
    }

    static let formats = """
    mission "formats" minutes 5
    let csv_rate = 50 MB/s
    part p "Pick a format" {
        lock q "Up or down?" choices {
            up: "Up"
            down: "Down"
        }
        workbench {
            knob fmt = json in [csv: csv_rate, json: 80 MB/s, parquet: 400 MB/s] "serialisation: {fmt -> MB/s} now"
            knob hardware = baseline in [baseline: 700 W, green: 350 W] "hardware"
            fmt
            hardware
            goal "Decode at least 300 MB/s on green hardware" within 4 tries: fmt >= 300 MB/s and hardware <= 400 W
        }
        reveal q = if 2 > 1 then "up" else "down"
    }
    """

    @Test("choice and toggle knobs: moved by name, flipped, in the ledger, completed, and resumed")
    func choiceAndToggle() throws {
        let r = check(try mission(Self.formats))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 2 of 4 tries, e.g. fmt = parquet, hardware = green") }, "\(r.lines)")
        // Run half-way, then resume from the ledger.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-choice-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (t1, _, _, finished1) = try runMission(Self.formats, "q: up\np> fmt = parquet\n", ledger: try Ledger(path: path))
        #expect(t1.contains("fmt = json   choice: csv | [json] | parquet"))
        #expect(t1.contains("\"serialisation: 80 MB/s now\""))
        #expect(t1.contains("try 1: fmt = parquet"))
        _ = finished1
        let moves = try Ledger(path: path).entries.filter { $0.type == "move" }
        #expect(moves.first?["knobs"] == "fmt = parquet")
        // As if the run had been killed right after that move: keep the ledger up to it.
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let keep = lines.prefix { !$0.contains("\"workbench_done\"") && !$0.contains("\"goal\"") }
        try (keep.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        // A real kill there would have left no record of the later entries on this machine.
        Ledger.forgetWitness(ofLedgerStartingWith: try Ledger.verify(path: path).entries[0])
        let (t2, ledger2, summary, finished2) = try runMission(Self.formats, "p> :flip hardware\np> :done\n", ledger: try Ledger(path: path))
        #expect(finished2)
        #expect(t2.contains("try 2: hardware = green"), "\(t2)")
        #expect(summary.goals.map(\.status) == ["met"])
        #expect(ledger2.entries.filter { $0.type == "move" }.compactMap { $0["knobs"] } == ["fmt = parquet", "hardware = green"])
        // A wrong option is a clear error naming the options.
        let (t3, _, _, _) = try runMission(Self.formats, "q: up\np> fmt = xml\np> :done\n")
        #expect(t3.contains("'xml' is not an option of knob 'fmt'") && t3.contains("fmt = csv | json | parquet"))
        // Completion offers the option names after `fmt =`.
        let s = try Prelude.makeSession()
        try s.run("knob fmt = json in [csv: 1, json: 2, parquet: 3] \"f\"", name: "<t>")
        #expect(Completer(session: s).complete("fmt = p").candidates == ["parquet"])
        #expect(Completer(session: s).complete("fmt = ").candidates == ["csv", "json", "parquet"])
    }

    /// Anyone can recompute a ledger's hashes: a resumed ledger whose move said `try
    /// 9223372036854775807` made the next move's count overflow (a trap; found by the crash hunt).
    @Test("a resumed ledger's try counts must be counts", arguments: ["9223372036854775807", "-9223372036854775808", "-1", "12x"])
    func resumedTryCountsAreChecked(_ bad: String) throws {
        let first = Ledger()
        _ = try runMission(Self.formats, "q: up\np> fmt = parquet\n", ledger: first)
        // The same entries, chained again, with the move's count changed.
        let forged = Ledger()
        for e in first.entries.prefix(while: { $0.type != "workbench_done" && $0.type != "goal" }) {
            var fields = e.fields
            if e.type == "move" { fields["try"] = bad }
            try forged.commit(e.type, fields)
        }
        #expect(forged.entries.contains { $0.type == "move" && $0["try"] == bad })
        do {
            _ = try runMission(Self.formats, "p> :flip hardware\np> :done\n", ledger: forged)
            Issue.record("a forged try count \(bad) was taken")
        } catch {
            #expect("\(error)".contains("has try \(bad), not a count from 0 to"), "\(error)")
        }
    }

    /// A goal read the lab's functions as the student left them: `fn shift(…) = 100 h` typed in
    /// the workbench rewrote the model, and `:try` met the goal without a knob moved.
    @Test("the workbench cannot redefine the lab's model or the library; the student's own names stay theirs")
    func modelIsFixedInTheWorkbench() throws {
        let lab = """
        mission "fixed" minutes 5
        let rate = 8 h
        part p "Shifts" {
            workbench {
                knob n = 2 in 1...10 "shifts"
                fn shift(k = n) = k * rate
                shift() -> h
                goal "long" within 3 tries: shift() > 40 h
            }
        }
        """
        let (t, _, summary, _) = try runMission(lab,
            "p> fn shift(k = n) = 100 h\np> let rate = 50 h\np> fn h100() = 1\np> let mine = 2\np> let mine = 3\np> mine * 2\np> :try\np> :done\n",
            width: 160)
        #expect(t.contains("'shift' is part of this lab's model: the workbench cannot redefine it") && t.contains("fn my_shift(…) = …"), "\(t)")
        #expect(t.contains("'rate' is part of this lab's model") && t.contains("let my_rate = …"), "\(t)")
        #expect(t.contains("'h100' is part of this lab's model"), "\(t)")
        #expect(t.contains("p> mine * 2\n6"), "\(t)")
        // No knob moved, and the model is the lab's: the goal is not met.
        #expect(summary.goals.map(\.status) == ["unmet"], "\(summary.goals)")
    }

    /// A description's `{…}` that does not fill in is shown raw to the student; check says so.
    @Test("napkin check fails a knob description whose {…} does not fill in, and passes one that does")
    func knobDescriptionsFillIn() throws {
        let lab = Self.formats.replacingOccurrences(of: "\"hardware\"", with: "\"hardware ({nonexistant_name})\"")
        #expect(lab != Self.formats)
        let r = check(try mission(lab))
        #expect(!r.ok && r.failures.contains { $0.contains("knob 'hardware' (line 10): its description does not fill in: unknown name 'nonexistant_name'") },
                "\(r.failures)")
        // The formats lab's own description, "serialisation: {fmt -> MB/s} now", fills in.
        #expect(check(try mission(Self.formats)).ok)
    }

    /// A scripted run could once record more than 1,000,000 tries in a part, which `--resume`
    /// then refused as a forged count: every count a run can reach resumes.
    @Test("a ledger with more than a million tries in a part resumes and counts on")
    func manyTriesResume() throws {
        let first = Ledger()
        _ = try runMission(Self.formats, "q: up\np> fmt = parquet\n", ledger: first)
        // The same entries with the move's count as a long scripted run would leave it.
        let many = Ledger()
        for e in first.entries.prefix(while: { $0.type != "workbench_done" && $0.type != "goal" }) {
            var fields = e.fields
            if e.type == "move" { fields["try"] = "1234567" }
            try many.commit(e.type, fields)
        }
        let (t, ledger, summary, _) = try runMission(Self.formats, "p> :flip hardware\np> :done\n", ledger: many)
        #expect(t.contains("try 1234568: hardware = green"), "\(t)")
        #expect(summary.goals.map(\.status) == ["met"], "\(summary.goals)")
        #expect(ledger.entries.contains { $0.type == "move" && $0["try"] == "1234568" })
    }

    @Test("--svg-dir writes every figure of the workbench during the mission, and :svg writes on demand")
    func svgDuringMission() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-svg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let twoPlots = Self.equilibrium.replacingOccurrences(of: "        supply()\n", with: "        supply()\n        plot(sweep workers 1...32 < supply(workers) >, at: workers)\n")
        let (transcript, _, _, _) = try runMission(twoPlots, "q: up\np> efficiency = 7\np> :svg \(dir)/slide.svg\np> :done\n", svgDir: dir)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["p-plot-2-try00.svg", "p-plot-2-try01.svg", "p-plot-try00.svg", "p-plot-try01.svg", "slide.svg"], "\(files)")
        let svg = try String(contentsOfFile: dir + "/p-plot-try01.svg", encoding: .utf8)
        #expect(svg.contains("operating-point") && svg.contains("at efficiency = 7"))
        #expect(transcript.contains("wrote \(dir)/slide.svg"))
    }

    @Test("Math Peek shows the formula, the numbers of this part, and the result")
    func mathPeek() throws {
        let src = """
        mission "peek" minutes 5
        part p "Jevons" {
            lock q "Up or down?" choices {
                up: "Up"
                down: "Down"
            }
            workbench {
                knob efficiency = 1 in 1...10 "η"
                knob jevons = 1.4 in 0...2 "ε"
                jevons_factor()
            }
            reveal q = if 2 > 1 then "up" else "down"
            peek jevons_factor
        }
        """
        let (t, _, _, _) = try runMission(src, "q: up\np> efficiency = 10\np> :peek jevons_factor\np> :done\n")
        #expect(t.contains("jevons_factor = η^(ε − 1)"), "\(t)")
        #expect(t.contains("= 10^(1.4 − 1)"))
        #expect(t.contains("= 2.512"))
    }

    @Test("mission texts show quantities in their readable unit unless the author converts")
    func readableUnits() throws {
        let src = """
        mission "units" minutes 5
        let t = 37037 h
        let p = 0.01 MW
        part p1 "P" {
            context "Runs {t}, draws {p}; as the author asked: {p -> MW}. A very long sentence that goes on and on so that it must wrap at a word boundary before the edge of an eighty column page."
            lock q "Up?" choices {
                up: "Up"
                down: "Down"
            }
            reveal q = if t > 1 h then "up" else "down"
        }
        """
        let (t, _, _, _) = try runMission(src, "q: up\n")
        #expect(t.contains("Runs 4.225 years, draws 10 kW; as the author asked: 0.01 MW."), "\(t)")
        for line in t.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        #expect(t.contains("must wrap at a word boundary before the\nedge of an eighty column page."), "\(t)")
    }

    @Test("every lab example in docs/labs.md passes napkin check")
    func docsExamples() throws {
        let text = try read("docs/labs.md")
        let blocks = text.components(separatedBy: "```lab\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 2)
        for b in blocks {
            let r = check(try mission(b, name: "docs/labs.md"))
            #expect(r.ok, "\(r.failures)")
        }
    }

    @Test("figures are drawn at the terminal's width; what does not fit its height is named, and :show draws it")
    func layout() throws {
        let twoPlots = Self.equilibrium.replacingOccurrences(of: "        supply()\n", with: "        plot(sweep workers 1...32 < supply(workers) >, title: \"Supply\", at: workers)\n        supply()\n")
        let (wide, _, _, _) = try runMission(twoPlots, "q: up\np> :done\n", width: 120, rows: 60)
        let frame = wide.split(separator: "\n").first { $0.contains("┌") } ?? ""
        #expect(frame.count > 100 && frame.count <= 120, "\(frame.count)")
        #expect(!wide.contains("not shown"))
        let (short, _, _, _) = try runMission(twoPlots, "q: up\np> :show plot-2\np> :done\n", width: 80, rows: 24)
        // The first plot is drawn shorter, so the reading fits beside it; the second plot does not.
        #expect(short.contains("(not shown, to fit the terminal: plot-2; :show NAME draws one)"), "\(short)")
        #expect(short.components(separatedBy: "● at workers = 1").count == 2, "drawn once, on :show plot-2")
    }

    @Test(":help in a scripted workbench lists the lab commands")
    func help() throws {
        let (t, _, _, _) = try runMission(Self.equilibrium, "q: up\np> :help\np> :done\n")
        for c in [":flip NAME", ":try", ":goals", ":hint", ":peek NAME", ":show", ":svg [FILE]", ":done"] { #expect(t.contains(c)) }
    }
}

/// The real binary on a 120-column pseudo-terminal, typed into as a student would.
@Suite("Workbench on a terminal", .serialized)
struct WorkbenchTerminalTests {
    @Test("Tab completes a choice's options, :help lists the lab's commands, :flip toggles")
    func choiceOnATerminal() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-wb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lab = dir.appendingPathComponent("formats.lab").path
        try WorkbenchTests.formats.write(toFile: lab, atomically: true, encoding: .utf8)
        let p = try PTYProcess(arguments: ["run", lab, "--ledger", dir.appendingPathComponent("l.jsonl").path, "--svg-dir", dir.appendingPathComponent("svg").path],
                               environment: ["HOME": dir.path, "NAPKIN_HISTORY": dir.appendingPathComponent("h").path])
        defer { p.close() }
        try #require(p.expect("predict q> "), "\(p.tail)")
        p.send("up\r")
        try #require(p.expect("p> "), "\(p.tail)")
        p.send("fmt = par\t\r")
        #expect(p.expect("try 1: fmt = parquet"), "\(p.tail)")
        try #require(p.expect("p> "), "\(p.tail)")
        p.send(":help\r")
        #expect(p.expect(":flip NAME"), "\(p.tail)")
        #expect(p.expect("Commands:"), "the REPL's own help follows: \(p.tail)")
        try #require(p.expect("p> "), "\(p.tail)")
        p.send(":flip hardware\r")
        #expect(p.expect("✓ Goal met in 2 of 4 tries"), "\(p.tail)")
        try #require(p.expect("p> "), "\(p.tail)")
        p.send(":done\r")
        #expect(p.expect("Mission complete: 1 of 1 predictions right, 1 of 1 goals met"), "\(p.tail)")
        #expect(p.waitExit() == 0)
        // The ledger names the moves by option.
        let ledger = try String(contentsOfFile: dir.appendingPathComponent("l.jsonl").path, encoding: .utf8)
        #expect(ledger.contains("fmt = parquet") && ledger.contains("hardware = green"))
    }
}

extension WorkbenchTests {
    @Test("figures that do not all fit the terminal's height share it, drawn shorter rather than left out")
    func shrinksToFit() throws {
        let twoPlots = Self.equilibrium.replacingOccurrences(of: "        supply()\n", with: "        plot(sweep workers 1...32 < supply(workers) >, title: \"Supply\", at: workers)\n        supply()\n")
        for rows in [34, 40] {
            let (t, _, _, _) = try runMission(twoPlots, "q: up\np> :done\n", width: 80, rows: rows)
            let workbench = (t.components(separatedBy: "⚙ Workbench").last ?? t).components(separatedBy: "◎ Goal")[0]
            // Both plots and the reading are on screen, within the rows the workbench has (rows − 8).
            #expect(!workbench.contains("not shown"), "\(rows): \(workbench)")
            #expect(workbench.contains("● at efficiency = 3") && workbench.contains("● at workers = 1") && workbench.contains("100 sample/s"))
            #expect(workbench.split(separator: "\n", omittingEmptySubsequences: false).count - 4 <= rows - 8, "\(rows): \(workbench)")
        }
        // At everyday size (12-row canvases) the two plots alone take more than 40 lines.
        let (tall, _, _, _) = try runMission(twoPlots, "q: up\np> :done\n", width: 80, rows: 80)
        let everyday = (tall.components(separatedBy: "⚙ Workbench").last ?? tall).components(separatedBy: "◎ Goal")[0]
        #expect(everyday.split(separator: "\n").count > 40 - 8, "\(everyday)")
    }
}

extension WorkbenchTests {
    static func stepped(_ target: String) -> String {
        """
        mission "steps" minutes 5
        part p "Cameras" {
            lock q "Up or down?" choices {
                up: "Up"
                down: "Down"
            }
            workbench {
                knob streams = 8 in 1...8 step 1 "camera streams"
                streams * 10 MB/s
                goal "Fill the link" within 6 tries: streams * 10 MB/s within 1% of \(target)
            }
            reveal q = if 2 > 1 then "up" else "down"
        }
        """
    }

    @Test("a stepped knob is searched on its settings only: a window between two settings is unreachable, a witness is whole")
    func steppedKnob() throws {
        let between = check(try mission(Self.stepped("55 MB/s")))
        #expect(between.failures.contains { $0.contains("unreachable") }, "\(between.failures)")
        let on = check(try mission(Self.stepped("50 MB/s")))
        #expect(on.ok, "\(on.failures)")
        #expect(on.lines.contains { $0.contains("e.g. streams = 5") && !$0.contains("streams = 5.") }, "\(on.lines)")
        // A student's move between settings is refused, naming the two nearest.
        let (t, _, _, _) = try runMission(Self.stepped("50 MB/s"), "q: up\np> streams = 5.5\np> streams = 5\np> :done\n")
        #expect(t.contains("streams = 5.5 is between settings") && t.contains("try streams = 5 or streams = 6"), "\(t)")
        #expect(t.contains("✓ Goal met"), "\(t)")
    }
}

extension WorkbenchTests {
    @Test("the goal search gives every subset of knobs its share: a goal on the last-declared knobs is found in its true fewest moves")
    func searchIsFairToEveryKnob() throws {
        // Choices, so no refinement can stumble onto the answer: only the grid of {f, g, h} holds it.
        let options = (0...9).map { "n\($0): \($0)" }.joined(separator: ", ")
        let knobs = ["k1", "k2", "k3", "k4", "k5", "f", "g", "h"].map { "        knob \($0) = n0 in [\(options)] \"knob \($0)\"" }.joined(separator: "\n")
        let source = """
        mission "order" minutes 5
        part p "Eight knobs" {
            lock q "Up or down?" choices {
                up: "Up"
                down: "Down"
            }
            workbench {
        \(knobs)
                k1 + k2 + k3 + k4 + k5 + f + g + h
                goal "Only the last three count" within 6 tries: f + g + h == 15 and f >= 1 and g >= 1 and h >= 1
            }
            reveal q = if 2 > 1 then "up" else "down"
        }
        """
        let r = check(try mission(source))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 3 of 6 tries") && $0.contains("f = ") && $0.contains("h = ") }, "\(r.lines)")
    }

    @Test("the next size of knob subsets starts with those whose smaller subsets came closest: the goal on the last-declared knobs is met early, in the same fewest moves")
    func closestSubsetsFirst() throws {
        // Eight choice knobs; only {f, g, h} together meet the goal, and {f, g, h} is the last of
        // the 56 subsets of three in their declared order. Its pairs come closest among the pairs,
        // so it is scanned first: the search reads 2,340 settings for single knobs and pairs and
        // about 15 more. In declared order it read 9,230 (4,230 when ranked by a subset's closest
        // pair alone: ties put {f, g, h} after the fifteen others holding {f, g}, {f, h} or {g, h}).
        let options = (0...9).map { "n\($0): \($0)" }.joined(separator: ", ")
        let names = ["k1", "k2", "k3", "k4", "k5", "f", "g", "h"]
        let knobs = names.map { "        knob \($0) = n0 in [\(options)] \"knob \($0)\"" }.joined(separator: "\n")
        let source = """
        mission "order" minutes 5
        part p "Eight knobs" {
            workbench {
        \(knobs)
                k1 + f
                goal "Only the last three count" within 6 tries: f + g + h == 15 and f >= 1 and g >= 1 and h >= 1
            }
        }
        """
        try Session.onLargeStack {
            Result { () throws -> Void in
                let session = try Prelude.makeSession()
                let m = try MissionParser.parse(SourceFile(name: "test.lab", text: source), units: session.unitNames)
                guard case .workbench(let w)? = m.parts.first?.items.first(where: { if case .workbench = $0 { return true } else { return false } }),
                      let goal = w.goals.first else { Issue.record("no goal"); return }
                #expect(w.knobNames == names)
                for st in w.statements { _ = try session.interpreter.execute(st) }
                guard let found = GoalSearch(workbench: w, interp: session.interpreter, program: nil, budget: 3000).fewestMoves(goal) else {
                    Issue.record("not found"); return
                }
                #expect(found.moves == 3)
                #expect(Set(found.settings.map(\.knob)) == ["f", "g", "h"], "\(found.witness)")
                #expect(found.readings < 2_500, "\(found.readings) readings")
            }
        }.get()
    }

    @Test("a narrow window near the low end of a knob spanning many decades is found by refining")
    func narrowWindowOnAWideKnob() throws {
        // 0.123 ± 0.5% is about 10⁻⁹ of the knob's range: between grid points, and a refinement
        // that stopped at 10⁻⁷ of the range declared the goal unreachable.
        let source = """
        mission "narrow" minutes 5
        part p "One wide knob" {
            workbench {
                knob k0 = 1 in 0.01...1e6 "k0"
                k0
                goal "Hit it" within 6 tries: (k0) within 0.5% of 0.123
            }
        }
        """
        let r = check(try mission(source))
        #expect(r.ok, "\(r.failures)")
        #expect(r.lines.contains { $0.contains("fewest moves 1 of 6 tries, e.g. k0 = 0.12") }, "\(r.lines)")
    }

    @Test("a search's reading that stops past its bound is a lower bound, and a full one is the goal's distance")
    func boundedDistance() throws {
        let source = """
        mission "bounded" minutes 5
        part p "Two knobs" {
            workbench {
                knob a = 1 in 0...10 "a"
                knob b = 1 in 0...10 "b"
                a + b
                goal "Three ways" within 4 tries: a >= 6 and a * b within 5% of 24 and b <= 5
            }
        }
        """
        try Session.onLargeStack {
            Result { () throws -> Void in
                let session = try Prelude.makeSession()
                try session.run("knob a = 1 in 0...10 \"a\"\nknob b = 1 in 0...10 \"b\"", name: "<knobs>")
                let m = try MissionParser.parse(SourceFile(name: "test.lab", text: source), units: session.unitNames)
                guard case .workbench(let w)? = m.parts.first?.items.first(where: { if case .workbench = $0 { return true } else { return false } }),
                      let goal = w.goals.first else { Issue.record("no goal"); return }
                let interp = session.interpreter
                let judge = GoalJudge(interp: interp, program: nil, readings: false)
                var met = 0
                for a in stride(from: 0.0, through: 10, by: 0.5) {
                    for b in stride(from: 0.0, through: 10, by: 0.5) {
                        try interp.setKnob("a", Quantity(a))
                        try interp.setKnob("b", Quantity(b))
                        let reading = try judge.read(goal)
                        let full = try judge.distance(goal)
                        #expect(full.exact)
                        #expect((full.distance == 0) == reading.met)
                        if reading.met { met += 1 } else { #expect(full.distance == max(reading.distance, 1e-300)) }
                        for bound in [0.0, 1e-300, 0.01, 0.1, 0.4, 1, 2, 10] {
                            let r = try judge.distance(goal, above: bound)
                            if r.exact { #expect(r.distance == full.distance) } else { #expect(r.distance > bound && r.distance <= full.distance) }
                        }
                    }
                }
                #expect(met > 0)
            }
        }.get()
    }

    @Test("a condition against zero still guides the search: its distance shrinks as the value nears zero")
    func zeroTargetHasADirection() {
        #expect(GoalJudge.gap(0.5, 0) < GoalJudge.gap(2, 0))
        #expect(GoalJudge.gap(2, 0) < 1)
        #expect(GoalJudge.gap(3, 6) == 0.5)
    }
}
