import Foundation
import NapkinCore
import NapkinInstruments

/// Writes figures as SVG into the one folder the command line names, and prints values as
/// CSV, JSON or Markdown. Scripts themselves have no way to write files.
final class FigureExporter {
    let directory: URL?
    let format: TableFormat?
    private var count = 0

    init(directory: String?, format: TableFormat?) {
        self.directory = directory.map { URL(fileURLWithPath: $0, isDirectory: true) }
        self.format = format
    }

    func export(_ v: Value, _ interp: Interpreter) throws(NapkinError) {
        guard case .figure(let f) = v, let directory else { return }
        count += 1
        let slug = (f.title ?? f.kind).lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let name = String(format: "figure-%02d-", count) + String(String(slug).prefix(40)).trimmingCharacters(in: CharacterSet(charactersIn: "-")) + ".svg"
        let svg = try Instruments.renderSVG(f, digits: interp.digits)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try svg.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        } catch {
            throw NapkinError(.runtime, "cannot write \(directory.appendingPathComponent(name).path): \(error.localizedDescription)")
        }
    }

    /// The value as data when --format asks for it; nil for figures and functions (shown as usual).
    func data(_ v: Value, _ interp: Interpreter) throws(NapkinError) -> String? {
        guard let format, DataExport.isData(v) else { return nil }
        return try DataExport.render(v, format: DataExport.Format(rawValue: format.rawValue)!, interpreter: interp)
    }
}
