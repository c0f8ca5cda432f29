import Foundation
import NapkinLab

/// A command's discussion, written as paragraphs and fitted to the width the help is printed at.
/// The argument parser wraps each line of a discussion on its own, so text broken at 80 columns
/// came out ragged in a narrower terminal (a full line, then two words, then a full line).
enum HelpText {
    /// The width the argument parser prints help at (COLUMNS, else the terminal's, else 80),
    /// kept to at most 80 columns, which reads better than a line across a wide screen; less
    /// one, since the parser breaks a line that fills the width.
    static let width: Int = {
        let columns = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "").flatMap { $0 > 0 ? $0 : nil }
        var ws = winsize()
        let reported = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 ? Int(ws.ws_col) : nil
        return max(20, min(80, columns ?? reported ?? 80)) - 1
    }()

    /// `text`'s paragraphs (separated by a blank line) rewrapped to `width`; a line that starts
    /// with two spaces (an example, a command to copy) is kept as it is. A paragraph does not end
    /// with one word alone on its last line when a slightly narrower wrap avoids it.
    static func fitted(_ text: String, width: Int = HelpText.width) -> String {
        var out: [String] = [], paragraph: [Substring] = []
        func flush() {
            guard !paragraph.isEmpty else { return }
            out.append(wrapped(paragraph.joined(separator: " "), width: width))
            paragraph = []
        }
        for line in textLines(text) {
            let words = trimmed(line)
            if words.isEmpty || line.hasPrefix("  ") {
                flush()
                out += example(String(line), width: width)
            } else {
                paragraph.append(words)
            }
        }
        flush()
        return out.joined(separator: "\n")
    }

    /// `line` without the spaces and tabs around it (Foundation's `.whitespaces`), read scalar by
    /// scalar: every command's help is fitted when napkin starts, help asked for or not.
    static func trimmed(_ line: Substring) -> Substring {
        func isSpace(_ u: Unicode.Scalar) -> Bool { u == "\t" || u.properties.generalCategory == .spaceSeparator }
        let scalars = line.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return Substring(scalars[first...last])
    }

    /// An example line as written; one too wide for `width` that has a comment after a gap
    /// (`napkin -e '1 TB / 10 Gbit/s'        13.33 min [Time]`) puts the comment on lines of its
    /// own under the command, and a command still too wide goes on over lines ending in ` \`
    /// (broken between words, never inside quotes), so that it still pastes into a shell as one
    /// command rather than being broken at the margin by the parser. (A single word wider than
    /// the terminal cannot be kept whole.)
    static func example(_ line: String, width: Int) -> [String] {
        guard line.count > width else { return [line] }
        var command = line, comment: [String] = []
        if let gap = line.range(of: "   ", range: line.index(line.startIndex, offsetBy: 2)..<line.endIndex) {
            command = String(line[..<gap.lowerBound])
            let c = line[gap.upperBound...].trimmingCharacters(in: .whitespaces)
            if !c.isEmpty {
                comment = wrapLongLines(c, width: max(10, width - 6)).split(separator: "\n").map { "      " + $0 }
            }
        }
        return continued(command, width: width) + comment
    }

    /// A shell command over lines of at most `width` (where its words allow), each but the last
    /// ending in ` \`, the ones after the first indented by two more spaces (a comment under
    /// the command, by four). An option stays with its value (`-e '…'`) where the two fit.
    static func continued(_ command: String, width: Int) -> [String] {
        guard command.count > width else { return [command] }
        let indent = String(command.prefix { $0 == " " })
        let more = indent + "  "
        var words: [String] = []
        for w in shellWords(command.dropFirst(indent.count)) {
            if let last = words.last, last.hasPrefix("-"), !last.contains(" "), !w.hasPrefix("-"),
               more.count + last.count + 1 + w.count + 2 <= width {
                words[words.count - 1] += " " + w
            } else {
                words.append(w)
            }
        }
        var lines: [String] = [], current = indent
        for (k, word) in words.enumerated() {
            let fresh = current.allSatisfy { $0 == " " }
            let candidate = fresh ? current + word : current + " " + word
            // A line another follows needs room for its ` \`.
            if fresh || candidate.count <= (k == words.count - 1 ? width : width - 2) {
                current = candidate
            } else {
                lines.append(current + " \\")
                // Less indent for a long word, so the parser need not break the line (the shell
                // does not mind where a continued line starts).
                let room = (k == words.count - 1 ? width : width - 2) - word.count
                current = String(more.prefix(max(0, room))) + word
            }
        }
        return lines + [current]
    }

    /// A command's words: split at spaces outside single or double quotes.
    static func shellWords(_ text: Substring) -> [String] {
        var words: [String] = [], word = "", quote: Character?
        for c in text {
            if let q = quote {
                word.append(c)
                if c == q { quote = nil }
            } else if c == " " {
                if !word.isEmpty { words.append(word); word = "" }
            } else {
                if c == "'" || c == "\"" { quote = c }
                word.append(c)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// One paragraph wrapped at word boundaries within `width`, narrower by up to a sixth when
    /// that keeps its last word company.
    static func wrapped(_ paragraph: String, width: Int) -> String {
        let first = wrapLongLines(paragraph, width: width)
        for w in stride(from: width - 1, through: width - width / 6, by: -1) {
            guard let last = first.split(separator: "\n").last, first.contains("\n"), !last.contains(" ") else { break }
            let narrower = wrapLongLines(paragraph, width: w)
            if let l = narrower.split(separator: "\n").last, l.contains(" ") { return narrower }
        }
        return first
    }
}

/// The argument parser lays help and usage errors out in the terminal's width (COLUMNS, else
/// the terminal's). Below about 27 columns it dropped the options' descriptions (and a debug
/// build trapped: `columns - wrappingIndent` must be positive), so it is told at least 40; the
/// terminal wraps what is wider.
struct ParserWidth {
    static let narrowest = 40
    /// COLUMNS as it was before `widen`.
    let original: String?

    /// Raises COLUMNS to `narrowest` when the width the parser would use is narrower, and
    /// replaces a COLUMNS that is no width (`0`, `-5`: the parser trapped on those too).
    static func widen() -> ParserWidth {
        let original = getenv("COLUMNS").map { String(cString: $0) }
        var ws = winsize()
        let reported = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 ? Int(ws.ws_col) : nil
        let given = original.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        let width = given ?? reported ?? 80
        if width < narrowest || (original != nil && given == nil) { setenv("COLUMNS", "\(max(width, narrowest))", 1) }
        return ParserWidth(original: original)
    }

    /// Puts COLUMNS back as it was, for the command's own output.
    func restore() {
        if let original { setenv("COLUMNS", original, 1) } else { unsetenv("COLUMNS") }
    }
}
