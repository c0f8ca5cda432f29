// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "napkin",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "napkin", targets: ["napkin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The language pipeline: lexer → parser → checker → interpreter, plus units and diagnostics.
        .target(name: "NapkinCore", path: "Sources/NapkinCore"),
        // The prelude (units, physics library) written in napkin, embedded into the binary at build time.
        .target(
            name: "NapkinLibrary",
            dependencies: ["NapkinCore"],
            path: "Sources/NapkinLibrary",
            exclude: ["Prelude"],
            plugins: ["EmbedPrelude"]
        ),
        .executableTarget(name: "PreludeEmbedder", path: "Sources/PreludeEmbedder"),
        .plugin(name: "EmbedPrelude", capability: .buildTool(), dependencies: ["PreludeEmbedder"]),
        .executableTarget(
            name: "napkin",
            dependencies: [
                "NapkinCore", "NapkinLibrary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI"
        ),
        .testTarget(name: "NapkinCoreTests", dependencies: ["NapkinCore", "NapkinLibrary"]),
        .testTarget(name: "ConformanceTests", dependencies: ["NapkinCore", "NapkinLibrary", "napkin"]),
    ],
    // Swift 5 mode: the interpreter is single-threaded by design and shares no mutable state.
    swiftLanguageModes: [.v5]
)
