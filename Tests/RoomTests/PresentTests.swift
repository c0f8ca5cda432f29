import Foundation
import NapkinCore
import NapkinInstruments
import NapkinLibrary
import TestSupport
import Testing

/// Golden files for the room view's terminal output. Regenerate after an intended change with:
///     NAPKIN_UPDATE_GOLDEN=1 swift test --filter RoomTests
/// then read the diff (`git diff Tests/RoomTests/Golden`) before committing it.
enum RoomGolden {
    static let files = GoldenFiles(folder: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden"), filter: "RoomTests")
    static var folder: URL { files.folder }
    static var updating: Bool { GoldenFiles.updating }

    static func check(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if let problem = try files.mismatch(name, actual) { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
    }
}

/// Evaluates napkin source and returns its last figure.
func lastFigure(_ source: String) throws -> Figure {
    var result: Value?
    var failure: NapkinError?
    Session.onLargeStack {
        do {
            let session = try Prelude.makeSession()
            session.onResult = { result = $0 }
            try session.run(source, name: "<present>")
        } catch let e as NapkinError {
            failure = e
        } catch {}
    }
    if let failure { throw failure }
    guard case .figure(let f)? = result else { throw NapkinError(.runtime, "no figure") }
    return f
}

func cells(_ line: Substring) -> Int { line.unicodeScalars.count }

@Suite("Present mode: figures fill the terminal")
struct PresentLayoutTests {
    static let figures: [(name: String, source: String)] = [
        ("plot", """
        knob efficiency = 1 in 1...10 "hardware efficiency factor"
        fn fleet(eff = efficiency, jevons = 0) = 100 MWh * eff ^ (jevons - 1)
        plot(sweep efficiency 1...10 step 0.25 < fleet(jevons: 1.4), fleet(jevons: 0.5) >, title: "Jevons: fleet energy", target: 150 MWh)
        """),
        ("bars", #"bars({ compute: 40 kWh, cooling: 12 kWh, network: 3 kWh }, title: "Where the energy goes")"#),
        ("gauge", #"gauge(0.62, 0, 1, bands: { good: 0.5, meh: 0.8, bad: 1 }, title: "Utilisation")"#),
        ("radar", #"radar({ a: 1 W, b: 10 W, c: 100 W, d: 3 W }, title: "Power by part")"#),
        ("seesaw", #"seesaw({ embodied: 30 tCO2e }, { operational: 90 tCO2e }, title: "Carbon")"#),
    ]

    static let sizes: [(columns: Int, rows: Int)] = [(60, 20), (100, 30), (160, 48)]

    @Test(arguments: figures)
    func fillsEveryTerminalSize(_ entry: (name: String, source: String)) throws {
        let f = try lastFigure(entry.source)
        for size in Self.sizes {
            for unicode in [true, false] {
                var style = RenderStyle(width: size.columns, color: false, unicode: unicode)
                style.height = size.rows
                let text = try Instruments.renderText(f, style: style)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.count == size.rows, "\(entry.name) at \(size): \(lines.count) lines")
                #expect(lines.allSatisfy { cells($0) <= size.columns }, "\(entry.name) at \(size): a line is too wide")
                if !unicode { #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(entry.name) ASCII at \(size)") }
                try RoomGolden.check("present_\(entry.name)_\(size.columns)x\(size.rows)\(unicode ? "" : ".ascii").txt", text)
            }
        }
    }

    @Test func growsWithTheTerminal() throws {
        let f = try lastFigure(Self.figures[0].source)
        func plotRows(_ rows: Int) throws -> Int {
            var style = RenderStyle(width: 100)
            style.height = rows
            // Canvas rows are the lines framed by '│' on both sides.
            return try Instruments.renderText(f, style: style).split(separator: "\n").filter { $0.hasSuffix("│") }.count
        }
        let small = try plotRows(20), large = try plotRows(60)
        #expect(large - small == 40, "a taller terminal gives the plot all its extra rows: \(small) → \(large)")
    }

    @Test func everydaySizeIsUnchanged() throws {
        // Without a height, figures keep the size the instruments' golden files show.
        let f = try lastFigure(Self.figures[0].source)
        let text = try Instruments.renderText(f, style: RenderStyle(width: 72))
        #expect(text.split(separator: "\n").filter { $0.hasSuffix("│") }.count == 12)
    }
}

@Suite("Present mode: the big readout")
struct BigReadoutTests {
    @Test func unicodeAndASCII() throws {
        let uni = BigReadout.render(number: "13.33", unit: "min", dimension: "Time", width: 80, unicode: true)
        try RoomGolden.check("readout_13.33_min.txt", uni)
        let ascii = BigReadout.render(number: "13.33", unit: "min", dimension: "Time", width: 80, unicode: false)
        try RoomGolden.check("readout_13.33_min.ascii.txt", ascii)
        #expect(ascii.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(ascii.contains("####"))
        #expect(ascii.split(separator: "\n", omittingEmptySubsequences: false).count == 8, "blank, five rows of digits, blank, caption")
        #expect(ascii.hasSuffix("min  [Time]"))
        // The same shapes in both: only the fill character differs.
        #expect(uni.replacingOccurrences(of: "█", with: "#") == ascii)
    }

    @Test func everyNumberFormatHasGlyphs() throws {
        for n in ["0", "-42", "1.235e9", "6.02e-23", "NaN", "∞", "-∞", "0.0001"] {
            let text = BigReadout.render(number: n, unit: "", dimension: "", width: 200, unicode: false)
            #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == 6, "\(n) is drawn in big digits: \(text)")
        }
        try RoomGolden.check("readout_exponent.ascii.txt", BigReadout.render(number: "-1.235e9", unit: "kWh", dimension: "Energy", width: 60, unicode: false))
    }

    @Test func narrowTerminalsGetSmallerDigitsThenText() {
        let wide = BigReadout.render(number: "1.235e9", unit: "J", dimension: "Energy", width: 80, unicode: false)
        let narrow = BigReadout.render(number: "1.235e9", unit: "J", dimension: "Energy", width: 30, unicode: false)
        let tiny = BigReadout.render(number: "1.235e9", unit: "J", dimension: "Energy", width: 12, unicode: false)
        #expect(wide.split(separator: "\n", omittingEmptySubsequences: false).count == 8)
        #expect(narrow.split(separator: "\n", omittingEmptySubsequences: false).count == 6, "three-row digits:\n\(narrow)")
        #expect(tiny.contains("1.235e9"), "plain text when even small digits do not fit:\n\(tiny)")
        for t in [wide, narrow, tiny] {
            #expect(t.split(separator: "\n").allSatisfy { cells($0) <= 80 })
        }
        #expect(narrow.split(separator: "\n").allSatisfy { cells($0) <= 30 })
    }
}
