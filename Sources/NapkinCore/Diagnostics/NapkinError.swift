/// The phase that found a problem. It decides the exit code and heads the message.
public enum Phase: String, Sendable {
    case parse, name, dimension, runtime, assertion, limit, cancelled

    /// Exit codes follow sysexits: 65 for bad input data, 70 for failures while running.
    public var exitCode: Int32 {
        switch self {
        case .parse, .name, .dimension: return 65
        case .runtime, .assertion, .limit, .cancelled: return 70
        }
    }
}

/// Every problem napkin reports: never a trap, always one of these.
public struct NapkinError: Error, Sendable {
    public var phase: Phase
    public var message: String
    public var span: Span?
    /// Text shown under the caret (e.g. both sides of a dimension mismatch).
    public var label: String?
    /// Extra lines: did-you-mean, hints.
    public var notes: [String]
    /// Not an error: compiled arithmetic met a value that is not a quantity and hands it back to
    /// the generic rules (a string to join, say). Caught before it can reach a user.
    var carried: Value?
    /// The calls an error left on its way out, innermost first: the report shows the user's
    /// call first when the error was raised inside the library (`presented`).
    public var trace: [CallFrame] = []
    /// A declared-dimension error about parameter i, raised at the call: the caller that knows
    /// the arguments points it at the argument itself (`Interpreter.pointAtArgument`).
    var parameter: Int?
    static let maxTrace = 8

    static func carrying(_ v: Value) -> NapkinError {
        var e = NapkinError(.runtime, "internal: a value escaped compiled arithmetic")
        e.carried = v
        return e
    }

    public init(_ phase: Phase, _ message: String, at span: Span? = nil, label: String? = nil, notes: [String] = []) {
        self.phase = phase
        self.message = message
        self.span = span
        self.label = label
        self.notes = notes
    }

    /// `file:line:col` of the culprit, if known.
    public var location: String? {
        guard let span = presented.span, let file = span.file else { return nil }
        let (line, col) = file.location(of: span.start)
        return "\(file.name):\(line):\(col)"
    }

    /// The error as reported. Raised inside the library (a `prelude/` file), it points at the
    /// innermost call in the user's code, and says where in the library it arose; raised in the
    /// user's own function, it stays there. Either way a short "called from" trace follows.
    public var presented: NapkinError {
        guard !trace.isEmpty else { return self }
        func inLibrary(_ s: Span?) -> Bool { s?.file?.name.hasPrefix("prelude/") ?? false }
        func at(_ s: Span) -> String {
            guard let file = s.file else { return "?" }
            let (l, c) = file.location(of: s.start)
            return "\(file.name):\(l):\(c)"
        }
        var e = self
        e.trace = []
        var shown = trace
        if inLibrary(span), let span, let k = trace.firstIndex(where: { !inLibrary($0.site) }) {
            e.span = trace[k].site
            e.label = "in this call of \(trace[k].function)"
            let excerpt = span.text.count <= 60 ? ": " + span.text : ""
            e.notes = ["raised in the library at \(at(span))\(excerpt)" + (label.map { " (\($0))" } ?? "")] + notes
            shown.remove(at: k)
        }
        if !shown.isEmpty {
            e.notes.append("called from " + shown.map { "\($0.function) at \(at($0.site))" }.joined(separator: ", "))
        }
        return e
    }

    /// The full report: header, location, the source line and a caret span under the culprit.
    public func render(color: Bool = false) -> String {
        if !trace.isEmpty { return presented.render(color: color) }
        let red = color ? "\u{1B}[1;31m" : "", bold = color ? "\u{1B}[1m" : "", blue = color ? "\u{1B}[34m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        // A message can quote a script's strings (assert_eq, an index): made visible.
        var out = "\(red)\(phase.rawValue) error\(reset)\(bold): \(Sanitized.text(message))\(reset)\n"
        if let span, let file = span.file {
            let (line, col) = file.location(of: span.start)
            let (endLine, endCol) = file.location(of: max(span.start, span.end))
            let gutter = String(line).count
            let pad = String(repeating: " ", count: gutter)
            out += "\(pad)\(blue)-->\(reset) \(file.name):\(line):\(col)\n"
            // The excerpt is safe to print: control characters (a hostile file's escape
            // sequences) are made visible one for one, and a long line shows a window around
            // the culprit.
            var scalars = Array(file.lineText(line).unicodeScalars).map(Sanitized.visibleScalar)
            var caretColumn = col
            var width = endLine == line ? max(1, endCol - col) : max(1, scalars.count - col + 1)
            let window = 100
            if scalars.count > window {
                let start = max(0, min(col - 1 - window / 2, scalars.count - window))
                let end = min(scalars.count, start + window)
                scalars = (start > 0 ? ["…"] : []) + Array(scalars[start..<end]) + (end < scalars.count ? ["…"] : [])
                caretColumn = col - start + (start > 0 ? 1 : 0)
                width = min(width, max(1, scalars.count - caretColumn + 1))
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            let text = String(view)
            out += "\(pad) \(blue)|\(reset)\n"
            out += "\(blue)\(line) |\(reset) \(text)\n"
            var caret = "\(pad) \(blue)|\(reset) " + String(repeating: " ", count: max(0, caretColumn - 1))
            caret += red + String(repeating: "^", count: width) + reset
            if let label { caret += " " + Sanitized.line(label) }
            out += caret + "\n"
        } else if let label {
            out += "  \(Sanitized.line(label))\n"
        }
        for note in notes { out += "  = \(Sanitized.text(note))\n" }
        return out
    }
}

extension String {
    func replacingTabs() -> String { replacingOccurrences(of: "\t", with: " ") }
}

/// Edit distance for did-you-mean suggestions.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // Optimal string alignment: a swap of two neighbouring letters (alpah → alpha) costs 1.
    var before = [Int](repeating: 0, count: b.count + 1)
    var prev = Array(0...b.count), cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { cur[j] = min(cur[j], before[j - 2] + 1) }
        }
        before = prev
        swap(&prev, &cur)
    }
    return prev[b.count]
}

/// The closest few names to `name`, for "did you mean …?".
public func suggestions(for name: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
    // Short names only get near misses, or every one-letter unit would be suggested.
    // Counted once: a name of a million characters was counted again for every candidate.
    let length = name.count
    let maxDistance = length <= 2 ? 0 : length <= 5 ? 1 : 2
    var scored: [(Int, String)] = []
    for c in candidates {
        let n = c.count
        if n > length + maxDistance || n + maxDistance < length { continue }
        let d = editDistance(name, c)
        if d <= maxDistance || (d <= 1 && c.lowercased() == name.lowercased()) { scored.append((d, c)) }
    }
    scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    // A name that differs only in letter case is the answer on its own (kwh → kWh).
    if let best = scored.first, best.0 == 0 { scored = scored.filter { $0.0 == 0 } }
    var seen = Set<String>()
    return scored.compactMap { seen.insert($0.1).inserted ? $0.1 : nil }.prefix(limit).map { $0 }
}

/// A name as an error message quotes it: a very long one (a pasted megabyte) cut to its first
/// 60 characters, so the message stays a line and the caret below shows where it is.
public func quotedName(_ name: String) -> String {
    guard name.utf8.count > 60 else { return "'\(name)'" }
    let head = name.prefix(60)
    return head.count < 60 ? "'\(name)'" : "'\(head)…' (\(name.count) characters)"
}

/// The "did you mean …?" note for a misspelt name, or no note when nothing is close.
public func didYouMean(_ name: String, among candidates: some Sequence<String>) -> [String] {
    let s = suggestions(for: name, among: candidates)
    if s.isEmpty { return [] }
    return ["did you mean " + s.map { "'\($0)'" }.joined(separator: " or ") + "?"]
}

extension NapkinError {
    /// A name used as a unit that is not one; `isValue` when it names a let or fn instead.
    /// With a registry, suggestions say how they differ in size or dimension (unitSuggestionNotes).
    static func unknownUnit(_ name: String, at span: Span, candidates: [String], isValue: Bool, registry: UnitRegistry? = nil,
                            amount: Double? = nil) -> NapkinError {
        // A value in a unit's place gets that hint alone, not a unit that merely looks alike.
        if isValue {
            return NapkinError(.name, "unknown unit \(quotedName(name))", at: span, notes: ["\(quotedName(name)) is a value, not a unit; multiply by it instead"])
        }
        if let t = UnitRegistry.temperatureNote(for: name, amount: amount) {
            return NapkinError(.name, "unknown unit \(quotedName(name))", at: span, notes: [t])
        }
        let notes = registry.map { $0.unitSuggestionNotes(for: name) } ?? didYouMean(name, among: candidates)
        return NapkinError(.name, "unknown unit \(quotedName(name))", at: span, notes: notes)
    }
}

/// One call an error passed through: the function and where it was called.
public struct CallFrame: Sendable {
    public var function: String
    public var site: Span
}
