import Foundation
import TestSupport
import NapkinInstruments
@testable import NapkinLab
import Testing

/// The seed labs read well at any terminal width: every line a student sees fits the terminal in
/// columns (an emoji such as 🔒 takes two), words are never cut, and no `{name}` is left
/// uninterpolated.
@Suite("Lab text at any width")
struct LabTextTests {
    static let runs: [(String, String, Int)] = ["15_sustainable_ai", "04_data_engr"].flatMap { lab in
        ["cloud_titan", "edge_guardian", "mobile_nomad", "tiny_pioneer"].flatMap { track in [64, 120].map { (lab, track, $0) } }
    }

    @Test("a scripted run of every track fits the terminal's width, with nothing left uninterpolated", arguments: runs)
    func fitsTheWidth(_ lab: String, _ track: String, _ width: Int) throws {
        guard let exe = napkinBinary() else { Issue.record("napkin binary not found"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-width-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runProcess(exe, ["run", repoRoot.appendingPathComponent("Samples/\(lab).lab").path, "--track", track,
                                     "--answers", repoRoot.appendingPathComponent("Samples/answers/\(lab).answers").path,
                                     "--ledger", dir.appendingPathComponent("run.jsonl").path],
                               cwd: dir, environment: ["COLUMNS": "\(width)"])
        #expect(r.code == 0, "\(r.err)")
        let placeholder = try Regex(#"\{[A-Za-z_][A-Za-z0-9_.]*\}"#)
        for line in r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let words = line.split(separator: " ")
            #expect(terminalColumns(line) <= width || words.count <= 1, "\(lab) \(track) at \(width) columns: \(line)")
            #expect(line.firstMatch(of: placeholder) == nil, "\(lab) \(track): \(line)")
        }
    }

    @Test("wrapping counts columns, not characters: a line opening with 🔒 never spills past the edge")
    func wideCharacters() {
        let line = "🔒 Prediction lock — A 10× more energy-efficient NPU replaces your NVIDIA Jetson AGX Orin 64 GB. Does your fleet's yearly energy fall 10×?"
        for width in [40, 60, 99, 100] {
            let wrapped = wrapLongLines(line, width: width)
            for l in wrapped.split(separator: "\n") { #expect(terminalColumns(String(l)) <= width, "\(width): \(l)") }
            // Every word arrives whole.
            #expect(wrapped.split(whereSeparator: { $0 == " " || $0 == "\n" }) == line.split(separator: " "))
        }
        #expect(terminalColumns("🔒 a") == 4)
        #expect(terminalColumns("\u{1B}[1mab\u{1B}[0m") == 2)
        #expect(terminalColumns("数据") == 4)
    }
}

extension LabTextTests {
    @Test("a drawn line (a table row, plot dots) is never reflowed: that would collapse the spaces aligning its columns")
    func drawnLinesKeepTheirShape() {
        let row = "\"hundred_tb\" │        0.985 │        1.513 │ \"split\"    │ 9000 │ 1751"
        #expect(wrapLongLines(row, width: 40) == row)
        // A heading ruled with ── is text: it wraps.
        #expect(wrapLongLines("── Part 2: The feeding tax, a long title for a narrow terminal (20 min) ──", width: 40).contains("\n"))
    }
}
