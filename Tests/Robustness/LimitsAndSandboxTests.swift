import Foundation
import NapkinCore
import NapkinInstruments
import NapkinLibrary
import Testing

/// Resource limits (each with its error and the flag that raises it) and the sandbox: the
/// language reaches no file, network, process or environment, and exports land only in the
/// folder the command line names.
@Suite("Limits and sandbox")
struct LimitsAndSandboxTests {
    // MARK: - Limits

    @Test("runaway recursion stops at --max-depth with a hint")
    func recursion() throws {
        var r = try napkin(["-e", "fn f(x) = f(x + 1)\nf(1)"])
        #expect(!r.crashed && r.code == 70, "\(r)")
        #expect(r.err.contains("recursion deeper than 10000 calls in f") && r.err.contains("--max-depth"), "\(r)")
        r = try napkin(["--max-depth", "50", "-e", "fn f(x) = f(x + 1)\nf(1)"])
        #expect(r.err.contains("recursion deeper than 50 calls"), "\(r)")
        // Mutual recursion and recursion through a lambda and a default argument.
        r = try napkin(["-e", "fn a(n) = b(n)\nfn b(n) = a(n)\na(1)"])
        #expect(!r.crashed && r.code == 70 && r.err.contains("recursion deeper"), "\(r)")
        r = try napkin(["-e", "fn g(n, d = g(n)) = d\ng(1)"])
        #expect(!r.crashed && r.code == 70 && r.err.contains("recursion deeper"), "\(r)")
        r = try napkin(["-e", "let f = x => x\nfn h(n) = map([n], x => h(x))\nh(1)"])
        #expect(!r.crashed && r.code == 70 && r.err.contains("recursion deeper"), "\(r)")
    }

    @Test("deep but legal recursion works when --max-depth allows it")
    func deepLegalRecursion() throws {
        let r = try napkin(["--max-depth", "20000", "-e", "fn f(n) = if n == 0 then 0 else 1 + f(n - 1)\nf(15000)"])
        #expect(!r.crashed && r.code == 0 && r.out == "15000\n", "\(r)")
    }

    @Test("any --max-depth is safe: too deep for the native stack is an error, not a segfault")
    func maxDepthIsSafe() throws {
        let r = try napkin(["--max-depth", "100000", "-e", "fn f(n) = if n == 0 then 0 else 1 + f(n - 1)\nf(50000)"])
        #expect(!r.crashed, "\(r)")
        // Deeper than the evaluator's stack can hold is refused up front.
        #expect(r.code == 64 && r.err.contains("--max-depth can be at most"), "\(r)")
    }

    @Test("a billion-point sweep is refused at once, and --max-sweep raises the limit")
    func billionPointSweep() throws {
        var r = try napkin(["-e", "sweep x 1...1e9 < x >"])
        #expect(!r.crashed && r.code == 70, "\(r)")
        #expect(r.err.contains("sweep of 1000000000 points exceeds the limit of 10000000") && r.err.contains("--max-sweep"), "\(r)")
        r = try napkin(["--max-sweep", "5", "-e", "sweep x 1...6 < x >"])
        #expect(r.code == 70 && r.err.contains("exceeds the limit of 5"), "\(r)")
        r = try napkin(["--max-sweep", "6", "-e", "len(sweep x 1...6 < x >)"])
        #expect(r.code == 0 && r.out == "6\n", "\(r)")
        // A step that does not advance, an infinite range.
        r = try napkin(["-e", "sweep x 1...2 step 1e-300 < x >"])
        #expect(!r.crashed && r.code == 70, "\(r)")
        r = try napkin(["-e", "sweep x 1...(1e308 * 10) < x >"])
        #expect(!r.crashed && r.code == 70, "\(r)")
        r = try napkin(["-e", "sweep x 1...2 step 0 < x >"])
        #expect(!r.crashed && r.code == 70, "\(r)")
        // With the limit raised as far as it goes, 10¹⁵ rows of 1500 columns is refused for
        // memory (the table's reservation overflowed and trapped; found by the crash hunt).
        let columns = Array(repeating: "x", count: 1500).joined(separator: ", ")
        r = try napkin(["--max-sweep", "9223372036854775807", "-e", "sweep x 1...9e14 < \(columns) >"])
        #expect(!r.crashed && r.code == 70 && r.err.contains("out of memory"), "\(r)")
    }

    @Test("huge ranges stop at --max-list")
    func hugeRange() throws {
        var r = try napkin(["-e", "let l = 1...1e9"])
        #expect(!r.crashed && r.code == 70 && r.err.contains("exceeds the list limit of 10000000") && r.err.contains("--max-list"), "\(r)")
        r = try napkin(["--max-list", "3", "-e", "1...4"])
        #expect(r.code == 70 && r.err.contains("list limit of 3"), "\(r)")
    }

    @Test("nested sweeps multiply: a sweep of sweeps stays within time and memory")
    func nestedSweeps() throws {
        let r = try napkin(["--max-sweep", "2000", "-e", "len(sweep x 1...2000 < len(sweep y 1...2000 < x * y >) >)"], seconds: 120)
        #expect(!r.crashed, "\(r)")
        #expect(r.code == 0 && r.out == "2000\n", "\(r)")
    }

    @Test("string growth by recursion stops at a string limit")
    func stringGrowth() throws {
        let r = try napkin(["-e", "fn g(s, n) = if n == 0 then len(s) else g(s + s, n - 1)\ng(\"ab\", 40)"], memoryKiB: 4_000_000)
        #expect(!r.crashed, "\(r)")
        #expect(r.code == 70 && r.err.contains("limit"), "\(r)")
    }

    @Test("list growth by recursion stops at --max-list")
    func listGrowth() throws {
        let r = try napkin(["-e", "fn g(s, n) = if n == 0 then len(s) else g(s + s, n - 1)\ng([1], 40)"], memoryKiB: 4_000_000)
        #expect(!r.crashed, "\(r)")
        #expect(r.code == 70 && r.err.contains("--max-list"), "\(r)")
    }

    @Test("growth that stays under the limits works")
    func legalGrowth() throws {
        let r = try napkin(["-e", "fn g(s, n) = if n == 0 then len(s) else g(s + s, n - 1)\ng(\"ab\", 20)\ng([1], 20)"])
        #expect(!r.crashed && r.code == 0 && r.out == "2.097e6\n1.049e6\n", "\(r)")
    }

    @Test("a long operator chain (100,000 terms) is an error or a result, not a stack overflow")
    func longOperatorChain() throws {
        for (name, source) in [("sum", "1" + String(repeating: "+1", count: 100_000)),
                               ("fields", "let a = 1" + String(repeating: ".b", count: 100_000)),
                               ("index", "[1]" + String(repeating: "[0]", count: 100_000))] {
            let path = try hostileFile("\(name).lab", source + "\n")
            let r = try napkin(["run", path])
            #expect(!r.crashed, "\(name): \(r)")
        }
    }

    @Test("deeply nested string interpolation is refused quickly")
    func nestedInterpolation() throws {
        let source = String(repeating: "\"{", count: 20_000) + "1" + String(repeating: "}\"", count: 20_000)
        let path = try hostileFile("interp.lab", source + "\n")
        let r = try napkin(["run", path], seconds: 20)
        #expect(!r.crashed, "\(r)")
        #expect(r.code == 65 && r.err.contains("nested too deeply"), "\(r)")
    }

    @Test("under a tight memory cap napkin still answers or fails, it does not hang")
    func tightMemoryCap() throws {
        let r = try napkin(["-e", "1 m"], memoryKiB: 600_000, seconds: 20)
        #expect(!r.crashed, "\(r)")
        #expect(r.code == 0 && r.out == "1 m [Length]\n", "\(r)")
    }

    @Test("a huge printed output is streamed, not held: a 1,000,000-item list")
    func hugeOutput() throws {
        let r = try napkin(["--max-list", "1000000", "-e", "print(1...1000000)\n\"done\""], memoryKiB: 3_000_000, seconds: 120)
        #expect(!r.crashed && r.code == 0, "\(r)")
        #expect(r.out.hasSuffix("done\n"), "\(r)")
    }

    // MARK: - Sandbox

    /// Every builtin of a session. A new builtin must be reviewed against the sandbox rules in
    /// docs/safety.md (no file, network, process or environment access) and added here.
    static let reviewedBuiltins: Set<String> = [
        "sqrt", "abs", "mod", "len", "sum", "mean", "map", "filter", "record", "table", "type", "fields", "column",
        "print", "assert_eq", "require", "ln", "log2", "log10", "exp", "sin", "cos", "asin", "tan", "floor", "ceil", "round",
        "min", "max", "argmin", "argmax", "plot", "bars", "waterfall", "gauge", "radar", "seesaw",
    ]

    @Test("the language has no file, network, process or environment builtins")
    func noAmbientAuthority() throws {
        let names = PreludeBase.shared.withSession { Set($0.interpreter.builtinNames) }
        let unreviewed = names.subtracting(Self.reviewedBuiltins)
        #expect(unreviewed.isEmpty, "builtins not reviewed for the sandbox (see docs/safety.md): \(unreviewed.sorted())")
        for word in ["read", "write", "open", "file", "exec", "system", "shell", "env", "getenv", "import", "include",
                     "load", "fetch", "http", "socket", "spawn", "eval", "save", "export", "delete", "exit"] {
            #expect(!names.contains(word), "a builtin named \(word)")
            let r = try napkin(["-e", "\(word)(\"/etc/passwd\")"])
            #expect(!r.crashed && r.code == 65 && r.err.contains("unknown name"), "\(word): \(r)")
        }
    }

    @Test("strings that look like paths or commands are only strings")
    func stringsAreInert() throws {
        let dir = try scratchDirectory("inert")
        let r = try napkin(["-e", "let p = \"../../etc/passwd\"\n\"$(touch pwned)\"\n\"`touch pwned2`\"\n\"{p}\""], directory: dir)
        #expect(!r.crashed && r.code == 0, "\(r)")
        #expect(filesBelow(dir).isEmpty, "files appeared: \(filesBelow(dir))")
    }

    @Test("figure titles with path traversal cannot leave --svg-dir")
    func svgPathTraversal() throws {
        let root = try scratchDirectory("svg")
        let out = root.appendingPathComponent("out")
        let lab = root.appendingPathComponent("hostile.lab")
        let titles = ["../../escaped", "/tmp/absolute", "..", ".", "a/../../b", "..\\..\\windows", "\u{0}nul", "~/home",
                      String(repeating: "../", count: 200) + "deep", "con", ".hidden", "$(touch pwned)", "é/../../ü"]
        var source = "let s = sweep x 1...5 < x * 2 W >\n"
        for t in titles {
            let escaped = t.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\u{0}", with: "")
            source += "plot(s, title: \"\(escaped)\")\n"
        }
        try source.write(to: lab, atomically: true, encoding: .utf8)
        let r = try napkin(["run", lab.path, "--svg-dir", out.path], directory: root)
        #expect(!r.crashed && r.code == 0, "\(r)")
        // Only the lab file and the out folder exist in root; every SVG sits directly in out.
        let all = filesBelow(root)
        let outside = all.filter { !$0.hasPrefix("out/") && $0 != "out" && $0 != "hostile.lab" }
        #expect(outside.isEmpty, "files written outside --svg-dir: \(outside.sorted())")
        let svgs = filesBelow(out)
        #expect(svgs.count == titles.count, "\(svgs.sorted())")
        for f in svgs {
            #expect(!f.contains("/") && f.hasSuffix(".svg") && !f.hasPrefix("."), "unsafe export name \(f)")
        }
    }

    @Test("without --svg-dir nothing is written anywhere")
    func noExportWithoutFlag() throws {
        let dir = try scratchDirectory("noexport")
        let r = try napkin(["-e", "let s = sweep x 1...5 < x >\nplot s\nplot(s, title: \"../x\")"], directory: dir)
        #expect(!r.crashed && r.code == 0, "\(r)")
        #expect(filesBelow(dir).isEmpty, "\(filesBelow(dir))")
    }

    @Test("--svg-dir that is a file, or unwritable, is a clear error")
    func badSvgDir() throws {
        let dir = try scratchDirectory("badsvg")
        let file = dir.appendingPathComponent("not-a-dir")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let r = try napkin(["-e", "plot(sweep x 1...3 < x >)", "--svg-dir", file.path])
        #expect(!r.crashed, "\(r)")
        #expect(r.code != 0 && r.err.contains("cannot write"), "\(r)")
    }

    @Test("a hostile .lab cannot write outside the allowed folder, exhaust memory or hang")
    func hostileLab() throws {
        let root = try scratchDirectory("hostile")
        let out = root.appendingPathComponent("allowed")
        let lab = root.appendingPathComponent("hostile.lab")
        let deep = String(repeating: "[", count: 5_000) + "1" + String(repeating: "]", count: 5_000)
        // Each line is its own program, so one failing line does not hide the others.
        let lines = [
            "let s = sweep x 1...5 < x * 1 W >; plot(s, title: \"../../../escaped\")",
            "sweep x 1...1e9 < x >",
            "let l = 1...1e12",
            "fn f(n) = f(n + 1); f(0)",
            "fn g(n) = g(n) + g(n); g(1)",
            deep,
            "print(\"\(String(repeating: "x", count: 100_000))\")",
            "sweep x 1...1e7 step 1e-3 < x >",
            "1e308 * 1e308",
            "plot(sweep x 1...3 < x >, title: \"/etc/passwd\")",
        ]
        for (i, line) in lines.enumerated() {
            try (line + "\n").write(to: lab, atomically: true, encoding: .utf8)
            let r = try napkin(["run", lab.path, "--svg-dir", out.path], memoryKiB: 2_000_000, seconds: 60, directory: root)
            #expect(!r.crashed, "line \(i + 1): \(line.prefix(80)): \(r)")
            #expect([0, 65, 70].contains(r.code), "line \(i + 1): \(r)")
            if r.code != 0 { #expect(r.err.contains("error"), "line \(i + 1) failed without a message: \(r)") }
        }
        let outside = filesBelow(root).filter { !$0.hasPrefix("allowed") && $0 != "hostile.lab" }
        #expect(outside.isEmpty, "files written outside the allowed folder: \(outside.sorted())")
    }
}
