import ArgumentParser
import Foundation
import NapkinCore
import NapkinInstruments
import NapkinLibrary
import NapkinREPL
import NapkinServe

/// Runs napkin source for the command line: results to stdout, errors to stderr, an exit code back.
struct Runner {
    let options: RunSettings
    /// Present mode, the browser mirror, the handout (`napkin run`'s lecture-room options).
    var room = RoomSettings()
    /// Set when a figure or table could not be exported: the run then exits 70.
    let exportFailed = SharedFlag()
    /// `--html`: the run is also written as a handout.
    var handout: HandoutRecorder?

    var colorErrors: Bool { useColor(fd: STDERR_FILENO) }

    func useColor(fd: Int32) -> Bool {
        if options.noColor { return false }
        let env = ProcessInfo.processInfo.environment
        if env["NO_COLOR"].map({ !$0.isEmpty }) ?? false { return false }
        if env["TERM"] == "dumb" { return false }
        return isatty(fd) == 1
    }

    func finish(_ code: Int32) throws {
        FileHandle.standardOutput.synchronizeFile()
        if code != 0 { throw ExitCode(code) }
    }

    /// A session with the prelude; for a one-shot run of `sources`, only the files they need (the
    /// whole of it when library folders are loaded too, since those may name anything). `quiet`:
    /// what it prints is dropped, the libraries' output included (`napkin check`'s sessions: the
    /// mission's loading already showed it).
    func makeSession(for sources: [String]? = nil, quiet: Bool = false) -> Result<Session, NapkinError> {
        do {
            let style = RenderStyle.fromEnvironment(isTerminal: isatty(STDOUT_FILENO) == 1, noColorFlag: options.noColor)
            let session = if let sources, options.libraries.isEmpty { try Prelude.makeSession(for: sources) } else { try Prelude.makeSession() }
            session.interpreter.asciiOnly = !style.unicode
            Instruments.install(into: session.interpreter, style: style)
            session.interpreter.digits = options.digits
            session.interpreter.limits = options.limits
            session.interpreter.cores = options.cores
            if quiet {
                session.interpreter.emit = { _ in }
                try LibraryFolders.load(options.libraries, into: session)
                return .success(session)
            }
            let out = OutputSink.shared
            let handout = self.handout
            session.interpreter.emit = { out.line($0); handout?.printed($0) }
            if let handout { session.onStatement = { handout.begin($0) } }

            let exporter = FigureExporter(directory: options.svgDir, format: options.format)
            session.onResult = { [unowned session] v in
                handout?.result(v, session.interpreter)
                do {
                    if let data = try exporter.data(v, session.interpreter) {
                        out.line(data)
                        return
                    }
                    out.line(try session.interpreter.describe(v))
                    try exporter.export(v, session.interpreter)
                } catch let error as NapkinError {
                    // Stopped while showing it (Ctrl-C, --timeout): the run ends with that error.
                    if error.phase == .cancelled { return }
                    // An export that fails (the --svg-dir is a file, the disk is full) fails the run.
                    report(error)
                    exportFailed.set()
                } catch {}
            }
            try LibraryFolders.load(options.libraries, into: session)
            // How a line of the user's was read (a bound name over a unit): after its result, on stderr.
            session.onNote = { note in
                out.flush()
                StandardStream.error("note: \(note)\n")
            }
            return .success(session)
        } catch {
            return .failure(error)
        }
    }

    func report(_ e: NapkinError) {
        OutputSink.shared.flush()
        StandardStream.error(e.render(color: colorErrors))
    }

    func runSource(_ source: String, name: String) -> Int32 {
        runSources([(source, name)])
    }

    /// Several programs (repeated -e) run in order in one session; the first failure stops them.
    func runSources(_ sources: [(text: String, name: String)]) -> Int32 {
        Session.onLargeStack {
            switch makeSession(for: sources.map(\.text)) {
            case .failure(let e):
                report(e)
                return e.phase.exitCode
            case .success(let session):
                // Every caller exits right after the run: freeing the prelude's globals and syntax
                // trees one by one would only delay the exit (about a twentieth of a start-up).
                defer { _ = Unmanaged.passRetained(session) }
                // --timeout: a watchdog stops the evaluation the way Ctrl-C does.
                var watchdog: DispatchSourceTimer?
                let timedOut = SharedFlag()
                if let seconds = options.timeout {
                    let cancel = session.interpreter.cancel
                    let timer = DispatchSource.makeTimerSource(queue: .global())
                    timer.schedule(deadline: .now() + seconds)
                    timer.setEventHandler { timedOut.set(); cancel.set() }
                    timer.resume()
                    watchdog = timer
                }
                defer { watchdog?.cancel() }
                do {
                    for (source, name) in sources { try session.run(source, name: name) }
                    OutputSink.shared.flush()
                    if let handout, !handout.write(ok: true) { return 73 }
                    return exportFailed.isSet ? 70 : 0
                } catch let error as NapkinError {
                    var e = error
                    if e.phase == .cancelled, timedOut.isSet, let seconds = options.timeout {
                        e = NapkinError(.runtime, "stopped after \(formatNumber(seconds, digits: 4)) s (--timeout)", at: error.span,
                                        notes: ["give it longer with --timeout, or a smaller sweep"])
                    }
                    handout?.failed(e)
                    _ = handout?.write(ok: false)
                    report(e)
                    return e.phase.exitCode
                } catch {
                    return 70
                }
            }
        }
    }

    func runData(_ data: Data, name: String) -> Int32 {
        guard let text = String(data: data, encoding: .utf8) else {
            let bad = firstInvalidUTF8(data)
            StandardStream.error("error: \(name) is not UTF-8 text (invalid byte at offset \(bad))\n")
            return 65
        }
        return runSource(text, name: name)
    }

    func runFile(_ path: String) -> Int32 {
        if let why = InputFile.whyUnreadable(path) {
            StandardStream.error("error: cannot read '\(path)': \(why)\n")
            return 64
        }
        return runData(InputFile.contents(path) ?? Data(), name: path)
    }


    func firstInvalidUTF8(_ data: Data) -> Int {
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let n = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            if n == 0 || i + n > bytes.count { return i }
            for k in 1..<n where bytes[i + k] >> 6 != 0b10 { return i }
            i += n
        }
        return i
    }

    /// The interactive session (NapkinREPL): line editing, history, completion, :commands.
    /// With `startFile` (`napkin -i FILE`) the file runs first and the session keeps what it
    /// defined; `initFile` runs $XDG_CONFIG_HOME/napkin/init.lab (if there is one) before that.
    func interactive(startFile: String? = nil, initFile: Bool = true) -> Int32 {
        if let startFile, let problem = InputFile.whyUnreadable(startFile) {
            StandardStream.error("error: cannot read '\(startFile)': \(problem)\n")
            return 64
        }
        return Session.onLargeStack {
            OutputSink.shared.flush()
            var opts = REPL.Options.forTerminal(noColor: options.noColor, version: napkinVersion)
            opts.digits = options.digits
            opts.lineTimeout = options.timeout
            opts.present = room.present
            do {
                let repl = try REPL(options: opts) { () throws(NapkinError) -> Session in
                    switch makeSession() {
                    case .success(let s): return s
                    case .failure(let e): throw e
                    }
                }
                if initFile, let path = REPL.initFilePath(), FileManager.default.fileExists(atPath: path) { repl.runInitFile(path) }
                if let startFile { repl.start(from: startFile) }
                repl.mirrorHost = room.host
                if let port = room.servePort, !repl.startMirror(host: room.host, port: port) { return 64 }
                defer { repl.mirror?.stop() }
                return repl.run()
            } catch let error as NapkinError {
                report(error)
                return error.phase.exitCode
            } catch {
                return 70
            }
        }
    }
}

/// A one-way switch shared between threads (a watchdog, an export callback).
final class SharedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// Buffers stdout so a million-line print stays fast, and flushes before errors.
final class OutputSink: @unchecked Sendable {
    static let shared = OutputSink()
    private var buffer = ""
    /// Sessions on several threads (`napkin check` runs tracks at once) may print.
    private let lock = NSLock()

    func line(_ s: String) {
        lock.lock()
        defer { lock.unlock() }
        buffer += s
        buffer += "\n"
        if buffer.utf8.count > 1 << 16 { flushLocked() }
    }

    func flush() {
        lock.lock()
        defer { lock.unlock() }
        flushLocked()
    }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        StandardStream.output(buffer)
        buffer = ""
    }
}
