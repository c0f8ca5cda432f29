import Foundation
import NapkinInstruments

// Widths are measured in terminal columns (terminalColumns), not characters, so an emoji (🔒,
// two columns) does not push a line past the edge and colour escapes take no room.

/// Wraps text at word boundaries to `width` columns, keeping the author's line breaks; a word
/// longer than the line stays whole.
func wrap(_ s: String, width: Int = 78, indent: String = "") -> String {
    var out: [String] = []
    let indentWidth = terminalColumns(indent)
    for para in textLines(s) {
        var line = indent, used = indentWidth
        for word in para.split(separator: " ", omittingEmptySubsequences: true) {
            let w = terminalColumns(String(word))
            if used > indentWidth, used + 1 + w > width {
                out.append(line)
                line = indent
                used = indentWidth
            }
            if used > indentWidth { line += " "; used += 1 }
            line += word
            used += w
        }
        out.append(line)
    }
    return out.joined(separator: "\n")
}

/// Every line wider than `width` columns wrapped at word boundaries, continuing at its
/// indentation. Coloured lines and drawn ones (a table's rows and rules, a plot's dots) are left
/// alone: reflowing them would collapse the spaces that align their columns.
public func wrapLongLines(_ text: String, width: Int) -> String {
    textLines(text).map { line -> String in
        guard terminalColumns(String(line)) > width, !line.unicodeScalars.contains("\u{1B}"), !isDrawn(line) else { return String(line) }
        let indent = String(line.prefix { $0 == " " })
        let body = String(line.dropFirst(indent.count))
        // A line that opens with a mark (◎ ✓ ✗ → …) continues under its text.
        let hanging = body.first.map { !$0.isLetter && !$0.isNumber } ?? false ? "  " : ""
        let wrapped = wrap(body, width: width - indent.count - hanging.count, indent: "")
        return wrapped.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { indent + ($0.offset == 0 ? "" : hanging) + $0.element }.joined(separator: "\n")
    }.joined(separator: "\n")
}

/// `text`'s lines, split at every line feed Character (a CR-LF pair is one Character and stays
/// in its line, as Foundation's `components(separatedBy: "\n")` left it here), without
/// Foundation's bridging, which cost more than the wrapping.
public func textLines(_ text: String) -> [Substring] {
    text.split(separator: "\n", omittingEmptySubsequences: false)
}

/// A file's lines as its author wrote them: split at every line feed, a carriage return before
/// it dropped, so a lab or answers file saved with Windows line endings reads as any other.
/// (Splitting a String at "\n" does not split a CR-LF pair, which is one Character.)
public func sourceLines(_ text: String) -> [Substring] {
    text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        line.last == "\r" ? Substring(line.dropLast()) : Substring(line)
    }
}

/// A line of a drawing: a table's or a frame's verticals and joints (│ ┼ ┤ ┌ …) or braille dots.
/// Horizontal rules alone (a part's `── title ──` heading) are text and may wrap.
private func isDrawn(_ line: Substring) -> Bool {
    line.unicodeScalars.contains { u in
        switch u.value {
        case 0x2502, 0x2503, 0x253C, 0x2524, 0x251C, 0x252C, 0x2534, 0x250C, 0x2510, 0x2514, 0x2518, 0x2800...0x28FF: return true
        default: return false
        }
    }
}
