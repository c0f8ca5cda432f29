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
        for (input, says) in [("1 Gb/s", "'GB' (gigabyte, 8× more)"), ("1 GBps", "'Gbps' (8× less)"),
                              ("312 TFLOPs", "'TFLOPS' (a rate, per second)")] {
            let r = try runNapkin(["-e", input])
            #expect(r.err.contains(says), "\(input): \(r.err)")
        }
    }
}
