import Testing
@testable import NapkinCore
import NapkinLibrary

/// A snapshot and its restore put the session's names back as they were: names defined since
/// are gone, names defined before are back, knobs stand where they stood. A restore with no
/// name defined since its snapshot skips looking for names to retire; these cases would see it
/// skip wrongly.
@Suite("Snapshots: a restore gives back the names and values of its moment")
struct SnapshotTests {
    /// The name's value as shown, or "unknown" (refused by the name check or by the evaluation).
    func value(_ s: Session, _ name: String) -> String {
        guard case .expr(let e)? = try? s.parse(name, name: "<expr>").first?.kind else { return "unknown" }
        do { return try s.interpreter.describe(try s.interpreter.evaluate(e)) } catch { return "unknown" }
    }

    @Test("names defined after a snapshot are gone after its restore, in any order of restores")
    func namesComeAndGo() throws {
        let s = try Prelude.makeSession()
        let interp = s.interpreter
        try s.run("let aa = 1\nknob k = 2 in 0...10 \"k\"", name: "<snap>")
        let first = interp.snapshot()
        try s.run("let bb = 2", name: "<snap>")
        let second = interp.snapshot()
        interp.restore(first)
        #expect(value(s, "bb") == "unknown")
        #expect(value(s, "aa") == "1")
        // A name defined after going back, then back again to the same snapshot.
        try s.run("let cc = 3", name: "<snap>")
        try interp.setKnob("k", Quantity(7))
        interp.restore(first)
        #expect(value(s, "cc") == "unknown")
        #expect(value(s, "k") == "2")
        // Forward to the later snapshot: its name is back.
        interp.restore(second)
        #expect(value(s, "bb") == "2")
        #expect(value(s, "cc") == "unknown")
        // Nothing defined since: the restore puts back values only.
        try interp.setKnob("k", Quantity(9))
        interp.restore(second)
        #expect(value(s, "k") == "2")
        #expect(value(s, "bb") == "2")
        // A name defined again after its restore is a definition like any other.
        try s.run("let cc = 4", name: "<snap>")
        #expect(value(s, "cc") == "4")
        interp.restore(second)
        #expect(value(s, "cc") == "unknown")
    }

    @Test("code compiled before a restore no longer reads a name the restore took away")
    func compiledCodeSeesRetiredName() throws {
        let s = try Prelude.makeSession()
        let interp = s.interpreter
        let before = interp.snapshot()
        try s.run("let bb = 2", name: "<snap>")
        guard case .expr(let e)? = try s.parse("bb + 1", name: "<expr>").first?.kind else { Issue.record("not an expression"); return }
        #expect(try interp.describe(try interp.evaluateRepeatedly(e)) == "3")
        interp.restore(before)
        #expect(throws: NapkinError.self) { try interp.evaluateRepeatedly(e) }
        // Defined again: the same compiled code reads the new value.
        try s.run("let bb = 5", name: "<snap>")
        #expect(try interp.describe(try interp.evaluateRepeatedly(e)) == "6")
    }
}
