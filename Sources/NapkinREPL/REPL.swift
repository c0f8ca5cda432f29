import CEditLineShim
import Foundation
import NapkinCore
import NapkinInstruments
import NapkinServe

/// The interactive session: reads lines (with libedit on a terminal), runs each one
/// transactionally, prints results in colour, and answers `:commands`.
public final class REPL {
    public struct Options {
        public var color: Bool
        public var errorColor: Bool
        public var version: String
        /// The history file; nil keeps no history.
        public var historyPath: String?
        /// Use libedit (needs a terminal on stdin and stdout).
        public var lineEditing: Bool
        public var digits: Int?
        /// Each line may run this long before it is stopped as if by Ctrl-C (`--timeout`).
        public var lineTimeout: Double?
        /// Present mode (`--present`, `:present on`): full-screen figures and a big readout.
        public var present = false

        public init(color: Bool, errorColor: Bool, version: String, historyPath: String?, lineEditing: Bool, digits: Int? = nil) {
            self.color = color
            self.errorColor = errorColor
            self.version = version
            self.historyPath = historyPath
            self.lineEditing = lineEditing
            self.digits = digits
        }

        /// The defaults for a process: colour and editing on a terminal, history only when stdin is one.
        public static func forTerminal(noColor: Bool, version: String) -> Options {
            let env = ProcessInfo.processInfo.environment
            let stdinTTY = isatty(STDIN_FILENO) == 1, stdoutTTY = isatty(STDOUT_FILENO) == 1
            let colorOff = noColor || !(env["NO_COLOR"] ?? "").isEmpty || env["TERM"] == "dumb"
            return Options(color: !colorOff && stdoutTTY, errorColor: !colorOff && isatty(STDERR_FILENO) == 1,
                           version: version,
                           historyPath: stdinTTY ? HistoryFile.defaultPath() : nil,
                           lineEditing: stdinTTY && stdoutTTY)
        }
    }

    var options: Options
    let makeSession: () throws(NapkinError) -> Session
    public private(set) var session: Session
    var editor: LineEditor?
    var history: HistoryFile?
    var style: Style
    /// Source text of every successful definition, for :save.
    var definitions: [String] = []
    let last = LastValue()
    /// The last figure shown, for `:svg FILE`.
    var lastFigure: Figure?
    /// The init file this session ran (it runs again after :reset).
    var initFile: String?
    /// True while the init file's lines run (`:reset` is refused there).
    var runningInitFile = false
    /// The line of the statement that failed in the last `runKeeping` (for `-i FILE`).
    var lastStatementLine: Int?
    var out = ""
    var quit = false
    /// Set when a command reports an error (for `napkin info` / `napkin list` exit codes).
    var failed = false

    // Hooks for a host that runs the REPL inside something larger (the mission workbench).
    /// The prompt for a new entry.
    public var prompt = "napkin> "
    /// The line shown when an editing session starts; nil shows napkin's own.
    public var banner: String?
    /// A host's own `:commands`, tried before the REPL's; returns true when it handled one.
    public var hostCommand: ((_ name: String, _ argument: String) -> Bool)?
    /// Called after each entry has run (whether or not it succeeded).
    public var afterEntry: ((String) -> Void)?
    /// Ends `run()` after the current entry.
    public func stop() { quit = true }

    // The room view (Room.swift).
    /// Present mode is on: figures fill the terminal, the last result gets a big readout.
    public var presenting = false
    /// The browser mirror this session shows itself in (`--serve`, `:serve`).
    public var mirror: MirrorServer?
    /// The knobs the mirror offers as sliders (a workbench's own); nil offers every knob.
    public var mirrorKnobs: [String]?
    /// Values and figures of the entry being run, for the mirror and the readout.
    var entryValues: [Value] = []
    /// What the entry printed, without its figures (the page shows those as SVG).
    var entryText = ""
    /// The entry being run is a move from the page.
    var entryFromPage = false
    /// Knob values before the entry ran, to tell whether it moved one.
    var knobsBefore: [String: String] = [:]
    /// The last entry that drew a figure: drawn again when a knob moves (present mode, mirror).
    var figureSource: String?
    /// The address `:serve` listens on (`--host`).
    public var mirrorHost = "127.0.0.1"
    /// The page's title.
    public var mirrorTitle = "napkin"

    public init(options: Options, makeSession: @escaping () throws(NapkinError) -> Session) throws(NapkinError) {
        self.options = options
        self.makeSession = makeSession
        self.style = Style(enabled: options.color)
        self.session = try makeSession()
        self.presenting = options.present
        configure(session)
    }

    // MARK: Session set-up

    /// Hooks a session's output to the REPL and makes `ans` / `_` follow the last result.
    func configure(_ s: Session) {
        let interp = s.interpreter
        let last = self.last
        interp.register(Builtin(name: LastValue.builtinName, parameters: [], minArgs: 0, maxArgs: 0,
                                doc: "the REPL's last result") { _, _, _ in last.value ?? .nothing })
        if let digits = options.digits { interp.digits = digits }
        interp.emit = { [unowned self] line in
            self.out += line + "\n"
            if self.mirror != nil { self.entryText += line + "\n" }
        }
        s.onResult = { [unowned self, unowned interp] v in
            if self.presenting || self.mirror != nil { self.entryValues.append(v) }
            let text: String
            if self.presenting, case .figure(let f) = v, let slide = self.presentFigure(f) {
                // A slide clears the screen: its own write, so the terminal gate (StandardStream)
                // sees napkin's clear-screen at the start, where it lets it through.
                self.flush()
                StandardStream.output(slide + "\n")
                text = ""
            } else {
                do { text = try self.style.shown(v, interp) } catch {
                    if (error as? NapkinError)?.phase == .cancelled { return }  // Ctrl-C or --timeout while showing it: the line fails
                    text = (try? interp.describe(v)) ?? "?"
                }
            }
            if !text.isEmpty || !v.isFigure { self.out += text + "\n" }
            if self.mirror != nil, !v.isFigure { self.entryText += ((try? interp.describe(v)) ?? text) + "\n" }
            self.last.value = v
            if case .figure(let f) = v { self.lastFigure = f }
            for name in ["ans", "_"] {
                _ = try? interp.execute(self.last.bindingStatement(name))
            }
        }
        s.onNote = { [unowned self] note in self.out += self.style.dim("note: " + note) + "\n" }
        napkin_install_sigint(interp.cancel.pointer)
        if !style.enabled && options.color { applyFigureColor(s) }  // after :color off
    }

    // MARK: The loop

    /// Runs until :quit or Ctrl-D; returns the exit code.
    public func run() -> Int32 {
        setupLocale()
        if let path = options.historyPath {
            let h = HistoryFile(path: path)
            history = h
            if let why = h.unusable { fail(why) }
        }
        if options.lineEditing {
            editor = LineEditor(program: "napkin") { [unowned self] line in
                Completer(session: self.session).complete(line)
            }
            watchMirror()
            for line in history?.entries ?? [] { editor?.addHistory(line) }
        }
        if options.lineEditing {
            StandardStream.output(style.dim(banner ?? "napkin \(options.version) — units-aware napkin math. :help for help, Tab completes, Ctrl-D quits.") + "\n")
        }
        var pending = ""
        while !quit {
            let prompt = pending.isEmpty ? style.prompt(self.prompt) : style.prompt("   ...  ")
            let read = readLine(prompt: prompt)
            let line: String
            switch read {
            case .eof:
                if options.lineEditing || !pending.isEmpty { StandardStream.output("\n") }
                if !pending.isEmpty, !options.lineEditing { evaluate(pending, final: true) }
                flush()
                return 0
            case .interrupted:
                pending = ""
                continue
            case .line(let l):
                line = l
            }
            if let h = history, h.accepts(line) {
                h.add(line)
            }
            if let e = editor, !line.trimmingCharacters(in: .whitespaces).isEmpty { e.addHistory(line) }

            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty {
                if trimmed.isEmpty { continue }
                if trimmed.hasPrefix(":") {
                    command(trimmed)
                    flush()
                    continue
                }
            }
            pending += (pending.isEmpty ? "" : "\n") + line
            if evaluate(pending, final: trimmed.isEmpty) {
                if let afterEntry { flush(); afterEntry(pending) }
                pending = ""
            }
        }
        flush()
        return 0
    }

    func readLine(prompt: String) -> LineRead {
        if let editor { return editor.read(prompt: prompt) }
        // Without a line editor, moves from the page wait for the next line.
        applyMirrorMoves()
        if options.lineEditing || isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 {
            StandardStream.output(prompt)
        }
        guard let l = Swift.readLine(strippingNewline: true) else { return .eof }
        return .line(l)
    }

    /// Runs `source` as one transaction. Returns false when it is unfinished and more lines
    /// should be read (unless `final`, when the unfinished input is reported as an error).
    @discardableResult
    func evaluate(_ source: String, final: Bool, name: String = "<repl>") -> Bool {
        session.interpreter.cancel.clear()
        // A runaway line stops by itself after --timeout; the session survives it.
        var watchdog: DispatchSourceTimer?
        if let seconds = options.lineTimeout {
            let cancel = session.interpreter.cancel
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + seconds)
            timer.setEventHandler { cancel.set() }
            timer.resume()
            watchdog = timer
        }
        defer { watchdog?.cancel() }
        entryValues = []
        knobsBefore = presenting || mirror != nil ? knobValues() : [:]
        do {
            try session.run(source, name: name, transactional: true)
            finishEntry(source)
            flush()
            recordDefinitions(source, name: name)
            return true
        } catch {
            if error.phase == .parse, error.message.hasSuffix("found end of input"), !final {
                out = ""
                return false
            }
            report(error)
            publishEntry(source, output: error.render(color: false), error: true)
            return true
        }
    }

    func recordDefinitions(_ source: String, name: String) {
        guard let stmts = try? Parser.parse(SourceFile(name: name, text: source), units: session.unitNames.copy()) else { return }
        for s in stmts {
            if case .expr = s.kind { continue }
            if case .assert = s.kind { continue }
            let text = s.span.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { definitions.append(text) }
        }
    }

    func report(_ e: NapkinError) {
        flush()
        var text = e.render(color: options.errorColor)
        if e.phase == .cancelled {
            let why = options.lineTimeout.map { "cancelled (or stopped after \(formatNumber($0, digits: 4)) s, --timeout)" } ?? "cancelled"
            text = "\n" + style.error(why) + " — the session is as it was before this line.\n"
        }
        StandardStream.error(text)
    }

    func say(_ s: String) { out += s + (s.hasSuffix("\n") ? "" : "\n") }

    func fail(_ s: String) {
        failed = true
        flush()
        StandardStream.error(style.error("error") + ": " + s + "\n")
    }

    func flush() {
        guard !out.isEmpty else { return }
        StandardStream.output(out)
        out = ""
    }

    func setupLocale() {
        setlocale(LC_ALL, "")
        if let cs = nl_langinfo(nl_item(CODESET)), String(cString: cs) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        setlocale(LC_NUMERIC, "C")  // numbers always print with a '.'
    }

    // MARK: Commands

    /// Runs one `:command` without a terminal (`napkin info h100` is `:info h100`); false if it failed.
    public func runCommand(_ text: String) -> Bool {
        failed = false
        command(text)
        flush()
        return !failed
    }

    func command(_ text: String) {
        let body = text.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace })
        let arg = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        if let hostCommand, hostCommand(name, arg) { return }
        guard let c = Commands.find(name) else {
            let known = Commands.all.map(\.name)
            let hint = suggestions(for: name, among: known).first.map { " — did you mean :\($0)?" } ?? ""
            fail("unknown command ':\(name)'\(hint) (:help lists them)")
            return
        }
        switch c.name {
        case "help": help(arg)
        case "info": ask { $0.info(arg) }
        case "type": type(arg)
        case "list": ask { $0.list(arg) }
        case "units": conformableUnits(arg)
        case "knobs": ask { $0.knobs() }
        case "digits": digits(arg)
        case "load": load(arg)
        case "save": save(arg)
        case "svg": svg(arg)
        case "export": export(arg)
        case "search": ask { $0.search(arg) }
        case "color": color(arg)
        case "reset": reset()
        case "present": presentCommand(arg)
        case "serve": serveCommand(arg)
        case "quit": quit = true
        default: break
        }
    }

    func help(_ topic: String) {
        switch topic {
        case "":
            say("""
            Type napkin: \(style.code("1 TB / 10 Gbit/s")), \(style.code("let x = 3 W * 2 h")), \(style.code("fn f(a) = a * 2")), \(style.code("knob k = 1 in 0...10 \"what\"")).
            Convert with ->. ans (or _) is the last result. An unfinished line continues on a '...' prompt.

            Commands:
            """)
            let width = Commands.all.map { $0.shortUsage.count }.max() ?? 10
            for c in Commands.all { say("  " + style.code(c.shortUsage.padding(toLength: width, withPad: " ", startingAt: 0)) + "  " + firstSentence(c.help)) }
            say("\nMore: :help keys, :help language, :help units, :help knobs, :help sweep, :help COMMAND, :info NAME")
        case "keys": say(Commands.keys)
        case "commands": for c in Commands.all { say(style.code(c.usage) + "\n    " + c.help) }
        case "language": say(Commands.language)
        case "units": say(Commands.unitsHelp)
        case "knobs": say(Commands.knobsHelp)
        case "sweep": say(Commands.sweepHelp)
        default:
            let t = topic.hasPrefix(":") ? String(topic.dropFirst()) : topic
            if let c = Commands.find(t) {
                var aliases = ""
                if !c.aliases.isEmpty { aliases = " (also " + c.aliases.map { ":" + $0 }.joined(separator: ", ") + ")" }
                say(style.code(c.usage) + aliases + "\n    " + c.help)
            } else {
                ask { $0.info(topic) }
            }
        }
    }

    func firstSentence(_ s: String) -> String {
        if let r = s.range(of: ". ") { return String(s[..<r.lowerBound]) + "." }
        return s
    }

    /// Evaluates `source` without changing the session or printing anything.
    func peek(_ source: String) throws(NapkinError) -> Value? {
        let interp = session.interpreter
        let snapshot = interp.snapshot()
        defer { interp.restore(snapshot) }
        interp.cancel.clear()
        let stmts = try session.parse(source, name: "<repl>")
        var result: Value?
        for s in stmts { result = try interp.execute(s, in: stmts) }
        return result
    }

    func type(_ expr: String) {
        guard !expr.isEmpty else { return fail("usage: :type EXPR") }
        do {
            guard let v = try peek(expr) else { return say("nothing") }
            if case .quantity(let q) = v {
                let u = session.interpreter.units
                say(q.dim.isNone ? "a plain number" : style.dimension(u.describe(q.dim)))
            } else {
                say(v.typeName)
            }
        } catch {
            report(error)
        }
    }

    /// A question for the library catalog (:info, :list, :knobs, :search), printed as usual.
    func ask(_ question: (Catalog) -> Void) {
        let (lines, error) = Catalog(session: session, style: style).answer(question)
        for l in lines { say(l) }
        if let error { fail(error) }
    }

    func conformableUnits(_ expr: String) {
        guard !expr.isEmpty else { return fail("usage: :units EXPR (for example :units 1 kWh)") }
        do {
            guard case .quantity(let q)? = try peek(expr) else { return fail("':units' needs a quantity") }
            let units = session.interpreter.units
            let matches = Catalog(session: session, style: style).primaryUnits().filter { $0.dim == q.dim }
            say(style.dimension(q.dim.isNone ? "a plain number" : units.describe(q.dim)) + " — \(matches.count) unit\(matches.count == 1 ? "" : "s"):")
            let digits = session.interpreter.digits
            let width = min(14, (matches.map { $0.name.count }.max() ?? 1))
            for u in matches {
                let value = formatNumber(q.value / u.factor, digits: digits)
                say("  " + style.unit(u.name.padding(toLength: width, withPad: " ", startingAt: 0)) + "  " + value +
                    (u.aliases.isEmpty ? "" : style.dim("   (" + u.aliases.joined(separator: ", ") + ")")))
            }
            if matches.isEmpty { say("  (no named unit; in base units: \(units.baseUnits(of: q.dim)))") }
        } catch {
            report(error)
        }
    }

    func digits(_ arg: String) {
        if arg.isEmpty { return say("digits: \(session.interpreter.digits)") }
        guard let n = Int(arg), (1...17).contains(n) else { return fail(":digits takes a whole number from 1 to 17") }
        session.interpreter.digits = n
        say("results now show \(n) significant digit\(n == 1 ? "" : "s")")
    }

    func load(_ arg: String) {
        guard !arg.isEmpty else { return fail("usage: :load FILE") }
        guard let text = readSource(arg) else { return }
        let before = Set(session.interpreter.globals.keys)
        evaluate(text, final: true, name: arg)
        let added = session.interpreter.globals.keys.filter { !before.contains($0) && !$0.hasPrefix("__") && $0 != "ans" && $0 != "_" }
        if !added.isEmpty { say(style.dim("loaded \(arg): " + added.sorted().joined(separator: ", "))) }
    }

    /// `:svg FILE`: the last figure as SVG (the one place the REPL writes a file the user named).
    func svg(_ arg: String) {
        guard !arg.isEmpty else { return fail("usage: :svg FILE") }
        guard let figure = lastFigure else { return fail("no figure yet: draw one first, e.g. plot(sweep x 1...10 < x^2 >)") }
        let path = (arg as NSString).expandingTildeInPath
        do {
            let text = try Instruments.renderSVG(figure, digits: session.interpreter.digits)
            try OutputFile.write(text, toFile: path)
            say("wrote \(figure.kind) figure to \(arg)")
        } catch {
            // The file's own error names it (OutputFile).
            fail(error.message)
        }
    }

    func save(_ arg: String) {
        guard !arg.isEmpty else { return fail("usage: :save FILE") }
        let path = (arg as NSString).expandingTildeInPath
        var text = "# napkin session saved with :save — run it with: napkin \(arg)\n\n"
        text += definitions.joined(separator: "\n") + (definitions.isEmpty ? "" : "\n")
        do {
            try OutputFile.write(text, toFile: path)
            say("saved \(definitions.count) definition\(definitions.count == 1 ? "" : "s") to \(arg)")
        } catch {
            fail(error.message)
        }
    }

    func reset() {
        // `:reset` runs the init file again: from the init file it would never end.
        guard !runningInitFile else { return fail(":reset cannot run from the init file (it runs the init file again)") }
        do {
            let fresh = try makeSession()
            configure(fresh)  // installs the new cancel flag before the old one goes away
            session = fresh
            definitions = []
            last.value = nil
            figureSource = nil
            if let initFile { runInitFile(initFile) }
            say("session reset: only the library is defined" + (initFile == nil ? "" : " (and your init file has run again)"))
            mirror?.publish(knobs: knobViews())
        } catch {
            report(error)
        }
    }
}

/// The last result, for `ans` and `_`.
final class LastValue: @unchecked Sendable {
    static let builtinName = "__repl_last_result"
    var value: Value?
    let file = SourceFile(name: "<repl:ans>", text: "the last result")

    func bindingStatement(_ name: String) -> Stmt {
        let span = Span(0, file.text.utf8.count, file: file)
        let call = Expr(.call(Expr(.name(LastValue.builtinName), span), []), span)
        return Stmt(.let(name: name, nameSpan: span, value: call, doc: nil), span)
    }
}
