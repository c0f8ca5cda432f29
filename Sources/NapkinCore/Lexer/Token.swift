/// One lexical token. Strings keep their raw body; the parser splits `{…}` interpolations.
public struct Token: Sendable {
    public enum Kind: Equatable, Sendable {
        case number(Double)
        case identifier(String)
        case string(String)
        case keyword(Keyword)
        case op(String)        // operators and punctuation, normalised: × → *, ÷ → /, → → ->, ≤ → <=, …
        case superscript(Int)  // ², ³ after a unit: m² is m^2
        case newline
        case eof
    }

    public var kind: Kind
    public var span: Span

    public var text: String { span.text }
}

public enum Keyword: String, CaseIterable, Sendable {
    case `let`, fn, knob, `in`, sweep, step, `if`, then, `else`, and, or, not, `true`, `false`
    case to, per, assert, dimension, unit, prefix, display, digits, prefixes
}
