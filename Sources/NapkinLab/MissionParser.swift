import NapkinCore

/// Parses a mission script. The mission words (mission, track, part, context, message, lock,
/// choices, number, within, workbench, goal, tries, at least, moves, once, visiting, of, static, reveal,
/// explain, peek, reflect, synthesis)
/// are contextual: they are ordinary names to napkin and mean something only at the start of a
/// line inside the mission's blocks, followed by what they introduce. Everything else is napkin
/// code, parsed by the core parser.
public struct MissionParser {
    var p: Parser
    let file: SourceFile

    /// True when `source` is a mission script: its first word (after comments) is `mission`.
    public static func isMission(_ source: String) -> Bool {
        for raw in sourceLines(source) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            return line.hasPrefix("mission ") || line.hasPrefix("mission\t") || line == "mission"
        }
        return false
    }

    public static func parse(_ file: SourceFile, units: UnitNames) throws(NapkinError) -> Mission {
        let tokens = try Lexer.tokenize(file)
        var mp = MissionParser(p: Parser(file: file, tokens: tokens, units: units), file: file)
        return try mp.mission()
    }

    // MARK: Tokens

    var current: Token { p.current }
    var next: Token { p.tokens[min(p.pos + 1, p.tokens.count - 1)] }

    func line(_ t: Token) -> Int { file.location(of: t.span.start).line }

    func error(_ message: String, at t: Token? = nil, notes: [String] = []) -> NapkinError {
        NapkinError(.parse, message, at: (t ?? current).span, notes: notes)
    }

    func isIdent(_ name: String, _ t: Token? = nil) -> Bool {
        if case .identifier(let n) = (t ?? current).kind { return n == name }
        return false
    }

    func isOp(_ o: String, _ t: Token? = nil) -> Bool {
        if case .op(let x) = (t ?? current).kind { return x == o }
        return false
    }

    func isString(_ t: Token) -> Bool { if case .string = t.kind { return true } else { return false } }
    func isIdentifier(_ t: Token) -> Bool { if case .identifier = t.kind { return true } else { return false } }
    var atEOF: Bool { if case .eof = current.kind { return true } else { return false } }

    mutating func skipSeparators() {
        while true {
            if case .newline = current.kind { _ = p.advance(); continue }
            if isOp(";") { _ = p.advance(); continue }
            break
        }
    }

    mutating func endOfItem(_ what: String) throws(NapkinError) {
        switch current.kind {
        case .newline, .eof: return
        case .op(";"), .op("}"): return
        default: throw error("unexpected \(describe(current)) after \(what)", notes: ["put one mission item per line"])
        }
    }

    func describe(_ t: Token) -> String { Parser.describe(t) }

    mutating func name(_ context: String) throws(NapkinError) -> (String, Token) {
        let t = current
        if case .identifier(let n) = t.kind { _ = p.advance(); return (n, t) }
        throw error("expected a name \(context), found \(describe(t))")
    }

    /// A choice key: a name, a keyword used as a word (yes/no/true/in…), or a whole number.
    mutating func key(_ context: String) throws(NapkinError) -> String {
        let t = current
        switch t.kind {
        case .identifier(let n): _ = p.advance(); return n
        case .keyword(let k): _ = p.advance(); return k.rawValue
        default:
            if case .number(let v) = t.kind, let n = Int(whole: v) { _ = p.advance(); return String(n) }
            throw error("expected a choice key \(context), found \(describe(t))")
        }
    }

    /// A string with no interpolation: titles, personas, choice texts.
    mutating func plainString(_ context: String) throws(NapkinError) -> String {
        guard isString(current) else { throw error("expected a string \(context), found \(describe(current))") }
        let t = current
        let e = try p.expression()
        guard case .string(let parts) = e.kind else { throw error("expected a string \(context)", at: t) }
        var s = ""
        for part in parts {
            guard case .text(let x) = part else { throw error("this string cannot interpolate {…} (\(context))", at: t) }
            s += x
        }
        // Only ever shown (on the terminal, in ledgers and reports): control characters made
        // visible once, here.
        return Sanitized.text(s)
    }

    /// A string that may interpolate napkin values ({t.fleet}); evaluated per track.
    mutating func textExpr(_ context: String) throws(NapkinError) -> Expr {
        guard isString(current) else { throw error("expected a string \(context), found \(describe(current))") }
        return try p.expression()
    }

    mutating func wholeNumber(_ context: String) throws(NapkinError) -> Int {
        guard case .number(let v) = current.kind, v == v.rounded(), v >= 0 else {
            throw error("expected a whole number \(context), found \(describe(current))")
        }
        guard v < 1e6 else { throw error("expected a whole number below 1000000 \(context), found \(describe(current))") }
        _ = p.advance()
        return Int(v)
    }

    mutating func openBrace(_ context: String) throws(NapkinError) {
        guard isOp("{") else { throw error("expected '{' \(context), found \(describe(current))") }
        _ = p.advance()
    }

    // MARK: Mission

    var usedIDs: [String: Int] = [:]

    mutating func claim(_ id: String, _ t: Token) throws(NapkinError) {
        if let first = usedIDs[id] {
            throw error("'\(id)' is already used (line \(first)); lock, reflection and part names must be unique", at: t)
        }
        usedIDs[id] = line(t)
    }

    mutating func mission() throws(NapkinError) -> Mission {
        skipSeparators()
        guard isIdent("mission"), isString(next) else {
            throw error("a mission script starts with: mission \"title\" minutes N")
        }
        _ = p.advance()
        let title = try plainString("as the mission's title")
        var m = Mission(title: title, minutes: nil, file: file)
        if isIdent("minutes") { _ = p.advance(); m.minutes = try wholeNumber("after 'minutes'") }
        try endOfItem("the mission's title")
        var tracksPlaced = false
        var partCount = 0
        while true {
            skipSeparators()
            if atEOF { break }
            if isIdent("track"), isIdentifier(next) {
                let t = try track()
                if m.tracks.contains(where: { $0.id == t.id }) { throw error("track '\(t.id)' is defined twice") }
                m.tracks.append(t)
                if !tracksPlaced { m.setup.append(.tracks); tracksPlaced = true }
            } else if isIdent("part"), isString(next) || isIdentifier(next) {
                partCount += 1
                m.parts.append(try part(number: partCount))
            } else if isIdent("synthesis"), isOp("{", next) {
                let t = current
                _ = p.advance()
                try openBrace("after 'synthesis'")
                m.synthesis = try items(partID: "synthesis", inSynthesis: true)
                _ = t
            } else if !m.parts.isEmpty {
                let s = try p.statement()
                throw NapkinError(.parse, "napkin code after the first part must go inside a part (or before the parts, to be shared)", at: s.span)
            } else {
                m.setup.append(.code(try p.statement()))
            }
            try endOfItem("this statement")
            if isOp("}") { throw error("unexpected '}' at the top level") }
        }
        if m.tracks.isEmpty { m.setup.append(.tracks) }
        if m.parts.isEmpty { throw error("a mission needs at least one part: part \"title\" minutes N { … }") }
        return m
    }

    mutating func track() throws(NapkinError) -> Track {
        let kw = current
        _ = p.advance()
        let (id, _) = try name("after 'track'")
        let persona = isString(current) ? try plainString("as the track's persona") : id
        try openBrace("to start the track's bindings")
        var stmts: [Stmt] = []
        while true {
            skipSeparators()
            if isOp("}") { _ = p.advance(); break }
            if atEOF { throw error("track '\(id)' is not closed: expected '}'", at: kw) }
            stmts.append(try p.statement())
            try endOfItem("this statement")
        }
        return Track(id: id, persona: persona, bindings: stmts, line: line(kw))
    }

    mutating func part(number: Int) throws(NapkinError) -> Part {
        let kw = current
        _ = p.advance()
        var id = "part\(number)"
        if case .identifier(let n) = current.kind {
            id = n
            _ = p.advance()
        }
        try claim(id, kw)
        let title = try plainString("as the part's title")
        var minutes: Int?
        if isIdent("minutes") { _ = p.advance(); minutes = try wholeNumber("after 'minutes'") }
        try openBrace("to start the part")
        pendingVisits = []
        let items = try items(partID: id, inSynthesis: false)
        try checkVisits(items)
        return Part(id: id, title: title, minutes: minutes, items: items, line: line(kw))
    }

    /// Items of a part (or the synthesis) up to the closing '}'.
    mutating func items(partID: String, inSynthesis: Bool) throws(NapkinError) -> [PartItem] {
        var out: [PartItem] = []
        var reflectCount = 0, goalCount = 0
        var seenWorkbench = false
        let open = current
        while true {
            skipSeparators()
            if isOp("}") { _ = p.advance(); break }
            if atEOF { throw error("'\(partID)' is not closed: expected '}'", at: open) }
            let t = current
            let word: String? = { if case .identifier(let n) = t.kind { return n } else { return nil } }()
            let nx = next
            switch word {
            case "context" where isString(nx):
                _ = p.advance()
                out.append(.context(try textExpr("after 'context'")))
            case "message" where isString(nx):
                _ = p.advance()
                let from = try textExpr("naming who speaks")
                let text = try textExpr("as the message")
                out.append(.message(from: from, text: text))
            case "lock" where isIdentifier(nx) && !inSynthesis:
                if seenWorkbench { throw error("a lock must come before the part's workbench (predict first, then explore)") }
                out.append(.lock(try lock()))
            case "workbench" where isOp("{", nx) && !inSynthesis:
                if seenWorkbench { throw error("a part has one workbench") }
                seenWorkbench = true
                out.append(.workbench(try workbench(partID: partID, goalCount: &goalCount)))
            case "goal" where isString(nx) && !inSynthesis:
                goalCount += 1
                out.append(.goal(try goal(id: "\(partID).goal\(goalCount)")))
            case "reveal" where isIdentifier(nx) && !inSynthesis:
                _ = p.advance()
                let (lockID, idTok) = try name("after 'reveal'")
                let locks: [Lock] = out.compactMap { if case .lock(let l) = $0 { return l } else { return nil } }
                guard let lock = locks.first(where: { $0.id == lockID }) else {
                    throw error("reveal '\(lockID)': no lock of that name earlier in this part", at: idTok,
                                notes: suggestions(for: lockID, among: locks.map(\.id)).map { "did you mean \(quotedName($0))?" })
                }
                _ = lock
                guard isOp("=") else { throw error("expected '=' after 'reveal \(lockID)', then the napkin expression that computes the answer") }
                _ = p.advance()
                let answer = try p.expression()
                out.append(.reveal(Reveal(lockID: lockID, answer: answer, explanations: [], line: line(t))))
            case "explain" where isString(nx) || isIdentifier(nx) || isKeywordToken(nx):
                _ = p.advance()
                guard let last = out.lastIndex(where: { if case .reveal = $0 { return true } else { return false } }),
                      case .reveal(var r) = out[last] else {
                    throw error("'explain' follows a reveal", at: t)
                }
                var key: String?
                if !isString(current) {
                    let kt = current
                    let k = try self.key("after 'explain'")
                    let lock = out.compactMap { if case .lock(let l) = $0, l.id == r.lockID { return l } else { return nil } }.first
                    if let lock, !lock.choiceKeys.contains(k) {
                        throw error("'\(k)' is not a choice of lock '\(r.lockID)' (choices: \(lock.choiceKeys.joined(separator: ", ")))", at: kt)
                    }
                    key = k
                    if isOp(":") { _ = p.advance() }
                }
                r.explanations.append((key, try textExpr("as the explanation")))
                out[last] = .reveal(r)
            case "peek" where isIdentifier(nx):
                _ = p.advance()
                var names: [String] = []
                repeat {
                    if isOp(",") { _ = p.advance() }
                    names.append(try name("after 'peek'").0)
                } while isOp(",")
                out.append(.peek(names, line: line(t)))
            case "reflect" where isString(nx) || isIdentifier(nx):
                _ = p.advance()
                reflectCount += 1
                var id = "\(partID).reflect\(reflectCount)"
                let idTok = current
                if case .identifier(let n) = current.kind { id = n; _ = p.advance() }
                try claim(id, idTok)
                let prompt = try textExpr("as the reflection prompt")
                var choices: [(key: String, text: String)]?
                if isIdent("choices") { _ = p.advance(); choices = try choiceBlock() }
                out.append(.reflect(Reflect(id: id, prompt: prompt, choices: choices, line: line(t))))
            default:
                out.append(.code(try p.statement()))
            }
            try endOfItem("this item")
        }
        return out
    }

    func isKeywordToken(_ t: Token) -> Bool { if case .keyword = t.kind { return true } else { return false } }

    mutating func choiceBlock() throws(NapkinError) -> [(key: String, text: String)] {
        try openBrace("after 'choices'")
        var out: [(key: String, text: String)] = []
        while true {
            skipSeparators()
            while isOp(",") { _ = p.advance(); skipSeparators() }
            if isOp("}") { _ = p.advance(); break }
            if atEOF { throw error("the choices are not closed: expected '}'") }
            let kt = current
            let k = try key("in 'choices'")
            if out.contains(where: { $0.key == k }) { throw error("choice '\(k)' appears twice", at: kt) }
            guard isOp(":") else { throw error("expected ':' after choice '\(k)', then its text in quotes") }
            _ = p.advance()
            out.append((k, try plainString("as the text of choice '\(k)'")))
        }
        if out.count < 2 { throw error("a choice lock needs at least two choices") }
        return out
    }

    mutating func lock() throws(NapkinError) -> Lock {
        let kw = current
        _ = p.advance()
        let (id, idTok) = try name("after 'lock'")
        try claim(id, idTok)
        let prompt = try textExpr("as the lock's question")
        if isIdent("choices") {
            _ = p.advance()
            return Lock(id: id, prompt: prompt, kind: .choices(try choiceBlock()), line: line(kw))
        }
        guard isIdent("number") else {
            throw error("expected 'choices { … }' or 'number in LOW...HIGH' after the lock's question")
        }
        _ = p.advance()
        guard case .keyword(.in) = current.kind else { throw error("expected 'in LOW...HIGH' (the plausible range) after 'number'") }
        _ = p.advance()
        let range = try p.expression()
        guard case .range = range.kind else { throw NapkinError(.parse, "a numeric lock's range is written LOW...HIGH", at: range.span) }
        var tol = Tolerance.magnitude
        // A name right after a number would read as its unit (`100 within`), so a comma comes first.
        if isOp(","), isIdent("within", next) { _ = p.advance() }
        if isIdent("within") {
            _ = p.advance()
            if isIdent("magnitude") { _ = p.advance(); tol = .magnitude } else { tol = .within(try p.expression()) }
        }
        return Lock(id: id, prompt: prompt, kind: .number(range: range, tolerance: tol), line: line(kw))
    }

    /// goal "text" within N tries [, at least M moves] [, once] [, visiting KNOB]: CLAUSE [and CLAUSE …]
    mutating func goal(id: String) throws(NapkinError) -> Goal {
        let kw = current
        _ = p.advance()
        let text = try plainString("as the goal's description")
        guard isIdent("within") else { throw error("expected 'within N tries:' after the goal's description") }
        _ = p.advance()
        let n = try wholeNumber("after 'within'")
        guard n > 0 else { throw error("a goal needs at least one try") }
        guard isIdent("tries") || isIdent("try") || isIdent("moves") || isIdent("iterations") else {
            throw error("expected 'tries' after 'within \(n)'")
        }
        _ = p.advance()
        var minimum: Int?, once = false
        var visiting: [(name: String, token: Token)] = []
        while isOp(",") {
            _ = p.advance()
            if isIdent("at"), isIdent("least", next) {
                _ = p.advance(); _ = p.advance()
                let m = try wholeNumber("after 'at least'")
                guard isIdent("moves") || isIdent("move") else { throw error("expected 'moves' after 'at least \(m)'") }
                _ = p.advance()
                guard m >= 1, m <= n else { throw error("'at least \(m) moves' must be between 1 and the goal's \(n) tries") }
                minimum = m
            } else if isIdent("once") {
                _ = p.advance()
                once = true
            } else if isIdent("visiting"), isIdentifier(next) {
                _ = p.advance()
                let (knob, t) = try name("after 'visiting'")
                if visiting.contains(where: { $0.name == knob }) { throw error("the goal already visits '\(knob)'", at: t) }
                visiting.append((knob, t))
            } else {
                throw error("expected 'at least N moves', 'once' or 'visiting KNOB' after ',' in the goal, found \(describe(current))")
            }
        }
        guard isOp(":") else { throw error("expected ':' and then the goal's condition") }
        _ = p.advance()
        var g = Goal(id: id, text: text, tries: n, clauses: try goalClauses(), line: line(kw), minimumMoves: minimum, once: once)
        g.visiting = visiting.map(\.name)
        pendingVisits += visiting.map { (knob: $0.name, token: $0.token) }
        return g
    }

    /// `visiting KNOB` names of the part's goals, checked against its workbench's knobs when
    /// the part ends (a goal may come before or after the workbench).
    var pendingVisits: [(knob: String, token: Token)] = []

    func checkVisits(_ items: [PartItem]) throws(NapkinError) {
        guard let first = pendingVisits.first?.token else { return }
        let wb = items.lazy.compactMap { if case .workbench(let w) = $0 { return w } else { return nil } }.first
        guard let wb else { throw error("'visiting' names a knob of the part's workbench, but this part has none", at: first) }
        for (knob, t) in pendingVisits where !wb.knobNames.contains(knob) {
            throw error("'\(knob)' is not a knob of this part's workbench (knobs: \(wb.knobNames.joined(separator: ", ")))", at: t,
                        notes: suggestions(for: knob, among: wb.knobNames).map { "did you mean \(quotedName($0))?" })
        }
    }

    /// A goal's condition split into clauses at its top-level `and`s; `A within TOL of B` is a
    /// two-sided clause (it applies to the operand just before it).
    mutating func goalClauses() throws(NapkinError) -> [GoalClause] {
        func flatten(_ e: Expr) -> [Expr] {
            if case .binary(.and, let l, let r, _) = e.kind { return flatten(l) + flatten(r) }
            return [e]
        }
        var exprs = flatten(try p.expression())
        var clauses: [GoalClause] = []
        while isIdent("within") {
            let w = current
            _ = p.advance()
            let value = exprs.removeLast()
            clauses += exprs.map { .condition($0) }
            let tol = try p.expression()
            guard isIdent("of") else {
                throw error("expected 'of' after the tolerance: VALUE within 2% of TARGET", at: w)
            }
            _ = p.advance()
            let rest = flatten(try p.expression())
            clauses.append(.near(value: value, tolerance: tol, target: rest[0]))
            exprs = Array(rest.dropFirst())
            if isIdent("within"), exprs.isEmpty {
                throw error("'within … of' follows the value it compares: write 'A within 2% of B and C within 5% of D'")
            }
        }
        return clauses + exprs.map { .condition($0) }
    }

    mutating func workbench(partID: String, goalCount: inout Int) throws(NapkinError) -> Workbench {
        let kw = current
        _ = p.advance()
        try openBrace("after 'workbench'")
        var wb = Workbench(statements: [], instruments: [], goals: [], line: line(kw))
        while true {
            skipSeparators()
            if isOp("}") { _ = p.advance(); break }
            if atEOF { throw error("the workbench is not closed: expected '}'", at: kw) }
            if isIdent("goal"), isString(next) {
                goalCount += 1
                wb.goals.append(try goal(id: "\(partID).goal\(goalCount)"))
            } else if isIdent("static"), isIdentifier(next) {
                // `static NAME(…)`: reference material, exempt from the knob-dependence check.
                let kwStatic = current
                _ = p.advance()
                let e = try p.expression()
                wb.instruments.append(Instrument(expr: e, isStatic: true, line: line(kwStatic)))
            } else {
                let s = try p.statement()
                if case .expr(let e) = s.kind {
                    wb.instruments.append(Instrument(expr: e, isStatic: false, line: file.location(of: e.span.start).line))
                } else { wb.statements.append(s) }
            }
            try endOfItem("this workbench item")
        }
        return wb
    }
}
