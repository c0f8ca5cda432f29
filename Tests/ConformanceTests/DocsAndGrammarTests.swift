import Foundation
import TestSupport
import NapkinCore
import NapkinLibrary
import Testing

/// Keeps the documentation and the grammars honest:
/// - every ```napkin block in docs/*.md runs and prints what its `# expect:` lines say;
/// - every .lab file in the repository parses with the real parser (Grammar/napkin.ebnf is
///   kept true to that parser);
/// - the editor grammar loads and knows every keyword of the lexer.
@Suite("Docs and grammar")
struct DocsAndGrammarTests {

    // MARK: - (a) Documentation examples

    /// One ```napkin fenced block of a Markdown file.
    struct DocBlock: Sendable {
        var file: String      // path relative to the repository root
        var line: Int         // line of the block's first source line in the file
        var source: String
        var id: String { "\(file):\(line)" }
    }

    static let docFiles = files(under: "docs", withExtension: "md")

    static func relative(_ path: String) -> String {
        let root = repositoryRoot.path.hasSuffix("/") ? repositoryRoot.path : repositoryRoot.path + "/"
        return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
    }

    /// The ```napkin blocks of one Markdown file.
    static func blocks(in path: String) -> [DocBlock] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var result: [DocBlock] = []
        var i = 0
        while i < lines.count {
            let fence = lines[i].trimmingCharacters(in: .whitespaces)
            if fence == "```napkin" {
                var body: [String] = []
                var j = i + 1
                while j < lines.count, lines[j].trimmingCharacters(in: .whitespaces) != "```" {
                    body.append(lines[j])
                    j += 1
                }
                result.append(DocBlock(file: relative(path), line: i + 2, source: body.joined(separator: "\n")))
                i = j
            }
            i += 1
        }
        return result
    }

    static let docBlocks: [DocBlock] = docFiles.flatMap { blocks(in: $0) }

    @Test("docs/language.md exists and has runnable examples")
    func languageReferenceHasExamples() {
        let path = repositoryRoot.appendingPathComponent("docs/language.md").path
        #expect(FileManager.default.fileExists(atPath: path), "docs/language.md is missing")
        let count = Self.blocks(in: path).count
        #expect(count >= 20, "docs/language.md has only \(count) ```napkin blocks")
    }

    @Test("documentation example", arguments: docBlocks.map(\.id))
    func documentationExample(_ id: String) {
        guard let block = Self.docBlocks.first(where: { $0.id == id }) else {
            Issue.record("no documentation block \(id)")
            return
        }
        let c = ConformanceCase(source: block.source, name: block.id)
        for problem in c.run() {
            Issue.record(Comment(rawValue: Self.locate(problem, in: block, caseName: c.name)))
        }
    }

    /// Rewrites `name:N: message` (N relative to the block) as `docs/file.md:LINE: message`.
    static func locate(_ problem: String, in block: DocBlock, caseName: String) -> String {
        let prefix = caseName + ":"
        guard problem.hasPrefix(prefix) else { return "\(block.file) (block at line \(block.line)): \(problem)" }
        let rest = problem.dropFirst(prefix.count)
        let digits = rest.prefix { $0.isNumber }
        if let n = Int(digits), rest.dropFirst(digits.count).hasPrefix(":") {
            return "\(block.file):\(block.line + n - 1): \(rest.dropFirst(digits.count + 1).trimmingCharacters(in: .whitespaces)) (block at line \(block.line))"
        }
        return "\(block.file) (block at line \(block.line)):\(rest)"
    }

    // MARK: - (b) Every .lab file parses

    /// Every .lab file in the repository (Samples/, Tests/Conformance/, the prelude, docs/, …),
    /// skipping hidden folders such as .build.
    static let labFiles: [String] = {
        let root = repositoryRoot
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil,
                                                     options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        for case let url as URL in e where url.pathExtension == "lab" {
            out.append(relative(url.path))
        }
        return out.sorted()
    }()

    @Test("the repository's .lab files are found")
    func labFilesAreFound() {
        #expect(Self.labFiles.contains { $0.hasPrefix("Sources/NapkinLibrary/Prelude/") }, "no prelude .lab files found")
        #expect(Self.labFiles.contains { $0.hasPrefix("Tests/Conformance/") }, "no conformance .lab files found")
    }

    @Test(".lab file parses", arguments: labFiles)
    func labFileParses(_ file: String) throws {
        let path = repositoryRoot.appendingPathComponent(file).path
        let source = try String(contentsOfFile: path, encoding: .utf8)
        // Mission scripts (first word `mission`) are parsed and checked by NapkinLabTests.
        let firstLine = source.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        if firstLine?.trimmingCharacters(in: .whitespaces).hasPrefix("mission ") == true { return }
        let declaresError = source.split(separator: "\n", omittingEmptySubsequences: false)
            .contains { $0.contains("# error: ") }
        let failure: NapkinError? = Session.onLargeStack {
            do {
                let session = try Prelude.makeSession()
                _ = try session.parse(source, name: file)
                return nil
            } catch let error as NapkinError {
                // parse() also checks names: only parse-phase errors say the grammar is broken.
                return error.phase == .parse ? error : nil
            } catch {
                return nil
            }
        }
        guard let failure else { return }
        // A file whose expected error is a parse error is meant not to parse.
        if declaresError { return }
        Issue.record(Comment(rawValue: "\(file) does not parse:\n\(failure.render())"))
    }

    // MARK: - (c) The grammars name every keyword

    static func wholeWord(_ word: String, in text: String) -> Bool {
        let pattern = "(?<![A-Za-z0-9_])" + NSRegularExpression.escapedPattern(for: word) + "(?![A-Za-z0-9_])"
        guard let re = try? NSRegularExpression(pattern: pattern) else { return false }
        return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test("the TextMate grammar loads as JSON and names every keyword")
    func textMateGrammar() throws {
        let url = repositoryRoot.appendingPathComponent("Grammar/napkin.tmLanguage.json")
        let data = try Data(contentsOf: url)
        let object = try JSONSerialization.jsonObject(with: data)
        let grammar = try #require(object as? [String: Any], "the grammar is not a JSON object")
        #expect(grammar["scopeName"] as? String == "source.napkin")
        #expect((grammar["fileTypes"] as? [String])?.contains("lab") == true, "fileTypes must include \"lab\"")
        #expect(grammar["patterns"] is [Any], "the grammar has no top-level patterns")
        #expect(grammar["repository"] is [String: Any], "the grammar has no repository")
        let text = try #require(String(data: data, encoding: .utf8))
        for keyword in Keyword.allCases {
            #expect(Self.wholeWord(keyword.rawValue, in: text), "the TextMate grammar does not mention the keyword '\(keyword.rawValue)'")
        }
    }

    @Test("the EBNF grammar exists and lists every keyword as a literal")
    func ebnfGrammar() throws {
        let url = repositoryRoot.appendingPathComponent("Grammar/napkin.ebnf")
        let text = try String(contentsOf: url, encoding: .utf8)
        for keyword in Keyword.allCases {
            #expect(text.contains("'\(keyword.rawValue)'"), "Grammar/napkin.ebnf does not mention the keyword '\(keyword.rawValue)'")
        }
    }
}

