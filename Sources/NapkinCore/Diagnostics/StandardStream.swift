import Foundation
import Synchronization

/// Standard output and error written with write(2). FileHandle's write traps when the write
/// fails (a full disk, a file-size limit, a closed pipe); napkin must never crash because its
/// output cannot be written, so a failed write gives up on the rest of that text, and the first
/// failure on standard output is kept (`outputFailure`) for the command to report as it exits:
/// a script whose results were lost must not look as if it succeeded.
/// Everything napkin prints goes through `output` and `error`, which pass only napkin's own
/// styling escapes: every other control character arrives made visible (`Sanitized.terminal`).
public enum StandardStream {
    public static func output(_ s: String) { write(Sanitized.terminal(s), to: STDOUT_FILENO) }
    public static func error(_ s: String) { write(Sanitized.terminal(s), to: STDERR_FILENO) }

    /// The errno of the first failed write to standard output (0: none). A reader that went
    /// away (EPIPE: `napkin … | head -1`) is not a failure: it asked for no more.
    private static let failedOutput = Atomic<Int32>(0)

    /// Why standard output could not be written, if it could not (`No space left on device`).
    public static var outputFailure: String? {
        let e = failedOutput.load(ordering: .relaxed)
        return e == 0 ? nil : String(cString: strerror(e))
    }

    public static func write(_ s: String, to fd: Int32) {
        var bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let e = n < 0 ? errno : EIO
                if fd == STDOUT_FILENO, e != EPIPE { _ = failedOutput.compareExchange(expected: 0, desired: e, ordering: .relaxed) }
                return
            }
            off += n
        }
    }
}
