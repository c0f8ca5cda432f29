import Foundation
import NapkinCore
import NapkinLibrary
import Testing
@testable import NapkinREPL

struct CompleterTests {
    func session(_ source: String = "") throws -> Session {
        let s = try Prelude.makeSession()
        if !source.isEmpty { try s.run(source, name: "<test>") }
        return s
    }

    @Test func recordFields() throws {
        let c = Completer(session: try session("let hw = { peak_bf16: 1 TFLOPS, peak_int8: 2 TOPS, mem_bw: 3 TB/s, inner: { x: 1 } }"))
        #expect(c.complete("hw.").candidates == ["peak_bf16", "peak_int8", "mem_bw", "inner"])
        #expect(c.complete("2 * hw.pe").candidates == ["peak_bf16", "peak_int8"])
        #expect(c.complete("2 * hw.pe").commonPrefix == "peak_")
        #expect(c.complete("hw.inner.").candidates == ["x"])
        #expect(c.complete("nothing.").candidates.isEmpty)
    }

    @Test func libraryRecordFields() throws {
        let s = try session()
        guard s.interpreter.globals["h100"] != nil else { return }  // the physics library is optional here
        let fields = Completer(session: s).complete("h100.").candidates
        #expect(fields.contains("peak_bf16") && fields.contains("mem_bw"), "\(fields)")
    }

    @Test func operatorsBreakWords() throws {
        let c = Completer(session: try session())
        let k = c.complete("3*kil")
        #expect(k.word == "kil")
        #expect(k.candidates.contains("kilogram"))
        #expect(c.complete("(1 + swe").candidates.contains("sweep"))
    }

    @Test func knobsAfterSweep() throws {
        let c = Completer(session: try session("knob eta = 1 in 1...10 \"e\"\nknob jevons = 0 in 0...3 \"j\"\nlet other = 3"))
        #expect(Set(["eta", "jevons"]).isSubset(of: c.complete("sweep ").candidates))
        #expect(!c.complete("sweep ").candidates.contains("other"))
        #expect(c.complete("let s = sweep j").candidates == ["jevons"])
    }

    @Test func commandsAndFiles() throws {
        let c = Completer(session: try session())
        #expect(c.complete(":lo").candidates == [":load"])
        #expect(c.complete(":lo").suffix == " ")
        #expect(c.complete(":list fu").candidates == ["functions"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("labs"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir.appendingPathComponent("mission.lab").path, contents: Data())
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(c.complete(":load \(dir.path)/mi").candidates == ["\(dir.path)/mission.lab"])
        #expect(c.complete(":load \(dir.path)/la").candidates == ["\(dir.path)/labs/"])
    }
}

struct HistoryFileTests {
    @Test func skipsBlankAndRepeatedLinesAndCaps() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-hist-\(UUID().uuidString)/sub/history").path
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let h = HistoryFile(path: path)
        #expect(h.add("1 + 1"))
        #expect(!h.add("1 + 1"))
        #expect(!h.add("   "))
        #expect(h.add("2 W"))
        #expect(h.add("1 + 1"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "1 + 1\n2 W\n1 + 1\n")
        for i in 0..<(HistoryFile.capacity + 600) { h.add("x\(i)") }
        let reloaded = HistoryFile(path: path)
        #expect(reloaded.entries.count == HistoryFile.capacity)
        #expect(reloaded.entries.last == "x\(HistoryFile.capacity + 599)")
    }

    @Test func pathFromEnvironment() {
        #expect(HistoryFile.defaultPath(environment: ["NAPKIN_HISTORY": "/a/h", "HOME": "/home/u"]) == "/a/h")
        #expect(HistoryFile.defaultPath(environment: ["XDG_DATA_HOME": "/x", "HOME": "/home/u"]) == "/x/napkin/history")
        #expect(HistoryFile.defaultPath(environment: ["HOME": "/home/u"]) == "/home/u/.local/share/napkin/history")
    }
}

/// A knob moved from the browser is shown and run as the line a person would type.
struct MirrorMoveLineTests {
    @Test("a number from the page is typed in ten digits, and in full where ten would not read back")
    func typedNumbers() throws {
        #expect(REPL.typed(0.30000000000000004) == "0.3")
        #expect(REPL.typed(4.5) == "4.5")
        // At a knob's end, ten digits would leave its range (found in review).
        let twoThirds = 2.0 / 3.0, third = 1.0 / 3.0
        #expect(Double(REPL.typed(twoThirds, within: 0...twoThirds)) == twoThirds)
        #expect(Double(REPL.typed(third, within: third...1)) == third)
        #expect(REPL.typed(0.5, within: 0...twoThirds) == "0.5")
        for v in [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 1.7976931348e308] {
            let text = REPL.typed(v)
            let back = try #require(Double(text), "\(text)")
            #expect(back.isFinite && abs(back - v) <= abs(v) * 1e-15, "\(v) typed as \(text)")
        }
        // And it runs: the largest Double is a number napkin reads.
        let s = try Prelude.makeSession()
        var shown = ""
        s.onResult = { shown = (try? s.interpreter.describe($0)) ?? "" }
        try s.run(REPL.typed(Double.greatestFiniteMagnitude), name: "<test>")
        #expect(shown.hasPrefix("1.798e308"), "\(shown)")
    }
}
