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
        // Instruments: terminal plots, bars, gauges, radar, seesaw, and SVG for slides.
        .target(name: "NapkinInstruments", dependencies: ["NapkinCore"], path: "Sources/NapkinInstruments"),
        .executableTarget(name: "PreludeEmbedder", path: "Sources/PreludeEmbedder"),
        .plugin(name: "EmbedPrelude", capability: .buildTool(), dependencies: ["PreludeEmbedder"]),
        .executableTarget(
            name: "napkin",
            dependencies: [
                "NapkinCore", "NapkinLibrary", "NapkinREPL", "NapkinInstruments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI"
        ),
        // The interactive session: libedit line editing, history, completion, :commands.
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .target(name: "CEditLineShim", dependencies: ["CEditLine"], path: "Sources/CEditLineShim"),
        .target(name: "NapkinREPL", dependencies: ["NapkinCore", "CEditLine", "CEditLineShim"], path: "Sources/NapkinREPL"),
        .testTarget(name: "NapkinCoreTests", dependencies: ["NapkinCore", "NapkinLibrary"]),
        .testTarget(name: "InstrumentsTests", dependencies: ["NapkinInstruments", "NapkinCore", "NapkinLibrary"]),
        .testTarget(name: "REPLTests", dependencies: ["NapkinREPL", "NapkinCore", "NapkinLibrary", "napkin"]),
        .testTarget(name: "ConformanceTests", dependencies: ["NapkinCore", "NapkinLibrary", "napkin"]),
    ],
    // Swift 5 mode: the interpreter is single-threaded by design and shares no mutable state.
    swiftLanguageModes: [.v5]
)
