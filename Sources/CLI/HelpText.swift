import Foundation
import NapkinLab

/// A command's discussion, written as paragraphs and fitted to the width the help is printed at.
/// The argument parser wraps each line of a discussion on its own, so text broken at 80 columns
/// came out ragged in a narrower terminal (a full line, then two words, then a full line).
enum HelpText {
    /// The width the argument parser prints help at (COLUMNS, else the terminal's, else 80),
    /// kept to at most 80 columns, which reads better than a line across a wide screen; less
    /// one, since the parser breaks a line that fills the width.
    static var width: Int {
        let columns = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "").flatMap { $0 > 0 ? $0 : nil }
        var ws = winsize()
        let reported = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 ? Int(ws.ws_col) : nil
        return max(20, min(80, columns ?? reported ?? 80)) - 1
    }

    /// `text`'s paragraphs (separated by a blank line) rewrapped to `width`; a line that starts
    /// with two spaces (an example, a command to copy) is kept as it is. A paragraph does not end
    /// with one word alone on its last line when a slightly narrower wrap avoids it.
    static func fitted(_ text: String, width: Int = HelpText.width) -> String {
        var out: [String] = [], paragraph: [String] = []
        func flush() {
            guard !paragraph.isEmpty else { return }
            out.append(wrapped(paragraph.joined(separator: " "), width: width))
            paragraph = []
        }
        for line in text.components(separatedBy: "\n") {
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("  ") {
                flush()
                out += example(line, width: width)
            } else {
                paragraph.append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        flush()
        return out.joined(separator: "\n")
    }

    /// An example line as written; one too wide for `width` that has a comment after a gap
    /// (`napkin -e '1 TB / 10 Gbit/s'        13.33 min [Time]`) puts the comment on a line of its
    /// own under the command, rather than leave the parser to break it at the margin.
    static func example(_ line: String, width: Int) -> [String] {
        guard line.count > width, let gap = line.range(of: "   ", range: line.index(line.startIndex, offsetBy: 2)..<line.endIndex) else {
            return [line]
        }
        let command = String(line[..<gap.lowerBound])
        let comment = line[gap.upperBound...].trimmingCharacters(in: .whitespaces)
        guard !comment.isEmpty else { return [command] }
        return [command, "      " + comment]
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
