import Foundation
import NapkinCore
import NapkinREPL

/// The interactive mission: questions on a line-editing prompt (or plain lines when stdin is
/// not a terminal), and each part's workbench in the napkin REPL with the workbench's
/// commands (:done, :try, :goals, :hint, :peek, :show) added.
public final class TerminalIO: MissionIO {
    let options: REPL.Options
    var editor: LineEditor?

    public init(options: REPL.Options) {
        self.options = options
    }

    public func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
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
            FileHandle.standardOutput.write(Data(prompt.utf8))
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
            repl.banner = "workbench for \"\(bench.part.title)\": napkin as usual, plus :done :try :goals :hint :peek :show"
            repl.hostCommand = { [unowned repl] name, arg in
                guard bench.command(name, arg) else { return false }
                if bench.done { repl.stop() }
                return true
            }
            repl.afterEntry = { line in bench.afterLine(line) }
            _ = repl.run()
        } catch {
            say(error.render())
        }
    }
}
