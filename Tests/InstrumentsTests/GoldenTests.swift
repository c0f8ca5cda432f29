import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NapkinCore
import NapkinInstruments
import NapkinLibrary
import TestSupport
import Testing

/// Golden files for every instrument: terminal text (colour, plain, ASCII) and SVG.
/// Regenerate after an intended change with:
///     NAPKIN_UPDATE_GOLDEN=1 swift test --filter InstrumentsTests
/// then read the diff (`git diff Tests/InstrumentsTests/Golden`) before committing it.
enum Golden {
    static let files = GoldenFiles(folder: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden"), filter: "InstrumentsTests")
    static var folder: URL { files.folder }
    static var updating: Bool { GoldenFiles.updating }

    static func check(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if let problem = try files.mismatch(name, actual) { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
    }
}

/// Evaluates napkin source with the instruments installed and returns its last figure.
func figure(_ source: String) throws -> Figure {
    var result: Value?
    var failure: NapkinError?
    Session.onLargeStack {
        do {
            let session = try Prelude.makeSession()
            Instruments.install(into: session.interpreter, style: RenderStyle(width: 72))
            session.onResult = { result = $0 }
            try session.run(source, name: "<golden>")
        } catch let e as NapkinError {
            failure = e
        } catch {}
    }
    if let failure { throw failure }
    guard case .figure(let f)? = result else { throw NapkinError(.runtime, "no figure") }
    return f
}

/// What a napkin program reports when drawing fails.
func drawingError(_ source: String) -> NapkinError? {
    do {
        _ = try figure(source)
        return nil
    } catch let e as NapkinError {
        return e
    } catch {
        return nil
    }
}

@Suite("Instruments: golden files")
struct GoldenTests {
    static let figures: [(name: String, source: String)] = [
        ("plot", """
        knob efficiency = 1 in 1...10 "hardware efficiency factor"
        fn fleet(eff = efficiency, jevons = 0) = 100 MWh * eff ^ (jevons - 1)
        let s = sweep efficiency 1...10 step 0.25 < fleet(jevons: 1.4), fleet(jevons: 0.5) >
        plot(s, title: "Jevons: fleet energy vs efficiency", target: 150 MWh)
        """),
        ("plot_log", """
        let s = sweep intensity [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000] < min(989 TFLOPS, intensity * 1 FLOP/B * 3.35 TB/s) >
        plot(s, title: "Roofline", log_x: true, log_y: true, mark: 295)
        """),
        ("plot_single_point", "plot(sweep x 3...3 < x * 1 W >)"),
        ("bars", "bars { h100: 989 TFLOPS, a100: 312 TFLOPS, v100: 125 TFLOPS, orin: 43 TFLOPS }"),
        ("bars_negative", "bars({ saved: -3 kWh, spent: 5 kWh }, title: \"net energy\")"),
        ("waterfall", "waterfall({ embodied: 12 tCO2e, grid_energy: 20 tCO2e, cooling: 5 tCO2e }, title: \"Lifecycle carbon\")"),
        ("gauge", """
        gauge(412 gCO2e/kWh, 0 gCO2e/kWh, 800 gCO2e/kWh, { low: 200 gCO2e/kWh, medium: 450 gCO2e/kWh, high: 800 gCO2e/kWh }, title: "Carbon intensity")
        """),
        ("radar", "radar({ mac: 0.2 pJ, sram: 5 pJ, dram: 640 pJ, network: 10000 pJ }, title: \"Energy per operation\")"),
        ("seesaw", "seesaw({ tco: 1.2e6 USD }, { carbon_cost: 4e5 USD }, title: \"TCO vs carbon\")"),
        // The named instruments of the seed labs (Prelude/80_instruments.lab).
        ("energy_roofline", "energy_roofline()"),
        ("carbon_waterfall", "carbon_waterfall(h100, poland)"),
        ("carbon_gauge", "carbon_gauge(california, 13)"),
        ("tco_carbon_seesaw", "tco_carbon_seesaw(a100, germany)"),
        ("fleet_footprint", "fleet_footprint(orin, california, 10000)"),
        ("ingestion_waterfall", "ingestion_waterfall(titan_step(bf16_weights, 1, sata_ssd))"),
        ("energy_radar", "energy_radar()"),
        ("transfer_time_radar", "transfer_time_radar(10 TB)"),
        ("sneakernet_crossover", "sneakernet_crossover(at: 2000 km)"),
        ("feeding_tax_gauge", "feeding_tax_gauge(guardian_frames())"),
        ("mfu_vs_ingestion", "mfu_vs_ingestion(titan_step(int4_weights, 64))"),
    ]

    @Test("terminal text and SVG match their golden files", arguments: figures.map(\.name))
    func golden(_ name: String) throws {
        let source = Self.figures.first { $0.name == name }!.source
        let f = try figure(source)
        try Golden.check("\(name).color.txt", try Instruments.renderText(f, style: RenderStyle(width: 72, color: true, unicode: true)) + "\n")
        try Golden.check("\(name).txt", try Instruments.renderText(f, style: RenderStyle(width: 72, color: false, unicode: true)) + "\n")
        try Golden.check("\(name).ascii.txt", try Instruments.renderText(f, style: RenderStyle(width: 72, color: false, unicode: false)) + "\n")
        try Golden.check("\(name).svg", try Instruments.renderSVG(f))
    }

    @Test("every SVG parses as XML and has a title", arguments: figures.map(\.name))
    func svgIsXML(_ name: String) throws {
        let f = try figure(Self.figures.first { $0.name == name }!.source)
        let svg = try Instruments.renderSVG(f)
        let parser = XMLParser(data: svg.data(using: .utf8)!)
        #expect(parser.parse(), "\(name).svg is not well-formed XML: \(String(describing: parser.parserError))")
        #expect(svg.contains("<title>"))
    }

    @Test("plain and ASCII output have no escape codes; ASCII has nothing beyond ASCII", arguments: figures.map(\.name))
    func plainStyles(_ name: String) throws {
        let f = try figure(Self.figures.first { $0.name == name }!.source)
        let plain = try Instruments.renderText(f, style: RenderStyle(width: 72, color: false, unicode: true))
        #expect(!plain.contains("\u{1B}"))
        let ascii = try Instruments.renderText(f, style: RenderStyle(width: 72, color: false, unicode: false))
        let firstNonASCII = ascii.unicodeScalars.first { !$0.isASCII }
        #expect(firstNonASCII == nil, "\(name) ASCII output has \(firstNonASCII.map { String($0) } ?? "")")
    }

    /// Present mode draws to the terminal's height: a LINES of 2⁶³ − 1 (with a window that
    /// reports no size) overflowed the canvas's arithmetic, and 100000 drew for seconds.
    @Test("present mode's height is kept to 8...400 lines, and every figure draws at both ends")
    func presentHeights() throws {
        var style = RenderStyle(width: 80, color: false, unicode: true)
        style.height = Int.max
        #expect(style.height == 400)
        style.height = -5
        #expect(style.height == 8)
        // The width likewise, however it is set (a terminal reporting no size, COLUMNS=2⁶³ − 1).
        style.width = Int.max
        #expect(style.width == 400)
        style.width = Int.min
        #expect(style.width == 30)
        style.width = 80
        for height in [Int.max, 100_000, 8] {
            style.height = height
            for (name, source) in Self.figures {
                let lines = try Instruments.renderText(try figure(source), style: style).split(separator: "\n").count
                #expect(lines <= 420, "\(name) at height \(height): \(lines) lines")
            }
        }
    }

    @Test("figures fit the terminal width", arguments: [40, 72, 120])
    func widths(_ width: Int) throws {
        for (name, source) in Self.figures {
            let text = try Instruments.renderText(try figure(source), style: RenderStyle(width: width, color: false, unicode: true))
            for line in text.split(separator: "\n") {
                #expect(line.unicodeScalars.count <= width, "\(name) at width \(width): \(line.unicodeScalars.count) cells: \(line)")
            }
        }
    }
}

@Suite("Instruments: bad input")
struct BadInputTests {
    @Test("an empty table or list is a clear error")
    func empty() {
        #expect(drawingError("plot(sweep x 1...0 < x >)")?.message == "nothing to plot: the table is empty")
        #expect(drawingError("plot([])")?.message == "nothing to plot: the list is empty")
        #expect(drawingError("bars {}")?.message == "nothing to draw: the record is empty")
    }

    @Test("mismatched units in one chart name both dimensions")
    func mismatched() {
        let e = drawingError("bars { a: 1 W, b: 2 J }")
        #expect(e?.phase == .dimension)
        #expect(e?.message.contains("mismatched units in one chart") == true)
        #expect(drawingError("plot(sweep x 1...3 < x * 1 W, x * 1 J >)")?.phase == .dimension)
    }

    @Test("negative values on a log axis are left out with a note")
    func logAxis() throws {
        let f = try figure("plot(sweep x -2...3 < x * 1 W >, log_y: true)")
        let text = try Instruments.renderText(f, style: RenderStyle(width: 60))
        #expect(text.contains("points ≤ 0 left out of the log axis"))
        #expect(drawingError("plot(sweep x -2...0 < x * 1 W >, log_y: true)")?.message.contains("no point can be placed") == true)
    }

    /// Spans and sums of values near the largest Double overflow to inf or NaN; a canvas
    /// coordinate made from one trapped (`Int(_:)` of NaN), so the session crashed.
    @Test("values near the largest Double draw, as text at any width and as SVG with numbers for coordinates", arguments: [
        "plot(table({ x: [1, 2, 3], y: [1e308, -1e308, 0] }))",
        "plot(table({ x: [-1e308, 1e308], y: [1, 2] }), at: 0)",
        "plot(table({ x: [1, 2], y: [1e308, 1.7e308] }))",
        "plot(table({ x: [1, 2, 3], y: [1e-300, 1e308, 1.7e308] }), log_y: true)",
        "gauge(1e308 W, -1e308 W, 1e308 W)",
        "bars({ a: 1e308 W, b: -1e308 W })",
        "waterfall({ a: 1e308 W, b: 1e308 W })",
        "seesaw({ a: 1e308 W, c: 1e308 W }, { b: 1e-300 W })",
        "radar({ a: 1e308 W, b: 1e-308 W, c: 1 W })",
    ])
    func extremeValues(_ source: String) throws {
        let f = try figure(source)
        for width in [30, 72, 200] {
            let text = try Instruments.renderText(f, style: RenderStyle(width: width, color: false))
            #expect(!text.isEmpty)
        }
        let svg = try Instruments.renderSVG(f)
        #expect(svg.range(of: #"[=" ,(]-?(nan|inf)"#, options: [.regularExpression, .caseInsensitive]) == nil, "\(svg)")
    }

    @Test("gauge, radar and seesaw reject what they cannot draw")
    func others() {
        #expect(drawingError("gauge(1 W, 5 W, 2 W)")?.message == "the gauge's min must be below its max")
        #expect(drawingError("radar({ a: 1 J, b: 2 J })")?.message == "a radar needs at least three spokes")
        #expect(drawingError("seesaw(1 W, 1 J)")?.phase == .dimension)
        #expect(drawingError("plot(3)")?.message.contains("plot needs a sweep table or a list") == true)
    }
}

@Suite("Instruments: sparklines")
struct SparklineTests {
    @Test("a trend in block characters, ASCII on a dumb terminal, averaged down to the width")
    func trend() {
        #expect(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8], unicode: false) == ".:-=+*#@")
        #expect(Sparkline.render([3, 3, 3]) == "▅▅▅")
        #expect(Sparkline.render(Array(repeating: 1.0, count: 500), width: 40)?.count == 40)
        #expect(Sparkline.render([1, 2]) == nil, "too short to show a trend")
        #expect(Sparkline.render([1, .nan, 3]) == nil)
        // Near the largest Double a range and a bucket's sum overflow; each once trapped.
        #expect(Sparkline.render([-1e308, 0, 1e308]) == "▁▅█")
        #expect(Sparkline.render((0..<120).map { $0 % 2 == 0 ? 1e308 : 1.7e308 }, width: 60) == String(repeating: "▅", count: 60))
    }
}

@Suite("Instruments: readable units")
struct ReadableUnitTests {
    func text(_ source: String) throws -> String {
        try Instruments.renderText(try figure(source), style: RenderStyle(width: 72, color: false, unicode: true))
    }

    @Test("a chart far from the unit its values remember reads in its dimension's ladder; a dimension without one keeps it")
    func chartUnits() throws {
        // 2 * 16 kHz * 1 s * 2 B remembers B; a million of them read as MB, not 1.024e6 B.
        let bytes = try text("bars({ buffer: 2 * 16 kHz * 16 s * 2 B, sram: 2e6 B })")
        #expect(bytes.contains("1.024 MB") && bytes.contains("2 MB") && !bytes.contains("e6"), "\(bytes)")
        let rate = try text("bars({ a: 2000 sample/s, b: 3e4 sample/s })")
        #expect(rate.contains("sample/s") && !rate.contains("Hz·sample"), "\(rate)")
        // Radar spokes and scale, each in its own readable unit.
        let radar = try text("radar({ mac: 1.5 pJ, dram: 160 pJ, network: 10 nJ })")
        #expect(radar.contains("network: 10 nJ") && radar.contains("centre 1 pJ, rim 10 nJ"), "\(radar)")
    }
}
