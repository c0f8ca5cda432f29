import Foundation
import TestSupport
import Testing

/// Present mode and the mirror through the real binary on a pseudo-terminal, typed into as a
/// lecturer would; page moves are sent the way the page sends them (loopback only).
@Suite("Room view in the terminal", .serialized)
struct RoomTerminalTests {
    func start(_ args: [String], env: [String: String] = [:], rows: UInt16 = 40, columns: UInt16 = 120) throws -> (PTYProcess, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-room-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var e = ["NAPKIN_HISTORY": dir.appendingPathComponent("history").path, "HOME": dir.path]
        for (k, v) in env { e[k] = v }
        return (try PTYProcess(arguments: args, environment: e, rows: rows, columns: columns), dir)
    }

    /// The address napkin printed: port and token.
    func address(_ p: PTYProcess) -> (port: UInt16, token: String)? {
        guard p.expect("#token="), let r = p.text.range(of: #"127\.0\.0\.1:(\d+)/#token=([0-9a-f]{32})"#, options: .regularExpression) else { return nil }
        let s = String(p.text[r])
        let port = UInt16(s.split(separator: ":")[1].prefix { $0.isNumber })!
        return (port, String(s.suffix(32)))
    }

    @Test func presentModeShowsABigReadout() throws {
        let (p, dir) = try start(["--present"], rows: 30, columns: 100)
        defer { p.close(); try? FileManager.default.removeItem(at: dir) }
        try #require(p.expect("napkin> "), "\(p.tail)")
        p.send("1 TB / 10 Gbit/s\r")
        #expect(p.expect("13.33 min [Time]"))
        #expect(p.expect("█   ████     ████  ████"), "big digits: \(p.tail)")
        #expect(p.expect("min  [Time]"), "\(p.tail)")
        try #require(p.expect("napkin> "))
        p.send(":present off\r")
        #expect(p.expect("present mode off"))
        try #require(p.expect("napkin> "))
        p.send("6 * 7\r")
        #expect(p.expect("42"))
        try #require(p.expect("napkin> "))
        #expect(!p.text.split(separator: "42").last!.contains("█"), "no readout once present mode is off")
    }

    @Test func presentModeOnADumbTerminalIsASCII() throws {
        let (p, dir) = try start(["--present"], env: ["TERM": "dumb"], rows: 24, columns: 80)
        defer { p.close(); try? FileManager.default.removeItem(at: dir) }
        try #require(p.expect("napkin> "), "\(p.tail)")
        p.send("700 W * 30 days -> MWh\r")
        #expect(p.expect("0.504 MWh [Energy]"))
        #expect(p.expect("#   #"), "ASCII digits: \(p.tail)")
        #expect(p.expect("MWh  [Energy]"))
        try #require(p.expect("napkin> "))
        p.send("plot(sweep x 1...10 < x * 1 W >)\r")
        try #require(p.expect("napkin> "))
        let after = String(p.text.split(separator: "MWh  [Energy]").last ?? "")
        #expect(after.unicodeScalars.allSatisfy { $0.isASCII }, "nothing but ASCII on a dumb terminal")
        #expect(after.split(separator: "\n").filter { $0.hasSuffix("|") }.count >= 12, "the plot fills the screen: \(after)")
    }

    @Test func aMoveOnThePageMovesTheKnobInTheSession() throws {
        let (p, dir) = try start([])
        defer { p.close(); try? FileManager.default.removeItem(at: dir) }
        try #require(p.expect("napkin> "), "\(p.tail)")
        p.send("knob eta = 2 in 1...10 \"efficiency\"\r")
        try #require(p.expect("napkin> "))
        p.send(":serve 0\r")
        let (port, token) = try #require(address(p), "\(p.tail)")
        try #require(p.expect("napkin> "))
        // Without the token nothing moves; with it, the terminal shows the move as a typed line.
        #expect(post(port, #"{"name": "eta", "value": 7.5}"#, token: nil).status == 403)
        #expect(post(port, #"{"name": "eta", "value": 7.5}"#, token: token).status == 202)
        #expect(p.expect("eta = 7.5   ← moved on the page"), "\(p.tail)")
        try #require(p.expect("napkin> "))
        p.send("eta\r")
        #expect(p.expect("7.5"), "\(p.tail)")
        // The session's rules hold for the page too: out of range is refused, the knob stays.
        try #require(p.expect("napkin> "))
        #expect(post(port, #"{"name": "eta", "value": 50}"#, token: token).status == 202)
        #expect(p.expect("eta = 50   ← moved on the page"))
        #expect(p.expect("outside the knob's range"), "the range check: \(p.tail)")
        try #require(p.expect("napkin> "))
        p.send("eta\r")
        #expect(p.expect("7.5"))
        try #require(p.expect("napkin> "))
        p.send(":serve off\r")
        #expect(p.expect("stopped serving"))
        #expect(get(port, "/").status == 0, "the port is closed")
    }

    @Test func choiceAndToggleKnobsAreListsAndToggles() throws {
        let (p, dir) = try start(["--serve", "0"])
        defer { p.close(); try? FileManager.default.removeItem(at: dir) }
        let (port, token) = try #require(address(p), "\(p.tail)")
        try #require(p.expect("napkin> "), "\(p.tail)")
        p.send("let csv = 1 s; let json = 2 s; let parquet = 3 s\r")
        try #require(p.expect("napkin> "))
        p.send("knob fmt = json in [csv, json, parquet] \"format\"\r")
        try #require(p.expect("napkin> "))
        p.send("knob chip = base in [base: 1 W, green: 2 W] \"hardware\"\r")
        try #require(p.expect("napkin> "))
        let state = get(port, "/state").body
        #expect(state.contains(#""choices":["csv","json","parquet"]"#) && state.contains(#""kind":"choice""#), "\(state.suffix(600))")
        #expect(state.contains(#""choices":["base","green"]"#) && state.contains(#""kind":"toggle""#))
        // The page sends an option by name; the terminal runs it as the line a person would type.
        #expect(post(port, #"{"name": "fmt", "choice": "parquet"}"#, token: token).status == 202)
        #expect(p.expect("fmt = parquet   ← moved on the page"), "\(p.tail)")
        try #require(p.expect("napkin> "))
        #expect(post(port, #"{"name": "chip", "choice": "green"}"#, token: token).status == 202)
        #expect(p.expect("chip = green   ← moved on the page"), "\(p.tail)")
        try #require(p.expect("napkin> "))
        #expect(post(port, #"{"name": "fmt", "choice": "xml"}"#, token: token).status == 400, "only the knob's own options")
        p.send("fmt + 0 s\r")
        #expect(p.expect("3 s [Time]"), "\(p.tail)")
        try #require(p.expect("napkin> "))
        let after = get(port, "/state").body
        #expect(after.contains(#""selected":"parquet""#) && after.contains(#""selected":"green""#), "\(after.suffix(600))")
    }

    @Test func aKnobMoveRedrawsTheLastFigure() throws {
        let (p, dir) = try start(["--present", "--serve", "0"], rows: 24, columns: 80)
        defer { p.close(); try? FileManager.default.removeItem(at: dir) }
        let (port, token) = try #require(address(p), "\(p.tail)")
        try #require(p.expect("napkin> "), "\(p.tail)")
        p.send("knob eta = 2 in 1...10 \"efficiency\"\r")
        try #require(p.expect("napkin> "))
        p.send("plot(sweep x 1...10 < 100 W * x ^ eta >, title: \"power\")\r")
        #expect(p.expect("10000 ┤"), "the curve tops out at 100 W × 10² = 10000 W: \(p.tail)")
        try #require(p.expect("napkin> "))
        #expect(post(port, #"{"name": "eta", "value": 1}"#, token: token).status == 202)
        // The same figure again, at the new value: a straight line up to 1000 W.
        #expect(p.expect("power"), "redrawn: \(p.tail)")
        #expect(p.expect("1000 ┤"), "\(p.tail)")
        try #require(p.expect("napkin> "))
        let state = get(port, "/state").body
        #expect(state.contains("\"input\":\"↻ plot(sweep x 1...10 < 100 W * x ^ eta >, title: \\\"power\\\")\""), "\(state.suffix(400))")
        // The redraw changed nothing in the session.
        p.send(":knobs\r")
        #expect(p.expect("eta"), "\(p.tail)")
    }

    @Test func aLabWorkbenchTakesMovesFromThePageIntoItsLedger() throws {
        let ledgerDir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-room-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: ledgerDir, withIntermediateDirectories: true)
        let ledgerPath = ledgerDir.appendingPathComponent("run.ledger.jsonl").path
        let (p, dir) = try start(["run", repositoryRoot.appendingPathComponent("Samples/15_sustainable_ai.lab").path, "--track", "cloud_titan",
                                  "--ledger", ledgerPath, "--serve", "0", "--present"])
        defer { p.close(); try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: ledgerDir) }
        let (port, token) = try #require(address(p), "\(p.tail)")
        try #require(p.expect("predict tenx> "), "\(p.tail)")
        p.send("less\r")
        try #require(p.expect("predict joules> "), "\(p.tail)")
        p.send("1 mJ\r")
        try #require(p.expect("roofline> "), "\(p.tail)")
        let state = get(port, "/state").body
        #expect(state.contains("\"name\":\"efficiency\"") && state.contains("\"budget\":8"), "the workbench's knobs and goals: \(state.prefix(300))")
        #expect(post(port, #"{"name": "efficiency", "value": 4}"#, token: token).status == 202)
        #expect(p.expect("try 1: efficiency = 4"), "\(p.tail)")
        try #require(p.expect("roofline> "))
        // The page's move is in the hash-chained ledger as a try, exactly like a typed one.
        let ledger = try String(contentsOfFile: ledgerPath, encoding: .utf8)
        let move = ledger.split(separator: "\n").first { $0.contains("\"type\":\"move\"") }
        #expect(move?.contains("\"line\":\"efficiency = 4\"") == true && move?.contains("\"try\":\"1\"") == true, "\(ledger)")
        // The page's goals now count the try.
        #expect(get(port, "/state").body.contains("\"tries\":1"))
    }
}
