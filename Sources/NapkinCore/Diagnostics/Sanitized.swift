/// Text that a script or a student wrote, made safe to print on a terminal: every control
/// character is shown as a visible symbol instead of acting on the terminal. Raw ESC, BEL, NUL,
/// CR and the C1 controls could otherwise retitle the window, clear the screen, move the cursor
/// or overwrite a line (a file faking "all checks passed"); bidirectional overrides could
/// reorder what is shown. Every path that prints such text — results, `print`, mission text,
/// figure titles and labels, diagnostics, `napkin check`, `ledger show` — goes through here.
public enum Sanitized {
    /// `text` with control characters made visible. Line feeds stay (and tabs, with
    /// `keepTabs`); C0 controls become their Control Pictures symbol (ESC → ␛, CR → ␍,
    /// NUL → ␀), DEL becomes ␡, and C1 controls and bidi overrides become `<U+XXXX>`.
    public static func text(_ text: String, keepNewlines: Bool = true, keepTabs: Bool = true) -> String {
        guard needsWork(text, keepNewlines, keepTabs) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            switch u.value {
            case 0x0A where keepNewlines, 0x09 where keepTabs:
                out.append(u)
            case 0x00..<0x20:
                out.append(Unicode.Scalar(0x2400 + u.value)!)
            case 0x7F:
                out.append("\u{2421}")
            case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
                out.append(contentsOf: "<U+\(String(u.value, radix: 16, uppercase: true).leftPadded(4))>".unicodeScalars)
            default:
                out.append(u)
            }
        }
        return String(out)
    }

    /// One scalar for one scalar, so a caret under a source line stays aligned: C0 controls as
    /// their Control Pictures symbol, DEL as ␡, C1 controls and bidi overrides as �, tab as a space.
    public static func visibleScalar(_ u: Unicode.Scalar) -> Unicode.Scalar {
        switch u.value {
        case 0x09: return " "
        case 0x00..<0x20: return Unicode.Scalar(0x2400 + u.value)!
        case 0x7F: return "\u{2421}"
        case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return "\u{FFFD}"
        default: return u
        }
    }

    /// One line: line feeds and tabs are made visible too (titles, table cells, ledger fields).
    public static func line(_ s: String) -> String { text(s, keepNewlines: false, keepTabs: false) }

    /// Whether `text` holds anything `text(_:)` would change (the common case is a quick no).
    static func needsWork(_ text: String, _ keepNewlines: Bool, _ keepTabs: Bool) -> Bool {
        for u in text.utf8 {
            if u >= 0xC2 { return true }  // non-ASCII: C1 or bidi controls are possible; look closely
            if u == 0x7F { return true }
            if u < 0x20 && !((u == 0x0A && keepNewlines) || (u == 0x09 && keepTabs)) { return true }
        }
        return false
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
