import Foundation
import TestSupport
import NapkinCore
import NapkinLibrary

/// Runs one conformance file (Crafting Interpreters style) and returns what went wrong.
///
/// - `# expect: TEXT` — the next line of output is TEXT.
/// - `# error: TEXT` — the program is rejected (parse, name or dimension error) at this line,
///   with a message containing TEXT; nothing runs.
/// - `# expect runtime error: TEXT` — running stops at this line with a runtime or assertion
///   error whose message contains TEXT; the output before it is still checked.
struct ConformanceCase {
    struct Expectation {
        var kind: Kind
        var text: String
        var line: Int
        enum Kind { case output, staticError, runtimeError }
    }

    let path: String
    let source: String
    let expectations: [Expectation]

    init(path: String) throws {
        self.init(source: try String(contentsOfFile: path, encoding: .utf8), name: path)
    }

    /// A case from source text (a file's, or a documentation block's). `name` is used in
    /// messages and as the file name in error locations.
    init(source: String, name: String) {
        self.path = name
        self.source = source
        var list: [Expectation] = []
        for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for (marker, kind) in [("# expect runtime error: ", Expectation.Kind.runtimeError),
                                   ("# expect: ", .output), ("# error: ", .staticError)] {
                if let r = line.range(of: marker) {
                    list.append(Expectation(kind: kind, text: String(line[r.upperBound...]).trimmingCharacters(in: .whitespaces), line: i + 1))
                    break
                }
            }
        }
        self.expectations = list
    }

    var name: String { (path as NSString).lastPathComponent }

    /// Problems found, each as `file:line: message`; empty when the case passes.
    func run() -> [String] {
        var output: [String] = []
        var failure: NapkinError?
        Session.onLargeStack {
            do {
                let session = try Prelude.makeSession()
                session.interpreter.emit = { output.append(contentsOf: $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)) }
                session.onResult = { v in
                    let text = (try? session.interpreter.describe(v)) ?? "?"
                    output.append(contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
                }
                try session.run(source, name: path)
            } catch let e as NapkinError {
                // As reported: an error raised inside the library points at the user's call.
                failure = e.presented
            } catch {}
        }
        var problems: [String] = []
        let expectedOutput = expectations.filter { $0.kind == .output }
        let expectedError = expectations.first { $0.kind != .output }
        for (i, exp) in expectedOutput.enumerated() {
            guard i < output.count else {
                problems.append("\(name):\(exp.line): expected output '\(exp.text)', got nothing more")
                break
            }
            let got = output[i].trimmingCharacters(in: .whitespaces)
            if got != exp.text { problems.append("\(name):\(exp.line): expected '\(exp.text)', got '\(got)'") }
        }
        if output.count > expectedOutput.count {
            problems.append("\(name): unexpected extra output: '\(output[expectedOutput.count])'")
        }
        switch (expectedError, failure) {
        case (nil, nil): break
        case (nil, let f?):
            problems.append("\(name): unexpected error:\n\(f.render())")
        case (let e?, nil):
            problems.append("\(name):\(e.line): expected an error containing '\(e.text)', but the program succeeded")
        case (let e?, let f?):
            let isStatic = f.phase.exitCode == 65
            let wantStatic = e.kind == .staticError
            if isStatic != wantStatic {
                problems.append("\(name):\(e.line): expected a \(wantStatic ? "static" : "runtime") error, got \(f.phase.rawValue): \(f.message)")
            }
            let header = "\(f.phase.rawValue) error: \(f.message)"
            if !header.contains(e.text) && !f.notes.contains(where: { $0.contains(e.text) }) && !(f.label ?? "").contains(e.text) {
                problems.append("\(name):\(e.line): expected an error containing '\(e.text)', got '\(header)'")
            }
            if let span = f.span, let file = span.file, file.name == path {
                let line = file.location(of: span.start).line
                if line != e.line { problems.append("\(name):\(e.line): the error was reported at line \(line): \(header)") }
            }
        }
        return problems
    }
}


/// Every file with an extension under a repository folder, sorted.
func files(under folder: String, withExtension ext: String) -> [String] {
    let root = repositoryRoot.appendingPathComponent(folder)
    guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
    return e.compactMap { $0 as? String }.filter { $0.hasSuffix("." + ext) }.sorted().map { root.appendingPathComponent($0).path }
}
