import Foundation

/// The last result in digits several rows high, for the back of a lecture room: the number in
/// block characters (`#` on a dumb terminal), its unit and dimension centred underneath.
public enum BigReadout {
    /// Glyphs five rows high; `#` is a filled cell. Everything `formatNumber` prints has one.
    static let large: [Character: [String]] = [
        "0": [" ### ", "#   #", "#   #", "#   #", " ### "],
        "1": ["  #  ", " ##  ", "  #  ", "  #  ", " ### "],
        "2": [" ### ", "#   #", "  ## ", " #   ", "#####"],
        "3": ["#### ", "    #", " ### ", "    #", "#### "],
        "4": ["#   #", "#   #", "#####", "    #", "    #"],
        "5": ["#####", "#    ", "#### ", "    #", "#### "],
        "6": [" ### ", "#    ", "#### ", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", "  #  "],
        "8": [" ### ", "#   #", " ### ", "#   #", " ### "],
        "9": [" ### ", "#   #", " ####", "    #", " ### "],
        ".": ["  ", "  ", "  ", "  ", "##"],
        "-": ["    ", "    ", "####", "    ", "    "],
        "+": ["   ", " # ", "###", " # ", "   "],
        "e": ["    ", " ## ", "####", "#   ", " ###"],
        "N": ["#   #", "##  #", "# # #", "#  ##", "#   #"],
        "a": ["    ", " ## ", "   #", "####", " ###"],
        "∞": ["         ", " ##   ## ", "#  # #  #", " ##   ## ", "         "],
    ]

    /// Glyphs three rows high, for numbers too long for the large ones.
    static let small: [Character: [String]] = [
        "0": ["###", "# #", "###"], "1": [" # ", "## ", "###"], "2": ["## ", " # ", " ##"],
        "3": ["###", " ##", "###"], "4": ["# #", "###", "  #"], "5": ["###", "## ", "## "],
        "6": ["#  ", "###", "###"], "7": ["###", "  #", "  #"], "8": ["###", "###", "###"],
        "9": ["###", "###", "  #"], ".": [" ", " ", "#"], "-": ["  ", "##", "  "], "+": ["   ", "-#-", "   "],
        "e": ["  ", "##", "# "], "N": ["# #", "###", "# #"], "a": ["  ", "##", "##"], "∞": ["     ", "## ##", "     "],
    ]

    /// The readout, `width` cells wide: a blank line, the big digits, a blank line, the caption.
    /// `number` is the mantissa as printed (`13.33`, `1.2e9`, `-∞`); `unit` and `dimension` may be empty.
    public static func render(number: String, unit: String, dimension: String, width: Int,
                              unicode: Bool, color: Bool = false) -> String {
        let fill = unicode ? "█" : "#"
        var rows: [String]? = nil
        for font in [large, small] {
            let big = banner(number, font: font)
            if let big, big.first.map({ $0.count }) ?? 0 <= width { rows = big; break }
        }
        var caption = unit
        if !dimension.isEmpty { caption += (caption.isEmpty ? "" : "  ") + "[\(dimension)]" }
        if !unicode { caption = asciiOnly(caption) }
        var lines = [""]
        if let rows {
            for r in rows {
                let line = center(r, width).trimmingTrailing().replacingOccurrences(of: "#", with: fill)
                lines.append(color ? "\u{1B}[1m" + line + "\u{1B}[0m" : line)
            }
        } else {
            // Wider than the terminal even in the small font: the number as text, centred.
            lines.append(center(clip(unicode ? number : asciiOnly(number), width), width).trimmingTrailing())
        }
        if !caption.isEmpty {
            lines.append("")
            let text = center(clip(caption, width), width).trimmingTrailing()
            lines.append(color ? "\u{1B}[1m" + text + "\u{1B}[0m" : text)
        }
        return lines.joined(separator: "\n")
    }

    /// The rows of `text` in `font`, one column between glyphs; nil if a character has no glyph.
    static func banner(_ text: String, font: [Character: [String]]) -> [String]? {
        let height = font["0"]!.count
        var rows = Array(repeating: "", count: height)
        for (i, ch) in text.enumerated() {
            guard let g = font[ch] else { return nil }
            for r in 0..<height { rows[r] += (i == 0 ? "" : " ") + g[r] }
        }
        return rows
    }

    static func asciiOnly(_ s: String) -> String { TextRenderer(style: RenderStyle(unicode: false)).asciify(s) }
}
