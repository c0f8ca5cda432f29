import Foundation
import TestSupport
import Testing

/// Starting a session on a real terminal: the init file, `-i FILE`, `:search`, `:export`.
@Suite(.serialized)
struct SessionStartTerminalTests {
    static let prompt = "napkin> "

    /// A scratch home for one session: its own folder, history file and (when given) init file.
    struct ScratchHome {
        let dir: URL
        init(_ name: String, initFile: String? = nil) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-\(name)-\(UUID().uuidString)")
            let config = dir.appendingPathComponent("config/napkin")
            try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
            try initFile?.write(to: config.appendingPathComponent("init.lab"), atomically: true, encoding: .utf8)
        }
        /// HOME, the history file and the config folder here; no colour.
        var environment: [String: String] {
            ["NAPKIN_HISTORY": dir.appendingPathComponent("history").path, "HOME": dir.path,
             "XDG_CONFIG_HOME": dir.appendingPathComponent("config").path, "NO_COLOR": "1"]
        }
        func remove() { try? FileManager.default.removeItem(at: dir) }
    }

    @Test func initFileAndStartFileOnATerminal() throws {
        let home = try ScratchHome("start", initFile: "# my defaults\n:digits 6\n:color off\n")
        defer { home.remove() }
        let dir = home.dir
        let lecture = dir.appendingPathComponent("lecture.lab")
        try "let rack = 40 kW \"one rack of the lecture's cluster\"\n".write(to: lecture, atomically: true, encoding: .utf8)
        // NO_COLOR empty: colour is on but for the init file's `:color off`.
        var environment = home.environment
        environment["NO_COLOR"] = ""
        let p = try PTYProcess(arguments: ["-i", lecture.path], environment: environment)
        defer { p.close() }
        #expect(p.expect("loaded \(lecture.path): rack"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("rack * 1 h / 7 -> kWh\r")
        #expect(p.expect("5.71429 kWh [Energy]"), "digits 6 from the init file: \(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        #expect(!String(decoding: p.raw, as: UTF8.self).contains("\u{1B}[35m"), ":color off from the init file")
        p.send(":search lecture\r")
        #expect(p.expect("rack"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send(":exp\t")
        #expect(p.expect(":export "), "Tab completes :export: \(p.tail)")
        p.send("\(dir.path)/rack.json\r")
        #expect(p.expect("as json"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        let json = try String(contentsOf: dir.appendingPathComponent("rack.json"), encoding: .utf8)
        #expect(json.contains("\"unit\": \"kWh\"") && json.contains("5.714285714285714"), "\(json)")
        #expect(p.endInput() == 0)
    }

    /// A history file or an export target that is a pipe no program reads blocked the session
    /// for good, Ctrl-C and all (found by the crash hunt).
    @Test func pipesNobodyReadsNeverBlock() throws {
        let home = try ScratchHome("fifo")
        defer { home.remove() }
        let history = try #require(home.environment["NAPKIN_HISTORY"]), export = home.dir.appendingPathComponent("out.csv").path
        #expect(mkfifo(history, 0o600) == 0 && mkfifo(export, 0o600) == 0)
        let p = try PTYProcess(arguments: [], environment: home.environment)
        defer { p.close() }
        #expect(p.expect("is not a regular file: history is kept for this session only"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("sweep x 1...3 < x * 2 W >\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send(":export \(export)\r")
        #expect(p.expect("no program is reading that pipe"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("2 * 21\r")
        #expect(p.expect("42"), "\(p.tail)")
        #expect(p.endInput() == 0)
    }

    /// `:reset` runs the init file again; from the init file it recursed without end (no prompt,
    /// memory growing, Ctrl-C ignored: found by the crash hunt).
    @Test func resetInTheInitFileIsRefused() throws {
        let home = try ScratchHome("init-reset", initFile: "let kept = 3 W\n:reset\n")
        defer { home.remove() }
        let p = try PTYProcess(arguments: [], environment: home.environment)
        defer { p.close() }
        #expect(p.expect(":reset cannot run from the init file"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("kept * 2\r")
        #expect(p.expect("6 W [Power]"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        // At the prompt, :reset still runs the init file again.
        p.send(":reset\r")
        #expect(p.expect("your init file has run again"), "\(p.tail)")
        #expect(p.endInput() == 0)
    }

    @Test("-i FILE with an error: the error at file:line, everything defined before it kept, the session open",
          arguments: [
            ("let c = 1 W + 1 m", "bad.lab:3:13"),                     // a dimension error as it runs
            ("let c = (1 W", "bad.lab:3:"),                            // a parse error: the file never ran
            ("let c = nowhere * 2", "bad.lab:3:9"),                    // a name error: the file never ran
            ("let c = celsius(-300)", "bad.lab:3:9"),                  // raised in the library, shown at the call
          ])
    func startFileWithAnError(_ bad: String, _ location: String) throws {
        let home = try ScratchHome("start-bad")
        defer { home.remove() }
        let file = home.dir.appendingPathComponent("bad.lab")
        try "let rack = 40 kW\nfn hours(e) = e / rack -> h\n\(bad)\nlet after = 7\n".write(to: file, atomically: true, encoding: .utf8)
        let p = try PTYProcess(arguments: ["-i", file.path], environment: home.environment)
        defer { p.close() }
        #expect(p.expect(location), "the error names file:line: \(p.tail)")
        #expect(p.expect("up to the error at line 3: hours, rack"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "the session stays interactive: \(p.tail)")
        p.send("hours(1 MWh)\r")
        #expect(p.expect("25 h [Time]"), "what came before the error is kept: \(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("after\r")
        #expect(p.expect("unknown name 'after'"), "what came after the error did not run: \(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        #expect(p.endInput() == 0)
    }
}
