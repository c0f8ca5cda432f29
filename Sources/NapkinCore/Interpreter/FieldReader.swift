/// Reads `r.f` where `r` names a slot or a global record, for compiled arithmetic and tapes. A
/// global record's field is remembered with the global's version: while the global keeps its
/// value the read is one comparison. Nil for anything unusual (not a record, no such field, not
/// a quantity): the caller then takes the generic rules, which say why.
final class FieldReader {
    let slot: Int?
    let cell: GlobalCell?
    let name: String
    /// The field access in the tree, whose `cachedFieldIndex` says where the field was last time.
    let node: Expr
    private var version = UInt64.max
    private var value = Quantity(0)

    init(slot: Int?, cell: GlobalCell?, name: String, node: Expr) {
        self.slot = slot
        self.cell = cell
        self.name = name
        self.node = node
    }

    @inline(__always)
    func read(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>) -> Quantity? {
        if let slot {
            // Matched in place: the record is not copied out of the slot (no reference count).
            guard case .record(let r) = s[slot] else { return nil }
            return r.quantity(name, hint: node.cachedFieldIndex)
        }
        guard let cell, cell.defined else { return nil }
        if cell.lanes == nil, version == cell.version { return value }
        guard case .record(let r) = cell.read(interp), let q = r.quantity(name, hint: node.cachedFieldIndex) else { return nil }
        // Workers share the reader and only read it; lanes are per worker.
        if cell.lanes == nil, !interp.isWorker {
            value = q
            version = cell.version
        }
        return q
    }
}

extension FieldReader {
    /// The field found by its name, wherever it is (no hint needed): for reads done once, such
    /// as a block's fixed values before the syntax tree has seen the field.
    func lookup(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>) -> Quantity? {
        let record: Value
        if let slot { record = s[slot] } else {
            guard let cell, cell.defined else { return nil }
            record = cell.read(interp)
        }
        guard case .record(let r) = record, case .quantity(let q)? = r[name] else { return nil }
        return q
    }
}
