import ArgumentParser
import Foundation
import NapkinCore
import NapkinLab
import NapkinLibrary
import NapkinREPL

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
    static func fail(_ s: String) {
        OutputSink.shared.flush()
        FileHandle.standardError.write(Data("error: \(s)\n".utf8))
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
    static func load(_ path: String, _ runner: Runner) -> (Mission, Int32)? {
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
                let m = try MissionParser.parse(SourceFile(name: path, text: text), units: s.unitNames)
                return (m, 0)
            } catch {
                runner.report(error)
                return nil
            }
        }
    }

    static func sessionFactory(_ runner: Runner) -> () throws(NapkinError) -> Session {
        return { () throws(NapkinError) -> Session in
            switch runner.makeSession() {
            case .success(let s): return s
            case .failure(let e): throw e
            }
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

    static func run(file: String?, options: MissionOptions, common: CommonOptions) -> Int32 {
        Session.onLargeStack {
            let runner = Runner(options: common.settings)
            var file = file
            if file == nil, let resume = options.resume {
                let v = (try? Ledger.verify(path: resume))
                file = v?.entries.first { $0.type == "start" }?["file"]
                if file == nil { fail("cannot tell which mission '\(resume)' belongs to; give the .lab file too") ; return 64 }
            }
            guard let file else { fail("give the mission's .lab file"); return 64 }
            guard let (mission, _) = load(file, runner) else { return 65 }
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
            do { ledger = try Ledger(path: ledgerPath) } catch {
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
            let terminal = TerminalIO(options: opts)
            let io: MissionIO
            let stdinIsTTY = isatty(STDIN_FILENO) == 1
            if let answers {
                io = ScriptedIO(answers: answers, track: options.track ?? answers.track ?? "", echo: { terminal.say($0) },
                                fallback: stdinIsTTY ? terminal : nil)
            } else {
                io = terminal
            }
            terminal.say("ledger: \(ledgerPath)")
            do {
                let session = try sessionFactory(runner)()
                let mr = try MissionRunner(mission: mission, session: session, ledger: ledger, io: io,
                                           trackID: options.track ?? answers?.track)
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
                OutputSink.shared.flush()
                FileHandle.standardError.write(Data(("error: " + e.description + "\n").utf8))
                return e.napkin?.phase.exitCode ?? 70
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
        abstract: "Validate a lab mission: computed reveals, reachable goals, rendering instruments.",
        discussion: """
        For every track (or the one given), check that each lock's reveal is computed by napkin
        and gives one of its choices (or a number in its range), that each goal is not met at the
        start but is reachable within its tries (a witness setting is printed), and that every
        instrument renders. With --answers, also run the mission from the answers file.
        Exit codes: 0 valid, 1 invalid, 64 usage, 65 the mission does not parse.
        """)

    @Argument(help: ArgumentHelp("The mission (.lab) file.", valueName: "FILE"))
    var file: String

    @Option(help: ArgumentHelp("Also run the mission with the answers in this file.", valueName: "FILE"))
    var answers: String?

    @Option(help: ArgumentHelp("Check only this track.", valueName: "ID"))
    var track: String?

    @Flag(name: .customLong("all-tracks"), help: "Check every track (the default).")
    var allTracks = false

    @OptionGroup var options: CommonOptions

    func validate() throws {
        if track != nil && allTracks { throw ValidationError("give either --track ID or --all-tracks") }
    }

    func run() throws {
        let code: Int32 = Session.onLargeStack {
            let runner = Runner(options: options.settings)
            guard MissionCLI.readText(file) != nil else { MissionCLI.fail("cannot read '\(file)'"); return 64 }
            guard let (mission, _) = MissionCLI.load(file, runner) else { return 65 }
            var answers: Answers?
            if let a = self.answers {
                guard let text = MissionCLI.readText(a) else { MissionCLI.fail("cannot read '\(a)'"); return 64 }
                do { answers = try Answers(text: text) } catch { MissionCLI.fail("\(error)"); return 65 }
            }
            let checker = MissionChecker(mission: mission, makeSession: MissionCLI.sessionFactory(runner))
            let report = checker.check(tracks: track.map { [$0] }, answers: answers)
            OutputSink.shared.flush()
            print("check \(file): \"\(mission.title)\"")
            for l in report.lines { print(l) }
            for f in report.failures { FileHandle.standardError.write(Data("error: \(f)\n".utf8)) }
            if report.ok {
                print("ok: \(file) is valid")
                return 0
            }
            print("\(report.failures.count) problem\(report.failures.count == 1 ? "" : "s") in \(file)")
            return 1
        }
        if code != 0 { throw ExitCode(code) }
    }
}

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Verify or show a mission ledger.",
        subcommands: [Verify.self, Show.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a ledger's hash chain; report the first edited, reordered or deleted entry.")
        @Argument(help: ArgumentHelp("The ledger (.jsonl) file.", valueName: "FILE"))
        var file: String

        func run() throws {
            guard MissionCLI.readText(file) != nil else { MissionCLI.fail("cannot read '\(file)'"); throw ExitCode(64) }
            let v = try Ledger.verify(path: file)
            if let p = v.problem {
                FileHandle.standardError.write(Data("ledger \(file) does not verify: \(p)\n".utf8))
                throw ExitCode(1)
            }
            let finished = v.entries.contains { $0.type == "finish" }
            print("ok: \(file): \(v.entries.count) entries, hash chain intact\(finished ? ", mission finished" : ", mission not finished")")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a ledger's report: predictions vs reveals, goals and tries, reflections.")
        @Argument(help: ArgumentHelp("The ledger (.jsonl) file.", valueName: "FILE"))
        var file: String

        @Flag(help: "Print Markdown (for submission).")
        var markdown = false

        func run() throws {
            guard MissionCLI.readText(file) != nil else { MissionCLI.fail("cannot read '\(file)'"); throw ExitCode(64) }
            let v = try Ledger.verify(path: file)
            let report = LedgerReport(entries: v.entries)
            print(markdown ? report.markdown() : report.text(), terminator: "")
            if let p = v.problem {
                FileHandle.standardError.write(Data("warning: the ledger does not verify (\(p)); the report stops before that entry\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
