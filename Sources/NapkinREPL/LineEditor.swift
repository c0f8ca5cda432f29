import CEditLine
import CEditLineShim
import Foundation
import NapkinCore

/// What one call to `LineEditor.read` got.
public enum LineRead: Equatable {
    case line(String)
    /// Ctrl-C at the prompt: the line was thrown away.
    case interrupted
    /// Ctrl-D on an empty line, or the end of input.
    case eof
}

/// A completion request's answer: the word being completed and what it could become.
public struct Completion: Equatable {
    /// The text before the cursor that the candidates replace (each candidate starts with it).
    public var word: String
    public var candidates: [String]
    /// Appended after a unique candidate (a space after a command, nothing after a field).
    public var suffix: String
    /// How candidates are listed (defaults to the candidates themselves).
    public var display: [String]?

    public init(word: String, candidates: [String], suffix: String = "", display: [String]? = nil) {
        self.word = word
        self.candidates = candidates
        self.suffix = suffix
        self.display = display
    }

    public static let none = Completion(word: "", candidates: [])

    /// The longest prefix every candidate shares.
    public var commonPrefix: String {
        guard var p = candidates.first else { return "" }
        for c in candidates.dropFirst() {
            while !c.hasPrefix(p) { p.removeLast() }
        }
        return p
    }
}

/// Reads lines from a terminal with libedit: emacs keys, arrows, history, Ctrl-R search,
/// tab completion and Ctrl-C to clear the line.
public final class LineEditor {
    let el: OpaquePointer
    let history: OpaquePointer
    let complete: (String) -> Completion
    var interrupted = false
    let output: UnsafeMutablePointer<FILE>
    /// Called on the editing thread when the wake descriptor becomes readable, after the prompt
    /// line is cleared; what it prints stays above the prompt, drawn again with the line being typed.
    var onWake: (() -> Bool)?
    /// Ctrl-]: the key a wake-up arrives as (typing it only runs the same check).
    static let wakeKey: Int32 = 0x1D

    public init?(program: String, complete: @escaping (String) -> Completion) {
        guard let el = el_init(program, stdin, stdout, stderr) else { return nil }
        guard let h = napkin_history_new(Int32(HistoryFile.capacity)) else {
            el_end(el)
            return nil
        }
        self.el = el
        self.history = h
        self.complete = complete
        self.output = stdout
        napkin_el_configure(el)
        napkin_el_set_history(el, h)
        napkin_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        napkin_el_add_command(el, "napkin-complete", "Complete the word before the cursor") { el, _ in
            guard let el, let me = LineEditor.from(el) else { return UInt8(CC_ERROR) }
            return me.onTab()
        }
        napkin_el_add_command(el, "napkin-interrupt", "Throw the line away") { el, _ in
            guard let el, let me = LineEditor.from(el) else { return UInt8(CC_ERROR) }
            return me.onInterrupt()
        }
        napkin_el_add_command(el, "napkin-wake", "Apply what the browser mirror asked for") { el, _ in
            guard let el, let me = LineEditor.from(el) else { return UInt8(CC_ERROR) }
            return me.wake()
        }
        napkin_el_bind(el, "^]", "napkin-wake")
        napkin_el_bind(el, "^I", "napkin-complete")
        napkin_el_bind(el, "^C", "napkin-interrupt")
        napkin_el_bind(el, "^R", "em-inc-search-prev")
        napkin_el_bind(el, "^S", "em-inc-search-next")
        napkin_el_bind(el, "^W", "ed-delete-prev-word")
        napkin_el_bind(el, "\\e[1;5D", "ed-prev-word")  // Ctrl-Left
        napkin_el_bind(el, "\\e[1;5C", "em-next-word")  // Ctrl-Right
    }

    deinit {
        el_end(el)
        history_end(history)
    }

    static func from(_ el: OpaquePointer) -> LineEditor? {
        guard let p = napkin_el_get_clientdata(el) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(p).takeUnretainedValue()
    }

    /// Shows `prompt` (colour escapes allowed) and reads one line without its newline.
    public func read(prompt: String) -> LineRead {
        napkin_el_set_prompt(el, LineEditor.markEscapes(prompt))
        interrupted = false
        var count: Int32 = 0
        guard let raw = el_gets(el, &count) else {
            if interrupted { return .interrupted }
            return .eof
        }
        if interrupted { return .interrupted }
        var s = String(cString: raw)
        while s.hasSuffix("\n") || s.hasSuffix("\r") { s.removeLast() }
        return .line(s)
    }

    /// Also reads `fd` while editing: when it is readable, `handler` runs (nil: stop).
    public func watch(_ fd: Int32?, handler: (() -> Bool)?) {
        onWake = handler
        napkin_el_set_wake(el, fd ?? -1, LineEditor.wakeKey)
    }

    func wake() -> UInt8 {
        guard let onWake else { return UInt8(CC_NORM) }
        // Over the prompt line; then the prompt and the half-typed line again below the output.
        fputs("\r\u{1B}[K", output)
        fflush(output)
        _ = onWake()
        return UInt8(CC_REDISPLAY)
    }

    /// Makes a line recallable with the up arrow.
    public func addHistory(_ line: String) {
        napkin_history_add(history, line)
    }

    public func clearHistory() {
        napkin_history_clear(history)
    }

    /// Wraps ANSI escape sequences in \1 so libedit knows they take no room.
    static func markEscapes(_ s: String) -> String {
        var out = ""
        var inEscape = false
        for ch in s.unicodeScalars {
            if ch == "\u{1B}" { out += "\u{1}"; inEscape = true }
            out.unicodeScalars.append(ch)
            if inEscape, ch == "m" { out += "\u{1}"; inEscape = false }
        }
        return out
    }

    // MARK: Key handlers (called from libedit)

    func lineBeforeCursor() -> String {
        guard let info = el_line(el)?.pointee else { return "" }
        let n = info.cursor - info.buffer
        guard n > 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(info.buffer), count: n)
        return String(decoding: bytes, as: UTF8.self)
    }

    func onInterrupt() -> UInt8 {
        interrupted = true
        // Show "^C" after the line, like a shell, then end it; `read` throws it away.
        if let info = el_line(el)?.pointee {
            el_cursor(el, Int32(info.lastchar - info.cursor))
        }
        el_insertstr(el, "^C")
        el_push(el, "\n")
        return UInt8(CC_REFRESH)
    }

    func onTab() -> UInt8 {
        let before = lineBeforeCursor()
        let c = complete(before)
        guard !c.candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        if c.candidates.count == 1 {
            let rest = String(c.candidates[0].dropFirst(c.word.count)) + c.suffix
            if !rest.isEmpty { el_insertstr(el, rest) }
            return UInt8(CC_REFRESH)
        }
        let common = c.commonPrefix
        if common.count > c.word.count {
            el_insertstr(el, String(common.dropFirst(c.word.count)))
            return UInt8(CC_REFRESH)
        }
        let listing = LineEditor.columns(c.display ?? c.candidates, width: terminalWidth())
        fputs("\n" + Sanitized.text(listing), output)
        fflush(output)
        return UInt8(CC_REDISPLAY)
    }

    func terminalWidth() -> Int {
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }

    /// Candidates in columns, at most `limit` of them.
    static func columns(_ items: [String], width: Int, limit: Int = 120) -> String {
        let shown = Array(items.prefix(limit))
        let colWidth = (shown.map(\.count).max() ?? 1) + 2
        let perRow = max(1, width / colWidth)
        let rows = (shown.count + perRow - 1) / perRow
        var out = ""
        for r in 0..<rows {
            var line = ""
            for c in 0..<perRow {
                let i = c * rows + r  // column-major, like a shell
                guard i < shown.count else { continue }
                line += shown[i].padding(toLength: colWidth, withPad: " ", startingAt: 0)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        if items.count > shown.count { out += "… and \(items.count - shown.count) more: type more letters\n" }
        return out
    }
}
