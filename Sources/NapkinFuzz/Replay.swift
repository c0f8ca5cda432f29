import Foundation
import NapkinCore

// Built normally (`swift build --product NapkinFuzz`), this target is a replayer: it runs the
// harness over every file (or every file in every folder) named on the command line and prints
// one line per input. Built for fuzzing (`-Xswiftc -sanitize=fuzzer,address -Xswiftc
// -DNAPKIN_LIBFUZZER`), `main` hands the command line to libFuzzer's driver instead, which
// calls `LLVMFuzzerTestOneInput` (see fuzz/README.md).
//
// Why not libFuzzer's own `main`: SwiftPM links every executable target with
// `--defsym main=<Target>_main`, so the target must define its own entry point.

#if NAPKIN_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

@main
enum Replay {
    static func main() {
        #if NAPKIN_LIBFUZZER
        // Load the prelude before libFuzzer starts counting coverage and allocations.
        _ = Session.onLargeStack { Harness.base.names }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            napkinFuzzOneInput(UnsafeRawPointer(data), size)
        })
        #else
        replay()
        #endif
    }

    static func replay() {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.isEmpty || args.contains("-h") || args.contains("--help") {
            print("usage: NapkinFuzz FILE|DIR ...   (replays fuzz inputs through the harness)")
            exit(args.isEmpty ? 64 : 0)
        }
        var paths: [String] = []
        for a in args {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: a, isDirectory: &isDir) else {
                FileHandle.standardError.write("NapkinFuzz: no such file: \(a)\n".data(using: .utf8)!)
                exit(64)
            }
            if isDir.boolValue {
                let items = (try? FileManager.default.subpathsOfDirectory(atPath: a)) ?? []
                for item in items.sorted() {
                    let p = (a as NSString).appendingPathComponent(item)
                    var d: ObjCBool = false
                    if FileManager.default.fileExists(atPath: p, isDirectory: &d), !d.boolValue { paths.append(p) }
                }
            } else {
                paths.append(a)
            }
        }
        var counts: [Harness.Outcome: Int] = [:]
        let start = Date()
        for p in paths {
            guard let data = FileManager.default.contents(atPath: p) else { continue }
            let t0 = Date()
            let outcome = data.withUnsafeBytes { Harness.run($0) }
            counts[outcome, default: 0] += 1
            print(String(format: "%@ %@ %.0f ms", outcome.rawValue, p, Date().timeIntervalSince(t0) * 1000))
        }
        let summary = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
        print(String(format: "replayed %d inputs in %.1f s: %@", paths.count, Date().timeIntervalSince(start), summary))
    }
}
