import Foundation
import NapkinInstruments
import Testing

/// docs/instruments.md shows what each instrument draws: every ```napkin-figure block is followed
/// by a ```text block holding its rendering at 72 columns without colour. This keeps them true;
/// NAPKIN_UPDATE_GOLDEN=1 rewrites the text blocks.
@Suite("Instruments: docs/instruments.md")
struct InstrumentDocsTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/instruments.md")

    @Test("every example's rendering in the docs is what napkin draws")
    func renderedExamples() throws {
        let text = try String(contentsOf: Self.path, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        var i = 0, examples = 0, changed = false
        while i < lines.count {
            guard lines[i] == "```napkin-figure" else { i += 1; continue }
            var j = i + 1
            var code: [String] = []
            while j < lines.count, lines[j] != "```" { code.append(lines[j]); j += 1 }
            // The next ```text block holds the rendering.
            var k = j + 1
            while k < lines.count, lines[k] != "```text" { k += 1 }
            var end = k + 1
            while end < lines.count, lines[end] != "```" { end += 1 }
            guard k < lines.count, end < lines.count else {
                Issue.record("docs/instruments.md:\(i + 1): a figure example without a ```text block after it")
                break
            }
            let rendered = try Instruments.renderText(try figure(code.joined(separator: "\n")), style: RenderStyle(width: 72))
            let shown = lines[(k + 1)..<end].joined(separator: "\n")
            examples += 1
            if shown != rendered {
                if Golden.updating {
                    lines.replaceSubrange((k + 1)..<end, with: rendered.components(separatedBy: "\n"))
                    changed = true
                } else {
                    Issue.record("docs/instruments.md:\(k + 2): the rendering of `\(code.last ?? "")` is out of date; run NAPKIN_UPDATE_GOLDEN=1 swift test --filter InstrumentsTests")
                }
            }
            i = k + 1
        }
        if changed { try lines.joined(separator: "\n").write(to: Self.path, atomically: true, encoding: .utf8) }
        #expect(examples >= 17, "docs/instruments.md shows only \(examples) instruments")
    }
}
