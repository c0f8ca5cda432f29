import Foundation
import TestSupport
import Testing

/// The editor grammar (Grammar/napkin.tmLanguage.json, packaged for VS Code in Grammar/vscode)
/// run over every sample by a small TextMate tokenizer: begin/end rules, includes, captures,
/// earliest match wins (the end pattern on a tie), one line at a time, as editors do.
@Suite("TextMate grammar")
struct TextMateGrammarTests {
    /// A compiled TextMate grammar.
    final class Grammar {
        final class Rule {
            var name: String?
            var contentName: String?
            var match: NSRegularExpression?
            var begin: NSRegularExpression?
            var end: NSRegularExpression?
            var captures: [Int: String] = [:]
            var beginCaptures: [Int: String] = [:]
            var endCaptures: [Int: String] = [:]
            var patterns: [Rule] = []
            var include: String?
        }

        let top: [Rule]
        var repository: [String: Rule] = [:]
        var regexCount = 0

        init(_ json: [String: Any]) throws {
            var repository: [String: Rule] = [:]
            var count = 0
            func regex(_ p: Any?) throws -> NSRegularExpression? {
                guard let p = p as? String else { return nil }
                count += 1
                do { return try NSRegularExpression(pattern: p, options: [.useUnicodeWordBoundaries]) } catch {
                    throw GrammarError("the pattern \(p) does not compile: \(error)")
                }
            }
            func captures(_ c: Any?) -> [Int: String] {
                var out: [Int: String] = [:]
                for (k, v) in (c as? [String: Any]) ?? [:] {
                    if let i = Int(k), let name = (v as? [String: Any])?["name"] as? String { out[i] = name }
                }
                return out
            }
            func rule(_ d: [String: Any]) throws -> Rule {
                let r = Rule()
                r.name = d["name"] as? String
                r.contentName = d["contentName"] as? String
                r.include = d["include"] as? String
                r.match = try regex(d["match"])
                r.begin = try regex(d["begin"])
                r.end = try regex(d["end"])
                r.captures = captures(d["captures"])
                r.beginCaptures = captures(d["beginCaptures"] ?? d["captures"])
                r.endCaptures = captures(d["endCaptures"] ?? d["captures"])
                r.patterns = try ((d["patterns"] as? [[String: Any]]) ?? []).map(rule)
                return r
            }
            for (k, v) in (json["repository"] as? [String: Any]) ?? [:] {
                if let d = v as? [String: Any] { repository[k] = try rule(d) }
            }
            top = try ((json["patterns"] as? [[String: Any]]) ?? []).map(rule)
            self.repository = repository
            regexCount = count
        }

        /// The rules a context offers, includes expanded (each repository entry once).
        func expand(_ rules: [Rule], seen: inout Set<String>) -> [Rule] {
            var out: [Rule] = []
            for r in rules {
                if let inc = r.include {
                    if inc == "$self" || inc == "$base" {
                        if seen.insert(inc).inserted { out += expand(top, seen: &seen) }
                    } else if inc.hasPrefix("#"), let target = repository[String(inc.dropFirst())] {
                        if seen.insert(inc).inserted { out += expand([target], seen: &seen) }
                    }
                } else if r.match == nil && r.begin == nil {
                    out += expand(r.patterns, seen: &seen)
                } else {
                    out.append(r)
                }
            }
            return out
        }
    }

    struct GrammarError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// What tokenizing a file found: non-blank characters no scope covers, rules still open at
    /// the end, and the scopes given to each line's first word.
    struct Outcome {
        var unscoped: [(line: Int, column: Int, text: String)] = []
        var openAtEnd: [String] = []
        var firstWordScopes: [Int: Set<String>] = [:]
    }

    static func tokenize(_ text: String, _ g: Grammar) -> Outcome {
        var outcome = Outcome()
        var stack: [Grammar.Rule] = []
        for (n, lineText) in text.components(separatedBy: "\n").enumerated() {
            let line = lineText as NSString
            let length = line.length
            // Where the line's first word starts (for the mission keyword check).
            let indent = lineText.prefix { $0 == " " || $0 == "\t" }.utf16.count
            var scoped = [Bool](repeating: false, count: length)
            func mark(_ r: NSRange, _ scope: String?) {
                guard let scope, r.location != NSNotFound, r.length > 0 else { return }
                for i in r.location..<(r.location + r.length) where i < length { scoped[i] = true }
                if r.location <= indent && indent < r.location + r.length { outcome.firstWordScopes[n + 1, default: []].insert(scope) }
            }
            func markCaptures(_ m: NSTextCheckingResult, _ caps: [Int: String]) {
                for (i, name) in caps where i < m.numberOfRanges { mark(m.range(at: i), name) }
            }
            // Inside an open begin/end rule with a name, everything is scoped by it.
            func enclosingScope() -> String? { stack.reversed().lazy.compactMap { $0.contentName ?? $0.name }.first }
            var pos = 0
            while pos <= length {
                var seen = Set<String>()
                let candidates = g.expand(stack.last?.patterns ?? g.top, seen: &seen)
                var best: (m: NSTextCheckingResult, rule: Grammar.Rule?, isEnd: Bool)?
                let searchRange = NSRange(location: pos, length: length - pos)
                if let end = stack.last?.end, let m = end.firstMatch(in: lineText, range: searchRange) {
                    best = (m, nil, true)
                }
                if pos < length {
                    for r in candidates {
                        guard let re = r.match ?? r.begin, let m = re.firstMatch(in: lineText, range: searchRange) else { continue }
                        if m.range.length == 0 && r.begin == nil { continue }
                        if best == nil || m.range.location < best!.m.range.location { best = (m, r, false) }
                    }
                }
                guard let (m, rule, isEnd) = best else { break }
                if let enclosing = enclosingScope() { mark(NSRange(location: pos, length: m.range.location - pos), enclosing) }
                if isEnd {
                    let closing = stack.removeLast()
                    mark(m.range, closing.name)
                    markCaptures(m, closing.endCaptures)
                } else if let rule, rule.begin != nil {
                    mark(m.range, rule.name ?? enclosingScope())
                    markCaptures(m, rule.beginCaptures)
                    stack.append(rule)
                } else if let rule {
                    mark(m.range, rule.name)
                    if rule.name == nil, let enclosing = enclosingScope() { mark(m.range, enclosing) }
                    markCaptures(m, rule.captures)
                }
                let next = m.range.location + m.range.length
                if next == pos {
                    // A zero-length begin or end: go on from the same place, once.
                    if pos == length { if isEnd { continue } else { break } }
                    if !isEnd { pos += 1 }
                } else {
                    pos = next
                }
            }
            if let enclosing = enclosingScope(), pos < length { mark(NSRange(location: pos, length: length - pos), enclosing) }
            for i in 0..<length where !scoped[i] {
                let c = line.character(at: i)
                if c == 0x20 || c == 0x09 || c == 0x0D { continue }
                outcome.unscoped.append((n + 1, i + 1, line.substring(with: NSRange(location: i, length: 1))))
            }
        }
        outcome.openAtEnd = stack.map { $0.name ?? $0.begin?.pattern ?? "?" }
        return outcome
    }

    static func grammar() throws -> Grammar {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Grammar/napkin.tmLanguage.json"))
        return try Grammar(try #require(JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    static let samples: [String] = files(under: "Samples", withExtension: "lab").map {
        String($0.dropFirst(repositoryRoot.path.count + 1))
    }

    static let missionWords = ["mission", "track", "part", "synthesis", "context", "message", "lock", "workbench",
                               "goal", "reveal", "explain", "peek", "reflect", "static"]

    @Test("every pattern of the grammar compiles")
    func compiles() throws {
        #expect(try Self.grammar().regexCount > 30)
    }

    @Test("the grammar tokenises every sample: every character has a scope, nothing is left open", arguments: samples)
    func tokenisesSample(_ path: String) throws {
        let g = try Self.grammar()
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let outcome = Self.tokenize(text, g)
        let shown = outcome.unscoped.prefix(8).map { "\($0.line):\($0.column) '\($0.text)'" }
        #expect(outcome.unscoped.isEmpty, "\(path): characters without a scope at \(shown.joined(separator: ", "))")
        #expect(outcome.openAtEnd.isEmpty, "\(path): still open at the end: \(outcome.openAtEnd)")
        // Every mission statement word starts its line as a mission keyword.
        for (i, line) in text.components(separatedBy: "\n").enumerated() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first.map(String.init), Self.missionWords.contains(first), words.count > 1,
                  let second = words.dropFirst().first, second.first == "\"" || second.first == "{" || second.first!.isLetter else { continue }
            #expect(outcome.firstWordScopes[i + 1]?.contains("keyword.control.mission.napkin") == true,
                    "\(path):\(i + 1): '\(first)' is not scoped as a mission keyword (\(outcome.firstWordScopes[i + 1] ?? []))")
        }
    }

    @Test("the tokenizer can fail: a stray character and an unterminated interpolation are found")
    func tokenizerCanFail() throws {
        let g = try Self.grammar()
        #expect(!Self.tokenize("let x = 1 W @ 2", g).unscoped.isEmpty)
        #expect(!Self.tokenize("print(\"a {1 +\n", g).openAtEnd.isEmpty || !Self.tokenize("print(\"a {1 +\n", g).unscoped.isEmpty)
    }

    @Test("the VS Code extension folder points at the grammar")
    func vscodeExtension() throws {
        let dir = repositoryRoot.appendingPathComponent("Grammar/vscode")
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("package.json"))) as? [String: Any])
        let contributes = try #require(manifest["contributes"] as? [String: Any])
        let grammars = try #require(contributes["grammars"] as? [[String: String]])
        let languages = try #require(contributes["languages"] as? [[String: Any]])
        #expect(grammars.first?["scopeName"] == "source.napkin")
        #expect((languages.first?["extensions"] as? [String]) == [".lab"])
        let grammarPath = dir.appendingPathComponent(try #require(grammars.first?["path"]))
        #expect(try Data(contentsOf: grammarPath) == Data(contentsOf: repositoryRoot.appendingPathComponent("Grammar/napkin.tmLanguage.json")))
        let config = try #require(languages.first?["configuration"] as? String)
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(config))) is [String: Any])
    }
}
