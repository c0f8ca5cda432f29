import Foundation

/// A file napkin writes because a person named it (`--html`, `--svg-dir`, `:export`, `:svg`,
/// `:save`, a workbench's figures), written whole. A regular file, or a new one, is replaced
/// atomically (through a temporary file, so no reader sees half of it); a symbolic link's target
/// is written and the link kept; anything else that exists (`/dev/null`, a terminal, a pipe) is
/// written in place. An atomic write renames a new file over its path, which turned
/// `--html /dev/null` into a regular file named /dev/null, run as root.
public enum OutputFile {
    public static func write(_ text: String, toFile path: String) throws(NapkinError) {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var st = stat()
        do {
            if lstat(target, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
                if (st.st_mode & S_IFMT) == S_IFDIR { throw NapkinError(.runtime, "cannot write '\(path)': it is a folder") }
                guard let handle = FileHandle(forWritingAtPath: target) else {
                    throw NapkinError(.runtime, "cannot write '\(path)': it cannot be opened for writing")
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(text.utf8))
                return
            }
            try text.write(toFile: target, atomically: true, encoding: .utf8)
        } catch let e as NapkinError {
            throw e
        } catch {
            throw NapkinError(.runtime, "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
