import Foundation
import NapkinCore
import NapkinInstruments

/// The session-start and everyday commands: the init file, `-i FILE`, `:search`, `:export`
/// and `:color`.
extension REPL {
    // MARK: Starting a session

    /// `$XDG_CONFIG_HOME/napkin/init.lab`, else `~/.config/napkin/init.lab`.
    public static func initFilePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/napkin/init.lab" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/napkin/init.lab"
    }

    /// Runs the init file as if its lines were typed (napkin lines and `:commands` such as
    /// `:digits 6` or `:color off`), quietly: only results, prints and errors show.
    public func runInitFile(_ path: String) {
        initFile = path
        runningInitFile = true
        defer { runningInitFile = false }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return fail("cannot read the init file '\(path)' as UTF-8 text")
        }
        var pending = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty {
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                if trimmed.hasPrefix(":") {
                    command(trimmed)
                    out = ""  // the commands' confirmations; their errors went to stderr
                    continue
                }
            }
            pending += (pending.isEmpty ? "" : "\n") + line
            if evaluate(pending, final: false, name: path) { pending = "" }
        }
        if !pending.isEmpty { evaluate(pending, final: true, name: path) }
        flush()
    }

    /// `napkin -i FILE`: the file runs in the session, which then stays open. Like `napkin FILE`
    /// it stops at the first error, shown at its file:line; unlike `:load` (all or nothing),
    /// everything the file defined before that error stays: a lecturer's start is not lost to
    /// one bad line.
    public func start(from path: String) {
        defer { flush() }
        guard let text = readSource(path) else { return }
        let before = Set(session.interpreter.globals.keys)
        var stoppedAt: Int?
        if let error = runKeeping(text, name: path) {
            // The statement that failed as it ran (the error itself may sit in a function above it).
            let ranTo = lastStatementLine
            let line = ranTo ?? error.span.flatMap { s in s.file?.name == path ? s.file?.location(of: s.start).line : nil }
            // A parse or name error stops the whole file before it runs: run the lines above it.
            if ranTo == nil, error.phase == .parse || error.phase == .name, let l = line, l > 1 {
                let above = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(l - 1).joined(separator: "\n")
                if (try? session.parse(above, name: path)) != nil { _ = runKeeping(above, name: path) }
            }
            stoppedAt = line ?? 0
            report(error)
        }
        let added = session.interpreter.globals.keys.filter { !before.contains($0) && !$0.hasPrefix("__") && $0 != "ans" && $0 != "_" }
        let names = added.isEmpty ? "nothing defined" : added.sorted().joined(separator: ", ")
        if let stoppedAt {
            say(style.dim("loaded \(path) up to the error" + (stoppedAt > 0 ? " at line \(stoppedAt)" : "") + ": \(names); the rest of the file did not run"))
        } else if !added.isEmpty {
            say(style.dim("loaded \(path): " + names))
        }
    }

    /// Runs `text` keeping what each statement did until one fails (the error is returned):
    /// the statements that ran are recorded for `:save`.
    func runKeeping(_ text: String, name: String) -> NapkinError? {
        var last: Stmt?
        let saved = session.onStatement
        session.onStatement = { stmt in last = stmt; saved?(stmt) }
        defer { session.onStatement = saved }
        lastStatementLine = nil
        do {
            try session.run(text, name: name)
            recordDefinitions(text, name: name)
            return nil
        } catch {
            if let last, let file = last.span.file {
                let ran = String(String.UnicodeScalarView(Array(text.unicodeScalars).prefix(last.span.start)))
                recordDefinitions(ran, name: name)
                lastStatementLine = file.location(of: last.span.start).line
            }
            return error
        }
    }

    /// A file's text, or nil after saying why it cannot be read.
    func readSource(_ arg: String) -> String? {
        let path = (arg as NSString).expandingTildeInPath
        if let why = InputFile.whyUnreadable(path) {
            fail("cannot read '\(arg)': \(why)")
            return nil
        }
        guard let data = InputFile.contents(path) else {
            fail("cannot read '\(arg)': it is not readable")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            fail("'\(arg)' is not UTF-8 text")
            return nil
        }
        return text
    }

    // MARK: :search

    // MARK: :export

    /// `:export FILE`: the last result as CSV, JSON or Markdown (by FILE's extension), numbers in
    /// full. Like :svg and :save, it writes only the file the user typed.
    func export(_ arg: String) {
        guard !arg.isEmpty else { return fail("usage: :export FILE.csv (or .json, .md)") }
        guard let format = DataExport.format(forPath: arg) else {
            return fail("say the format by the file's extension: .csv, .json or .md (got '\(arg)')")
        }
        guard let value = last.value else { return fail("no result yet: compute something first, e.g. sweep x 1...10 < x^2 >") }
        do {
            let text = try DataExport.render(value, format: format, interpreter: session.interpreter)
            try OutputFile.write(text + "\n", toFile: (arg as NSString).expandingTildeInPath)
            say("wrote the last \(value.typeName) to \(arg) as \(format.rawValue)")
        } catch {
            // The file's own error names it (OutputFile).
            fail(error.message)
        }
    }

    // MARK: :color

    /// `:color on|off`: colour for results, errors and figures (the init file's usual line).
    func color(_ arg: String) {
        switch arg.lowercased() {
        case "": say("colour is \(style.enabled ? "on" : "off")")
        case "on", "off":
            let on = arg.lowercased() == "on"
            style = Style(enabled: on)
            options.errorColor = on
            applyFigureColor(session)
            say("colour \(on ? "on" : "off")")
        default: fail(":color takes on or off")
        }
    }

    /// Figures follow the REPL's colour setting (also in a fresh session after :reset).
    func applyFigureColor(_ s: Session) {
        var render = RenderStyle.fromEnvironment(isTerminal: true, noColorFlag: !style.enabled)
        render.color = render.color && style.enabled
        Instruments.install(into: s.interpreter, style: render)
    }
}
