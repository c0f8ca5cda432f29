import Testing
@testable import NapkinCore
import NapkinLibrary

/// A builtin's error points at the argument it is about, whichever order named arguments are
/// written in (the builtin asks for its parameter's argument, not the n-th written).
@Suite("Builtin errors point at the argument they are about")
struct BuiltinErrorSpanTests {
    @Test("positional and named arguments, in and out of order", arguments: [
        ("map(1, x => x)", "1"),
        ("map(list: 1, f: x => x)", "1"),
        ("map(f: x => x, list: 1)", "1"),
        ("record(values: 3, keys: [\"a\"])", "3"),
        ("record([\"a\"], values: 3)", "3"),
    ])
    func pointsAtTheArgument(_ source: String, _ culprit: String) throws {
        let s = try Prelude.makeSession()
        do {
            try s.run(source, name: "<span>")
            Issue.record("\(source) ran without an error")
        } catch let error as NapkinError {
            #expect(error.span?.text == culprit, "\(source): \(error.message) at '\(error.span?.text ?? "nothing")'")
        }
    }
}
