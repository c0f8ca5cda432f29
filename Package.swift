// swift-tools-version: 6.1
import PackageDescription

/// Linker flags for a Swift runtime and Foundation linked into the binary. The static archives
/// need one another, so they are listed in one group (the toolchain's autolink list leaves the
/// Foundation internals out, since the shared libraries carry them). Nothing imports
/// FoundationNetworking (the browser mirror's server is SwiftNIO on plain sockets), so neither it
/// nor the system's libcurl under its URL sessions is linked or loaded. The binary is linked at a
/// fixed address (`-no-pie`): a position-independent one made the dynamic loader patch 95,000
/// pointers at every start, touching 350 pages (about 1 ms of a 10 ms start). Its code is then
/// not at a random address (the price: one hardening layer less; the browser mirror, the only part
/// that reads from a network, listens on this machine alone unless `--host` says otherwise).
let staticRuntime = ["-static-stdlib", "-Xclang-linker", "-no-pie", "-Xlinker", "--start-group"]
    + ["Foundation", "FoundationEssentials", "FoundationInternationalization", "CoreFoundation", "_FoundationICU",
       "_FoundationCShims", "_FoundationCollections", "swiftSynchronization", "swiftDispatch", "dispatch", "BlocksRuntime"]
        .flatMap { ["-Xlinker", "-l\($0)"] }
    + ["-Xlinker", "--end-group"]

/// The AVX2 kernels of napkin's power are compiled for AVX2 on x86-64 (and called only where the
/// processor has it); elsewhere that target compiles to stubs that are never called.
#if arch(x86_64)
let avx2Kernels: [CSetting] = [.unsafeFlags(["-mavx2"], .when(platforms: [.linux]))]
let avx512Kernels: [CSetting] = [.unsafeFlags(["-mavx512f"], .when(platforms: [.linux]))]
#else
let avx2Kernels: [CSetting] = []
let avx512Kernels: [CSetting] = []
#endif

let package = Package(
    name: "napkin",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "napkin", targets: ["napkin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The room view's local web server (HTTP/1.1 and a WebSocket, on one event-loop thread).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // The language pipeline: lexer → parser → checker → interpreter, plus units and diagnostics.
        .target(name: "NapkinCore", dependencies: ["CVectorMath", "CNumberFormat"], path: "Sources/NapkinCore",
                // Each interpreter's state is touched by one thread at a time (a sweep spread over
                // cores gives every worker an interpreter of its own); dynamic exclusivity checks
                // cost ~5% of evaluation in release builds.
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // Numbers as fixed or scientific text through the C library (String(format:) is six times slower).
        .target(name: "CNumberFormat", path: "Sources/CNumberFormat"),
        // napkin's power over blocks of points: glibc's vector pow (libmvec), four points at a time.
        .target(name: "CVectorMath", dependencies: ["CVectorMathAVX2", "CVectorMathAVX512"], path: "Sources/CVectorMath",
                linkerSettings: [.linkedLibrary("mvec", .when(platforms: [.linux]))]),
        // Its AVX2 kernels, compiled for AVX2 and called only where the processor has it.
        .target(name: "CVectorMathAVX2", path: "Sources/CVectorMathAVX2",
                cSettings: avx2Kernels),
        // And its AVX-512 kernels, likewise.
        .target(name: "CVectorMathAVX512", path: "Sources/CVectorMathAVX512",
                cSettings: avx512Kernels),
        // The prelude (units, physics library) written in napkin, embedded into the binary at build time
        // with its syntax trees (parsed once by PreludeEmbedder, read back at start-up).
        .target(
            name: "NapkinLibrary",
            dependencies: ["NapkinCore"],
            path: "Sources/NapkinLibrary",
            exclude: ["Prelude"],
            plugins: ["EmbedPrelude"]
        ),
        // Instruments: terminal plots, bars, gauges, radar, seesaw, and SVG for slides.
        .target(name: "NapkinInstruments", dependencies: ["NapkinCore"], path: "Sources/NapkinInstruments"),
        // Parses, checks and runs the prelude at build time and archives its syntax trees.
        .executableTarget(name: "PreludeEmbedder", dependencies: ["NapkinCore"], path: "Sources/PreludeEmbedder"),
        .plugin(name: "EmbedPrelude", capability: .buildTool(), dependencies: ["PreludeEmbedder"]),
        // `napkin --version` names the commit it was built from (read from .git, no git needed).
        .executableTarget(name: "VersionStamp", path: "Sources/VersionStamp"),
        .plugin(name: "StampVersion", capability: .buildTool(), dependencies: ["VersionStamp"]),
        .executableTarget(
            name: "napkin",
            dependencies: [
                "NapkinCore", "NapkinLibrary", "NapkinREPL", "NapkinInstruments", "NapkinLab", "NapkinServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI",
            // A release build links the Swift runtime and Foundation statically: start-up does
            // not load and relocate a dozen shared libraries (5 ms less on every run).
            linkerSettings: [.unsafeFlags(staticRuntime, .when(platforms: [.linux], configuration: .release))],
            plugins: ["StampVersion"]
        ),
        // The interactive session: libedit line editing, history, completion, :commands.
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .target(name: "CEditLineShim", dependencies: ["CEditLine"], path: "Sources/CEditLineShim"),
        .target(name: "NapkinREPL", dependencies: ["NapkinCore", "NapkinInstruments", "NapkinServe", "CEditLine", "CEditLineShim"], path: "Sources/NapkinREPL"),
        // The room view: the live browser mirror (a local page with real sliders) and HTML handouts.
        .target(name: "NapkinServe",
                dependencies: ["NapkinCore", "NapkinInstruments",
                               .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio")],
                path: "Sources/NapkinServe"),
        // Lab missions: the mission syntax, prediction locks, workbench, goals, the ledger, `napkin check`.
        // No terminal and no server: the command line brings those (Sources/CLI/MissionTerminal.swift).
        .target(name: "NapkinLab",
                dependencies: ["NapkinCore", "NapkinLibrary", "NapkinInstruments",
                               .product(name: "Crypto", package: "swift-crypto")],
                path: "Sources/NapkinLab"),
        // Shared by the test targets: the real binary on a pseudo-terminal, where things are.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NapkinLabTests", dependencies: ["NapkinLab", "NapkinCore", "NapkinLibrary", "NapkinREPL", "NapkinInstruments", "napkin", "TestSupport"],
                    exclude: ["Fixtures", "Golden"]),
        .testTarget(name: "NapkinCoreTests", dependencies: ["NapkinCore", "NapkinLibrary", "TestSupport"]),
        .testTarget(name: "InstrumentsTests", dependencies: ["NapkinInstruments", "NapkinCore", "NapkinLibrary", "TestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "REPLTests", dependencies: ["NapkinREPL", "NapkinCore", "NapkinLibrary", "napkin", "TestSupport"]),
        // Present mode, the browser mirror (loopback only) and handouts; the real-browser test drives Chromium.
        .testTarget(name: "RoomTests", dependencies: ["NapkinServe", "NapkinInstruments", "NapkinCore", "NapkinLibrary", "napkin", "TestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "ConformanceTests", dependencies: ["NapkinCore", "NapkinLibrary", "napkin", "TestSupport"]),
        // Benchmarks, reported as ratios to reference runs: swift run -c release napkin-bench
        .executableTarget(name: "napkin-bench", dependencies: ["NapkinCore", "NapkinLibrary", "CVectorMath"], path: "Benchmarks/NapkinBench"),
        // Robustness: a libFuzzer harness over programs, missions and ledgers (a replayer when built without -DNAPKIN_LIBFUZZER; see
        // fuzz/README.md), and the hostile-input, limits and sandbox tests.
        .executableTarget(name: "NapkinFuzz", dependencies: ["NapkinCore", "NapkinLibrary", "NapkinInstruments", "NapkinLab"],
                          path: "Sources/NapkinFuzz"),
        .testTarget(name: "RobustnessTests",
                    dependencies: ["NapkinCore", "NapkinLibrary", "NapkinInstruments", "NapkinLab", "napkin", "NapkinFuzz", "TestSupport"],
                    path: "Tests/Robustness"),
    ],
    // Swift 5 mode: an interpreter is used by one thread at a time; the workers of a spread sweep
    // share only values that do not change while they run (ParallelSweep.swift says which).
    swiftLanguageModes: [.v5]
)
