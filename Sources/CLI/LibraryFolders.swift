import Foundation
import NapkinCore

/// `--lib DIR`: a user's own .lab definitions loaded after the built-in library, without
/// rebuilding napkin. Files load in name order (like the prelude), each all or nothing.
enum LibraryFolders {
    static func files(in dir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".lab") }.sorted().map { (dir as NSString).appendingPathComponent($0) }
    }

    static func load(_ dirs: [String], into session: Session) throws(NapkinError) {
        for dir in dirs {
            for path in files(in: dir) {
                guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw NapkinError(.runtime, "--lib: cannot read '\(path)' as UTF-8 text")
                }
                try session.run(text, name: path)
            }
        }
    }
}
