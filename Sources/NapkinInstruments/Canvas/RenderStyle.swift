import Foundation

/// How a figure may be drawn on this terminal: width, colour, and Unicode or plain ASCII.
public struct RenderStyle: Sendable {
    /// Kept to 30...400 columns however it is set.
    public var width: Int {
        didSet { if !(30...400).contains(width) { width = max(30, min(width, 400)) } }
    }
    public var color: Bool
    public var unicode: Bool
    public var digits = 4
    /// Present mode: figures grow to fill this many lines (the terminal's height); nil keeps
    /// their everyday size. Kept to 8...400 lines, as the width is to 30...400 columns (a
    /// LINES of 2⁶³ − 1 overflowed the canvas's arithmetic; 100000 drew for seconds).
    public var height: Int? {
        didSet { if let h = height, !(8...400).contains(h) { height = max(8, min(h, 400)) } }
    }

    public init(width: Int = 80, color: Bool = false, unicode: Bool = true) {
        self.width = max(30, min(width, 400))
        self.color = color
        self.unicode = unicode
    }

    /// From the environment: COLUMNS (else 80), colour unless NO_COLOR / TERM=dumb / not a terminal,
    /// ASCII for TERM=dumb.
    public static func fromEnvironment(isTerminal: Bool, noColorFlag: Bool = false) -> RenderStyle {
        let env = ProcessInfo.processInfo.environment
        var width = Int(env["COLUMNS"] ?? "") ?? 0
        if width <= 0, isTerminal {
            var ws = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { width = Int(ws.ws_col) }
        }
        if width <= 0 { width = 80 }
        let dumb = env["TERM"] == "dumb"
        let noColor = noColorFlag || dumb || !(env["NO_COLOR"] ?? "").isEmpty || !isTerminal
        return RenderStyle(width: width, color: !noColor, unicode: !dumb)
    }

    static let palette = ["34", "31", "32", "33", "35", "36"]  // blue, red, green, yellow, magenta, cyan

    func paint(_ s: String, _ code: String?) -> String {
        guard color, let code, !s.isEmpty else { return s }
        return "\u{1B}[\(code)m\(s)\u{1B}[0m"
    }

    func seriesColor(_ i: Int) -> String { RenderStyle.palette[i % RenderStyle.palette.count] }
}

/// How many lines `s` has (one more than its newlines), counted on its bytes: counting by
/// Characters finds the grapheme boundaries of every braille cell of a drawing.
public func lineCount(_ s: String) -> Int { s.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }

/// The columns `s` occupies on a terminal (braille, box drawing and blocks one each): colour
/// escapes take none, wide characters (🔒, CJK) two, so a line measured with it does not spill
/// past the edge.
public func terminalColumns(_ s: String) -> Int {
    // Scalar by scalar, from a table, while every scalar is one whose cluster's width is the sum
    // of its scalars' (letters, digits, symbols, box drawing, marks of width 0): splitting text
    // into characters and asking each for its Unicode properties was most of measuring it, and
    // instruments measure every line they draw. Anything else is measured by characters.
    var n = 0
    var inEscape = false
    for u in s.unicodeScalars {
        let v = u.value
        if inEscape {
            guard v < 0x80 else { return terminalColumnsByCharacter(s) }
            if (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) { inEscape = false }
            continue
        }
        if v >= 0x20 && v < 0x7F { n += 1; continue }
        if v == 0x1B { inEscape = true; continue }
        guard let w = ScalarColumns.width(v) else { return terminalColumnsByCharacter(s) }
        n += w
    }
    return n
}

/// The columns of single scalars that never join a neighbour into a cluster of another width.
enum ScalarColumns {
    /// Per scalar below 0x0900 and in 0x2000..<0x2E80 (punctuation, arrows, maths, box drawing,
    /// blocks, shapes, symbols, dingbats): its width, or 0xFF where clusters decide (format
    /// characters such as the zero-width joiner and the prepended Arabic signs, spacing marks).
    /// From 0x0900 to 0x10FF (the Indic scripts, Thai, Lao, Tibetan, Myanmar, Georgian) letters
    /// join into clusters through viramas and spacing vowels (क्ष, กำ): measured by characters.
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 0x0900 + 0xE80)
        func fill(_ r: Range<UInt32>, offset: Int) {
            for v in r {
                guard let u = Unicode.Scalar(v) else { continue }
                switch u.properties.generalCategory {
                case .format, .spacingMark, .surrogate, .unassigned, .privateUse: continue
                default: break
                }
                t[Int(v) - offset] = UInt8(terminalColumns(of: Character(u)))
            }
        }
        fill(0..<0x0900, offset: 0)
        fill(0x2000..<0x2E80, offset: 0x2000 - 0x0900)
        return t
    }()

    static func width(_ v: UInt32) -> Int? {
        let i: Int
        if v < 0x0900 { i = Int(v) } else if v >= 0x2000 && v < 0x2E80 { i = Int(v) - 0x2000 + 0x0900 } else { return nil }
        let w = table[i]
        return w == 0xFF ? nil : Int(w)
    }
}

/// `terminalColumns`, character by character.
func terminalColumnsByCharacter(_ s: String) -> Int {
    var n = 0
    var inEscape = false
    for ch in s {
        if inEscape {
            // A CSI sequence (ESC [ … m) ends with a letter.
            if ch.isLetter { inEscape = false }
            continue
        }
        if ch == "\u{1B}" { inEscape = true; continue }
        n += terminalColumns(of: ch)
    }
    return n
}

/// One character's columns: 0 for controls and format marks, 2 for emoji shown as emoji and
/// East Asian wide characters, else 1.
public func terminalColumns(of ch: Character) -> Int {
    guard let first = ch.unicodeScalars.first else { return 0 }
    switch first.properties.generalCategory {
    case .control, .format, .nonspacingMark, .enclosingMark: return 0
    default: break
    }
    if first.properties.isEmojiPresentation || ch.unicodeScalars.contains("\u{FE0F}") { return 2 }
    switch first.value {
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
         0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
         0xFFE0...0xFFE6, 0x20000...0x3FFFD:
        return 2
    default:
        return 1
    }
}

func padRight(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - terminalColumns(s))) }
func padLeft(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - terminalColumns(s))) + s }
func center(_ s: String, _ w: Int) -> String {
    let gap = max(0, w - terminalColumns(s))
    return String(repeating: " ", count: gap / 2) + s + String(repeating: " ", count: gap - gap / 2)
}

/// Cut text to at most `w` cells, marking the cut.
func clip(_ s: String, _ w: Int) -> String {
    if terminalColumns(s) <= w { return s }
    if w <= 1 { return String(s.prefix(max(0, w))) }
    return String(s.prefix(w - 1)) + "…"
}
