import Foundation
import NapkinCore
import NapkinLibrary
import Testing

/// The prelude's syntax trees are parsed at build time and read back at start-up
/// (SyntaxArchive): what start-up reads must be what parsing the prelude gives.
@Suite("Prelude archive")
struct PreludeArchiveTests {
    @Test("each embedded archive is the archive of a fresh parse of its file")
    func archiveMatchesParse() throws {
        var fresh: [[UInt8]] = []
        var failure: (any Error)?
        _ = try Prelude.makeSessionFromSource { file, program in
            do { fresh.append(try SyntaxArchive.encode(program, file: file)) } catch { failure = error }
        }
        #expect(failure == nil)
        let embedded = Prelude.archives
        #expect(embedded.count == Prelude.files.count)
        #expect(fresh.count == embedded.count)
        for (i, (a, b)) in zip(fresh, embedded).enumerated() {
            #expect(a == b, "\(Prelude.files[i].name): the archive built into napkin differs from a parse of its source; rebuild")
        }
    }

    @Test("a syntax tree read back archives to the same bytes (every field is written and read)")
    func roundTrip() throws {
        for (f, bytes) in zip(Prelude.files, Prelude.archives) {
            let file = SourceFile(name: "prelude/\(f.name)", text: f.source)
            let program = try SyntaxArchive.decode(bytes, file: file, units: UnitNames())
            #expect(try SyntaxArchive.encode(program, file: file) == bytes, "\(f.name)")
        }
        // A program with every kind of node, not only what the prelude happens to use.
        let source = """
        dimension Widget
        dimension Flux = Widget / Time
        prefix tiny = { u: 1e-6, n: 1e-9 }
        unit gadget: Widget prefixes tiny "one gadget"
        unit gad2, g2 = 2 ugadget
        display Widget: ugadget, gadget
        digits 5
        knob k = 2 in 1...10 step 1 "a knob"
        knob c = a in [a: 1, b: 2]
        let r = { a: 1 m, b: "x {k} y", c: [1, 2, 3][0], ...{ d: true } }
        fn f(x: Length or 1 = 2 m, y = 0) -> Length = if x > 1 m then -x else { let z = x * 2; z }
        let g = (p, q) => p ^ q
        k = 3
        assert f(3 m, y: 1) == -3 m
        let s = sweep k 1...5 < twice: k * 2, k >
        1 TB / 10 Gbit/s -> s
        not (1 < 2 and 2 >= 1 or false) != true
        r.a
        """
        let session = try Prelude.makeSession()
        let file = SourceFile(name: "every-node.lab", text: source)
        let program = try session.parse(file).statements
        let bytes = try SyntaxArchive.encode(program, file: file)
        let names = UnitNames()
        let back = try SyntaxArchive.decode(bytes, file: file, units: names)
        #expect(try SyntaxArchive.encode(back, file: file) == bytes)
        #expect(back.count == program.count)
        // Unit and prefix declarations are registered as the parser registers them.
        #expect(names.contains("gadget") && names.contains("ugadget") && names.contains("ngadget") && names.contains("g2"))
    }

    @Test("a damaged archive is an error, never a trap")
    func damaged() throws {
        let f = Prelude.files[0]
        let bytes = Prelude.archives[0]
        let file = SourceFile(name: "prelude/\(f.name)", text: f.source)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            #expect(throws: NapkinError.self) { try SyntaxArchive.decode(Array(bytes[0..<cut]), file: file, units: UnitNames()) }
        }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var b = bytes
            b[Int.random(in: 0..<b.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            _ = try? SyntaxArchive.decode(b, file: file, units: UnitNames())
        }
    }

    @Test("the prelude loaded from its archive is the prelude parsed from source")
    func sameSession() throws {
        let archived = try Prelude.makeSession(), parsed = try Prelude.makeSessionFromSource()
        let a = archived.interpreter, p = parsed.interpreter
        #expect(a.globalOrder == p.globalOrder)
        #expect(a.units.declaredUnitNames.sorted() == p.units.declaredUnitNames.sorted())
        for probe in ["1 TB / 10 Gbit/s", "h100", "2 kWh -> MJ", "sweep x 1...3 < x * 2 W >"] {
            var out: [String] = []
            for s in [archived, parsed] {
                var shown = ""
                s.onResult = { v in shown = (try? s.interpreter.describe(v)) ?? "?" }
                try s.run(probe, name: "<probe>")
                out.append(shown)
            }
            #expect(out[0] == out[1], "\(probe)")
        }
    }
}
