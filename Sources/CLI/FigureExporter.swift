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
        let name = String(format: "figure-%02d-", count) + FigureExporter.slug(f.title ?? f.kind) + ".svg"
        let svg = try Instruments.renderSVG(f, digits: interp.digits)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try OutputFile.write(svg, toFile: directory.appendingPathComponent(name).path)
        } catch let e as NapkinError {
            throw e
        } catch {
            throw NapkinError(.runtime, "cannot write \(directory.appendingPathComponent(name).path): \(error.localizedDescription)")
        }
    }

    /// A file name part from a title: ASCII letters and digits only (accents dropped first), so
    /// no Unicode look-alike of `/`, `\\` or `.` — a letter in some script that looks like a
    /// slash — can reach a file name; everything else becomes `-`; at most 40 characters.
    static func slug(_ title: String) -> String {
        let plain = title.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil).lowercased()
        var out = ""
        for u in plain.unicodeScalars {
            let ok = (u >= "a" && u <= "z") || (u >= "0" && u <= "9")
            if ok { out.unicodeScalars.append(u) } else if !out.hasSuffix("-") { out += "-" }
        }
        let s = String(out.prefix(40)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return s.isEmpty ? "figure" : s
    }

    /// The value as data when --format asks for it; nil for figures and functions (shown as usual).
    func data(_ v: Value, _ interp: Interpreter) throws(NapkinError) -> String? {
        guard let format, DataExport.isData(v) else { return nil }
        return try DataExport.render(v, format: DataExport.Format(rawValue: format.rawValue)!, interpreter: interp)
    }
}
