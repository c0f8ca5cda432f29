import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import Testing

/// `napkin run FILE --html OUT.html`: one self-contained page with inputs, results and figures.
@Suite("Handouts", .serialized)
struct HandoutTests {
    static let program = """
    #!/usr/bin/env napkin
    # Sneakernet: when does a truck beat the fibre?
    # Moving a petabyte over a 10 Gbit/s link.
    let data = 1 PB
    data / 10 Gbit/s -> days

    # The break-even, as a plot.
    plot(sweep tb [1, 10, 100, 1000] < tb * 1 TB / 10 Gbit/s -> h >, title: "Transfer time <by link>")
    print("done & dusted")
    bars({ truck: 2 days, fibre: 9.26 days }, title: "Truck or fibre")
    """

    func run(_ args: [String], in dir: URL) throws -> (code: Int32, stdout: String, stderr: String) {
        guard let exe = napkinBinary() else { throw PTYError.noBinary }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-handout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every element closed in order (void elements excepted), text escaped: a well-formed page.
    func checkBalanced(_ html: String) -> String? {
        let void: Set<String> = ["meta", "link", "br", "img", "input", "hr"]
        var stack: [String] = []
        var i = html.startIndex
        while let open = html[i...].firstIndex(of: "<") {
            guard let close = html[open...].firstIndex(of: ">") else { return "unclosed tag at \(html.distance(from: html.startIndex, to: open))" }
            let tag = String(html[html.index(after: open)..<close])
            i = html.index(after: close)
            if tag.hasPrefix("!") || tag.hasPrefix("?") { continue }
            let selfClosing = tag.hasSuffix("/")
            let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if tag.hasPrefix("/") {
                guard stack.last == name else { return "</\(name)> closes <\(stack.last ?? "nothing")>" }
                stack.removeLast()
            } else if !selfClosing && !void.contains(name) {
                stack.append(name)
            }
        }
        return stack.isEmpty ? nil : "unclosed: \(stack)"
    }

    @Test func writesOneSelfContainedPage() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.program.write(to: dir.appendingPathComponent("talk.lab"), atomically: true, encoding: .utf8)
        let r = try run(["run", "talk.lab", "--html", "notes.html"], in: dir)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("9.259 days [Time]"), "the run prints as usual: \(r.stdout)")
        let html = try String(contentsOf: dir.appendingPathComponent("notes.html"), encoding: .utf8)

        #expect(html.hasPrefix("<!doctype html>"))
        #expect(checkBalanced(html) == nil, "\(checkBalanced(html) ?? "")")
        // Self-contained: no scripts, nothing loaded from elsewhere.
        for outside in ["<script", "src=", "href=", "@import", "url("] { #expect(!html.contains(outside), "\(outside)") }
        // Inputs, results, the comments as prose, printed lines (escaped).
        #expect(html.contains("<pre class=\"in\">data / 10 Gbit/s -&gt; days</pre>"))
        #expect(html.contains("<b>9.259</b> days <span class=\"dim\">[Time]</span>"))
        #expect(html.contains("Sneakernet: when does a truck beat the fibre? Moving a petabyte over a 10 Gbit/s link."))
        #expect(html.contains("The break-even, as a plot."))
        #expect(html.contains("done &amp; dusted"))
        #expect(!html.contains("#!/usr/bin/env"))
        // Both figures inline as SVG, each a well-formed XML document, the title escaped.
        let svgs = html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
        #expect(svgs.count == 2)
        for svg in svgs {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "an inline SVG is not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        }
        #expect(svgs.first?.contains("Transfer time &lt;by link&gt;") == true)
        #expect(!html.contains("<?xml"), "the SVGs lose their XML declarations inside HTML")
    }

    @Test func aFailingRunStillWritesWhatItReached() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "1 kWh -> MJ\n2 W + 3 J\n".write(to: dir.appendingPathComponent("bad.lab"), atomically: true, encoding: .utf8)
        let r = try run(["run", "bad.lab", "--html", "bad.html"], in: dir)
        #expect(r.code == 65)
        let html = try String(contentsOf: dir.appendingPathComponent("bad.html"), encoding: .utf8)
        #expect(html.contains("<b>3.6</b> MJ"))
        #expect(html.contains("class=\"out error\""), "the error is in the page")
        #expect(html.contains("the run stopped at an error"))
    }

    @Test func clearErrorsForWhatItCannotDo() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "1 + 1\n".write(to: dir.appendingPathComponent("a.lab"), atomically: true, encoding: .utf8)
        let unwritable = try run(["run", "a.lab", "--html", "no/such/folder/x.html"], in: dir)
        #expect(unwritable.code != 0)
        #expect(unwritable.stderr.contains("cannot write 'no/such/folder/x.html'"), "\(unwritable.stderr)")
        let serve = try run(["run", "a.lab", "--serve", "0"], in: dir)
        #expect(serve.code == 64)
        #expect(serve.stderr.contains("--serve mirrors an interactive session or a lab mission"), "\(serve.stderr)")
        let mission = try run(["run", repositoryRoot.appendingPathComponent("Samples/15_sustainable_ai.lab").path, "--html", "m.html"], in: dir)
        #expect(mission.code == 64)
        #expect(mission.stderr.contains("a mission's record is its ledger"), "\(mission.stderr)")
    }
}
