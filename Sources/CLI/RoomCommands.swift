import ArgumentParser
import Foundation
import NapkinCore
import NapkinInstruments
import NapkinREPL
import NapkinServe

/// The lecture-room options of `napkin run`: present mode, the browser mirror, handouts.
struct RoomOptions: ParsableArguments {
    @Flag(help: "Present mode: figures fill the terminal, results also show in big digits, workbench moves redraw in place.")
    var present = false

    @Option(help: ArgumentHelp("Mirror the session (or lab) in a browser page on this port (--serve alone: \(REPL.defaultPort); 0 picks a free one).", valueName: "PORT"))
    var serve: UInt16?

    @Option(help: ArgumentHelp("The address --serve listens on (default 127.0.0.1: this machine only).", valueName: "ADDRESS"))
    var host: String?

    @Option(help: ArgumentHelp("Also write the run as one self-contained HTML page: inputs, results, figures inline.", valueName: "OUT.html"))
    var html: String?

    func validate() throws {
        if host != nil && serve == nil { throw ValidationError("--host is for --serve") }
        if let html, html.isEmpty { throw ValidationError("--html needs a file name") }
    }

    /// What a plain (not mission) run can do with these: present and serve are for a session.
    func check(interactive: Bool) throws {
        if !interactive, serve != nil { throw ValidationError("--serve mirrors an interactive session or a lab mission, not a program that runs and exits") }
        if !interactive, present { throw ValidationError("--present is for an interactive session or a lab mission") }
        if interactive, html != nil { throw ValidationError("--html writes the handout of a program file: napkin run FILE --html OUT.html") }
    }

    var settings: RoomSettings { RoomSettings(present: present, servePort: serve, host: host ?? "127.0.0.1", html: html) }

    /// `--serve` may stand without its port: the default is put in, so the parser sees a value.
    static func withServePort(_ args: [String]) -> [String] {
        var out: [String] = []
        for (i, a) in args.enumerated() {
            out.append(a)
            if a == "--serve", i + 1 >= args.count || UInt16(args[i + 1]) == nil { out.append("\(REPL.defaultPort)") }
        }
        return out
    }
}

struct RoomSettings {
    var present = false
    var servePort: UInt16?
    var host = "127.0.0.1"
    var html: String?
}

/// Collects a program's statements and what each printed, for `--html`.
final class HandoutRecorder {
    let path: String
    let name: String
    /// The program's text, known from its first statement.
    private var source: SourceFile?
    private var blocks: [Handout.Block] = []
    private var current: EntryView?
    private var lastEnd = 0

    init(path: String, name: String) {
        self.path = path
        self.name = name
    }

    /// A statement is about to run: the comments above it become prose.
    func begin(_ stmt: Stmt) {
        close()
        if source == nil, let f = stmt.span.file, f.name == name { source = f }
        if let source, stmt.span.fileID == source.id, stmt.span.start >= lastEnd {
            prose(between: lastEnd, and: stmt.span.start)
            lastEnd = stmt.span.end
        }
        current = EntryView(kind: .input, input: stmt.span.text.trimmingCharacters(in: .whitespacesAndNewlines), output: "")
    }

    func printed(_ line: String) {
        if current == nil { current = EntryView(kind: .input, input: "", output: "") }
        current?.output += line + "\n"
    }

    func result(_ v: Value, _ interp: Interpreter) {
        if current == nil { current = EntryView(kind: .input, input: "", output: "") }
        switch v {
        case .figure(let f):
            if let svg = try? Instruments.renderSVG(f, digits: interp.digits) { current?.figures.append(svg) }
        case .quantity(let q):
            let (number, unit) = interp.formatter.split(q)
            current?.readout = EntryView.Readout(number: number, unit: unit == "1" ? "" : unit, dimension: interp.units.name(of: q.dim))
            current?.output += ((try? interp.describe(v)) ?? "") + "\n"
        default:
            current?.readout = nil
            current?.output += ((try? interp.describe(v)) ?? "") + "\n"
        }
    }

    func failed(_ e: NapkinError) {
        if current == nil { current = EntryView(kind: .input, input: "", output: "") }
        current?.output += e.render(color: false)
        current?.error = true
        current?.readout = nil
    }

    func close() {
        if var e = current {
            while e.output.hasSuffix("\n") { e.output.removeLast() }
            blocks.append(.entry(e))
        }
        current = nil
    }

    /// Comment lines between two offsets, as paragraphs (a blank line or code starts a new one).
    func prose(between start: Int, and end: Int) {
        guard let source else { return }
        let bytes = Array(source.text.utf8)
        guard start < end, end <= bytes.count else { return }
        let gap = String(decoding: bytes[start..<end], as: UTF8.self)
        var paragraph: [String] = []
        func flushParagraph() {
            if !paragraph.isEmpty { blocks.append(.prose(paragraph.joined(separator: " "))) }
            paragraph = []
        }
        for raw in gap.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#!") { continue }
            if line.hasPrefix("#") {
                let text = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { flushParagraph() } else { paragraph.append(text) }
            } else {
                flushParagraph()
            }
        }
        flushParagraph()
    }

    /// Writes the page; false (with the reason on stderr) when it cannot.
    func write(ok: Bool) -> Bool {
        close()
        if let source {
            prose(between: lastEnd, and: source.text.utf8.count)
            lastEnd = source.text.utf8.count
        }
        let title = (name as NSString).lastPathComponent
        let page = Handout.render(title: title, blocks: blocks,
                                  footer: "Written by napkin \(napkinVersion) from \(title)" + (ok ? "." : " (the run stopped at an error)."))
        do {
            try OutputFile.write(page, toFile: path)
            return true
        } catch {
            StandardStream.error("error: \(error.message)\n")
            return false
        }
    }
}
