import Foundation

/// Standard output and error written with write(2). FileHandle's write traps when the write
/// fails (a full disk, a file-size limit, a closed pipe); napkin must never crash because its
/// output cannot be written, so a failed write is given up on quietly, as `print` does.
/// Everything napkin prints goes through `output` and `error`, which pass only napkin's own
/// styling escapes: every other control character arrives made visible (`Sanitized.terminal`).
public enum StandardStream {
    public static func output(_ s: String) { write(Sanitized.terminal(s), to: STDOUT_FILENO) }
    public static func error(_ s: String) { write(Sanitized.terminal(s), to: STDERR_FILENO) }

    public static func write(_ s: String, to fd: Int32) {
        var bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }
}
