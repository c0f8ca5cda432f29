import Foundation

/// The pipeline's front door for the CLI, the REPL and the mission runner:
/// source text in; results, printed lines and errors out.
public final class Session {
    public let interpreter: Interpreter
    public private(set) var unitNames: UnitNames
    /// Each top-level expression's value, as it is computed.
    public var onResult: (Value) -> Void = { _ in }
    /// Each top-level statement just before it runs (a handout records what produced what).
    public var onStatement: ((Stmt) -> Void)?
    /// A one-line note about how a statement was read, after its result (the REPL and `-e`
    /// show it): a bound name that is also a unit was read as the value (`let s = 3; 3 m/s`).
    public var onNote: ((String) -> Void)?
    /// Whether `run` checks a function definition's body for dimension errors before the
    /// program runs (tests that compare run-time errors turn it off; the prelude, run from its
    /// archived syntax by `run(parsed:)`, is checked by the tests, not at every start-up).
    public var checksDefinitions = true

    public init(interpreter: Interpreter = Interpreter(), unitNames: UnitNames = UnitNames()) {
        self.interpreter = interpreter
        self.unitNames = unitNames
    }

    /// Parses a whole program and binds its names, checking each (`Binder`), without running it.
    public func parse(_ source: String, name: String) throws(NapkinError) -> Program {
        try parse(SourceFile(name: name, text: source))
    }

    public func parse(_ file: SourceFile) throws(NapkinError) -> Program {
        try parseNoting(file).program
    }

    /// The program, and where a bound name was read as its value instead of a unit.
    func parseNoting(_ file: SourceFile) throws(NapkinError) -> (program: Program, readings: [(name: String, span: Span)]) {
        var parser = try Parser(file: file, units: unitNames, bound: Set(interpreter.globals.keys))
        let statements = try parser.program()
        return (try bind(statements), parser.boundOverUnit)
    }

    /// Binds statements parsed elsewhere against this session, checking every name.
    public func bind(_ statements: [Stmt]) throws(NapkinError) -> Program {
        Program(statements, try Resolution.program(statements, checking: nameRules()))
    }

    /// Binds a lab's statements in parts (`Resolution.parts`): the first (shared code and the
    /// track's bindings) is seen by all, each other part (a mission's part, the synthesis) by
    /// itself only, as a run forgets what a part defined when it ends.
    public func bind(parts: [[Stmt]]) throws(NapkinError) -> Program {
        Program(parts.flatMap { $0 }, try Resolution.parts(parts, checking: nameRules()))
    }

    private func nameRules() -> NameRules {
        NameRules(globals: interpreter.globals.keys, builtins: interpreter.builtinNames, units: unitNames,
                  declaredUnits: interpreter.units.declaredUnitNames,
                  choiceKnobs: Set(interpreter.globals.filter { $0.value.knob?.isChoice == true }.map(\.key)),
                  registry: interpreter.units)
    }

    /// "'s' was read as your value s, not the unit s (second)".
    func readingNote(_ name: String) -> String {
        let word = interpreter.units.longName(name).map { " (\($0))" } ?? ""
        return "'\(name)' was read as your value \(name), not the unit \(name)\(word); to mean the unit, rename the value"
    }

    /// Runs a program. With `transactional`, a failure leaves the session exactly as it was
    /// (a REPL line that fails defines nothing).
    public func run(_ source: String, name: String, transactional: Bool = false) throws(NapkinError) {
        let savedNames = transactional ? unitNames.copy() : nil
        let snapshot = transactional ? interpreter.snapshot() : nil
        do throws(NapkinError) {
            let (program, readings) = try parseNoting(SourceFile(name: name, text: source))
            // A definition whose body mixes dimensions for any call is refused before anything
            // runs, as an unknown name is; a top-level line's error still comes when it runs.
            if checksDefinitions, program.contains(where: { if case .function = $0.kind { return true } else { return false } }),
               let first = DimensionChecker(interpreter: interpreter).check(program, scope: .definitions).first {
                throw first
            }
            for stmt in program {
                // Ctrl-C or --timeout while the last result was being shown or exported: stop here.
                if interpreter.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: stmt.span) }
                onStatement?(stmt)
                if let v = try interpreter.execute(stmt, in: program) { onResult(v) }
                if let onNote {
                    var said = Set<String>()
                    for r in readings where r.span.start >= stmt.span.start && r.span.end <= stmt.span.end && said.insert(r.name).inserted {
                        onNote(readingNote(r.name))
                    }
                }
            }
            if interpreter.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: program.last?.span) }
        } catch {
            if let snapshot, let savedNames {
                interpreter.restore(snapshot)
                unitNames = savedNames
            }
            throw error
        }
    }

    /// Runs one statement of a program bound by `bind` (a lab's). A unit or prefix family it
    /// declares is declared to this session's parser too, so that lines typed afterwards (a
    /// student's in the workbench) read it: the lab was parsed in another session.
    public func execute(_ stmt: Stmt, in program: Program) throws(NapkinError) -> Value? {
        let v = try interpreter.execute(stmt, in: program)
        unitNames.declare(stmt)
        return v
    }

    /// Runs statements parsed and name-checked before (the prelude's archived syntax), without the
    /// definitions' dimension check (the prelude's is the tests' job, not every start-up's). Their
    /// names are bound as each function is first compiled, so start-up binds nothing.
    public func run(parsed program: [Stmt]) throws(NapkinError) {
        for stmt in program {
            if interpreter.cancel.isSet { throw NapkinError(.cancelled, "cancelled", at: stmt.span) }
            onStatement?(stmt)
            if let v = try interpreter.execute(stmt) { onResult(v) }
        }
    }

    /// The session's state (globals, units, the parser's unit names): `rewind` returns to it, so
    /// one loaded prelude serves several runs (`napkin check` gives each track the same start).
    public struct Checkpoint {
        let interpreter: Interpreter.Snapshot
        let unitNames: UnitNames
    }

    public func checkpoint() -> Checkpoint {
        Checkpoint(interpreter: interpreter.snapshot(), unitNames: unitNames.copy())
    }

    public func rewind(to c: Checkpoint) {
        interpreter.restore(c.interpreter)
        unitNames = c.unitNames.copy()
        // Expressions compiled for the last run are dropped: they were compiled against
        // definitions the rewind takes away (a lab's checker meets them again in the next
        // track and compiles them anew).
        interpreter.prepared.removeAll()
    }

    /// Runs `body(0)` … `body(count - 1)` at once, each on a thread with a large stack (the
    /// calling thread takes `body(0)`), and returns when all are done. Each must use sessions of
    /// its own: a session belongs to one thread at a time.
    public static func inParallel(_ count: Int, _ body: @escaping (Int) -> Void) {
        LargeStackThread.runAll(count, body)
    }

    /// Runs `body` on a thread with a large stack, so deep (but limited) recursion in napkin
    /// code reports a limit error instead of overflowing the native stack. When no such thread
    /// can be made, it runs on the calling thread.
    public static func onLargeStack<T>(_ body: @escaping () -> T) -> T {
        let box = ResultBox<T>()
        guard let thread = LargeStackThread.start({ box.value = body() }) else { return body() }
        pthread_join(thread, nil)
        return box.value!
    }
}

final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
