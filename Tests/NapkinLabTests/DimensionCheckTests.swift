import Foundation
import TestSupport
import NapkinCore
@testable import NapkinLab
import NapkinLibrary
import Testing

/// The dimension pass that runs before anything (DimensionChecker): it must never refuse a
/// program that runs — the whole prelude, every sample lab and every conformance program — and
/// `napkin check` must refuse a lab whose mistake sits in a branch its defaults never take.
@Suite("Dimensions before running")
struct DimensionCheckTests {
    /// Every `.lab` file under a repository folder.
    static func labs(under folder: String) -> [String] {
        let root = repoRoot.appendingPathComponent(folder)
        guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".lab") }.sorted().map { folder + "/" + $0 }
    }

    func described(_ errors: [NapkinError]) -> String {
        errors.map { "\($0.location ?? "?"): \($0.message)" }.joined(separator: "\n")
    }

    /// The program parsed and name-checked in a prelude session, without running it.
    func parsed(_ source: String, name: String, in session: Session) throws -> Program {
        try session.parse(source, name: name)
    }

    @Test("the whole prelude has no dimension error, every function and constant checked")
    func preludeIsClean() throws {
        var found: [NapkinError] = []
        var met = 0, judged = 0
        try onLargeStack {
            let session = try Prelude.makeSession()
            for f in Prelude.files {
                let program = try parsed(f.source, name: "prelude/\(f.name)", in: session)
                let checker = DimensionChecker(interpreter: session.interpreter)
                found += checker.check(program)
                met += checker.operatorsMet
                judged += checker.operatorsJudged
            }
        }
        #expect(found.isEmpty, "\(described(found))")
        // The pass must judge a good share of the library's additions and comparisons on their
        // own (the rest takes its dimensions from the calls: a `Record` parameter's fields).
        #expect(judged * 3 > met, "only \(judged) of \(met) + − comparisons judged")
        print("prelude: \(judged) of \(met) additions, subtractions and comparisons judged before running")
    }

    @Test("every sample lab and fixture, every track, has no dimension error")
    func missionsAreClean() throws {
        let files = Self.labs(under: "Samples").filter { !$0.contains("/answers/") && !$0.contains("/sessions/") }
            + Self.labs(under: "Tests/NapkinLabTests/Fixtures").filter { !$0.hasSuffix("untaken_branch.lab") }
        #expect(files.count >= 4)
        var problems: [String] = []
        try onLargeStack {
            for file in files {
                let m = try mission(try read(file), name: file)
                for track in m.tracks.isEmpty ? [nil] : m.tracks.map(\.id) as [String?] {
                    let session = try Prelude.makeSession()
                    let dims = DimensionChecker(interpreter: session.interpreter)
                    let found = dims.check(try session.bind(parts: m.statementsByPart(track.flatMap(m.track))))
                    print("\(file), track \(track ?? "default"): \(dims.operatorsJudged) of \(dims.operatorsMet) additions, subtractions and comparisons judged")
                    if !found.isEmpty { problems.append("\(file), track \(track ?? "default"):\n\(described(found))") }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("every conformance program and sample session: errors only where the program expects one")
    func programsAreClean() throws {
        let files = Self.labs(under: "Tests/Conformance") + Self.labs(under: "Samples/sessions")
        #expect(files.count >= 200)
        var problems: [String] = []
        var checked = 0
        try onLargeStack {
            let session = try Prelude.makeSession()
            for file in files {
                let source = try read(file)
                // A program refused by the parser or the binder (an unknown name) never reaches this pass.
                guard let program = try? parsed(source, name: file, in: session) else { continue }
                checked += 1
                let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
                for e in DimensionChecker(interpreter: session.interpreter).check(program) {
                    let line = e.span.flatMap { s in s.file.map { $0.location(of: s.start).line } } ?? 0
                    let expected = line > 0 && line <= lines.count && (lines[line - 1].contains("# error:") || lines[line - 1].contains("# expect runtime error:"))
                    if !expected { problems.append("\(file):\(line): \(e.message) — no error is expected on this line") }
                }
            }
        }
        #expect(checked >= 200)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("napkin check finds a mismatch in a goal's, an instrument's and a text's untaken branch, on every track")
    func missionExpressionsChecked() throws {
        let m = try mission("""
        mission "Branches everywhere" minutes 5
        track a "A" { let budget = 1 MW }
        track b "B" { let budget = 2 MW }
        part p "Power" {
            context "The cap is {if budget > 5 MW then budget + 1 MWh else budget}."
            lock q "More than 1 MW?" choices {
                yes: "Yes"
                no: "No"
            }
            workbench {
                knob load = 2 MW in 1 MW...5 MW "IT load"
                if load > 10 MW then load * 1 h + 1 W else load * 1 h
                goal "Under budget" within 3 tries: if load > 10 MW then load < 1 kWh else load < budget
            }
            reveal q = if budget > 1 MW then "yes" else "no"
        }
        """)
        let r = check(m)
        let text = r.failures.joined(separator: "\n")
        for track in ["a", "b"] {
            #expect(text.contains("track \(track), line 5: cannot add Power and Energy"), "\(text)")
            #expect(text.contains("track \(track), line 12: cannot add Energy and Power"), "\(text)")
            #expect(text.contains("track \(track), line 13: cannot compare Power and Energy"), "\(text)")
        }
        #expect(r.failures.count == 6, "\(text)")
    }

    @Test("a lab with a dimension error in a branch its defaults never take is refused by napkin check")
    func untakenBranchRefused() throws {
        let file = repoRoot.appendingPathComponent("Tests/NapkinLabTests/Fixtures/untaken_branch.lab").path
        let r = try runNapkinBinary(["check", file])
        #expect(r.code == 1, "\(r)")
        #expect(r.err.contains("dimension error: cannot add Power and Energy"), "\(r.err)")
        #expect(r.err.contains("Power [kg·m²/s³] vs Energy [kg·m²/s²]"), "\(r.err)")
        #expect(r.err.contains("untaken_branch.lab:"), "\(r.err)")
        #expect(r.out.contains("1 problem in"), "\(r.out)")
    }
}

/// Runs `body` on a thread with a large stack (as napkin does), passing its error on.
func onLargeStack(_ body: @escaping () throws -> Void) throws {
    try Session.onLargeStack { Result { try body() } }.get()
}

/// Runs the built `napkin` binary.
func runNapkinBinary(_ args: [String]) throws -> (out: String, err: String, code: Int32) {
    let p = Process()
    p.executableURL = productsDirectory.appendingPathComponent("napkin")
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self), p.terminationStatus)
}
