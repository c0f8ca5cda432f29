import Foundation

/// The folder holding the built products (the test bundle sits beside the `napkin` binary).
public let productsDirectory: URL = {
    var url = Bundle.main.bundleURL
    for _ in 0..<4 {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("napkin").path) { return url }
        url.deleteLastPathComponent()
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}()

/// The repository root, found from this file's path.
public let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}()
