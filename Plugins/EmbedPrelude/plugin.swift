import Foundation
import PackagePlugin

/// Runs PreludeEmbedder over the target's Prelude/*.lab files before compiling it.
@main
struct EmbedPrelude: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let preludeDir = target.directoryURL.appending(path: "Prelude")
        let names = try FileManager.default.contentsOfDirectory(atPath: preludeDir.path)
            .filter { $0.hasSuffix(".lab") }
            .sorted()
        let inputs = names.map { preludeDir.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedPrelude.swift")
        return [
            .buildCommand(
                displayName: "Embedding the napkin prelude (\(inputs.count) files)",
                executable: try context.tool(named: "PreludeEmbedder").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
