
/// What the library defines, for people to read: `:info NAME`, `:list [CATEGORY]`, `:knobs`
/// and `:search WORD` in the REPL, and `napkin info`, `list` and `search` from the shell — one
/// implementation over a loaded session, so the shell needs no REPL to answer.
public final class Catalog {
    public let session: Session
    public let style: TextStyle
    /// What the last question printed, line by line, and the error it ended with (if any).
    public private(set) var lines: [String] = []
    public private(set) var error: String?

    public static let listCategories = ["units", "functions", "knobs", "records", "dimensions"]

    public init(session: Session, style: TextStyle) {
        self.session = session
        self.style = style
    }

    /// Runs one question on a fresh page: `catalog.answer { $0.info("h100") }`.
    public func answer(_ question: (Catalog) -> Void) -> (lines: [String], error: String?) {
        lines = []
        error = nil
        question(self)
        return (lines, error)
    }

    func line(_ s: String) { lines.append(s.hasSuffix("\n") ? String(s.dropLast()) : s) }
    func failure(_ s: String) { error = s }

    public func info(_ name: String) {
        guard !name.isEmpty else { return failure("usage: :info NAME") }
        let interp = session.interpreter
        let units = interp.units
        var found = false
        if let g = interp.globals[name] {
            found = true
            let kind: String
            switch g.kind {
            case .knob: kind = "knob"
            case .function: kind = "function"
            case .value: kind = g.value.typeName
            }
            var where_ = ""
            if let span = g.definition, let file = span.file, file.name != "<repl>" {
                where_ = " (defined in \(file.name):\(file.location(of: span.start).line))"
            }
            line(style.bold(name) + " — " + kind + style.dim(where_))
            var citation: String?
            if case .record(let r) = g.value, case .string(let src)? = r["source"] { citation = src }
            if let def = g.definition?.text, !def.isEmpty {
                // A long record literal is shown by its value below (with computed fields).
                let lines = def.split(separator: "\n").count
                if lines <= 3 || !(g.value.typeName == "record") {
                    line("  " + style.code(Sanitized.text(def).replacingOccurrences(of: "\n", with: "\n  ")))
                }
            }
            if case .quantity(let q) = g.value {
                line("  value:     " + ((try? style.value(g.value, interp)) ?? ""))
                line("  dimension: " + (q.dim.isNone ? "a plain number" : units.describe(q.dim)))
            } else if case .function(let f) = g.value {
                line("  signature: " + Sanitized.line(f.signature))
            } else if case .record(let r) = g.value {
                line("  fields:    " + Sanitized.line(r.keys.joined(separator: ", ")))
                line("  value:")
                for (k, v) in zip(r.keys, r.values) where !(k == "source" && citation != nil) {
                    var text = (try? interp.describeInline(v)) ?? "?"
                    if case .string = v { text = "\"" + text + "\"" }
                    line("    \(Sanitized.line(k)): " + Sanitized.text(text))
                }
            } else if let text = try? interp.describe(g.value) {
                line("  value:     " + text)
            }
            if let k = g.knob {
                let f = interp.formatter
                if k.isChoice {
                    line("  options:   " + Sanitized.line(k.options.indices.map { $0 == k.selected ? "[\(k.options[$0].name)]" : k.options[$0].name }.joined(separator: " | ")))
                } else {
                    line("  range:     \(f.valueAndUnit(k.low))...\(f.valueAndUnit(k.high))")
                }
                if let d = k.doc, d != g.doc { line("  about:     " + Sanitized.text(d)) }
            }
            if let citation {
                if let doc = g.doc { line("  about:     " + Sanitized.text(doc)) }
                line("  source:    " + citation)
            } else if let doc = g.doc {
                line("  source:    " + Sanitized.text(doc))
            }
        } else if let f = interp.builtins[name], !name.hasPrefix("__") {
            found = true
            line(style.bold(name) + " — builtin function")
            line("  signature: " + f.signature)
            if case .builtin(let b) = f.body, !b.doc.isEmpty { line("  " + b.doc) }
        }
        if let u = units.unit(name) {
            found = true
            let q = Quantity(u.factor, u.dim)
            let f = interp.formatter
            line(style.bold(name) + " — unit of " + (u.dim.isNone ? "a plain number" : units.describe(u.dim)))
            line("  factor:    \(formatNumber(u.factor, digits: 10)) \(units.baseUnits(of: u.dim))" +
                (f.valueAndUnit(q) != "\(formatNumber(u.factor, digits: interp.digits)) \(units.baseUnits(of: u.dim))" ? "  (= \(f.valueAndUnit(q)))" : ""))
            if !u.aliases.isEmpty { line("  also:      " + u.aliases.joined(separator: ", ")) }
            if let doc = u.doc { line("  about:     " + Sanitized.text(doc)) }
        }
        if let d = units.dimensionsByName[name] {
            found = true
            line(style.bold(name) + " — dimension, in base units " + units.baseUnits(of: d))
            let list = primaryUnits().filter { $0.dim == d }.map { $0.name }
            if !list.isEmpty { line("  units:     " + list.joined(separator: ", ")) }
        }
        if !found, Keyword(rawValue: name) != nil {
            found = true
            line(style.bold(name) + " — a keyword (:help language)")
        }
        if !found {
            var candidates = Array(interp.globals.keys) + interp.builtinNames + units.unitOrder
            candidates += Array(units.dimensionsByName.keys)
            let hint = suggestions(for: name, among: candidates.filter { !$0.hasPrefix("__") }).map(quotedName)
            failure("nothing is called \(quotedName(name))" + (hint.isEmpty ? "" : " — did you mean \(hint.joined(separator: ", "))?"))
        }
    }

    /// Units as declared (without the prefixed forms like kJ), aliases folded into their primary name.
    public func primaryUnits() -> [(name: String, aliases: [String], dim: NapkinCore.Dimension, factor: Double)] {
        let units = session.interpreter.units
        var seen = Set<String>()
        var result: [(String, [String], NapkinCore.Dimension, Double)] = []
        let families = units.prefixFamilies.values.flatMap { $0 }
        for n in units.unitOrder where !seen.contains(n) {
            guard let u = units.unit(n) else { continue }
            seen.insert(n)
            seen.formUnion(u.aliases)
            let prefixed = families.contains { p, f in
                guard n.hasPrefix(p), n.count > p.count, let base = units.unit(String(n.dropFirst(p.count))) else { return false }
                return base.dim == u.dim && abs(base.factor * f - u.factor) <= 1e-9 * abs(u.factor)
            }
            if prefixed { continue }
            result.append((n, u.aliases, u.dim, u.factor))
        }
        return result
    }

    public func list(_ category: String) {
        let interp = session.interpreter
        let units = interp.units
        let globals = interp.globalOrder.filter { !$0.hasPrefix("__") }.compactMap { n in interp.globals[n].map { (n, $0) } }
        switch category {
        case "units", "u":
            var byDim: [(NapkinCore.Dimension, [String])] = []
            for u in primaryUnits() {
                let label = u.aliases.isEmpty ? u.name : "\(u.name) (\(u.aliases.joined(separator: ", ")))"
                if let i = byDim.firstIndex(where: { $0.0 == u.dim }) { byDim[i].1.append(label) } else { byDim.append((u.dim, [label])) }
            }
            for (d, names) in byDim {
                let dn = d.isNone ? "plain number" : units.name(of: d)
                line(style.dimension(dn) + ": " + names.joined(separator: ", "))
            }
            let fams = units.prefixFamilies.keys.sorted().map { k in "\(k): " + (units.prefixFamilies[k] ?? []).map(\.0).joined(separator: " ") }
            if !fams.isEmpty { line(style.dim("prefixes — " + fams.joined(separator: "; "))) }
        case "functions", "f", "fn":
            for (_, g) in globals where g.kind == .function {
                if case .function(let f) = g.value { line("  " + style.code(Sanitized.line(f.signature)) + (g.doc.map { style.dim("  — " + Sanitized.line($0)) } ?? "")) }
            }
            let builtins = interp.builtinNames.filter { !$0.hasPrefix("__") }.sorted()
            line(style.dim("builtins: ") + builtins.joined(separator: ", "))
        case "knobs", "k": knobs()
        case "records", "r":
            for (n, g) in globals {
                if case .record(let r) = g.value { line("  " + style.bold(n) + style.dim("  { " + Sanitized.line(r.keys.joined(separator: ", ")) + " }")) }
            }
        case "dimensions", "d":
            let names = units.dimensionsByName.sorted { a, b in
                let ia = units.baseNames.firstIndex(of: a.key), ib = units.baseNames.firstIndex(of: b.key)
                if (ia != nil) != (ib != nil) { return ia != nil }
                if let ia, let ib { return ia < ib }
                return a.key < b.key
            }
            for (n, d) in names {
                let base = units.baseNames.contains(n)
                line("  " + style.dimension(n.padding(toLength: 22, withPad: " ", startingAt: 0)) + (base ? style.dim("base (\(units.baseUnits(of: d)))") : units.baseUnits(of: d)))
            }
        case "":
            let count = { (k: Global.Kind) in globals.filter { $0.1.kind == k }.count }
            let records = globals.filter { if case .record = $0.1.value { return true } else { return false } }.count
            line("\(primaryUnits().count) units, \(units.dimensionsByName.count) dimensions, \(count(.function)) functions, \(count(.knob)) knobs, \(records) records, \(count(.value)) values.")
            line(style.dim(":list units | functions | knobs | records | dimensions"))
            let mine = globals.filter { $0.1.definition?.file?.name == "<repl>" && $0.0 != "ans" && $0.0 != "_" }
            if !mine.isEmpty { line("yours: " + mine.map(\.0).joined(separator: ", ")) }
        default:
            failure("unknown list '\(category)': try " + Catalog.listCategories.joined(separator: ", "))
        }
    }

    public func knobs() {
        let interp = session.interpreter
        let f = interp.formatter
        let list = interp.globalOrder.compactMap { n in interp.globals[n].flatMap { $0.kind == .knob ? (n, $0) : nil } }
        if list.isEmpty { return line("no knobs yet: knob eta = 1 in 1...10 \"what it means\"") }
        let width = list.map(\.0.count).max() ?? 1
        let values = list.map { (_, g) -> String in
            if let option = g.knob?.selectedName { return Sanitized.line(option) }
            if case .quantity(let q) = g.value { return f.valueAndUnit(q) } else { return "" }
        }
        let valueWidth = values.map(\.count).max() ?? 1
        for ((n, g), value) in zip(list, values) {
            guard let k = g.knob else { continue }
            var text = "  " + style.bold(n.padding(toLength: width, withPad: " ", startingAt: 0)) + " = "
                + style.number(value.padding(toLength: valueWidth, withPad: " ", startingAt: 0))
            if k.isChoice {
                text += style.dim("   \(k.isToggle ? "toggle" : "choice"): " + Sanitized.line(k.options.map(\.name).joined(separator: " | ")))
            } else {
                text += style.dim("   in \(k.rangeText(f))")
            }
            if let d = k.doc ?? g.doc { text += "   \"\(Sanitized.line(d))\"" }
            line(text)
        }
    }

    /// `:search WORD`: names, descriptions and source citations that contain WORD (any case).
    public func search(_ word: String) {
        guard !word.isEmpty else { return failure("usage: :search WORD (for example :search water)") }
        let interp = session.interpreter
        let units = interp.units
        let needle = word.lowercased()
        struct Hit { let name: String, kind: String, rank: Int, text: String }
        var hits: [Hit] = []
        func rank(_ name: String) -> Int? {
            let n = name.lowercased()
            return n == needle ? 0 : n.hasPrefix(needle) ? 1 : n.contains(needle) ? 2 : nil
        }
        func excerpt(_ text: String) -> String? {
            guard let r = text.range(of: word, options: .caseInsensitive) else { return nil }
            let start = text.index(r.lowerBound, offsetBy: -30, limitedBy: text.startIndex) ?? text.startIndex
            let end = text.index(r.upperBound, offsetBy: 50, limitedBy: text.endIndex) ?? text.endIndex
            return (start == text.startIndex ? "" : "…") + text[start..<end] + (end == text.endIndex ? "" : "…")
        }
        for name in interp.globalOrder where !name.hasPrefix("__") && name != "ans" && name != "_" {
            guard let g = interp.globals[name] else { continue }
            let kind = g.kind == .knob ? "knob" : g.kind == .function ? "function" : g.value.typeName
            var citation: String?
            if case .record(let r) = g.value, case .string(let s)? = r["source"] { citation = s }
            let doc = g.doc ?? g.knob?.doc
            if let r = rank(name) {
                hits.append(Hit(name: name, kind: kind, rank: r, text: doc ?? citation ?? ""))
            } else if let doc, let e = excerpt(doc) {
                hits.append(Hit(name: name, kind: kind, rank: 3, text: e))
            } else if let citation, let e = excerpt(citation) {
                hits.append(Hit(name: name, kind: kind, rank: 4, text: "source: " + e))
            }
        }
        var seen = Set<String>()
        for name in units.unitOrder where !seen.contains(name) {
            guard let u = units.unit(name) else { continue }
            seen.insert(name)
            seen.formUnion(u.aliases)
            let kind = "unit of " + (u.dim.isNone ? "a plain number" : units.name(of: u.dim))
            let names = [name] + u.aliases
            if let r = names.compactMap(rank).min() {
                hits.append(Hit(name: name, kind: kind, rank: r, text: u.doc ?? ""))
            } else if let doc = u.doc, let e = excerpt(doc) {
                hits.append(Hit(name: name, kind: kind, rank: 3, text: e))
            }
        }
        for name in interp.builtinNames where !name.hasPrefix("__") {
            if let r = rank(name) { hits.append(Hit(name: name, kind: "builtin", rank: r, text: "")) }
        }
        for name in units.dimensionsByName.keys.sorted() {
            if let r = rank(name) { hits.append(Hit(name: name, kind: "dimension", rank: r, text: "")) }
        }
        guard !hits.isEmpty else { return line("nothing mentions '\(word)' (names, descriptions and sources were searched)") }
        hits = hits.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element)
        line("\(hits.count) match\(hits.count == 1 ? "" : "es") for '\(word)':")
        let width = min(24, hits.map(\.name.count).max() ?? 1)
        let shown = hits.prefix(60)
        for h in shown {
            let text = Sanitized.line(h.text.count > 100 ? String(h.text.prefix(99)) + "…" : h.text)
            line("  " + style.bold(Sanitized.line(h.name).padding(toLength: width, withPad: " ", startingAt: 0)) + "  " + style.dim(h.kind)
                + (text.isEmpty ? "" : "  " + text))
        }
        if hits.count > shown.count { line(style.dim("  … \(hits.count - shown.count) more: search for a longer word")) }
        line(style.dim(":info NAME shows one in full"))
    }

}
