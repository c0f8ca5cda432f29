/// Where a field access found its field last time: records of one literal share their layout,
/// so the index is nearly always right and the name is compared once. It belongs to compiled
/// code (never to the syntax tree); only the calling thread writes it, workers read it.
final class FieldSite {
    let name: String
    var hint = 0
    init(_ name: String) { self.name = name }
}

/// Reads `r.f` where `r` names a slot or a global record, for compiled arithmetic and tapes. A
/// global record's field is remembered with the global's version: while the global keeps its
/// value the read is one comparison. Nil for anything unusual (not a record, no such field, not
/// a quantity): the caller then takes the generic rules, which say why.
final class FieldReader {
    let slot: Int?
    let cell: GlobalCell?
    let site: FieldSite
    private var version = UInt64.max
    private var value = Quantity(0)

    init(slot: Int?, cell: GlobalCell?, name: String) {
        self.slot = slot
        self.cell = cell
        self.site = FieldSite(name)
    }

    var name: String { site.name }

    @inline(__always)
    func read(_ interp: Interpreter, _ s: UnsafeMutablePointer<Value>) -> Quantity? {
        if let slot {
            // Matched in place: the record is not copied out of the slot (no reference count).
            guard case .record(let r) = s[slot] else { return nil }
            return quantity(r, interp)
        }
        guard let cell, cell.defined else { return nil }
        if cell.lanes == nil, version == cell.version { return value }
        guard case .record(let r) = cell.read(interp), let q = quantity(r, interp) else { return nil }
        // Workers share the reader and only read it; lanes are per worker.
        if cell.lanes == nil, !interp.isWorker {
            value = q
            version = cell.version
        }
        return q
    }

    /// The field of `r` as a quantity: where the site says, else found by name (and the site
    /// told, on the calling thread).
    @inline(__always)
    private func quantity(_ r: Record, _ interp: Interpreter) -> Quantity? {
        if let q = r.quantity(site.name, hint: site.hint) { return q }
        guard let j = r.keys.firstIndex(of: site.name), case .quantity(let q) = r.values[j] else { return nil }
        if !interp.isWorker { site.hint = j }
        return q
    }
}

extension FieldReader {
    /// The field found by its name, wherever it is: for reads done once, such as a block's fixed
    /// values.
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
