import Foundation

/// The terminal figures are drawn on: its size, whether it can redraw in place, and the style
/// present mode draws with. Shared by the REPL and the lab workbench, which both present.
public enum Terminal {
    /// The most lines and columns a screen is taken to have (COLUMNS=2⁶³ − 1 overflowed the
    /// drawing arithmetic).
    public static let maxLines = 1000, maxColumns = 1000

    /// stdout's window, else COLUMNS and LINES, else 80×24; at most `maxColumns` × `maxLines`.
    public static func size() -> (columns: Int, rows: Int) {
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 {
            return (min(Int(ws.ws_col), maxColumns), min(Int(ws.ws_row), maxLines))
        }
        let env = ProcessInfo.processInfo.environment
        let columns = Int(env["COLUMNS"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 80
        let rows = Int(env["LINES"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 24
        return (min(columns, maxColumns), min(rows, maxLines))
    }

    /// TERM=dumb: plain ASCII, and nothing is redrawn in place (the screen scrolls).
    public static var isDumb: Bool { ProcessInfo.processInfo.environment["TERM"] == "dumb" }

    /// Clears the screen before a slide, where that can be done in place.
    public static var clearScreen: String { isDumb || isatty(STDOUT_FILENO) != 1 ? "" : "\u{1B}[H\u{1B}[2J" }

    /// How present mode draws a figure: the terminal's width, and its height less `reserve`
    /// lines (the prompt, a status line).
    public static func presentStyle(color: Bool, digits: Int, reserve: Int = 2) -> RenderStyle {
        let (columns, rows) = size()
        var s = RenderStyle(width: columns, color: color, unicode: !isDumb)
        s.digits = digits
        s.height = max(8, rows - reserve)
        return s
    }
}
