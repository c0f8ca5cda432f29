import Foundation

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
    osaDistance(Array(a.lowercased()), Array(b.lowercased()), atMost: Int.max)
}

/// Optimal string alignment distance: a swap of two neighbouring letters (alpah → alpha) costs 1.
/// Gives `bound + 1` for anything further. Only the band of the table within `bound` of its
/// diagonal is worked out (a cell further off is at least that far), and the work stops once two
/// rows in a row are past the bound (a row never has a smaller least entry than both rows before
/// it): two long names cost their length times the bound, not their lengths multiplied.
func osaDistance<Letter: Equatable>(_ a: [Letter], _ b: [Letter], atMost bound: Int) -> Int {
    // No distance exceeds the longer length: a bound past it changes nothing.
    let bound = min(bound, max(a.count, b.count))
    let past = bound + 1
    if a.isEmpty { return min(b.count, past) }
    if b.isEmpty { return min(a.count, past) }
    if abs(a.count - b.count) > bound { return past }
    let width = b.count + 1
    // Three rows of the table (two back, the last, this one) in one allocation, on the stack when
    // small; a cell outside the band holds `past`.
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * width) { rows in
        var before = rows.baseAddress!, prev = before + width, cur = prev + width
        rows.initialize(repeating: past)
        for j in 0...min(b.count, bound) { prev[j] = j }
        var previousRowPast = false
        for i in 1...a.count {
            let lo = max(1, i - bound), hi = min(b.count, i + bound)
            cur[lo - 1] = lo == 1 ? min(i, past) : past
            if hi < b.count { cur[hi + 1] = past }
            var least = cur[lo - 1]
            for j in lo...hi {
                var d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, before[j - 2] + 1) }
                d = min(d, past)
                cur[j] = d
                least = min(least, d)
            }
            if least > bound {
                if previousRowPast { return past }
                previousRowPast = true
            } else {
                previousRowPast = false
            }
            (before, prev, cur) = (prev, cur, before)
        }
        return min(prev[b.count], past)
    }
}

/// A lowered name's letters as numbers, when each letter is one Unicode scalar in its composed
/// form (nil otherwise): two letters are equal as Characters exactly when their composed forms
/// are (the Kelvin sign is a K), and comparing numbers is what makes a did-you-mean over
/// thousands of names cheap.
func letterCodes(_ letters: [Character]) -> [UInt32]? {
    var codes: [UInt32] = []
    codes.reserveCapacity(letters.count)
    for c in letters {
        // One ASCII scalar (not `asciiValue`, which is a line feed's for a CR-LF pair too).
        if c.utf8.count == 1, let byte = c.utf8.first {
            codes.append(UInt32(byte))
            continue
        }
        let composed = String(c).precomposedStringWithCanonicalMapping.unicodeScalars
        guard composed.count == 1, let s = composed.first else { return nil }
        codes.append(s.value)
    }
    return codes
}

/// Which letters a name has, as bits (a letter's number modulo 64). Each letter of one name that
/// the other lacks costs an edit, so when more of its bits than the distance allowed are
/// missing from the other's, the two are too far apart to compare letter by letter.
func letterBits(_ codes: [UInt32]) -> UInt64 {
    codes.reduce(0) { $0 | (1 << UInt64($1 & 63)) }
}

/// Whether two names' letter bits alone show them further apart than `bound` edits.
func lettersTooFar(_ a: UInt64, _ b: UInt64, _ bound: Int) -> Bool {
    (a & ~b).nonzeroBitCount > bound || (b & ~a).nonzeroBitCount > bound
}

/// A name made ready to compare: lowered, its letters as numbers when each is one scalar
/// (an ASCII name's straight from its bytes), and which letters it has.
struct LoweredName: Sendable {
    let name: String
    /// Its length in Characters.
    let count: Int
    let codes: [UInt32]?
    let bits: UInt64

    /// A name's length in Characters: its bytes when it is ASCII (and has no CR-LF pair).
    static func length(_ name: String) -> Int {
        name.utf8.allSatisfy { $0 < 0x80 && $0 != 13 } ? name.utf8.count : name.count
    }

    init(_ name: String) {
        self.name = name
        if let ascii = LoweredName.asciiCodes(name) {
            codes = ascii
            count = ascii.count
        } else {
            codes = letterCodes(Array(name.lowercased()))
            count = name.count
        }
        bits = codes.map(letterBits) ?? 0
    }

    /// An ASCII name's lowered letters, one per byte (a carriage return could join the line feed
    /// after it into one Character: such a name takes the general way).
    static func asciiCodes(_ name: String) -> [UInt32]? {
        var codes: [UInt32] = []
        codes.reserveCapacity(name.utf8.count)
        for b in name.utf8 {
            guard b < 0x80, b != 13 else { return nil }
            codes.append(UInt32(b >= 65 && b <= 90 ? b + 32 : b))
        }
        return codes
    }

    /// The distance to `other`, stopping past `bound`: on letters' numbers when both have them,
    /// else on lowered Characters (letters of several scalars; seldom).
    func distance(to other: LoweredName, atMost bound: Int) -> Int {
        if let a = codes, let b = other.codes { return osaDistance(a, b, atMost: bound) }
        return osaDistance(Array(name.lowercased()), Array(other.name.lowercased()), atMost: bound)
    }

    /// Whether `other` is within `bound` edits of this name, with the cheap tests first.
    func within(_ bound: Int, of other: LoweredName) -> Int? {
        if abs(count - other.count) > bound { return nil }
        if codes != nil, other.codes != nil, lettersTooFar(bits, other.bits, bound) { return nil }
        let d = distance(to: other, atMost: bound)
        return d <= bound ? d : nil
    }
}

/// How far a did-you-mean looks: short names only get near misses, or every one-letter unit
/// would be suggested.
private func suggestionDistance(length: Int) -> Int { length <= 2 ? 0 : length <= 5 ? 1 : 2 }

/// The suggestions found, closest first (then by name), at most `limit`; a name that differs only
/// in letter case is the answer on its own (kwh → kWh).
private func ranked(_ scored: [(Int, String)], limit: Int) -> [String] {
    var scored = scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    if let best = scored.first, best.0 == 0 { scored = scored.filter { $0.0 == 0 } }
    var seen = Set<String>()
    return scored.compactMap { seen.insert($0.1).inserted ? $0.1 : nil }.prefix(limit).map { $0 }
}

/// The closest few names to `name`, for "did you mean …?".
public func suggestions(for name: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
    // Counted once: a name of a million characters was counted again for every candidate. It is
    // lowered only when some candidate is about as long.
    let length = LoweredName.length(name)
    let maxDistance = suggestionDistance(length: length)
    var word: LoweredName?
    var scored: [(Int, String)] = []
    for c in candidates where abs(LoweredName.length(c) - length) <= maxDistance {
        let w = word ?? LoweredName(name)
        word = w
        if let d = w.within(maxDistance, of: LoweredName(c)) { scored.append((d, c)) }
    }
    return ranked(scored, limit: limit)
}

/// Names made ready for many did-you-mean questions: filed by length when first asked about, so
/// a question reads only the names of about its own length, and each length's names lowered
/// once, when first asked about. The same answers as `suggestions(for:among:)`; a script's start
/// asked one for every word it has (its own names, the words of its comments) and spent four
/// fifths of its time lowering the same names again. Safe to ask from several threads.
public final class NearNames: @unchecked Sendable {
    private let names: [String]
    private var byLength: [Int: [String]]?
    private var lowered: [Int: [LoweredName]] = [:]
    private let lock = NSLock()

    public init(_ names: [String]) { self.names = names }

    /// The closest few names to `name`, as `suggestions(for:among:limit:)` gives them.
    public func suggestions(for name: String, limit: Int = 3) -> [String] {
        ranked(scored(name, first: false), limit: limit)
    }

    /// Whether any name is close enough to `name` to be suggested for it.
    public func hasSuggestion(for name: String) -> Bool { !scored(name, first: true).isEmpty }

    /// The lengths the names have.
    private func lengths() -> [Int: [String]] {
        lock.lock()
        defer { lock.unlock() }
        if let byLength { return byLength }
        var filed: [Int: [String]] = [:]
        for n in names { filed[LoweredName.length(n), default: []].append(n) }
        byLength = filed
        return filed
    }

    private func names(ofLength n: Int, in filed: [Int: [String]]) -> [LoweredName] {
        lock.lock()
        defer { lock.unlock() }
        if let made = lowered[n] { return made }
        let made = (filed[n] ?? []).map(LoweredName.init)
        lowered[n] = made
        return made
    }

    private func scored(_ name: String, first: Bool) -> [(Int, String)] {
        let filed = lengths()
        let length = LoweredName.length(name)
        let maxDistance = suggestionDistance(length: length)
        let near = max(0, length - maxDistance)...(length + maxDistance)
        // A word no name is about as long as (a sentence of a comment) is not lowered at all.
        guard near.contains(where: { filed[$0] != nil }) else { return [] }
        let word = LoweredName(name)
        var out: [(Int, String)] = []
        for n in near where filed[n] != nil {
            for c in names(ofLength: n, in: filed) {
                guard let d = word.within(maxDistance, of: c) else { continue }
                out.append((d, c.name))
                if first { return out }
            }
        }
        return out
    }
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
    return ["did you mean " + s.map(quotedName).joined(separator: " or ") + "?"]
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
