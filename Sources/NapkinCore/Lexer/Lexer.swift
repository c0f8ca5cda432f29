/// Turns source text into tokens. Accepts the Unicode operator spellings people paste
/// from papers (× · ÷ → ≤ ≥ ≠ ² ³) and normalises them to their ASCII forms.
public struct Lexer {
    let file: SourceFile
    let s: [Unicode.Scalar]
    var i = 0
    /// Where lexing stops: the end of the file, or of an interpolation inside a string.
    let end: Int
    var tokens: [Token] = []
    var tokensAtMemoryCheck = 0

    public init(file: SourceFile) {
        self.file = file
        self.s = file.scalars
        self.end = file.scalars.count
    }

    /// Lexes part of a file (a string's `{…}`), with spans into the file itself.
    init(file: SourceFile, range: Range<Int>) {
        self.file = file
        self.s = file.scalars
        self.i = range.lowerBound
        self.end = range.upperBound
    }

    public static func tokenize(_ file: SourceFile) throws(NapkinError) -> [Token] {
        var lexer = Lexer(file: file)
        return try lexer.run()
    }

    static func tokenize(_ file: SourceFile, range: Range<Int>) throws(NapkinError) -> [Token] {
        var lexer = Lexer(file: file, range: range)
        return try lexer.run()
    }

    mutating func run() throws(NapkinError) -> [Token] {
        // A byte-order mark is not part of the program.
        if i < end, s[i] == "\u{FEFF}" { i += 1 }
        while i < end {
            let c = s[i]
            let start = i
            switch c {
            case " ", "\t", "\r", "\u{A0}":
                i += 1
            case "\n":
                i += 1
                if case .newline? = tokens.last?.kind {} else if !tokens.isEmpty { add(.newline, start) }
                // A huge program must not take the last of the address space under `ulimit -v`.
                if tokens.count - tokensAtMemoryCheck > 0x3FFF {
                    tokensAtMemoryCheck = tokens.count
                    try MemoryBudget.checkAddressSpace(at: Span(start, i, file: file), growing: 2 * tokens.count * MemoryLayout<Token>.stride)
                }
            case "#":
                while i < end, s[i] != "\n" { i += 1 }
            case "\\" where peek(1) == "\n":
                i += 2  // explicit line continuation
            case "0"..."9":
                try number()
            case "." where isDigit(peek(1)) && !previousEndsOperand:
                try number()
            case "\"":
                try string()
            case _ where Lexer.superscriptDigits[c] != nil || (c == "⁻" && Lexer.superscriptDigits[peek(1) ?? " "] != nil):
                // `m²`, `m⁻¹`, `s⁻²`, `10¹²`: what napkin prints, it reads back.
                var sign = 1
                if c == "⁻" { sign = -1; i += 1 }
                var k = 0
                while i < end, let d = Lexer.superscriptDigits[s[i]], k < 1000 { k = k * 10 + d; i += 1 }
                add(.superscript(sign * k), start)
            default:
                if Lexer.isIdentStart(c) {
                    while i < end, Lexer.isIdentContinue(s[i]) { i += 1 }
                    let word = text(start, i)
                    if let kw = Keyword(rawValue: word) { add(.keyword(kw), start) } else { add(.identifier(word), start) }
                } else {
                    try op(start)
                }
            }
        }
        if case .newline? = tokens.last?.kind { tokens.removeLast() }
        // End of input is reported just after the last token, not on a blank last line.
        let last = tokens.last?.span.end ?? i
        tokens.append(Token(kind: .eof, span: Span(last, last, file: file)))
        return tokens
    }

    private var previousEndsOperand: Bool {
        guard let last = tokens.last else { return false }
        switch last.kind {
        case .identifier, .number, .string: return true
        case .op(let o): return o == ")" || o == "]" || o == "}"
        default: return false
        }
    }

    /// The source text of scalars `start..<end` (built from UTF-8: far cheaper than appending
    /// scalars to a string one by one).
    func text(_ start: Int, _ end: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(end - start)
        for k in start..<end { Lexer.appendUTF8(s[k], to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    static func appendUTF8(_ c: Unicode.Scalar, to bytes: inout [UInt8]) {
        if c.isASCII { bytes.append(UInt8(c.value)) } else { bytes.append(contentsOf: UTF8.encode(c)!) }
    }

    private func peek(_ k: Int) -> Unicode.Scalar? { i + k < end ? s[i + k] : nil }
    private func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }

    private mutating func add(_ kind: Token.Kind, _ start: Int) {
        tokens.append(Token(kind: kind, span: Span(start, i, file: file)))
    }

    /// Whether a name (an identifier or a unit symbol) may start with `c`.
    public static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        if c == "µ" || c == "μ" || c == "Ω" || c == "°" { return true }
        return c.properties.isAlphabetic
    }

    /// Whether a name may go on with `c`.
    public static func isIdentContinue(_ c: Unicode.Scalar) -> Bool {
        isIdentStart(c) || ("0"..."9").contains(c) || c == "'"
    }

    private mutating func number() throws(NapkinError) {
        let start = i
        var text = ""
        func digits(_ lexer: inout Lexer) {
            while lexer.i < lexer.end {
                let c = lexer.s[lexer.i]
                if ("0"..."9").contains(c) { text.unicodeScalars.append(c); lexer.i += 1 }
                else if c == "_", lexer.i + 1 < lexer.end, ("0"..."9").contains(lexer.s[lexer.i + 1]) { lexer.i += 1 }
                else { break }
            }
        }
        digits(&self)
        // A '.' is a decimal point only when a digit follows and it is not the start of '...'.
        if i < end, s[i] == ".", isDigit(peek(1)) || (peek(1) != "." && !(peek(1).map(Lexer.isIdentStart) ?? false)) {
            text += "."
            i += 1
            digits(&self)
        }
        if i < end, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            if j < end, s[j] == "+" || s[j] == "-" { j += 1 }
            if j < end, ("0"..."9").contains(s[j]) {
                text += "e"
                if s[i + 1] == "-" { text += "-" }
                i = j
                digits(&self)
            }
        }
        if text.hasPrefix(".") { text = "0" + text }
        if text.hasSuffix(".") { text += "0" }
        guard let v = Double(text), v.isFinite else {
            throw NapkinError(.parse, "number '\(String(String.UnicodeScalarView(s[start..<i])))' is too large", at: Span(start, i, file: file))
        }
        add(.number(v), start)
    }

    private mutating func string() throws(NapkinError) {
        let start = i
        i += 1
        var body: [UInt8] = []
        var depth = 0
        var openBraces: [Int] = []
        while i < end {
            let c = s[i]
            if c == "\\" , i + 1 < end {
                Lexer.appendUTF8(c, to: &body); Lexer.appendUTF8(s[i + 1], to: &body); i += 2; continue
            }
            if c == "{" { depth += 1; openBraces.append(i) }
            if c == "}" { depth = max(0, depth - 1); _ = openBraces.popLast() }
            if c == "\"" && depth == 0 { break }
            if c == "\n" && depth == 0 { break }
            Lexer.appendUTF8(c, to: &body)
            i += 1
        }
        if depth > 0, let brace = openBraces.first {
            throw NapkinError(.parse, "unclosed '{' in string interpolation", at: Span(brace, brace + 1, file: file),
                              notes: ["close it with '}', or write \\{ for a literal brace"])
        }
        guard i < end, s[i] == "\"" else {
            throw NapkinError(.parse, "unterminated string", at: Span(start, min(i, start + 1), file: file),
                              notes: ["close it with \" on the same line"])
        }
        i += 1
        add(.string(String(decoding: body, as: UTF8.self)), start)
    }

    /// Two-character operators by first and second character.
    private static let twoChar: [Unicode.Scalar: [Unicode.Scalar: String]] = [
        "-": [">": "->"], "=": ["=": "==", ">": "=>"], "!": ["=": "!="], "<": ["=": "<="], ">": ["=": ">="],
    ]
    private static let single: [Unicode.Scalar: String] = Dictionary(uniqueKeysWithValues:
        ["+", "-", "*", "/", "^", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "=", "<", ">", "%"].map { ($0, String($0)) })
    private static let unicodeOps: [Unicode.Scalar: String] = [
        "×": "*", "·": "*", "⋅": "*", "÷": "/", "→": "->", "≤": "<=", "≥": ">=", "≠": "!=", "−": "-", "…": "...",
    ]

    static let superscriptDigits: [Unicode.Scalar: Int] = ["⁰": 0, "¹": 1, "²": 2, "³": 3, "⁴": 4, "⁵": 5, "⁶": 6, "⁷": 7, "⁸": 8, "⁹": 9]

    private mutating func op(_ start: Int) throws(NapkinError) {
        let c = s[i]
        if c == ".", peek(1) == ".", peek(2) == "." {
            i += 3
            add(.op("..."), start)
            return
        }
        if let n = peek(1), n == "=" || n == ">", let pair = Lexer.twoChar[c]?[n] {
            i += 2
            add(.op(pair), start)
            return
        }
        if let mapped = Lexer.unicodeOps[c] {
            i += 1
            add(.op(mapped), start)
            return
        }
        if let single = Lexer.single[c] {
            i += 1
            add(.op(single), start)
            return
        }
        i += 1
        let shown = c.properties.isWhitespace || c.value < 32 ? "U+\(String(c.value, radix: 16, uppercase: true))" : "'\(Character(c))'"
        let notes = UnitRegistry.temperatureNote(for: String(Character(c))).map { [$0] } ?? []
        throw NapkinError(.parse, "unexpected character \(shown)", at: Span(start, i, file: file), notes: notes)
    }
}
