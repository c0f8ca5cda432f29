import Foundation
import TestSupport
import Testing

/// End-to-end: the real `napkin` binary on a pseudo-terminal, typed into like a person would.
@Suite(.serialized)
struct TerminalTests {
    static let prompt = "napkin> "

    func start(_ args: [String] = [], env: [String: String] = [:]) throws -> (PTYProcess, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-repl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var e = ["NAPKIN_HISTORY": dir.appendingPathComponent("history").path, "HOME": dir.path]
        for (k, v) in env { e[k] = v }
        let p = try PTYProcess(arguments: args, environment: e)
        return (p, dir)
    }

    func finish(_ p: PTYProcess, _ dir: URL) {
        p.close()
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func printsAResult() throws {
        let (p, dir) = try start()
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "no prompt: \(p.tail)")
        p.send("1 TB / 10 Gbit/s\r")
        #expect(p.expect("13.33 min [Time]"), "no result: \(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
    }

    @Test("a bound name read where a unit could continue the literal: the result carries a note")
    func boundNameOverUnitIsNoted() throws {
        let (p, dir) = try start(env: ["NO_COLOR": "1"])
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("let s = 3\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("3 m/s\r")
        #expect(p.expect("1 m [Length]"), "\(p.tail)")
        #expect(p.expect("note: 's' was read as your value s, not the unit s (second)"), "\(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
    }

    @Test func completesARecordField() throws {
        let (p, dir) = try start()
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("let hw = { peak_bf16: 989 TFLOPS, mem_bw: 3.35 TB/s }\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        // Two fields share no prefix: Tab lists them.
        p.send("hw.\t")
        #expect(p.expect("peak_bf16"), "no listing: \(p.tail)")
        #expect(p.expect("mem_bw"), "no listing: \(p.tail)")
        // A unique prefix completes in place.
        p.send("pe\t\r")
        #expect(p.expect("hw.peak_bf16"), "not completed: \(p.tail)")
        #expect(p.expect("989 TFLOPS [ComputeRate]"), "no value: \(p.tail)")
        // Word breaks include operators: 3*kil<Tab>.
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("3*kil\t\r")
        #expect(p.expect("3*kilogram"), "operator word break: \(p.tail)")
        #expect(p.expect("[Mass]"), "\(p.tail)")
    }

    @Test func upArrowRecallsTheLastLine() throws {
        let (p, dir) = try start()
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("6 * 7\r")
        #expect(p.expect("42"))
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("\u{1B}[A")
        #expect(p.expect("6 * 7"), "nothing recalled: \(p.tail)")
        p.send(" + 1\r")
        #expect(p.expect("43"), "recalled line not run: \(p.tail)")
    }

    @Test func multiLineFunction() throws {
        let (p, dir) = try start()
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("fn twice(x) =\r")
        #expect(p.expect("..."), "no continuation prompt: \(p.tail)")
        p.send("  x * 2\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("twice(21 W)\r")
        #expect(p.expect("42 W [Power]"), "\(p.tail)")
        // An open bracket continues too, and ans is the last result.
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("[1,\r")
        #expect(p.expect("..."))
        p.send("2]\r")
        #expect(p.expect("[1, 2]"))
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("ans\r")
        #expect(p.expect("[1, 2]"), "ans: \(p.tail)")
    }

    @Test func ctrlCCancelsALongSweep() throws {
        let (p, dir) = try start(["--max-sweep", "100000000"])
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("let kept = 5 W\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("fn fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2)\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("sweep x 1...9000000 < fib(18) + x >\r")
        #expect(p.expect("fib(18) + x >"))
        // Ctrl-C raises SIGINT only once the line has been taken and the evaluation runs;
        // on a busy machine, try again rather than fail on timing.
        var cancelled = false
        for _ in 0..<5 where !cancelled {
            Thread.sleep(forTimeInterval: 0.5)
            p.send("\u{3}")
            cancelled = p.expect("cancelled", timeout: 6)
        }
        try #require(cancelled, "not cancelled: \(p.tail)")
        try #require(p.expect(Self.prompt), "no prompt after cancel: \(p.tail)")
        p.send("kept * 2\r")
        #expect(p.expect("10 W [Power]"), "session not intact: \(p.tail)")
        // Ctrl-C at the prompt throws the line away.
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("this is not napkin")
        p.sendKey("\u{3}")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("2 * 3\r")
        #expect(p.expect("6"), "\(p.tail)")
        #expect(!p.text.contains("error"), "\(p.text)")
    }

    @Test func timeoutStopsARunawayLineAndKeepsTheSession() throws {
        let (p, dir) = try start(["--timeout", "1"])
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("fn slow(n) = if n < 2 then n else slow(n - 1) + slow(n - 2)\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("slow(40)\r")
        #expect(p.expect("--timeout", timeout: 20), "not stopped: \(p.tail)")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("slow(10)\r")
        #expect(p.expect("55"), "session not intact: \(p.tail)")
    }

    @Test func historyIsWrittenToNapkinHistory() throws {
        let (p, dir) = try start()
        defer { finish(p, dir) }
        let file = dir.appendingPathComponent("history").path
        try #require(p.expect(Self.prompt), "\(p.tail)")
        for line in ["1 + 2", "1 + 2", "", "3 W * 2 h"] {
            p.send(line + "\r")
            #expect(p.expect(Self.prompt))
        }
        // Appended after every line, before the session ends.
        let during = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        #expect(during == "1 + 2\n3 W * 2 h\n", "history file: \(during.debugDescription)")
        #expect(p.endInput() == 0)

        // A new session recalls it with the up arrow.
        let p2 = try PTYProcess(environment: ["NAPKIN_HISTORY": file, "HOME": dir.path])
        defer { p2.close() }
        #expect(p2.expect(Self.prompt))
        p2.send("\u{1B}[A\r")
        #expect(p2.expect("21.6 kJ [Energy]"), "\(p2.tail)")
    }

    @Test func ctrlDExitsWithZero() throws {
        let (p, dir) = try start()
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        #expect(p.endInput() == 0)
        #expect(p.text.hasSuffix("\n"), "no newline at exit: \(p.text.debugDescription)")
    }

    @Test func commands() throws {
        let (p, dir) = try start()
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("knob eta = 2 in 1...10 \"efficiency\"\r")
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send(":knobs\r")
        #expect(p.expect("eta "), "\(p.tail)")
        #expect(p.expect("= 2"), "\(p.tail)")
        #expect(p.expect("in 1...10"), "\(p.tail)")
        p.send(":type 3 W * 2 h\r")
        #expect(p.expect("Energy [kg·m²/s²]"), "\(p.tail)")
        p.send(":info kWh\r")
        #expect(p.expect("unit of Energy"), "\(p.tail)")
        p.send(":units 1 kWh\r")
        #expect(p.expect("3.6e6"), "\(p.tail)")
        p.send(":save \(dir.path)/saved.lab\r")
        #expect(p.expect("saved 1 definition"), "\(p.tail)")
        let saved = (try? String(contentsOfFile: dir.path + "/saved.lab", encoding: .utf8)) ?? ""
        #expect(saved.contains("knob eta = 2 in 1...10 \"efficiency\""))
        p.send(":reset\r")
        #expect(p.expect("session reset"))
        p.send(":load \(dir.path)/saved.lab\r")
        #expect(p.expect("loaded"), "\(p.tail)")
        p.send("eta * 3\r")
        #expect(p.expect("6"), "\(p.tail)")
        p.send(":quit\r")
        #expect(p.waitExit() == 0)
    }

    @Test func colourOnlyWhenAllowed() throws {
        let (p, dir) = try start(env: ["NO_COLOR": ""])
        defer { finish(p, dir) }
        try #require(p.expect(Self.prompt), "\(p.tail)")
        p.send("2 W\r")
        #expect(p.expect("[Power]"))
        #expect(String(decoding: p.raw, as: UTF8.self).contains("\u{1B}[35m[Power]"))

        let (q, dir2) = try start(["--no-color"], env: ["NO_COLOR": ""])
        defer { finish(q, dir2) }
        #expect(q.expect(Self.prompt))
        q.send("2 W\r")
        #expect(q.expect("[Power]"))
        #expect(!String(decoding: q.raw, as: UTF8.self).contains("\u{1B}[35m"))
    }
}
