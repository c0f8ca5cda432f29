import Testing
@testable import NapkinCore

@Suite("Lexer")
struct LexerTests {
    func kinds(_ text: String) throws(NapkinError) -> [Token.Kind] {
        try Lexer.tokenize(SourceFile(name: "t", text: text)).map(\.kind)
    }

    @Test("number forms", arguments: [("12_345", 12345.0), (".5", 0.5), ("1e-9", 1e-9), ("3.5e12", 3.5e12), ("2E+3", 2000), ("7.", 7)])
    func numbers(_ text: String, _ value: Double) throws {
        #expect(try kinds(text) == [.number(value), .eof])
    }

    @Test("'...' after a number is a range, not a decimal point")
    func rangeAfterNumber() throws {
        #expect(try kinds("1...10") == [.number(1), .op("..."), .number(10), .eof])
    }

    @Test("Unicode operators normalise to ASCII")
    func unicodeOperators() throws {
        #expect(try kinds("a × b · c ÷ d → e ≤ f ≥ g ≠ h − i") == [
            .identifier("a"), .op("*"), .identifier("b"), .op("*"), .identifier("c"), .op("/"), .identifier("d"), .op("->"),
            .identifier("e"), .op("<="), .identifier("f"), .op(">="), .identifier("g"), .op("!="), .identifier("h"), .op("-"),
            .identifier("i"), .eof,
        ])
    }

    @Test("identifiers take µ and Greek letters; keywords are recognised")
    func identifiers() throws {
        #expect(try kinds("µJ η let sweep") == [.identifier("µJ"), .identifier("η"), .keyword(.let), .keyword(.sweep), .eof])
    }

    @Test("comments, blank lines and a BOM produce no tokens")
    func trivia() throws {
        #expect(try kinds("\u{FEFF}# hello\n\n\n1 # one\n") == [.number(1), .eof])
    }

    @Test("superscripts after a unit")
    func superscripts() throws {
        #expect(try kinds("m²") == [.identifier("m"), .superscript(2), .eof])
    }

    @Test("an unterminated string is a parse error at its quote")
    func unterminatedString() {
        #expect(throws: NapkinError.self) { try kinds("\"abc") }
        do {
            _ = try kinds("x = \"abc")
        } catch {
            #expect(error.phase == .parse)
            #expect(error.span?.start == 4)
        }
    }

    @Test("a stray character names itself")
    func strayCharacter() {
        do {
            _ = try kinds("1 @ 2")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "unexpected character '@'")
        }
    }
}
