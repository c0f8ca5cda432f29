import Foundation

/// Golden files for rendered output, shared by the test suites: a folder of expected texts that
/// `NAPKIN_UPDATE_GOLDEN=1 swift test --filter SUITE` rewrites.
public struct GoldenFiles {
    public let folder: URL
    /// The `swift test --filter` that regenerates this folder (named in the failure message).
    public let filter: String

    public init(folder: URL, filter: String) {
        self.folder = folder
        self.filter = filter
    }

    public static var updating: Bool { ProcessInfo.processInfo.environment["NAPKIN_UPDATE_GOLDEN"] == "1" }

    /// nil when `actual` matches the golden file `name` (or has just been written to it);
    /// otherwise what is wrong: the file is missing, or the first line that differs.
    public func mismatch(_ name: String, _ actual: String) throws -> String? {
        let url = folder.appendingPathComponent(name)
        if GoldenFiles.updating {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return nil
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return "missing golden file \(name); run NAPKIN_UPDATE_GOLDEN=1 swift test --filter \(filter)"
        }
        if expected == actual { return nil }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(e, a)).firstIndex { $0 != $1 } ?? min(e.count, a.count)
        return "\(name) differs from its golden file at line \(line + 1):\n  golden: \(line < e.count ? String(e[line]) : "<end>")\n  actual: \(line < a.count ? String(a[line]) : "<end>")"
    }
}
