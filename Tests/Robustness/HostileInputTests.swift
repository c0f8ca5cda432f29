import Foundation
import Testing

/// Malformed and hostile files, run through the real `napkin` binary with a memory cap and a
/// time limit. Every case must end in a clear error or a sensible result: never a trap, a
/// signal, a hang or a stack trace.
@Suite("Hostile input")
struct HostileInputTests {
    /// Runs a file and checks that napkin neither crashed nor hung.
    func run(_ name: String, _ data: Data, _ extra: [String] = [], memoryKiB: Int = 3_000_000) throws -> Run {
        let path = try hostileFile(name, data)
        let r = try napkin(["run", path, "--no-color"] + extra, memoryKiB: memoryKiB)
        #expect(!r.crashed, "\(name) crashed or hung:\n\(r)")
        return r
    }

    func run(_ name: String, _ text: String, _ extra: [String] = []) throws -> Run {
        try run(name, Data(text.utf8), extra)
    }

    // MARK: - Malformed files

    /// A pasted megabyte as one name: the error quoted all of it, and each candidate for a
    /// suggestion counted the name's length again (2 s for 1 MB, over 20 s for 10 MB).
    @Test("an unknown name of a million characters is quoted short")
    func hugeUnknownName() throws {
        let r = try run("long.lab", String(repeating: "a", count: 1_000_000))
        #expect(r.code == 65, "\(r)")
        let first = r.err.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("name error: unknown name 'aaa") && first.hasSuffix("…' (1000000 characters)") && first.count < 120, "\(first.prefix(200))")
        #expect(r.err.utf8.count < 2_000, "\(r.err.utf8.count) bytes of error")
        // The same for a unit, a field and a parameter label of that length (found in review).
        let q = String(repeating: "q", count: 1_000_000)
        for (source, message) in [("1 \(q)", "unknown unit 'qqq"), ("let r = { a: 1 }\nr.\(q)", "has no field 'qqq"),
                                  ("fn f(a) = a\nf(\(q): 1)", "has no parameter 'qqq")] {
            let e = try run("long.lab", source)
            #expect(!e.crashed && e.err.contains(message) && e.err.contains("…' (1000000 characters)"), "\(e.err.prefix(300))")
            #expect(e.err.utf8.count < 2_000, "\(message): \(e.err.utf8.count) bytes of error")
        }
    }

    @Test("invalid UTF-8 is rejected with the offset of the first bad byte")
    func invalidUTF8() throws {
        let r = try run("bad.lab", Data("1 m\n".utf8) + Data([0xC3, 0x28, 0xFF]) + Data("\n2 m\n".utf8))
        #expect(r.code == 65)
        #expect(r.err.contains("is not UTF-8 text (invalid byte at offset 4)"), "\(r)")
        #expect(r.out.isEmpty, "nothing runs from a file that is not text")
    }

    @Test("invalid UTF-8 on standard input is rejected too")
    func invalidUTF8Stdin() throws {
        let r = try napkin([], stdin: Data([0x31, 0x20, 0x6D, 0x0A, 0xFE, 0xFE]))
        #expect(!r.crashed, "\(r)")
        #expect(r.code == 65 && r.err.contains("not UTF-8"), "\(r)")
    }

    @Test("a byte-order mark at the start is skipped")
    func bom() throws {
        let r = try run("bom.lab", Data([0xEF, 0xBB, 0xBF]) + Data("1 m\n".utf8))
        #expect(r.code == 0 && r.out == "1 m [Length]\n", "\(r)")
    }

    @Test("a byte-order mark in the middle is an unexpected character, not a crash")
    func bomInside() throws {
        let r = try run("bom-mid.lab", "1 m\n2\u{FEFF} m\n")
        #expect(r.code == 65 || r.code == 0, "\(r)")
    }

    @Test("CRLF line endings run like LF")
    func crlf() throws {
        let r = try run("crlf.lab", "let a = 2 m\r\nlet b = a * 3\r\nb\r\n\"ok\"\r\n")
        #expect(r.code == 0 && r.out == "6 m [Length]\nok\n", "\(r)")
    }

    @Test("a lone CR (classic Mac line ending) is not a line break, and says so")
    func loneCR() throws {
        let r = try run("cr.lab", "1 m\r2 m\r")
        #expect(r.code == 65 || r.code == 0, "\(r)")
    }

    @Test("tabs are whitespace")
    func tabs() throws {
        let r = try run("tabs.lab", "\tlet\ta\t=\t2\tkW\n\ta\t*\t3\th\t->\tkWh\t# tab\n")
        #expect(r.code == 0 && r.out == "6 kWh [Energy]\n", "\(r)")
    }

    @Test("an empty file, and a file of blank lines and comments, print nothing and succeed")
    func empty() throws {
        for (name, text) in [("empty.lab", ""), ("blank.lab", "\n\n   \n\t\n"), ("comments.lab", "# a\n# b\n;;;\n")] {
            let r = try run(name, text)
            #expect(r.code == 0 && r.out.isEmpty && r.err.isEmpty, "\(name): \(r)")
        }
    }

    @Test("a binary file is rejected as not UTF-8")
    func binary() throws {
        var rng = SystemRandomNumberGenerator()
        var bytes = (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[0] = 0x7F; bytes[1] = 0x45; bytes[2] = 0x4C; bytes[3] = 0x46   // an ELF header
        bytes[10] = 0xFF                                                   // never valid UTF-8
        let r = try run("binary.lab", Data(bytes))
        #expect(r.code == 65 && r.err.contains("not UTF-8"), "\(r)")
    }

    @Test("control characters and NUL in valid UTF-8 are unexpected characters")
    func controlCharacters() throws {
        let r = try run("ctrl.lab", "1 m\n\u{0}\u{1}\u{7}\u{1B}[31m 2\n")
        #expect(r.code == 65 && r.err.contains("unexpected character"), "\(r)")
    }

    @Test("an error excerpt never sends the file's control characters to the terminal")
    func noTerminalInjection() throws {
        let r = try run("ctrl.lab", "1 m\n\u{0}\u{1}\u{7}\u{1B}[31m 2\n")
        #expect(!r.err.contains("\u{1B}[31m") && !r.err.contains("\u{0}"), "raw control characters echoed: \(r)")
    }

    @Test("a one-million-character line: a string, a comment, a list")
    func millionCharacterLine() throws {
        let big = String(repeating: "a", count: 1_000_000)
        var r = try run("string.lab", "let s = \"\(big)\"\nlen(s)\n")
        #expect(r.code == 0 && r.out == "1e6\n", "\(r)")
        r = try run("comment.lab", "1 m # \(big)\n")
        #expect(r.code == 0 && r.out == "1 m [Length]\n", "\(r)")
        // 1,000,000 characters: a list literal of 200,000 items "1, 1, 1, …".
        r = try run("list.lab", "len([" + Array(repeating: "1", count: 200_000).joined(separator: ", ") + "])\n")
        #expect(r.code == 0 && r.out == "200000\n", "\(r)")
        r = try run("error.lab", "let s = \"\(big)\" + 2 m * 3 J + nosuchname\n")
        #expect(r.code == 65, "\(r)")
    }

    @Test("an error on a one-million-character line shows a window of the line, not all of it")
    func errorOnHugeLine() throws {
        let big = String(repeating: "a", count: 1_000_000)
        let r = try run("error.lab", "let s = \"\(big)\" + 2 m * 3 J + nosuchname\n")
        #expect(r.code == 65, "\(r)")
        #expect(r.err.utf8.count < 20_000, "the error message echoes \(r.err.utf8.count) bytes of the line")
    }

    // MARK: - Deep nesting

    @Test("10,000 levels of nesting are a parse error, not a stack overflow", arguments: [
        ("parens", String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)),
        ("lists", String(repeating: "[", count: 10_000) + "1" + String(repeating: "]", count: 10_000)),
        ("records", String(repeating: "{a: ", count: 10_000) + "1" + String(repeating: "}", count: 10_000)),
        ("blocks", String(repeating: "{ ", count: 10_000) + "1" + String(repeating: " }", count: 10_000)),
        ("unary", String(repeating: "-", count: 10_000) + "1"),
        ("not", String(repeating: "not ", count: 10_000) + "true"),
        ("power", String(repeating: "2^", count: 10_000) + "1"),
        ("if", String(repeating: "if true then ", count: 10_000) + "1" + String(repeating: " else 2", count: 10_000)),
        ("lambdas", String(repeating: "x => ", count: 10_000) + "1"),
        ("calls", String(repeating: "abs(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)),
    ])
    func deepNesting(_ name: String, _ source: String) throws {
        let r = try run("\(name).lab", source + "\n")
        #expect(r.code == 65, "\(name): \(r)")
        #expect(r.err.contains("nested too deeply"), "\(name): \(r)")
    }

    @Test("long flat chains are fine: 10,000 terms, conversions, fields")
    func longChains() throws {
        var r = try run("sum.lab", "1" + String(repeating: " + 1", count: 10_000) + "\n")
        #expect(r.code == 0 && r.out == "10001\n", "\(r)")
        r = try run("convs.lab", "1 m" + String(repeating: " -> km", count: 10_000) + "\n")
        #expect(r.code == 0 && r.out == "0.001 km [Length]\n", "\(r)")
        r = try run("statements.lab", String(repeating: "1 m;", count: 100_000) + "\"done\"\n")
        #expect(r.code == 0 && r.out.hasSuffix("1 m [Length]\ndone\n"), "\(r.code)")
    }

    // MARK: - Numbers

    @Test("huge and tiny numbers", arguments: [
        ("1e400", 65, "too large"),
        (String(repeating: "9", count: 400), 65, "too large"),
        ("1e308 * 10", 70, "overflows to infinity"),
        ("-1e308 - 1e308", 70, "overflows to infinity"),
        ("2^1024", 70, "overflows to infinity"),
        ("10^400 / 10^399", 70, "overflows to infinity"),
        ("1e308 * 10 / 1e308", 70, "overflows to infinity"),
        ("1 / 0", 70, "division by zero"),
        ("1 m / 0", 70, "division by zero"),
        ("0 / 0", 70, "undefined"),
        ("(1e308 * 10) - (1e308 * 10)", 70, "overflows to infinity"),
        ("(-4)^0.5", 70, "no real power"),
        ("(-4 m^2)^0.5", 70, "no real power"),
        ("(-8)^(1/3)", 70, "no real power"),
        ("sqrt(-1)", 70, "negative"),
        ("sqrt(-4 m^2)", 70, "negative"),
        ("ln(0)", 70, "undefined"),
        ("ln(-1)", 70, "undefined"),
        ("sqrt(1 m)", 65, "fractional exponent"),
        ("(1 m)^0.5", 65, "would need a fractional exponent"),
        ("(1 m^3)^(1/2)", 65, "would need a fractional exponent"),
        ("1 m ^ 1000", 65, "whole-number exponent"),
        ("(1 m)^65", 65, "exponent out of range"),
        ("mod(5, 0)", 70, "mod by zero"),
    ] as [(String, Int32, String)])
    func numericErrors(_ source: String, _ code: Int32, _ message: String) throws {
        let r = try napkin(["-e", source])
        #expect(!r.crashed, "\(source): \(r)")
        #expect(r.code == code, "\(source): \(r)")
        if !message.isEmpty { #expect(r.err.contains(message), "\(source): \(r)") }
        for bad in ["nan", "NaN", "inf", "∞"] {
            #expect(!r.out.contains(bad), "\(source) printed \(bad) as a result: \(r)")
        }
    }

    @Test("sensible numeric results at the edges", arguments: [
        ("sqrt(4 m^2)", "2 m [Length]"),
        ("(8 m^3)^(1/3)", "2 m [Length]"),
        ("(16 m^4)^0.25", "2 m [Length]"),
        ("2^-1", "0.5"),
        ("1e-320 * 1e-10", "0"),
        ("-0", "0"),
        ("0 * -1", "0"),
        ("1e308", "1e308"),
        ("1_000_000 * 1_000_000", "1e12"),
    ] as [(String, String)])
    func numericResults(_ source: String, _ expected: String) throws {
        let r = try napkin(["-e", source])
        #expect(!r.crashed, "\(source): \(r)")
        if !expected.isEmpty {
            #expect(r.out == expected + "\n", "\(source): \(r)")
        }
        for bad in ["nan", "NaN", "inf", "∞", "-0\n"] {
            #expect(!r.out.contains(bad), "\(source) printed \(bad): \(r)")
        }
    }
}
