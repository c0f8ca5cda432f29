import Foundation
import PackagePlugin

/// Stamps the git commit into the napkin binary (`napkin --version`). It reads .git's files
/// rather than running git, and a build outside a git checkout says "unknown commit". The
/// command's inputs are the files HEAD names, so a new commit re-stamps the binary.
@main
struct StampVersion: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let (commit, inputs) = GitHead.read(from: context.package.directoryURL)
        let output = context.pluginWorkDirectoryURL.appending(path: "NapkinBuildInfo.swift")
        return [
            .buildCommand(
                displayName: "Stamping napkin's version (commit \(commit))",
                executable: try context.tool(named: "VersionStamp").url,
                arguments: [output.path, commit],
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}

enum GitHead {
    /// The short commit of HEAD and the files it was read from; "unknown commit" without git.
    static func read(from package: URL) -> (String, [URL]) {
        let dotGit = package.appending(path: ".git")
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDir) else { return ("unknown commit", []) }
        var gitDir = dotGit
        if !isDir.boolValue {  // a worktree or submodule: ".git" is a file "gitdir: PATH"
            guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir:") else { return ("unknown commit", []) }
            let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
            gitDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appending(path: path)
        }
        // Refs live in the common folder of all worktrees.
        var common = gitDir
        if let c = try? String(contentsOf: gitDir.appending(path: "commondir"), encoding: .utf8) {
            let path = c.trimmingCharacters(in: .whitespacesAndNewlines)
            common = path.hasPrefix("/") ? URL(fileURLWithPath: path) : gitDir.appending(path: path).standardizedFileURL
        }
        let headFile = gitDir.appending(path: "HEAD")
        guard let head = try? String(contentsOf: headFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
            return ("unknown commit", [])
        }
        guard head.hasPrefix("ref:") else { return (String(head.prefix(12)), [headFile]) }
        let ref = head.dropFirst(4).trimmingCharacters(in: .whitespaces)
        for dir in [gitDir, common] {
            let refFile = dir.appending(path: ref)
            if let sha = try? String(contentsOf: refFile, encoding: .utf8) {
                return (String(sha.trimmingCharacters(in: .whitespacesAndNewlines).prefix(12)), [headFile, refFile])
            }
        }
        let packed = common.appending(path: "packed-refs")
        if let text = try? String(contentsOf: packed, encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasSuffix(" " + ref) {
                return (String(line.prefix(12)), [headFile, packed])
            }
        }
        return ("unknown commit", [headFile])
    }
}
