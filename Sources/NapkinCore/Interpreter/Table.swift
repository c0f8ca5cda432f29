/// Tables: the result of a sweep (or of `table(...)`), kept as columns. A column of quantities
/// of one dimension and one display unit is a contiguous array of Doubles (8 bytes a cell, read
/// in place by plots and exports); any other column (text, records, booleans, mixed dimensions
/// or units) keeps its values as they are.

/// One column of a table.
public enum TableColumn: Sendable {
    /// Quantities of one dimension, all remembering the unit `unitID` (0: none).
    case numbers(ContiguousArray<Double>, dim: Dimension, unitID: UInt32)
    case values([Value])

    public var count: Int {
        switch self {
        case .numbers(let xs, _, _): return xs.count
        case .values(let vs): return vs.count
        }
    }

    /// Cell `i` as a value (a numeric cell is the quantity it was when the table was built).
    @inline(__always)
    public subscript(_ i: Int) -> Value {
        switch self {
        case .numbers(let xs, let dim, let unitID): return .quantity(Quantity(xs[i], dim, unitID: unitID))
        case .values(let vs): return vs[i]
        }
    }

    /// Every cell as a value: a list.
    public var values: [Value] {
        switch self {
        case .numbers(let xs, let dim, let unitID): return xs.map { .quantity(Quantity($0, dim, unitID: unitID)) }
        case .values(let vs): return vs
        }
    }

    /// The numbers, their dimension and remembered unit, when the column is numeric.
    public var numbers: (values: ContiguousArray<Double>, dim: Dimension, unitID: UInt32)? {
        if case .numbers(let xs, let dim, let unitID) = self { return (xs, dim, unitID) }
        return nil
    }

    /// A column made of `values`, numeric when they allow it.
    public init(_ values: [Value]) {
        var b = ColumnBuilder(capacity: values.count)
        for v in values { b.append(v) }
        self = b.column
    }

    /// When every cell is a quantity of one dimension (`nothing` cells skipped when
    /// `skippingNothing`): that dimension, the unit the first quantity remembers and the
    /// largest finite magnitude; nil otherwise. One pass that stops on Ctrl-C or --timeout.
    public func quantitySummary(skippingNothing: Bool = false, _ cancel: CancelFlag) throws(NapkinError)
        -> (dim: Dimension, remembered: DisplayUnit?, biggest: Double)? {
        switch self {
        case .numbers(let xs, let dim, let unitID):
            guard !xs.isEmpty else { return nil }
            var biggest = 0.0
            for (i, x) in xs.enumerated() {
                if x.isFinite { biggest = max(biggest, abs(x)) }
                try cancel.check(i)
            }
            return (dim, Quantity(0, dim, unitID: unitID).unit, biggest)
        case .values(let vs):
            var first: Quantity?, biggest = 0.0
            for (i, v) in vs.enumerated() {
                try cancel.check(i)
                if skippingNothing, case .nothing = v { continue }
                guard case .quantity(let q) = v, first.map({ $0.dim == q.dim }) ?? true else { return nil }
                if first == nil { first = q }
                if q.value.isFinite { biggest = max(biggest, abs(q.value)) }
            }
            return first.map { ($0.dim, $0.unit, biggest) }
        }
    }
}

/// Builds a column cell by cell: numeric while every cell is a quantity of the first cell's
/// dimension and unit, then (from the first cell that is not) a column of values, so a table
/// shows and reads back exactly the values its sweep produced.
public struct ColumnBuilder {
    private var numbers = ContiguousArray<Double>()
    private var dim = Dimension.none
    private var unitID: UInt32 = 0
    private var values: [Value]?
    private let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
        numbers.reserveCapacity(capacity)
    }

    /// False once the column holds values: the caller may account for the larger cells.
    public var isNumeric: Bool { values == nil }

    /// Whether `v` keeps the column numeric.
    @inline(__always)
    public func staysNumeric(with v: Value) -> Bool {
        guard values == nil, case .quantity(let q) = v else { return false }
        return numbers.isEmpty || (q.dim == dim && q.unitID == unitID)
    }

    @inline(__always)
    public mutating func append(_ v: Value) {
        if values == nil, case .quantity(let q) = v {
            if numbers.isEmpty {
                dim = q.dim
                unitID = q.unitID
            }
            if q.dim == dim, q.unitID == unitID {
                numbers.append(q.value)
                return
            }
        }
        if values == nil { becomeValues() }
        values!.append(v)
    }

    private mutating func becomeValues() {
        var vs: [Value] = []
        vs.reserveCapacity(Swift.max(capacity, numbers.count + 1))
        for x in numbers { vs.append(.quantity(Quantity(x, dim, unitID: unitID))) }
        numbers = []
        values = vs
    }

    public var column: TableColumn {
        if let values { return .values(values) }
        return .numbers(numbers, dim: dim, unitID: unitID)
    }
}

/// The result of a sweep: one column for the swept knob, one per body expression.
public final class Table: @unchecked Sendable {
    public let names: [String]
    public let columns: [TableColumn]
    /// Rows.
    public let count: Int

    public init(names: [String], columns: [TableColumn]) {
        precondition(names.count == columns.count && Set(columns.map(\.count)).count <= 1, "a table's columns differ in length")
        self.names = names
        self.columns = columns
        count = columns.first?.count ?? 0
    }

    @inline(__always)
    public func cell(_ row: Int, _ column: Int) -> Value { columns[column][row] }

    /// Row `r` as a record of the column names.
    public func record(_ r: Int) -> Record { Record(keys: names, values: columns.map { $0[r] }) }

    /// Column `i` as a list of values.
    public func column(_ i: Int) -> [Value] { columns[i].values }

    /// Column `i` as a list, within the session's memory budget: a numeric column's cells
    /// grow fourfold as values.
    func list(_ i: Int, _ interp: Interpreter, _ span: Span) throws(NapkinError) -> Value {
        if columns[i].numbers != nil { try interp.reserve(count * MemoryLayout<Value>.stride, span) }
        return .list(column(i))
    }
}

/// Builds a table row by row, appending each cell straight into its column.
struct TableBuilder {
    let names: [String]
    private var builders: [ColumnBuilder]
    private let interp: Interpreter
    private let span: Span
    private let capacity: Int

    /// About what a row takes while every column is numeric (see `ColumnBuilder`).
    static func bytesPerRow(_ columns: Int) -> Int { columns * MemoryLayout<Double>.stride }

    /// Reserves the memory `capacity` numeric rows take (the session's budget, `--max-memory`).
    init(names: [String], capacity: Int, _ interp: Interpreter, _ span: Span) throws(NapkinError) {
        // Saturating: 10¹⁵ rows of 1500 columns (with --max-sweep raised) overflowed and trapped.
        let (bytes, overflow) = capacity.multipliedReportingOverflow(by: TableBuilder.bytesPerRow(names.count))
        try interp.reserve(overflow ? Int.max : bytes, span)
        self.names = names
        self.capacity = capacity
        self.interp = interp
        self.span = span
        builders = names.map { _ in ColumnBuilder(capacity: capacity) }
    }

    /// Appends a row: one cell per column, in order.
    @inline(__always)
    mutating func append(_ row: [Value]) throws(NapkinError) {
        for c in 0..<builders.count {
            // A column that stops being numeric holds values from now on: ask for their room first.
            if builders[c].isNumeric, !builders[c].staysNumeric(with: row[c]) {
                try interp.reserve(capacity * MemoryLayout<Value>.stride, span)
            }
            builders[c].append(row[c])
        }
    }

    var table: Table { Table(names: names, columns: builders.map(\.column)) }
}
