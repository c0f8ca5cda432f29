import ArgumentParser
import Foundation
import NapkinCore
import NapkinLab
import NapkinLibrary
import NapkinREPL
import NapkinServe

/// Options of `napkin run` that only a mission script uses.
struct MissionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The track (persona) to run a mission as; asked when not given.", valueName: "ID"))
    var track: String?

    @Option(help: ArgumentHelp("Continue the mission recorded in this ledger, keeping every answer locked.", valueName: "LEDGER"))
    var resume: String?

    @Option(help: ArgumentHelp("Where to write the mission's ledger (default: FILE's name + .ledger.jsonl, in the current folder).", valueName: "PATH"))
    var ledger: String?

    @Option(help: ArgumentHelp("Take the mission's answers and workbench moves from this file.", valueName: "FILE"))
    var answers: String?

    var used: Bool { track != nil || resume != nil || ledger != nil || answers != nil }
}

enum MissionCLI {
    /// A line to standard output through the terminal gate (`StandardStream`), like every other.
    static func say(_ s: String = "", terminator: String = "\n") { StandardStream.output(s + terminator) }

    static func fail(_ s: String) {
        OutputSink.shared.flush()
        StandardStream.error("error: \(Sanitized.text(s))\n")
    }

    static func readText(_ path: String) -> String? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return nil }
        return text
    }

    static func isMissionFile(_ path: String) -> Bool {
        guard let text = readText(path) else { return false }
        return MissionParser.isMission(text)
    }

    /// Parses a mission file with the library's units; prints the error and returns nil on failure.
    /// The session whose units read it comes too, unused: the run (or the check's first track)
    /// starts in it rather than loading the library a second time.
    static func load(_ path: String, _ runner: Runner) -> (Mission, Session)? {
        guard let text = readText(path) else {
            fail("cannot read '\(path)'")
            return nil
        }
        switch runner.makeSession() {
        case .failure(let e):
            runner.report(e)
            return nil
        case .success(let s):
            do {
                // Read with a copy of the session's unit names: parsing declares the lab's own units,
                // and the session must stay as made (its run checks that a unit is used only after
                // the line that declares it).
                let m = try MissionParser.parse(SourceFile(name: path, text: text), units: s.unitNames.copy())
                // What the libraries (--lib) printed, before anything of the mission: a run's
                // terminal writes past this buffer, which nothing flushed after a run that ended well.
                OutputSink.shared.flush()
                return (m, s)
            } catch {
                runner.report(error)
                return nil
            }
        }
    }

    /// Sessions for a mission's tracks, made with the runner's settings; `first` (the one its
    /// mission was loaded with) is handed out first. Safe to call from several threads.
    static func sessionFactory(_ runner: Runner, quiet: Bool = false, first: Session? = nil) -> () throws(NapkinError) -> Session {
        let spare = SpareSession(first)
        return { () throws(NapkinError) -> Session in
            if let s = spare.take() { return s }
            switch runner.makeSession(quiet: quiet) {
            case .success(let s): return s
            case .failure(let e): throw e
            }
        }
    }

    /// A session made already, taken by the first thread to ask.
    private final class SpareSession: @unchecked Sendable {
        private let lock = NSLock()
        private var session: Session?
        init(_ session: Session?) { self.session = session }
        func take() -> Session? {
            lock.lock()
            defer { lock.unlock() }
            let s = session
            session = nil
            return s
        }
    }

    /// A fresh default ledger path in the current folder: NAME.ledger.jsonl, NAME-2.ledger.jsonl, …
    static func defaultLedgerPath(for file: String) -> String {
        let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var n = 1
        while true {
            let p = base + (n == 1 ? "" : "-\(n)") + ".ledger.jsonl"
            if !FileManager.default.fileExists(atPath: p) { return p }
            n += 1
        }
    }

    static func run(file: String?, options: MissionOptions, common: CommonOptions, room: RoomSettings = RoomSettings()) -> Int32 {
        Session.onLargeStack {
            let runner = Runner(options: common.settings)
            var file = file
            if file == nil, let resume = options.resume {
                let v = (try? Ledger.verify(path: resume))
                file = v?.entries.first { $0.type == "start" }?["file"]
                if file == nil { fail("cannot tell which mission '\(resume)' belongs to; give the .lab file too") ; return 64 }
            }
            guard let file else { fail("give the mission's .lab file"); return 64 }
            guard let (mission, loaded) = load(file, runner) else { return 65 }
            let ledgerPath: String
            if let r = options.resume {
                guard FileManager.default.fileExists(atPath: r) else { fail("no ledger at '\(r)'"); return 64 }
                if let l = options.ledger, l != r { fail("--resume continues the ledger it names; leave out --ledger"); return 64 }
                ledgerPath = r
            } else if let l = options.ledger {
                if FileManager.default.fileExists(atPath: l) {
                    fail("'\(l)' already exists: continue it with --resume \(l), or choose another --ledger path")
                    return 64
                }
                ledgerPath = l
            } else {
                ledgerPath = defaultLedgerPath(for: file)
            }
            let ledger: Ledger
            do { ledger = try Ledger(path: ledgerPath) } catch let e as LedgerError {
                fail("\(e)")
                switch e {
                case .busy: return 75
                case .io: return 74
                case .tampered: return 65
                }
            } catch {
                fail("\(error)")
                return 65
            }
            var answers: Answers?
            if let a = options.answers {
                guard let text = readText(a) else { fail("cannot read '\(a)'"); return 64 }
                do { answers = try Answers(text: text) } catch { fail("\(error)"); return 65 }
            }
            var opts = REPL.Options.forTerminal(noColor: common.noColor, version: napkinVersion)
            opts.digits = common.digits
            opts.present = room.present
            let terminal = MissionTerminal(options: opts)
            if let port = room.servePort {
                do {
                    let m = try MirrorServer(host: room.host, port: port, title: mission.title)
                    terminal.mirror = m
                    terminal.say("serving this mission at \(m.url)\n  (the token in that address lets a page move knobs; viewers without it: \(m.viewURL))")
                } catch {
                    fail("\(error)")
                    return 64
                }
            }
            defer { terminal.mirror?.stop() }
            let io: MissionIO
            let stdinIsTTY = isatty(STDIN_FILENO) == 1
            if let answers {
                io = ScriptedIO(answers: answers, track: options.track ?? answers.track ?? "", echo: { terminal.say($0) },
                                fallback: stdinIsTTY ? terminal : nil)
            } else {
                io = terminal
            }
            do {
                let session = loaded
                let mr = try MissionRunner(mission: mission, session: session, ledger: ledger, io: io,
                                           trackID: options.track ?? answers?.track)
                // Said once the run has started: a lab refused before (a misspelt name) leaves no ledger.
                terminal.say("ledger: \(ledgerPath)")
                if let s = io as? ScriptedIO {
                    s.track = mr.track.id
                    s.style = terminal.style
                    s.rows = terminal.rows
                }
                // --svg-dir: every figure of the workbenches, named by part, instrument and try.
                mr.svgDirectory = common.settings.svgDir
                let finished = try mr.run()
                if !finished { terminal.say("resume with: napkin run \(file) --resume \(ledgerPath)") }
                return 0
            } catch let e as MissionError {
                // Stopped before anything was recorded (a misspelt name, a track not in the
                // mission): the ledger made for this run holds nothing, so it is not left behind.
                if options.resume == nil, ledger.entries.isEmpty, (try? FileManager.default.attributesOfItem(atPath: ledgerPath)[.size] as? Int) == 0 {
                    unlink(ledgerPath)
                }
                OutputSink.shared.flush()
                StandardStream.error("error: " + Sanitized.text(e.description) + "\n")
                return e.exitCode ?? e.napkin?.phase.exitCode ?? 70
            } catch let e as NapkinError {
                runner.report(e)
                return e.phase.exitCode
            } catch {
                fail("\(error)")
                return 70
            }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate lab missions (computed reveals, reachable goals, rendering instruments, dimensions) and scripts.",
        discussion: HelpText.fitted("""
        For every track (or the one given), check that each lock's reveal is computed
        by napkin and gives one of its choices (or a number in its range), that each
        goal is not met at the start but is reachable within its tries (the fewest
        moves and a witness setting are printed), and that every instrument renders
        and, unless static, moves with a knob. With --answers, also run the mission
        from the answers file (one mission file only). Every track's code is checked
        for dimension errors in every branch, taken or not. Tracks are checked at once
        on --cores cores, each in a session of its own; the report is the same as one
        after another. A plain script (no 'mission' header) is checked without running
        it: its names and dimensions. Several files are each checked, then summed up:
          napkin check Samples/*.lab
        Exit codes: 0 valid, 1 invalid, 64 usage, 65 a file does not parse; with
        several files, the highest of theirs.
        """))

    @Argument(help: ArgumentHelp("The mission (.lab) files.", valueName: "FILE"))
    var files: [String]

    @Option(help: ArgumentHelp("Also run the mission with the answers in this file (one mission file).", valueName: "FILE"))
    var answers: String?

    @Option(help: ArgumentHelp("Check only this track.", valueName: "ID"))
    var track: String?

    @Flag(name: .customLong("all-tracks"), help: "Check every track (the default).")
    var allTracks = false

    @OptionGroup var options: CommonOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give the mission (.lab) file to check, or several") }
        if track != nil && allTracks { throw ValidationError("give either --track ID or --all-tracks") }
        if answers != nil && files.count > 1 { throw ValidationError("--answers goes with one mission: check that file on its own") }
    }

    func run() throws {
        let code = CheckRequest(files: files, answers: answers, track: track, settings: options.settings).run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// What `napkin check` does once its arguments are read: by the argument parser, or for the plain
/// forms (`napkin check FILE… [--all-tracks]`) by `QuickStart`, which skips the parser's start-up.
struct CheckRequest {
    var files: [String]
    var answers: String?
    var track: String?
    var settings = RunSettings()

    /// The exit code: the highest of the files'.
    func run() -> Int32 {
        Session.onLargeStack {
            var codes: [(file: String, code: Int32)] = []
            for file in files {
                if files.count > 1, !codes.isEmpty { MissionCLI.say() }
                codes.append((file, checkOne(file)))
            }
            guard files.count > 1 else { return codes[0].code }
            let bad = codes.filter { $0.code != 0 }
            let valid = codes.count - bad.count
            MissionCLI.say("\nchecked \(codes.count) files: \(valid) valid" + (bad.isEmpty ? "" : ", \(bad.count) failed (\(bad.map { Sanitized.line($0.file) }.joined(separator: ", ")))"))
            return bad.map(\.code).max() ?? 0
        }
    }

    /// One file (a mission, or a plain script): 0 valid, 1 invalid, 64 unreadable, 65 does not parse.
    func checkOne(_ file: String) -> Int32 {
        let runner = Runner(options: settings)
        guard let text = MissionCLI.readText(file) else { MissionCLI.fail("cannot read '\(file)'"); return 64 }
        guard MissionParser.isMission(text) else { return checkScript(file, text, runner) }
        guard let (mission, loaded) = MissionCLI.load(file, runner) else { return 65 }
        var answers: Answers?
        if let a = self.answers {
            guard let text = MissionCLI.readText(a) else { MissionCLI.fail("cannot read '\(a)'"); return 64 }
            do { answers = try Answers(text: text) } catch { MissionCLI.fail("\(error)"); return 65 }
        }
        // Loading the mission showed what the libraries print; the checker's sessions (one per
        // core) do not show it again.
        let checker = MissionChecker(mission: mission, makeSession: MissionCLI.sessionFactory(runner, quiet: true, first: loaded))
        checker.cores = runner.options.cores
        // How a line was read (a bound name over a unit), per track in track order.
        checker.onNote = { note in
            OutputSink.shared.flush()
            StandardStream.error("note: \(note)\n")
        }
        let report = checker.check(tracks: track.map { [$0] }, answers: answers)
        OutputSink.shared.flush()
        // Mission text is the author's: shown with control characters made visible.
        MissionCLI.say("check \(Sanitized.line(file)): \"\(Sanitized.line(mission.title))\"")
        for l in report.lines { MissionCLI.say(Sanitized.text(l)) }
        for f in report.failures { StandardStream.error("error: \(Sanitized.text(f))\n") }
        if report.ok {
            MissionCLI.say("ok: \(Sanitized.line(file)) is valid")
            return 0
        }
        MissionCLI.say("\(report.failures.count) problem\(report.failures.count == 1 ? "" : "s") in \(Sanitized.line(file))")
        return 1
    }
}

extension CheckRequest {
    /// A plain script (no mission header): its names and dimensions, checked without running
    /// it. 0 valid, 1 a certain dimension error or an unknown name, 65 it does not parse.
    func checkScript(_ file: String, _ text: String, _ runner: Runner) -> Int32 {
        let session: Session
        switch runner.makeSession() {
        case .failure(let e): runner.report(e); return 65
        case .success(let s): session = s
        }
        MissionCLI.say("check \(Sanitized.line(file)): a script (names and dimensions, checked without running it)")
        // Every certain dimension error, not only the definitions' that a run refuses.
        let errors: [NapkinError]
        do {
            errors = DimensionChecker(interpreter: session.interpreter).check(try session.parse(text, name: file))
        } catch {
            runner.report(error)
            return error.phase == .parse ? 65 : 1
        }
        for e in errors { runner.report(e) }
        if errors.isEmpty {
            MissionCLI.say("ok: \(Sanitized.line(file)) is valid")
            return 0
        }
        MissionCLI.say("\(errors.count) problem\(errors.count == 1 ? "" : "s") in \(Sanitized.line(file))")
        return 1
    }
}

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Verify or show a mission ledger.",
        subcommands: [Verify.self, Show.self, Class.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a ledger's hash chain; report the first edited, reordered or deleted entry.",
            discussion: HelpText.fitted("""
            With --receipts, also check that the ledger passes through every receipt
            code in FILE (the codes its locks printed, handed in as the class went: a
            poll's or a form's export, anything with one code per line). A ledger
            rewritten after a receipt was handed in no longer holds it. Exit codes:
            0 ok, 1 the chain is broken or a receipt is missing, 64 usage.
            """))
        @Argument(help: ArgumentHelp("The ledger (.jsonl) file.", valueName: "FILE"))
        var file: String

        @Option(help: ArgumentHelp("Receipt codes handed in for this ledger, to check it passes through each.", valueName: "FILE"))
        var receipts: String?

        func run() throws {
            guard MissionCLI.readText(file) != nil else { MissionCLI.fail("cannot read '\(file)'"); throw ExitCode(64) }
            var codes: [(code: String, line: Int, context: String)] = []
            if let r = receipts {
                guard let text = MissionCLI.readText(r) else { MissionCLI.fail("cannot read '\(r)'"); throw ExitCode(64) }
                codes = Ledger.receipts(in: text)
                if codes.isEmpty { MissionCLI.fail("no receipt codes (XXXX-XXXX-XXXX) in '\(r)'"); throw ExitCode(64) }
            }
            let v = try Ledger.verify(path: file)
            if let p = v.problem {
                StandardStream.error("ledger \(Sanitized.line(file)) does not verify: \(Sanitized.line(p))\n")
                throw ExitCode(1)
            }
            let finished = v.entries.contains { $0.type == "finish" }
            MissionCLI.say("ok: \(file): \(v.entries.count) entries, hash chain intact\(finished ? ", mission finished" : ", mission not finished")")
            guard receipts != nil else { return }
            let check = ReceiptCheck(entries: v.entries)
            var missing = 0
            for c in codes {
                if let e = check.entry(for: c.code) {
                    MissionCLI.say("  receipt \(c.code) ✓ entry \(e.seq): \(ReceiptCheck.describe(e))")
                } else {
                    missing += 1
                    MissionCLI.say("  receipt \(c.code) ✗ not in this ledger (receipts file, line \(c.line))")
                }
            }
            let handedIn = Set(codes.map(\.code))
            for e in check.receiptEntries where !handedIn.contains(Ledger.receipt(of: e)) {
                MissionCLI.say("  (entry \(e.seq), \(ReceiptCheck.describe(e)): receipt \(Ledger.receipt(of: e)) was not handed in)")
            }
            if missing > 0 {
                StandardStream.error("ledger \(Sanitized.line(file)) does not pass through \(missing) of \(codes.count) receipt\(codes.count == 1 ? "" : "s"): it was rewritten after they were handed in, or they belong to another ledger\n")
                throw ExitCode(1)
            }
            MissionCLI.say("ok: the ledger passes through all \(codes.count) receipt\(codes.count == 1 ? "" : "s")")
        }
    }

    struct Class: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "class",
            abstract: "A class report: every ledger's chain, its locks and whether their receipts were handed in.",
            discussion: HelpText.fitted("""
            Give the receipts the class handed in (one file: a form's or a poll's
            export, with names or anything else on each line beside the code) and every
            student's ledger. For each ledger: does its chain verify, which of its
            locks' receipts were handed in. Then every handed-in receipt that no ledger
            passes through: the ledger it came from was rewritten afterwards (or was not
            collected). Exit codes: 0 every ledger verifies and every receipt is
            accounted for, 1 otherwise, 64 usage.
            """))
        @Option(help: ArgumentHelp("The receipt codes the class handed in.", valueName: "FILE"))
        var receipts: String

        @Argument(help: ArgumentHelp("The students' ledgers.", valueName: "LEDGER"))
        var ledgers: [String]

        func run() throws {
            guard let text = MissionCLI.readText(receipts) else { MissionCLI.fail("cannot read '\(receipts)'"); throw ExitCode(64) }
            let codes = Ledger.receipts(in: text)
            guard !ledgers.isEmpty else { MissionCLI.fail("give the ledgers to report on"); throw ExitCode(64) }
            var matched = Set<String>()
            var bad = 0
            MissionCLI.say("Class report: \(ledgers.count) ledger\(ledgers.count == 1 ? "" : "s"), \(codes.count) receipt\(codes.count == 1 ? "" : "s") handed in")
            let handedIn = Set(codes.map(\.code))
            for path in ledgers {
                guard MissionCLI.readText(path) != nil, let v = try? Ledger.verify(path: path) else {
                    MissionCLI.say("\n✗ \(Sanitized.line(path)): cannot read it"); bad += 1; continue
                }
                let start = v.entries.first { $0.type == "start" }
                let finished = v.entries.contains { $0.type == "finish" }
                let head = "\(Sanitized.line(path)) — \(Sanitized.line(start?["mission"] ?? "?")), track \(Sanitized.line(start?["track"] ?? "?")), \(finished ? "finished" : "not finished")"
                if let p = v.problem { MissionCLI.say("\n✗ \(head)\n    the chain does not verify: \(Sanitized.line(p))"); bad += 1 } else { MissionCLI.say("\n✓ \(head)") }
                let check = ReceiptCheck(entries: v.entries)
                for e in check.receiptEntries {
                    let code = Ledger.receipt(of: e)
                    let given = handedIn.contains(code)
                    if given { matched.insert(code) }
                    MissionCLI.say("    \(given ? "✓" : "·") \(code)  \(ReceiptCheck.describe(e))\(given ? "" : "  (not handed in)")")
                }
            }
            let orphans = codes.filter { !matched.contains($0.code) }
            if !orphans.isEmpty {
                MissionCLI.say("\nReceipts no ledger passes through (its ledger was rewritten after they were handed in, or is missing):")
                for o in orphans { MissionCLI.say("  ✗ \(o.code)  receipts file, line \(o.line): \(Sanitized.line(o.context))") }
            }
            if bad > 0 || !orphans.isEmpty { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print a ledger's report: predictions vs reveals, goals and tries, reflections.")
        @Argument(help: ArgumentHelp("The ledger (.jsonl) file.", valueName: "FILE"))
        var file: String

        @Flag(help: "Print Markdown (for submission).")
        var markdown = false

        func run() throws {
            guard MissionCLI.readText(file) != nil else { MissionCLI.fail("cannot read '\(file)'"); throw ExitCode(64) }
            let v = try Ledger.verify(path: file)
            let report = LedgerReport(entries: v.entries)
            // Every field is the student's or the mission's text: control characters made visible.
            MissionCLI.say(Sanitized.text(markdown ? report.markdown() : report.text()), terminator: "")
            if let p = v.problem {
                StandardStream.error("warning: the ledger does not verify (\(Sanitized.line(p))); the report stops before that entry\n")
                throw ExitCode(1)
            }
        }
    }
}

/// Which entries of a ledger carry receipts (locked answers and the finish), by code.
struct ReceiptCheck {
    let receiptEntries: [LedgerEntry]
    let byCode: [String: LedgerEntry]
    init(entries: [LedgerEntry]) {
        receiptEntries = entries.filter { $0.type == "answer" || $0.type == "finish" }
        var d: [String: LedgerEntry] = [:]
        // Every entry's code counts as passed through (a receipt names the chain head there).
        for e in entries { d[Ledger.receipt(of: e)] = e }
        byCode = d
    }
    func entry(for code: String) -> LedgerEntry? { byCode[code] }

    static func describe(_ e: LedgerEntry) -> String {
        switch e.type {
        case "answer": return Sanitized.line("lock '\(e["id"] ?? "?")' = \(e["display"] ?? e["value"] ?? "?")")
        case "finish": return "mission finished"
        default: return Sanitized.line(e.type)
        }
    }
}
