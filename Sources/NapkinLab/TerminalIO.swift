import Foundation
import NapkinCore
import NapkinREPL
import NapkinInstruments

/// The interactive mission: questions on a line-editing prompt (or plain lines when stdin is
/// not a terminal), and each part's workbench in the napkin REPL with the workbench's
/// commands (:done, :try, :goals, :hint, :peek, :show) added.
public final class TerminalIO: MissionIO {
    let options: REPL.Options
    var editor: LineEditor?

    public init(options: REPL.Options) {
        self.options = options
    }

    /// Asked afresh each time, so a resized terminal is used at once.
    public var style: RenderStyle {
        var s = RenderStyle.fromEnvironment(isTerminal: isatty(STDOUT_FILENO) == 1, noColorFlag: !options.color)
        var ws = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { s.width = max(30, Int(ws.ws_col)) }
        return s
    }

    public var rows: Int {
        var ws = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0 { return Int(ws.ws_row) }
        return Int(ProcessInfo.processInfo.environment["LINES"] ?? "") ?? 40
    }

    public func say(_ text: String) {
        StandardStream.output(wrapLongLines(text, width: style.width) + "\n")
    }

    public func ask(_ prompt: String, id: String) -> String? {
        if options.lineEditing {
            if editor == nil { editor = LineEditor(program: "napkin") { _ in .none } }
            if let editor {
                while true {
                    switch editor.read(prompt: prompt) {
                    case .line(let l): return l
                    case .interrupted: continue
                    case .eof: return nil
                    }
                }
            }
        }
        if isatty(STDIN_FILENO) == 1 {
            StandardStream.output(prompt)
        }
        return Swift.readLine(strippingNewline: true)
    }

    public func runWorkbench(_ bench: WorkbenchSession) {
        let session = bench.session
        let savedEmit = session.interpreter.emit, savedResult = session.onResult
        defer {
            session.interpreter.emit = savedEmit
            session.onResult = savedResult
        }
        do {
            var opts = options
            opts.historyPath = options.historyPath
            let repl = try REPL(options: opts) { () throws(NapkinError) -> Session in session }
            repl.prompt = bench.prompt
            repl.banner = "workbench: napkin as usual, plus the lab commands (:help lists them; :done moves on)"
            repl.hostCommand = { [unowned repl] name, arg in
                guard bench.command(name, arg) else { return false }
                if bench.done { repl.stop() }
                return true
            }
            repl.afterEntry = { [unowned repl] line in
                bench.afterLine(line)
                if bench.done { repl.stop() }  // the ledger could not record the move
            }
            _ = repl.run()
        } catch {
            say(error.render())
        }
    }
}
