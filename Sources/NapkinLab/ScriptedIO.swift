import Foundation
import NapkinInstruments
import NapkinCore

/// Answers from an answers file; output to a closure (stdout, or a string for tests).
public final class ScriptedIO: MissionIO {
    public let answers: Answers
    public var track: String
    public private(set) var transcript = ""
    let echo: ((String) -> Void)?
    /// A fallback for answers the file lacks (the terminal, in `napkin run --answers`).
    let fallback: MissionIO?
    /// Without a fallback a wrong answer in the file is an error, not a question asked again.
    public var strict: Bool { fallback == nil }

    public init(answers: Answers, track: String, echo: ((String) -> Void)? = nil, fallback: MissionIO? = nil) {
        self.answers = answers
        self.track = track
        self.echo = echo
        self.fallback = fallback
    }

    /// A fixed page (80 × 40 unless set), so transcripts do not depend on the terminal.
    public var style = RenderStyle(width: 80)
    public var rows = 40

    public func say(_ text: String) {
        let t = wrapLongLines(text, width: style.width)
        transcript += t + "\n"
        echo?(t)
    }

    /// The question the file answered last: asked again at once, the file's answer was not
    /// taken (empty, or not a choice), and giving it again would ask forever.
    private var answeredLast: String?
    /// Questions whose answer in the file was not taken: from then on only the fallback (the
    /// terminal) answers them, so the file and the terminal do not take turns.
    private var notTaken: Set<String> = []

    public func ask(_ prompt: String, id: String) -> String? {
        if id == "track" { return answers.track ?? fallback?.ask(prompt, id: id) }
        if answeredLast == id { notTaken.insert(id) }
        if !notTaken.contains(id), let a = answers.answer(id, track: track) {
            answeredLast = id
            say(prompt + Sanitized.line(a))
            return a
        }
        answeredLast = nil
        return fallback?.ask(prompt, id: id)
    }

    public func runWorkbench(_ bench: WorkbenchSession) {
        if let lines = answers.workbenchLines(part: bench.part.id, track: track) {
            for line in lines {
                say(bench.prompt + Sanitized.line(line))
                bench.input(line)
                if bench.done { return }
            }
            _ = bench.command("done", "")
            return
        }
        if let fallback { fallback.runWorkbench(bench) } else { _ = bench.command("done", "") }
    }
}
