import Foundation

/// A file napkin reads because a person named it (`napkin FILE`, `-i FILE`, `:load`): why it
/// cannot be read, in a few words, and its bytes.
public enum InputFile {
    /// Why `path` cannot be read as a file, or nil when it can.
    public static func whyUnreadable(_ path: String) -> String? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return "no such file" }
        if isDir.boolValue { return "it is a folder" }
        return FileManager.default.isReadableFile(atPath: path) ? nil : "it is not readable"
    }

    /// The file's bytes (nil when it cannot be read). FileManager gives nothing for a device
    /// such as /dev/null, which is read through a handle instead: it reads as empty.
    public static func contents(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path) ?? (try? FileHandle(forReadingAtPath: path)?.readToEnd() ?? Data())
    }
}
