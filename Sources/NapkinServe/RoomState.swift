import Foundation

/// What the page shows of one knob: a slider (`range`), a choice list, or a toggle (a choice of
/// two options; checked is the second). Values of a range are in `unit`, the unit the knob is
/// displayed in; the host turns a move back into a typed line, so the page never sends napkin source.
public struct KnobView: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case range, toggle, choice }
    public var name: String
    public var kind: Kind
    public var value: Double
    public var low: Double
    public var high: Double
    /// The slider's step (in `unit`): a hundredth of the range unless the knob says otherwise.
    public var step: Double
    public var unit: String
    /// The value as napkin prints it (`4.5 MWh`), or the option chosen (`parquet`).
    public var display: String
    /// The options of a choice or toggle knob, and the one chosen.
    public var choices: [String]
    public var selected: String?
    public var doc: String?

    public init(name: String, kind: Kind = .range, value: Double = 0, low: Double = 0, high: Double = 1, step: Double? = nil,
                unit: String = "", display: String, choices: [String] = [], selected: String? = nil, doc: String? = nil) {
        self.name = name
        self.kind = kind
        self.value = value
        self.low = low
        self.high = high
        self.step = step ?? KnobView.defaultStep(low: low, high: high)
        self.unit = unit
        self.display = display
        self.choices = choices
        self.selected = selected
        self.doc = doc
    }

    /// A round step near a hundredth of the range (1, 2 or 5 times a power of ten).
    public static func defaultStep(low: Double, high: Double) -> Double {
        let span = high - low
        guard span.isFinite, span > 0 else { return 1 }
        let raw = span / 100, p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5] where raw <= m * p { return m * p }
        return 10 * p
    }
}

/// A workbench goal and how it stands.
public struct GoalView: Codable, Sendable, Equatable {
    public var text: String
    /// nil while open; "met", "missed" or "unmet" once decided.
    public var status: String?
    public var tries: Int
    public var budget: Int

    public init(text: String, status: String?, tries: Int, budget: Int) {
        self.text = text
        self.status = status
        self.tries = tries
        self.budget = budget
    }
}

/// One thing that happened in the session: an input and what it printed (figures as SVG), or a
/// lab's own text (a question, a reveal).
public struct EntryView: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case input, note, move }
    public var id: Int
    public var kind: Kind
    public var input: String
    public var output: String
    public var figures: [String]
    public var error: Bool
    /// The last result as a big readout (number, unit, dimension), when it was a quantity.
    public var readout: Readout?

    public struct Readout: Codable, Sendable, Equatable {
        public var number: String
        public var unit: String
        public var dimension: String
        public init(number: String, unit: String, dimension: String) {
            self.number = number
            self.unit = unit
            self.dimension = dimension
        }
    }

    public init(id: Int = 0, kind: Kind, input: String, output: String, figures: [String] = [], error: Bool = false, readout: Readout? = nil) {
        self.id = id
        self.kind = kind
        self.input = input
        self.output = output
        self.figures = figures
        self.error = error
        self.readout = readout
    }
}

/// A move the page asked for, already checked against the knob's kind; the host applies it as
/// a typed line, so it meets the same rules (range, ledger) as one.
public struct KnobMove: Sendable, Equatable {
    public enum Setting: Sendable, Equatable {
        case number(Double)
        /// An option of a choice or toggle knob, by name.
        case choice(String)
    }
    public var name: String
    public var setting: Setting
}

/// The session as the page sees it: the last entries, the knobs, the goals. Shared between the
/// session's thread (which publishes) and the server's tasks (which read), behind a lock.
final class RoomState: @unchecked Sendable {
    /// Entries kept for a page that connects late; older ones are dropped.
    static let keep = 100
    private let lock = NSLock()
    private(set) var title = "napkin"
    private var entries: [EntryView] = []
    private var knobs: [KnobView] = []
    private var goals: [GoalView] = []
    private var nextID = 1

    func withLock<T>(_ f: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return f() }

    func add(_ e: EntryView) -> EntryView {
        withLock {
            var e = e
            e.id = nextID
            nextID += 1
            entries.append(e)
            if entries.count > RoomState.keep { entries.removeFirst(entries.count - RoomState.keep) }
            return e
        }
    }

    func set(knobs k: [KnobView]) -> Bool { withLock { defer { knobs = k }; return knobs != k } }
    func set(goals g: [GoalView]) -> Bool { withLock { defer { goals = g }; return goals != g } }
    func set(title t: String) { withLock { title = t } }
    func knob(_ name: String) -> KnobView? { withLock { knobs.first { $0.name == name } } }

    func snapshot() -> Message { withLock { .snapshot(title: title, entries: entries, knobs: knobs, goals: goals) } }
}

/// What the server sends the page over its WebSocket, as JSON.
enum Message {
    case snapshot(title: String, entries: [EntryView], knobs: [KnobView], goals: [GoalView])
    case entry(EntryView)
    case knobs([KnobView])
    case goals([GoalView])

    var json: String {
        struct Snapshot: Encodable { let type = "snapshot"; let title: String; let entries: [EntryView]; let knobs: [KnobView]; let goals: [GoalView] }
        struct One<T: Encodable>: Encodable { let type: String; let value: T }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data?
        switch self {
        case .snapshot(let t, let e, let k, let g): data = try? encoder.encode(Snapshot(title: t, entries: e, knobs: k, goals: g))
        case .entry(let e): data = try? encoder.encode(One(type: "entry", value: e))
        case .knobs(let k): data = try? encoder.encode(One(type: "knobs", value: k))
        case .goals(let g): data = try? encoder.encode(One(type: "goals", value: g))
        }
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
