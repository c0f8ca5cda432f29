import Foundation
import NapkinCore

/// A lecture's notes as one self-contained HTML page: each input, what it printed, its figures
/// inline as SVG, and the file's comments as prose between them. No scripts, no links out.
public enum Handout {
    /// One part of the page: prose from the file's comments, or an entry.
    public enum Block: Equatable {
        case prose(String)
        case entry(EntryView)
    }

    public static func render(title: String, blocks: [Block], footer: String? = nil) -> String {
        var body = ""
        for b in blocks {
            switch b {
            case .prose(let text):
                body += "<p class=\"prose\">\(escape(text))</p>\n"
            case .entry(let e):
                body += "<section class=\"entry\">\n"
                if !e.input.isEmpty { body += "<pre class=\"in\">\(escape(e.input))</pre>\n" }
                if let r = e.readout {
                    body += "<p class=\"readout\"><b>\(escape(r.number))</b> \(escape(r.unit))"
                        + (r.dimension.isEmpty ? "" : " <span class=\"dim\">[\(escape(r.dimension))]</span>") + "</p>\n"
                }
                if !e.output.isEmpty, e.readout == nil || e.output.split(separator: "\n").count > 1 || e.error {
                    body += "<pre class=\"out\(e.error ? " error" : "")\">\(escape(e.output))</pre>\n"
                }
                for svg in e.figures { body += "<figure>\(inline(svg))</figure>\n" }
                body += "</section>\n"
            }
        }
        return """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; font-family: "DejaVu Sans", Arial, sans-serif; color: #111; line-height: 1.4; }
        h1 { font-size: 1.6rem; }
        pre { font-family: "DejaVu Sans Mono", monospace; white-space: pre-wrap; margin: 0.3rem 0; }
        .in { color: #1f5fbf; } .in::before { content: "› "; color: #666; }
        .out.error { color: #b00020; }
        .readout { font-size: 1.6rem; margin: 0.3rem 0; } .readout .dim { color: #666; font-size: 1rem; }
        .entry { border-top: 1px solid #eee; padding: 0.5rem 0; }
        .prose { margin: 1rem 0 0.3rem; }
        figure { margin: 0.5rem 0; } figure svg { max-width: 100%; height: auto; }
        footer { margin-top: 2rem; color: #666; font-size: 0.9rem; }
        @media print { .entry { break-inside: avoid; } }
        </style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        \(body)\(footer.map { "<footer>\(escape($0))</footer>\n" } ?? "")</body>
        </html>

        """
    }

    /// An SVG document ready to sit inside HTML: without its XML declaration.
    static func inline(_ svg: String) -> String {
        var s = svg
        if s.hasPrefix("<?xml"), let end = s.range(of: "?>") { s = String(s[end.upperBound...]) }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Text for HTML: markup characters escaped, control characters made visible.
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in Sanitized.text(s) {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
