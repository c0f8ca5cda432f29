import Foundation

/// The pipeline's front door for the CLI, the REPL and the mission runner:
/// source text in; results, printed lines and errors out.
public final class Session {
    public let interpreter: Interpreter
    public private(set) var unitNames: UnitNames
    /// Each top-level expression's value, as it is computed.
    public var onResult: (Value) -> Void = { _ in }

    public init(interpreter: Interpreter = Interpreter(), unitNames: UnitNames = UnitNames()) {
        self.interpreter = interpreter
        self.unitNames = unitNames
    }

    /// Parses and name-checks a whole program without running it.
    public func parse(_ source: String, name: String) throws(NapkinError) -> [Stmt] {
        let file = SourceFile(name: name, text: source)
        let program = try Parser.parse(file, units: unitNames)
        var checker = NameChecker(globals: interpreter.globals.keys, builtins: interpreter.builtinNames, units: unitNames,
                                  declaredUnits: interpreter.units.declaredUnitNames)
        try checker.check(program)
        return program
    }

    /// Runs a program. With `transactional`, a failure leaves the session exactly as it was
    /// (a REPL line that fails defines nothing).
    public func run(_ source: String, name: String, transactional: Bool = false) throws(NapkinError) {
        let savedNames = transactional ? unitNames.copy() : nil
        let snapshot = transactional ? interpreter.snapshot() : nil
        do {
            let program = try parse(source, name: name)
            for stmt in program {
                if let v = try interpreter.execute(stmt) { onResult(v) }
            }
        } catch {
            if let snapshot, let savedNames {
                interpreter.restore(snapshot)
                unitNames = savedNames
            }
            throw error
        }
    }

    /// Runs `body` on a thread with a large stack, so deep (but limited) recursion in napkin
    /// code reports a limit error instead of overflowing the native stack. When the system
    /// cannot give that much (a memory cap), smaller stacks are tried, then the calling thread.
    public static func onLargeStack<T>(_ body: @escaping () -> T) -> T {
        let box = ResultBox<T>()
        box.body = { box.value = body() }
        for size in [1 << 30, 1 << 28, 1 << 26] {
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            defer { pthread_attr_destroy(&attr) }
            guard pthread_attr_setstacksize(&attr, size) == 0 else { continue }
            var thread = pthread_t()
            let context = Unmanaged.passRetained(box).toOpaque()
            let started = pthread_create(&thread, &attr, { raw in
                let box = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! RunnableBox
                box.run()
                return nil
            }, context)
            if started == 0 {
                pthread_join(thread, nil)
                return box.value!
            }
            Unmanaged<ResultBox<T>>.fromOpaque(context).release()
        }
        return body()
    }
}

/// Something a raw thread can run.
protocol RunnableBox: AnyObject {
    func run()
}

final class ResultBox<T>: RunnableBox, @unchecked Sendable {
    var value: T?
    var body: (() -> Void)?
    func run() {
        let b = body
        body = nil  // the closure holds the box; let go of it once run
        b?()
    }
}
