import Foundation
import NapkinCore
import NapkinLibrary
import TestSupport
import Testing

/// Issue 12 through the real binary and the loaded library: declared dimensions are shown and
/// declared everywhere, library errors point at the user's call, suggestions never mislead.
@Suite("Trustworthy answers")
struct TrustworthyAnswersTests {
    @Test("napkin info shows a library function's declared dimensions")
    func infoShowsDeclaredDimensions() throws {
        let r = try runNapkin(["info", "transfer_time"])
        #expect(r.code == 0)
        #expect(r.out.contains("signature: transfer_time(size: Information, rate: DataRate or Record) -> Time"), "\(r.out)")
    }

    @Test("every prelude function declares its result and every parameter")
    func preludeDeclaresEverything() throws {
        let session = try Prelude.makeSession()
        var undeclared: [String] = []
        var count = 0
        for (name, g) in session.interpreter.globals {
            guard case .function(let f) = g.value, case .user(let params, _, _) = f.body,
                  f.definition?.file?.name.hasPrefix("prelude/") == true else { continue }
            count += 1
            if f.resultType == nil { undeclared.append("\(name): its result") }
            for p in params where p.declared == nil { undeclared.append("\(name): parameter '\(p.name)'") }
        }
        #expect(count > 40)
        #expect(undeclared.isEmpty, "declare a dimension (or Record, List, …, Any) for: \(undeclared.sorted())")
    }

    @Test("an error inside the library is shown at the user's call first, with where it arose")
    func libraryErrorsPointAtTheCall() throws {
        let r = try runNapkin(["-e", "ship_time(100 km, germany)"])
        #expect(r.code == 65)
        #expect(r.err.contains(" --> <expr>:1:1"), "\(r.err)")
        #expect(r.err.contains("in this call of ship_time"))
        #expect(r.err.contains("raised in the library at prelude/40_data.lab"))
        // An error in the user's own function stays there, with the call listed.
        let own = try runNapkin(["-e", "fn f(x) = x + 1 W\nf(2 J)"])
        #expect(own.err.contains(" --> <expr>:1:"), "\(own.err)")
        #expect(own.err.contains("called from f at <expr>:2:1"), "\(own.err)")
    }

    @Test("a value where a unit is expected gets the value hint, not a unit that looks alike")
    func valueHintWithoutLookalike() throws {
        let r = try runNapkin(["-e", "let n = 3; 2 n"])
        #expect(r.err.contains("'n' is a value, not a unit"))
        #expect(!r.err.contains("'N'"), "\(r.err)")
    }

    @Test("a suggestion that changes size or dimension says so")
    func suggestionsSayHowFar() throws {
        for (input, says) in [("1 Gb/s", "'GB' (gigabyte, 8× larger)"), ("1 GBps", "'Gbps' (8× smaller)"),
                              ("312 TFLOPs", "'TFLOPS' (a rate, per second)")] {
            let r = try runNapkin(["-e", input])
            #expect(r.err.contains(says), "\(input): \(r.err)")
        }
    }

    @Test("a bound name read where a unit could continue the literal is noted after the result")
    func boundNameOverUnitIsNoted() throws {
        var r = try runNapkin(["-e", "let s = 3; 3 m/s"])
        #expect(r.out == "1 m [Length]\n", "\(r)")
        #expect(r.err.contains("note: 's' was read as your value s, not the unit s (second)"), "\(r.err)")
        r = try runNapkin(["-e", "let N = 70e9", "-e", "6 FLOP * N"])
        #expect(r.err.contains("'N' was read as your value N, not the unit N (newton)"), "\(r.err)")
        // No note where nothing was shadowed, or where the name could not be a unit anyway.
        for quiet in ["3 m/s", "let t = 2; 3 m/t", "let s = 3; s * 2"] {
            r = try runNapkin(["-e", quiet])
            #expect(r.code == 0 && !r.err.contains("note:"), "\(quiet): \(r.err)")
        }
    }

    @Test("near-miss units name every reading with how far it is; no far cousins", arguments: [
        ("5 Kb", "did you mean 'kbit' (kilobit) or 'kB' (kilobyte, 8× larger)?"),
        ("3 gb", "did you mean 'GB' (gigabyte) or 'Gbit' (gigabit, 8× smaller)?"),
        ("1 tb", "did you mean 'TB' (terabyte) or 'Tbit' (terabit, 8× smaller)?"),
        ("2 Mb", "did you mean 'Mbit' (megabit) or 'MB' (megabyte, 8× larger)?"),
        ("1 PFLOPs", "did you mean 'PFLOP' (petaflop) or 'PFLOPS' (a rate, per second)?"),
        ("3 kwh", "did you mean 'kWh'?"),
    ])
    func nearMisses(_ input: String, _ says: String) throws {
        let r = try runNapkin(["-e", input])
        #expect(r.code == 65 && r.err.contains(says), "\(input): \(r.err)")
    }
}
