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
            case _ where isHiddenControl(u.value):
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
        case _ where isHiddenControl(u.value): return "\u{FFFD}"
        default: return u
        }
    }

    /// C1 controls and the bidirectional controls that could reorder what is shown: written as
    /// a code point, not as themselves.
    static func isHiddenControl(_ v: UInt32) -> Bool {
        switch v {
        case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        default: return false
        }
    }

    /// Every character this sanitiser shows as something other than itself (line feeds and tabs
    /// included): C0 controls, DEL, C1 and bidirectional controls.
    public static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || u.value == 0x7F || isHiddenControl(u.value) }

    /// One line: line feeds and tabs are made visible too (titles, table cells, ledger fields).
    public static func line(_ s: String) -> String { text(s, keepNewlines: false, keepTabs: false) }

    /// Text on its way to the terminal (standard output and error, `StandardStream`): the one
    /// gate every printed byte passes, behind the per-path `text(_:)`. napkin's own styling
    /// (SGR, `ESC [ digits ; … m`) passes, and its clear-screen (`ESC[H ESC[2J`) at the very start;
    /// every other control character is made visible as `text(_:)` shows it. A path that forgot
    /// to sanitise therefore still cannot retitle the window, move the cursor, clear the screen,
    /// ring the bell or overwrite a line. Works on bytes: the common case is one quick scan.
    public static func terminal(_ s: String) -> String {
        var s = s
        return s.withUTF8 { b -> String? in
            guard let first = firstUnsafe(b) else { return nil }
            var out = [UInt8]()
            out.reserveCapacity(b.count + 16)
            out.append(contentsOf: b[0..<first])
            var i = first
            func visible(_ u: UInt32) { out.append(contentsOf: String(Unicode.Scalar(u)!).utf8) }
            func codePoint(_ u: UInt32) { out.append(contentsOf: "<U+\(String(u, radix: 16, uppercase: true).leftPadded(4))>".utf8) }
            while i < b.count {
                let c = b[i]
                if c == 0x1B {
                    if let n = styling(b, at: i) { out.append(contentsOf: b[i..<(i + n)]); i += n; continue }
                    visible(0x241B); i += 1; continue
                }
                if c == 0x0A || c == 0x09 { out.append(c); i += 1; continue }
                if c < 0x20 { visible(0x2400 + UInt32(c)); i += 1; continue }
                if c == 0x7F { visible(0x2421); i += 1; continue }
                if c >= 0xC2, let (u, n) = hiddenControl(b, at: i) { codePoint(u); i += n; continue }
                out.append(c); i += 1
            }
            return String(decoding: out, as: UTF8.self)
        } ?? s
    }

    /// The first byte `terminal(_:)` must look at closely, or nil when all of it passes as is.
    static func firstUnsafe(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x20 {
                if c == 0x1B, let n = styling(b, at: i) { i += n; continue }
                if c != 0x0A && c != 0x09 { return i }
            } else if c == 0x7F || (c >= 0xC2 && hiddenControl(b, at: i) != nil) {
                return i
            }
            i += 1
        }
        return nil
    }

    /// The length of napkin's own escape sequence at `i`: SGR anywhere, clear-screen at the start.
    static func styling(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        if i == 0, b.count >= 7, Array(b[0..<7]) == [0x1B, 0x5B, 0x48, 0x1B, 0x5B, 0x32, 0x4A] { return 7 }
        guard i + 2 < b.count, b[i + 1] == 0x5B else { return nil }
        var j = i + 2
        while j < b.count, (0x30...0x39).contains(b[j]) || b[j] == 0x3B { j += 1 }
        return j < b.count && b[j] == 0x6D ? j - i + 1 : nil
    }

    /// A C1 control or a bidirectional control encoded at `i`: its code point and byte length.
    static func hiddenControl(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int)? {
        let c = b[i]
        if c == 0xC2, i + 1 < b.count, (0x80...0x9F).contains(b[i + 1]) { return (UInt32(b[i + 1]), 2) }
        if c == 0xD8, i + 1 < b.count, b[i + 1] == 0x9C { return (0x061C, 2) }
        if c == 0xE2, i + 2 < b.count {
            let u = (UInt32(c & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
            if isHiddenControl(u) { return (u, 3) }
        }
        return nil
    }

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
