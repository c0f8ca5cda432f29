import Foundation

/// A file napkin writes because a person named it (`--html`, `--svg-dir`, `:export`, `:svg`,
/// `:save`, a workbench's figures), written whole. A regular file, or a new one, is replaced
/// atomically (through a temporary file, so no reader sees half of it); a symbolic link's target
/// is written and the link kept; anything else that exists (`/dev/null`, a terminal, a pipe) is
/// written in place (a pipe only while a program reads it). An atomic write renames a new file over its path, which turned
/// `--html /dev/null` into a regular file named /dev/null, run as root.
public enum OutputFile {
    public static func write(_ text: String, toFile path: String) throws(NapkinError) {
        // Napkin's own standard output or error (`--html /dev/stdout > page.html`): written
        // there, after what napkin printed, never over it.
        var named = stat(), stream = stat()
        if stat(path, &named) == 0 {
            for fd in [STDOUT_FILENO, STDERR_FILENO] where fstat(fd, &stream) == 0 && stream.st_dev == named.st_dev && stream.st_ino == named.st_ino {
                StandardStream.write(text, to: fd)
                return
            }
        }
        let target = resolvingLinks(path)
        var st = stat()
        let folder = OutputFile.folder(of: target)
        var isFolder: ObjCBool = false
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
            throw NapkinError(.runtime, "cannot write '\(path)': there is no folder \(folder)")
        }
        do {
            if lstat(target, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
                if (st.st_mode & S_IFMT) == S_IFDIR { throw NapkinError(.runtime, "cannot write '\(path)': it is a folder") }
                // Opened without waiting: a pipe no program reads fails at once (ENXIO) instead
                // of blocking the session for good, Ctrl-C and all. Once open, writes wait for
                // the reader as usual.
                let fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                if fd < 0 {
                    let why = errno == ENXIO ? "no program is reading that pipe" : String(cString: strerror(errno))
                    throw NapkinError(.runtime, "cannot write '\(path)': \(why)")
                }
                let flags = fcntl(fd, F_GETFL)
                if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
                defer { close(fd) }
                var bytes = Array(text.utf8)[...]
                while !bytes.isEmpty {
                    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                    if n < 0, errno == EINTR { continue }
                    guard n > 0 else {
                        let why = errno == EPIPE ? "the program reading that pipe stopped reading" : String(cString: strerror(errno))
                        throw NapkinError(.runtime, "cannot write '\(path)': \(why)")
                    }
                    bytes = bytes.dropFirst(n)
                }
                return
            }
            try text.write(toFile: target, atomically: true, encoding: .utf8)
        } catch let e as NapkinError {
            throw e
        } catch {
            throw NapkinError(.runtime, "cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    /// The folder part of a path: what comes before its last `/` ("" for a bare name, "/" for
    /// a file at the root). Foundation's `deletingLastPathComponent` trapped on a one-character
    /// name (`--html x`, `:save s`) on Linux.
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The file a path names after its symbolic links, followed one by one (a relative link from
    /// its own folder), so that a link to a file not made yet is written through too.
    static func resolvingLinks(_ path: String) -> String {
        var target = path
        for _ in 0..<40 {
            // /proc/…/fd and /dev links name pipes and sockets as `pipe:[N]`, not as paths.
            guard !target.hasPrefix("/proc/"), !target.hasPrefix("/dev/"),
                  let next = try? FileManager.default.destinationOfSymbolicLink(atPath: target) else { break }
            target = next.hasPrefix("/") ? next : (OutputFile.folder(of: target) as NSString).appendingPathComponent(next)
        }
        return target
    }
}
