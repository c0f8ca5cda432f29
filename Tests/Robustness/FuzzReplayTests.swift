import Foundation
import TestSupport
import Testing

/// The fuzz harness, built as a plain replayer (no sanitizer), over the seed corpus: every
/// .lab file in the repository goes through lexer → parser → checker → evaluator → renderer.
/// Inputs the fuzzer once crashed on are kept in fuzz/regressions/ and replayed here too.
@Suite("Fuzz replay")
struct FuzzReplayTests {
    @Test("the harness replays every .lab file and every fuzz regression without crashing")
    func replaySeeds() throws {
        var paths: [String] = []
        for folder in ["Samples", "Tests/Conformance", "Sources/NapkinLibrary/Prelude", "fuzz/regressions"] {
            let root = repositoryRoot.appendingPathComponent(folder)
            guard let e = FileManager.default.enumerator(atPath: root.path) else { continue }
            for case let p as String in e where p.hasSuffix(".lab") { paths.append(root.appendingPathComponent(p).path) }
        }
        #expect(paths.count > 50, "seed corpus not found under \(repositoryRoot.path)")
        // A generous memory cap, so the replayer keeps its full 1 GiB evaluation stack.
        let r = try napkin(paths, memoryKiB: 16_000_000, seconds: 120, binary: "NapkinFuzz")
        #expect(!r.crashed, "\(r)")
        #expect(r.code == 0, "\(r)")
        #expect(r.out.contains("replayed \(paths.count) inputs"), "\(r)")
    }

    @Test("the mission and ledger targets replay every mission, ledger and their regressions without crashing")
    func replayMissionsAndLedgers() throws {
        func files(_ folders: [String], _ suffix: String) -> [String] {
            var out: [String] = []
            for folder in folders {
                let root = repositoryRoot.appendingPathComponent(folder)
                guard let e = FileManager.default.enumerator(atPath: root.path) else { continue }
                for case let p as String in e where p.hasSuffix(suffix) { out.append(root.appendingPathComponent(p).path) }
            }
            return out
        }
        let missions = files(["Samples", "fuzz/regressions/mission"], ".lab")
        #expect(missions.count >= 3)
        var r = try napkin(missions, memoryKiB: 16_000_000, seconds: 300, binary: "NapkinFuzz", shell: "export NAPKIN_FUZZ_TARGET=mission")
        #expect(!r.crashed && r.code == 0 && r.out.contains("replayed \(missions.count) inputs"), "\(r)")
        let ledgers = files(["fuzz/regressions/ledger"], ".jsonl")
        #expect(ledgers.count >= 3)
        r = try napkin(ledgers, memoryKiB: 16_000_000, seconds: 120, binary: "NapkinFuzz", shell: "export NAPKIN_FUZZ_TARGET=ledger")
        #expect(!r.crashed && r.code == 0 && r.out.contains("replayed \(ledgers.count) inputs"), "\(r)")
    }
}
