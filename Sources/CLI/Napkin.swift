import ArgumentParser
import Foundation
import NapkinCore
import NapkinLibrary

/// Options every way of running napkin shares.
struct CommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Significant digits in results (1-17).", valueName: "N"))
    var digits: Int = 4

    @Flag(name: .customLong("no-color"), help: "Never colour output (NO_COLOR and TERM=dumb also turn colour off).")
    var noColor = false

    @Option(name: .customLong("svg-dir"), help: ArgumentHelp("Also write every figure as an SVG file into this folder.", valueName: "DIR"))
    var svgDir: String?

    @Option(help: ArgumentHelp("Print every result as data: csv, json or md (Markdown), numbers in full, units in the headers.", valueName: "FORMAT"))
    var format: TableFormat?

    @Option(name: .customLong("lib"), help: ArgumentHelp("Load every .lab file in DIR (in name order) after the library; repeatable.", valueName: "DIR"), completion: .directory)
    var libraries: [String] = []

    @Option(name: .customLong("max-depth"), help: ArgumentHelp("Deepest recursion allowed.", valueName: "CALLS"))
    var maxDepth = Limits().maxCallDepth

    @Option(name: .customLong("max-sweep"), help: ArgumentHelp("Most points one sweep may have.", valueName: "POINTS"))
    var maxSweep = Limits().maxSweepPoints

    @Option(name: .customLong("max-list"), help: ArgumentHelp("Longest list a range or concatenation may make.", valueName: "ITEMS"))
    var maxList = Limits().maxListLength

    @Option(name: .customLong("max-string"), help: ArgumentHelp("Longest string, in bytes.", valueName: "BYTES"))
    var maxString = Limits().maxStringLength

    @Option(name: .customLong("max-memory"),
            help: ArgumentHelp("Memory the session may use, e.g. 500M or 2G (default: half the machine's memory, at most 4G, and within ulimit -v).",
                               valueName: "SIZE"))
    var maxMemory: String?

    @Option(help: ArgumentHelp("Stop a program (or each REPL line) that runs longer than this.", valueName: "SECONDS"))
    var timeout: Double?

    @Option(help: ArgumentHelp("Cores a sweep of sweeps, or napkin check's tracks, may use (default: all, up to 8; results are the same).", valueName: "N"))
    var cores = Interpreter.defaultCores

    func validate() throws {
        guard (1...17).contains(digits) else { throw ValidationError("--digits must be from 1 to 17, got \(digits)") }
        guard maxDepth > 0, maxSweep > 0, maxList > 0, maxString > 0 else { throw ValidationError("limits must be positive") }
        // Deeper napkin recursion than this would overflow the evaluator's native stack.
        guard maxDepth <= Limits.deepestSafeRecursion else {
            throw ValidationError("--max-depth can be at most \(Limits.deepestSafeRecursion)")
        }
        if let timeout { guard timeout > 0 else { throw ValidationError("--timeout must be positive") } }
        if let maxMemory, MemoryBudget.parse(maxMemory) == nil {
            throw ValidationError("--max-memory takes a size such as 500M, 2G or 1500000000 (bytes), got '\(maxMemory)'")
        }
        guard (1...64).contains(cores) else { throw ValidationError("--cores must be from 1 to 64, got \(cores)") }
        for dir in libraries {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--lib \(dir): no such folder")
            }
        }
    }

    var limits: Limits {
        var l = Limits()
        l.maxCallDepth = maxDepth
        l.maxSweepPoints = maxSweep
        l.maxListLength = maxList
        l.maxStringLength = maxString
        if let m = maxMemory.flatMap(MemoryBudget.parse) { l.maxMemory = m }
        return l
    }

    var settings: RunSettings {
        RunSettings(digits: digits, noColor: noColor, svgDir: svgDir, format: format, limits: limits, timeout: timeout, cores: cores,
                    libraries: libraries)
    }
}

/// How a program runs, whether the options came from the command line or are the defaults.
struct RunSettings {
    var digits = 4
    var noColor = false
    var svgDir: String?
    var format: TableFormat?
    var limits = Limits()
    var timeout: Double?
    var cores = Interpreter.defaultCores
    var libraries: [String] = []
}

@main
struct Napkin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "napkin",
        abstract: "A units-aware calculator language for the physics of ML systems.",
        discussion: HelpText.fitted("""
        With no arguments napkin opens an interactive session when standard input is a
        terminal, and otherwise runs the program it reads from standard input:

          napkin -e '1 TB / 10 Gbit/s'        13.33 min [Time]
          echo '700 W * 30 days -> MWh' | napkin
          napkin run Samples/demos/jevons.lab
          napkin -e 'let d = 1 TB' -e 'd / 10 Gbit/s'
          napkin -i Samples/sessions/datacenter.lab   run it, then stay interactive
          napkin --format csv -e 'sweep x 1...3 < x * 2 W >'
          napkin info celsius
          napkin search water

        Exit codes: 0 ok, 64 usage, 65 parse/name/dimension error, 70 runtime or
        assertion failure, 74 standard output could not be written (a full disk).
        """),
        version: napkinVersion,
        subcommands: [Run.self, Eval.self, Check.self, LedgerCommand.self, Info.self, List.self, Search.self],
        // `napkin FILE`, `napkin -e EXPR` and plain `napkin` are all `run`, so shebang lines work.
        defaultSubcommand: Run.self
    )

    /// The plain forms (`napkin -e EXPR`, `napkin FILE`, `napkin`, `napkin check FILE…`) start
    /// without the argument parser, whose reflection costs about 4 ms on every start; everything
    /// else goes through it.
    static func main() {
        // Past a file-size limit (`ulimit -f`) a write fails (EFBIG) rather than the kernel
        // ending the process with SIGXFSZ: output is then given up quietly and a ledger that
        // cannot grow ends the run with exit 74, as for a full disk.
        signal(SIGXFSZ, SIG_IGN)
        // Likewise a pipe whose reader went away: the write fails (EPIPE) and is reported (an
        // output file) or given up (standard output), instead of the kernel ending the session.
        signal(SIGPIPE, SIG_IGN)
        let args = Array(CommandLine.arguments.dropFirst())
        if let code = QuickStart.run(args) { finish(code) }
        // The parser lays out help and usage errors at least `ParserWidth.narrowest` wide; the
        // command itself runs with the terminal's own width.
        let columns = ParserWidth.widen()
        do {
            var command = try parseAsRoot(RoomOptions.withServePort(args))
            columns.restore()
            try command.run()
        } catch {
            _ = ParserWidth.widen()
            reportLostOutput()
            exit(withError: error)
        }
        finish(0)
    }

    /// Ends the run with `code`; when standard output could not be written (a full disk, a
    /// file-size limit), says so and ends with 74 (EX_IOERR) instead of a success: results
    /// that were lost must not look delivered.
    static func finish(_ code: Int32) -> Never {
        reportLostOutput()
        Foundation.exit(code == 0 && StandardStream.outputFailure != nil ? 74 : code)
    }

    static func reportLostOutput() {
        if let why = StandardStream.outputFailure { StandardStream.error("napkin: cannot write standard output: \(why)\n") }
    }
}

/// `run` with default options, for the argument lists that need no parsing.
enum QuickStart {
    static let words: Set<String> = ["run", "eval", "check", "ledger", "info", "list", "search", "help"]

    /// The exit code, or nil when the arguments need the full parser.
    static func run(_ args: [String]) -> Int32? {
        let runner = Runner(options: RunSettings())
        let code: Int32
        if args.count == 2, args[0] == "-e" {
            code = runner.runSource(args[1], name: "<expr>")
        } else if args.count == 1, let file = args.first, !file.hasPrefix("-"), !words.contains(file), !MissionCLI.isMissionFile(file) {
            code = runner.runFile(file)
        } else if args.isEmpty, isatty(STDIN_FILENO) == 1 {
            code = runner.interactive()
        } else if let files = plainCheck(args) {
            code = CheckRequest(files: files).run()
        } else {
            return nil
        }
        FileHandle.standardOutput.synchronizeFile()
        return code
    }

    /// The files of `napkin check FILE… [--all-tracks]` (every track is the default), when that is
    /// all the arguments say; nil for anything the parser must read (another option, help, no file).
    static func plainCheck(_ args: [String]) -> [String]? {
        guard args.first == "check" else { return nil }
        var rest = Array(args.dropFirst())
        if let i = rest.firstIndex(of: "--all-tracks") { rest.remove(at: i) }
        guard !rest.isEmpty, rest.allSatisfy({ !$0.hasPrefix("-") && !words.contains($0) }) else { return nil }
        return rest
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a .lab file, an expression (-e), standard input, or an interactive session.")

    @Option(name: .customShort("e"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Evaluate an expression (or program) and exit; several -e run in order in one session.", valueName: "EXPR"))
    var expressions: [String] = []

    @Option(name: .customShort("i"), help: ArgumentHelp("Run FILE, then stay in an interactive session with its definitions.", valueName: "FILE"),
            completion: .file(extensions: ["lab"]))
    var startFile: String?

    @Flag(name: .customLong("no-init"), help: "Do not run the init file ($XDG_CONFIG_HOME/napkin/init.lab) in an interactive session.")
    var noInit = false

    @Argument(help: ArgumentHelp("The .lab file to run; without it, standard input or the interactive session.", valueName: "FILE"),
              completion: .file(extensions: ["lab"]))
    var file: String?

    @OptionGroup var options: CommonOptions

    @OptionGroup(title: "Lab missions") var mission: MissionOptions

    @OptionGroup(title: "Lecture room") var room: RoomOptions

    func validate() throws {
        if !expressions.isEmpty && file != nil { throw ValidationError("give either -e EXPR or a FILE, not both") }
        if startFile != nil && (file != nil || !expressions.isEmpty) { throw ValidationError("-i FILE starts a session: give no other FILE or -e") }
        if let startFile, MissionCLI.isMissionFile(startFile) {
            throw ValidationError("\(startFile) is a lab mission: run it with 'napkin run \(startFile)' (-i starts a session from definitions)")
        }
    }

    func run() throws {
        var runner = Runner(options: options.settings)
        runner.room = room.settings
        if expressions.isEmpty, startFile == nil, (file.map(MissionCLI.isMissionFile) ?? false) || (file == nil && mission.resume != nil) {
            if room.html != nil { throw ValidationError("--html writes a napkin program's handout; a mission's record is its ledger (napkin ledger show --markdown)") }
            try runner.finish(MissionCLI.run(file: file, options: mission, common: options, room: room.settings))
            return
        }
        try room.check(interactive: expressions.isEmpty && file == nil && (startFile != nil || isatty(STDIN_FILENO) == 1))
        if let html = room.html { runner.handout = HandoutRecorder(path: html, name: file ?? (expressions.isEmpty ? "<stdin>" : "<expr>")) }
        if mission.used { throw ValidationError("--track, --resume, --ledger and --answers are for mission scripts (a .lab file that starts with 'mission')") }
        if !expressions.isEmpty {
            let names = expressions.count == 1 ? ["<expr>"] : expressions.indices.map { "<expr \($0 + 1)>" }
            try runner.finish(runner.runSources(Array(zip(expressions, names))))
        } else if let file {
            try runner.finish(runner.runFile(file))
        } else if startFile != nil || isatty(STDIN_FILENO) == 1 {
            try runner.finish(runner.interactive(startFile: startFile, initFile: !noInit))
        } else {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            try runner.finish(runner.runData(data, name: "<stdin>"))
        }
    }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate an expression and print the result.")

    @Argument(help: ArgumentHelp("The expression (or several statements separated by ';').", valueName: "EXPR"))
    var expression: String

    @OptionGroup var options: CommonOptions

    func run() throws {
        let runner = Runner(options: options.settings)
        try runner.finish(runner.runSource(expression, name: "<expr>"))
    }
}

/// The release and the commit it was built from (NapkinBuildInfo.commit, stamped by Plugins/StampVersion).
let napkinVersion = "0.1.0 (\(NapkinBuildInfo.commit))"

enum TableFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, json, md
}
