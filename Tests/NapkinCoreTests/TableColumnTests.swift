import Testing
@testable import NapkinCore
import NapkinLibrary

/// Tables keep a column of quantities of one dimension and one unit as Doubles, and any other
/// column as values: what a table shows, indexes and reduces is what its sweep produced.
@Suite("Tables as columns")
struct TableColumnTests {
    /// Every result a program shows (or the error it stops with), and its last value.
    func run(_ source: String) -> (lines: [String], last: Value?) {
        Session.onLargeStack { () -> ([String], Value?) in
            var lines: [String] = []
            var last: Value?
            do {
                let session = try Prelude.makeSession()
                session.onResult = { v in
                    last = v
                    lines.append((try? session.interpreter.describe(v)) ?? "?")
                }
                try session.run(source, name: "<test>")
            } catch let e as NapkinError {
                lines.append(e.render())
            } catch {
                lines.append("\(error)")
            }
            return (lines, last)
        }
    }

    func table(_ source: String) -> Table? {
        if case .table(let t)? = run(source).last { return t }
        Issue.record("no table from \(source)")
        return nil
    }

    func isNumeric(_ c: TableColumn) -> Bool { c.numbers != nil }

    @Test("numeric columns are Doubles; strings, records and booleans beside them stay values")
    func mixedColumns() throws {
        let t = try #require(table("sweep x 1...4 < x * 2 W, \"n{x}\", { a: x, b: 2 m }, (x > 2), x * 3 J >"))
        #expect(t.count == 4 && t.names.count == 6)
        #expect(t.columns.map(isNumeric) == [true, true, false, false, false, true])
        #expect(t.columns[1].numbers?.values == [2, 4, 6, 8])
        guard case .quantity(let q) = t.cell(2, 5), case .string(let s) = t.cell(2, 2),
              case .record(let r) = t.cell(3, 3), case .bool(let b) = t.cell(0, 4) else {
            Issue.record("cells are not what the sweep produced")
            return
        }
        #expect(q.value == 9 && q.unit?.name == "J" && s == "n3" && b == false)
        if case .quantity(let a)? = r["a"] { #expect(a.value == 4) } else { Issue.record("record field") }
        let shown = run("let t = sweep x 1...3 < x * 2 W, \"n{x}\", { a: x } >\nt\nt[1]\nt.x\nlen(t)\nsum(t)").lines
        #expect(shown == [
            """
            x │ x * 2 W [W] │ "n{x}" │ { a: x }
            ──┼─────────────┼────────┼─────────
            1 │           2 │ "n1"   │ { a: 1 }
            2 │           4 │ "n2"   │ { a: 2 }
            3 │           6 │ "n3"   │ { a: 3 }
            """,
            // Keys that are not names print quoted, so the row reads back.
            #"{ x: 2, "x * 2 W": 4 W, "\"n\{x\}\"": "n2", "\{ a: x \}": { a: 2 } }"#,
            "[1, 2, 3]", "3", shown.last ?? "",
        ])
        #expect(shown.last?.contains("sum works on numbers and quantities, found a record") == true)
    }

    @Test("a column whose dimension or unit changes mid-sweep keeps every cell as it was made")
    func changingColumn() throws {
        let t = try #require(table("sweep x 1...4 < if (x > 2) then 1 m else 2 s, if (x > 2) then 1 km else 1 m, if (x == 1) then 0 else x * 1 W >"))
        #expect(t.columns.map(isNumeric) == [true, false, false, false])
        guard case .quantity(let a) = t.cell(1, 1), case .quantity(let b) = t.cell(2, 1),
              case .quantity(let c) = t.cell(3, 2), case .quantity(let z) = t.cell(0, 3) else {
            Issue.record("cells are not quantities")
            return
        }
        #expect(a.value == 2 && b.value == 1 && a.dim != b.dim)
        #expect(c.value == 1000 && c.unit?.name == "km")
        #expect(z.isPlainZero)
        // Reductions and indexing see the same cells, with the same errors as before.
        let out = run("""
        let t = sweep x 1...4 < if (x > 2) then 1 m else 2 s >
        t[0]
        t[3]
        sum(t)
        """).lines
        #expect(out.count == 3)
        #expect(out[0] == #"{ x: 1, "if (x > 2) then 1 m else 2 s": 2 s }"# && out[1] == #"{ x: 4, "if (x > 2) then 1 m else 2 s": 1 m }"#)
        #expect(out[2].contains("sum over mixed dimensions"))
        let units = run("let u = sweep x 1...4 < if (x > 2) then 1 km else 1 m >\nu[3]\nsum(u)\nu -> m").lines
        #expect(units[0] == #"{ x: 4, "if (x > 2) then 1 km else 1 m": 1 km }"#)
        #expect(units[1].hasPrefix("2.002 km"))
        #expect(units[2].contains("1000"))
    }

    @Test("a top-level sweep, a function, a lambda and the table builtin build the same table")
    func everyBuilder() {
        let body = "sweep x 1...n < x * 2 W, \"n{x}\", if (x > k + 1) then 1 m else 2 s >"
        let top = run("let n = 5\nlet k = 2\n" + body).lines
        let inFunction = run("fn f(n, k = 2) = \(body)\nf(5)").lines
        // A lambda made in a function captures what it reads of the function's scope.
        let inLambda = run("fn h(count) = { let k = 2; let g = n => \(body); g(count) }\nh(5)").lines
        #expect(top.count == 1 && inFunction == top && inLambda == top, "\(top) \(inFunction) \(inLambda)")
        #expect(top.first?.hasSuffix("\"n5\"   │ 1 m") == true)
        let built = table("table({ x: [1, 2, 3], p: [2 W, 4 W, 6 W], s: [\"a\", 2 W, 3 J] })")
        #expect(built.map { $0.columns.map(isNumeric) } == [true, true, false])
    }

    @Test("converting a table converts its numeric columns' unit and keeps their numbers")
    func conversion() throws {
        let t = try #require(table("(sweep x 1...3 < x * 1500 W, x * 2 J >) -> kW"))
        #expect(t.columns.map(isNumeric) == [true, true, true])
        #expect(t.columns[1].numbers?.values == [1500, 3000, 4500])
        if case .quantity(let q) = t.cell(0, 1) { #expect(q.unit?.name == "kW") } else { Issue.record("not a quantity") }
        if case .quantity(let q) = t.cell(0, 2) { #expect(q.unit?.name == "J") } else { Issue.record("not a quantity") }
    }
}
