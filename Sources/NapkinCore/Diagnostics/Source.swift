import Foundation

/// A piece of napkin source text with a name for messages (a file path, `<stdin>`, `<repl>`).
public final class SourceFile: @unchecked Sendable {
    public let id: Int32
    public let name: String
    public let text: String
    /// The text as Unicode scalars (spans index into this array) and the offsets where each line
    /// starts: worked out on first use, since the prelude's files are read from their archived
    /// syntax and most runs never quote them.
    private var indexed: (scalars: [Unicode.Scalar], lineStarts: [Int])?
    private let indexLock = NSLock()

    var scalars: [Unicode.Scalar] { index.scalars }
    private var lineStarts: [Int] { index.lineStarts }

    private var index: (scalars: [Unicode.Scalar], lineStarts: [Int]) {
        indexLock.lock()
        defer { indexLock.unlock() }
        if let indexed { return indexed }
        let scalars = Array(text.unicodeScalars)
        var starts = [0]
        for (i, c) in scalars.enumerated() where c == "\n" { starts.append(i + 1) }
        indexed = (scalars, starts)
        return (scalars, starts)
    }

    public init(name: String, text: String) {
        self.id = SourceFiles.shared.register()
        self.name = name
        self.text = text
        SourceFiles.shared.store(self)
    }

    /// 1-based line and column of a scalar offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let lineStarts = self.lineStarts
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, offset - lineStarts[lo] + 1)
    }

    /// The text of a 1-based line, without its line break.
    public func lineText(_ line: Int) -> String {
        let (scalars, lineStarts) = index
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : scalars.count
        if end > start, end <= scalars.count, scalars[end - 1] == "\r" { end -= 1 }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[start..<max(start, end)])
        return String(s)
    }

    public func slice(_ span: Span) -> String {
        let scalars = self.scalars
        let lo = max(0, min(span.start, scalars.count)), hi = max(lo, min(span.end, scalars.count))
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[lo..<hi])
        return String(s)
    }
}

/// Every source file a process has seen, so a span can name its file by a small id
/// (spans are copied on hot paths; a strong reference in each would cost a retain).
final class SourceFiles: @unchecked Sendable {
    static let shared = SourceFiles()
    private let lock = NSLock()
    private var files: [SourceFile?] = [nil]

    func register() -> Int32 {
        lock.lock(); defer { lock.unlock() }
        files.append(nil)
        return Int32(files.count - 1)
    }

    func store(_ f: SourceFile) {
        lock.lock(); defer { lock.unlock() }
        files[Int(f.id)] = f
    }

    func file(_ id: Int32) -> SourceFile? {
        lock.lock(); defer { lock.unlock() }
        return id > 0 && Int(id) < files.count ? files[Int(id)] : nil
    }
}

/// A half-open range of scalar offsets in one source file.
public struct Span: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var fileID: Int32

    public init(_ start: Int, _ end: Int, file: SourceFile?) {
        self.start = start
        self.end = end
        self.fileID = file?.id ?? 0
    }

    public var file: SourceFile? { SourceFiles.shared.file(fileID) }

    public func to(_ other: Span) -> Span {
        var s = self
        s.start = min(start, other.start)
        s.end = max(end, other.end)
        return s
    }

    public var text: String { file?.slice(self) ?? "" }
}
