import Foundation
import Testing
@testable import NapkinCore

/// Files a person names for napkin's output are written without replacing what the name is:
/// an atomic write renames a new file over the path, and `--html /dev/null` run as root once
/// turned /dev/null into a regular file (every later `</dev/null` then read old output).
@Suite("Output files")
struct OutputFileTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("napkin-output-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Foundation's `deletingLastPathComponent` trapped on a one-character name on Linux
    /// (`--html x`, `:save s`, `--ledger L`, `NAPKIN_HISTORY=h`).
    @Test("the folder of a path, one-character names included")
    func folderOfAPath() {
        #expect(OutputFile.folder(of: "x") == "")
        #expect(OutputFile.folder(of: "page.html") == "")
        #expect(OutputFile.folder(of: "/x") == "/")
        #expect(OutputFile.folder(of: "a/b") == "a")
        #expect(OutputFile.folder(of: "/tmp/a/b.svg") == "/tmp/a")
        #expect(OutputFile.folder(of: "./x") == ".")
    }

    @Test("a new or regular file gets the whole text; a symbolic link keeps pointing at its written target")
    func filesAndLinks() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a.html").path
        try OutputFile.write("one", toFile: file)
        try OutputFile.write("two", toFile: file)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "two")
        let link = dir.appendingPathComponent("link.html").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        try OutputFile.write("three", toFile: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == file)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "three")
        // A link (relative, to a file not made yet) is written through, and stays a link.
        let dangling = dir.appendingPathComponent("later.html").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "made-later.html")
        try OutputFile.write("four", toFile: dangling)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dangling) == "made-later.html")
        #expect(try String(contentsOfFile: dir.appendingPathComponent("made-later.html").path, encoding: .utf8) == "four")
        // A folder that does not exist is named in the error.
        let error = #expect(throws: NapkinError.self) { try OutputFile.write("x", toFile: dir.appendingPathComponent("no/such.html").path) }
        #expect(error?.message.contains("there is no folder") == true)
    }

    @Test("a pipe is written in place, never replaced by a file; a folder is an error")
    func specialFiles() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        try OutputFile.write("through the pipe", toFile: fifo)
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO, "the pipe is still a pipe")
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(reader, &buffer, 64)
        #expect(n > 0 && String(decoding: buffer.prefix(max(0, n)), as: UTF8.self) == "through the pipe")
        #expect(throws: NapkinError.self) { try OutputFile.write("x", toFile: dir.path) }
    }
}
